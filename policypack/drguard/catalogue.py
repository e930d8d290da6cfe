"""Every policy in the pack, in one list, with the pack's initial configuration."""
from pulumi_policy import EnforcementLevel

from drguard import (audit, backup, data_protection, encryption, exposure, identity, recovery, replication, resilience,
                     tagging, transit)
from drguard.vendor.required_config_rules import REQUIRED_RULE_IDENTIFIERS

AREAS = (encryption, transit, audit, tagging, replication, backup, resilience, recovery, exposure, identity,
         data_protection)
ALL_POLICIES = [policy for area in AREAS for policy in area.POLICIES]
# The level is stated because an initial config without one travels over gRPC as the protocol's zero value,
# advisory, which would quietly downgrade the policy.
INITIAL_CONFIG = {"config-rules-both-regions": {
    "enforcementLevel": EnforcementLevel.MANDATORY,
    # The compliance catalogue decides which AWS Config rules both regions must run (a generated copy of it).
    "requiredRuleIdentifiers": REQUIRED_RULE_IDENTIFIERS,
}}
