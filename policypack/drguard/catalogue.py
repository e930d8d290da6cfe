"""Every policy in the pack, in one list, with the pack's initial configuration."""
from pulumi_policy import EnforcementLevel

from drguard import (activity_logs, audit, backup, container_registry, credentials, data_protection,
                     data_service_baselines, encryption, exposure, failover_resilience, iam_scope, identity,
                     management_conflicts, public_exposure, recovery, replication, resilience, s3_encryption,
                     service_baselines, service_hardening, tagging, transit, workloads)
from drguard.vendor.required_config_rules import REQUIRED_RULE_IDENTIFIERS

AREAS = (s3_encryption, encryption, service_hardening, transit, audit, activity_logs, tagging, replication, backup,
         resilience, failover_resilience, recovery, exposure, public_exposure, identity, iam_scope,
         management_conflicts, credentials, workloads, container_registry, service_baselines, data_service_baselines,
         data_protection)
ALL_POLICIES = [policy for area in AREAS for policy in area.POLICIES]
# The level is stated because an initial config without one travels over gRPC as the protocol's zero value,
# advisory, which would quietly downgrade the policy.
INITIAL_CONFIG = {"config-rules-both-regions": {
    "enforcementLevel": EnforcementLevel.MANDATORY,
    # The compliance catalogue decides which AWS Config rules both regions must run (a generated copy of it).
    "requiredRuleIdentifiers": REQUIRED_RULE_IDENTIFIERS,
}}
