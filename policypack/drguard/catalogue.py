"""Every policy in the pack, in one list, with the pack's initial configuration."""
from drguard import audit, backup, encryption, guardrails, recovery, replication, resilience, tagging, transit

AREAS = (encryption, transit, audit, tagging, replication, backup, resilience, recovery, guardrails)
ALL_POLICIES = [policy for area in AREAS for policy in area.POLICIES]
INITIAL_CONFIG = {}
