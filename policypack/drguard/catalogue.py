"""Every policy in the pack, in one list, with the pack's initial configuration."""
from pathlib import Path

from drkit.compliance.catalogue import required_config_rule_identifiers
from pulumi_policy import EnforcementLevel

from drguard import audit, backup, encryption, guardrails, recovery, replication, resilience, tagging, transit

AREAS = (encryption, transit, audit, tagging, replication, backup, resilience, recovery, guardrails)
ALL_POLICIES = [policy for area in AREAS for policy in area.POLICIES]
# The compliance catalogue is the one source of truth for which AWS Config rules both regions must run.
_CATALOGUE = Path(__file__).resolve().parents[2] / "compliance"
# The level is stated because an initial config without one travels over gRPC as the protocol's zero value,
# advisory, which would quietly downgrade the policy.
INITIAL_CONFIG = {"config-rules-both-regions": {
    "enforcementLevel": EnforcementLevel.MANDATORY,
    "requiredRuleIdentifiers": required_config_rule_identifiers(_CATALOGUE),
}}
