"""Backup: immutable vaults, and backups of every stateful store copied out of the primary region."""
from __future__ import annotations

import fnmatch
from typing import Any, Mapping, Optional

from pulumi_policy import (PolicyConfigSchema, PolicyResource, ReportViolation, ResourceValidationArgs, Severity,
                           StackValidationArgs, StackValidationPolicy)

from drguard.common import (PRIMARY, arn_region, as_list, depends_through, dr_role, label, number, of_type, refers_to,
                            resolved_tags, resource_policy, resource_region)
from drguard.frameworks import NIST, framework
from drguard.vendor.drcore.tags import PURPOSE_TAG

VAULT = "aws:backup/vault:Vault"
VAULT_LOCK = "aws:backup/vaultLockConfiguration:VaultLockConfiguration"
PLAN = "aws:backup/plan:Plan"
SELECTION = "aws:backup/selection:Selection"
CLUSTER = "aws:rds/cluster:Cluster"
TABLE = "aws:dynamodb/table:Table"
DEFAULT_MIN_RETENTION_FLOOR = 7
DEFAULT_DATABASE_RETENTION_FLOOR = 7


def _is_set(value: Any) -> bool:
    return value is not None and value != ""


# -- backup-vault-lock-compliance-mode -------------------------------------------------------------
def _validate_vault_lock(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    floor = args.get_config().get("minRetentionDaysFloor", DEFAULT_MIN_RETENTION_FLOOR)
    floor = DEFAULT_MIN_RETENTION_FLOOR if not isinstance(floor, (int, float)) else floor
    locks = of_type(args.resources, VAULT_LOCK)
    for vault in of_type(args.resources, VAULT):
        name = vault.props.get("name")
        vault_locks = [lock for lock in locks if refers_to(lock, "backupVaultName", vault, name or None)]
        if not vault_locks:
            report_violation(
                f"Backup vault {name or vault.name} has no Vault Lock; add an aws:backup/vaultLockConfiguration:"
                f"VaultLockConfiguration with backupVaultName={name or '<vault name>'}, "
                f"changeableForDays (>= 3, compliance mode), minRetentionDays >= {floor:g} and maxRetentionDays.",
                vault.urn)
            continue
        for lock in vault_locks:
            if not _is_set(lock.props.get("changeableForDays")):
                report_violation(
                    f"Vault Lock {lock.name} of backup vault {name} is in governance mode (changeableForDays not set), "
                    f"so privileged users can remove it; set changeableForDays (3 or more) to lock it in compliance "
                    f"mode.", lock.urn)
            minimum = lock.props.get("minRetentionDays")
            if not isinstance(minimum, (int, float)) or minimum < floor:
                state = ("not set" if minimum is None
                         else f"{minimum:g}" if isinstance(minimum, (int, float)) else str(minimum))
                report_violation(
                    f"Vault Lock {lock.name} of backup vault {name}: minRetentionDays is {state}; set it to at least "
                    f"{floor:g} days.", lock.urn)
            if not _is_set(lock.props.get("maxRetentionDays")):
                report_violation(
                    f"Vault Lock {lock.name} of backup vault {name}: maxRetentionDays is not set; set it (e.g. 365) so "
                    f"recovery points cannot be kept with unbounded retention.", lock.urn)


vault_lock_compliance = StackValidationPolicy(
    name="backup-vault-lock-compliance-mode",
    description="Every AWS Backup vault has a Vault Lock in compliance mode with a minimum and maximum retention.",
    validate=_validate_vault_lock,
    severity=Severity.HIGH,
    framework=framework(NIST, "CP-9(8)"),
    remediation_steps="Add an aws:backup/vaultLockConfiguration:VaultLockConfiguration per vault with backupVaultName "
                      "the vault's name, changeableForDays 3 or more (compliance mode), minRetentionDays at least "
                      "minRetentionDaysFloor and maxRetentionDays set (e.g. 365).",
    config_schema=PolicyConfigSchema(properties={
        "minRetentionDaysFloor": {
            "type": "integer", "minimum": 1,
            "description": "Smallest minRetentionDays a vault lock may have.",
            "default": DEFAULT_MIN_RETENTION_FLOOR,
        },
    }),
)


# -- backup-plan-cross-region-copy -----------------------------------------------------------------
def _arn_matches(pattern: Any, service: str, region: Optional[str], resource_suffix: str) -> bool:
    """Whether a selection's resources entry (an ARN, possibly with * wildcards) selects the resource."""
    if not isinstance(pattern, str):
        return False
    if pattern == "*":
        return True
    parts = pattern.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        return False
    candidate = f"arn:{parts[1]}:{service}:{region or parts[3]}:{parts[4]}:{resource_suffix}"
    return fnmatch.fnmatchcase(candidate, pattern)


def _store_identity(store: PolicyResource) -> Optional[tuple[str, str, str]]:
    """(service, ARN resource part, display name) for a cluster or table, from its inputs."""
    if store.resource_type == CLUSTER:
        identifier = store.props.get("clusterIdentifier")
        return ("rds", f"cluster:{identifier}", identifier) if identifier else None
    name = store.props.get("name")
    return ("dynamodb", f"table/{name}", name) if name else None


def _cross_region_copy(plan: PolicyResource) -> bool:
    region = resource_region(plan)
    for rule in as_list(plan.props.get("rules")):
        if not isinstance(rule, Mapping):
            continue
        for copy in as_list(rule.get("copyActions")):
            if isinstance(copy, Mapping):
                destination_region = arn_region(copy.get("destinationVaultArn"))
                if destination_region and destination_region != region:
                    return True
    return False


def _every_rule_copies(plan: PolicyResource) -> bool:
    rules = [r for r in as_list(plan.props.get("rules")) if isinstance(r, Mapping)]
    return bool(rules) and all(as_list(r.get("copyActions")) for r in rules)


def _validate_plan_copy(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    resources = args.resources
    plans = of_type(resources, PLAN)
    selections = of_type(resources, SELECTION)
    plan_regions = {resource_region(p) for p in plans}
    stores = [c for c in of_type(resources, CLUSTER)
              if resource_region(c) in plan_regions or dr_role(c.provider) == PRIMARY]
    exempt = set(args.get_config().get("exemptPurposes") or [])
    stores += [t for t in of_type(resources, TABLE) if resolved_tags(t.props, t.provider).get(PURPOSE_TAG) not in exempt]
    for store in stores:
        kind = "Aurora cluster" if store.resource_type == CLUSTER else "DynamoDB table"
        identity = _store_identity(store)
        region = resource_region(store)
        chosen = []
        for selection in selections:
            entries = as_list(selection.props.get("resources"))
            if depends_through(selection, "resources", store) or (identity and any(
                    _arn_matches(entry, identity[0], region, identity[1]) for entry in entries)):
                chosen.append(selection)
        display = identity[2] if identity else store.name
        if not chosen:
            report_violation(
                f"{kind} {display} ({region}) is not selected by any aws:backup/selection:Selection; add its ARN to "
                f"the `resources` of a selection whose plan copies to a vault in the secondary region.", store.urn)
            continue
        linked_plans = []
        for selection in chosen:
            linked = [p for p in selection.property_dependencies.get("planId", []) if p.resource_type == PLAN]
            # planId is the plan's id output; without a recorded dependency the link is unknowable from inputs,
            # so any plan whose every rule copies is accepted as the selection's plan.
            linked_plans += linked or [p for p in plans if _every_rule_copies(p)]
        if not any(_cross_region_copy(plan) for plan in linked_plans):
            names = ", ".join(sorted({p.name for p in linked_plans})) or "none found"
            report_violation(
                f"{kind} {display} ({region}) is backed up by selection {', '.join(s.name for s in chosen)} but its "
                f"plan ({names}) has no rule with a copyActions entry whose destinationVaultArn is a vault in another "
                f"region; add rules[].copyActions[].destinationVaultArn = ARN of the backup vault in the secondary "
                f"region.", store.urn)


plan_cross_region_copy = StackValidationPolicy(
    name="backup-plan-cross-region-copy",
    description="Every Aurora cluster in the backup region and every DynamoDB table is in an AWS Backup selection "
                "whose plan copies recovery points to a vault in another region.",
    validate=_validate_plan_copy,
    severity=Severity.HIGH,
    framework=framework(NIST, "CP-9"),
    remediation_steps="List the cluster's and table's ARNs in an aws:backup/selection:Selection `resources` whose "
                      "planId is an aws:backup/plan:Plan with a rule whose copyActions[].destinationVaultArn is the "
                      "ARN of the backup vault in the secondary region.",
    config_schema=PolicyConfigSchema(properties={
        "exemptPurposes": {
            "type": "array", "items": {"type": "string"},
            "description": "Tables whose resolved Purpose tag is listed here are exempt (the failover lock and journal "
                           "table must live in one region only).",
            "default": ["dr-control"],
        },
    }),
)

# -- aurora-backup-retention ------------------------------------------------------------------------------------

RDS_INSTANCE = "aws:rds/instance:Instance"


def _database_backup_retention(args: ResourceValidationArgs) -> list[str]:
    props = args.props
    if args.resource_type == RDS_INSTANCE and str(props.get("engine") or "").startswith("aurora"):
        return []  # an Aurora instance's backups are its cluster's
    floor = args.get_config().get("minRetentionDays", DEFAULT_DATABASE_RETENTION_FLOOR)
    days = number(props.get("backupRetentionPeriod"), 1.0 if args.resource_type == CLUSTER else 0.0)
    if days < floor:
        return [f"Database {label(args)} keeps automated backups {days:g} day(s) (backupRetentionPeriod), less than "
                f"{floor}: point-in-time restore cannot reach back past that, so corruption found later is "
                f"unrecoverable from them. Set backupRetentionPeriod to at least {floor} (Aurora allows up to 35); "
                "a global database's secondary cluster needs it too, as it becomes the writer."]
    return []


aurora_backup_retention = resource_policy(
    name="aurora-backup-retention",
    description="Aurora clusters (every global-database member) and RDS instances keep automated backups at least "
                "the configured number of days.",
    types=(CLUSTER, RDS_INSTANCE),
    check=_database_backup_retention,
    severity=Severity.HIGH,
    framework=framework(NIST, "CP-10(2)"),
    remediation="Set backupRetentionPeriod on every aws:rds/cluster (primary and secondary members) and non-Aurora "
                "aws:rds/instance to at least minRetentionDays (default 7; the stack's database.backupRetentionDays "
                "is what the recovery model assumes).",
    config_schema=PolicyConfigSchema(properties={"minRetentionDays": {
        "type": "integer", "minimum": 1, "maximum": 35, "default": DEFAULT_DATABASE_RETENTION_FLOOR,
        "description": "Fewest days of automated backups (the reach of point-in-time restore) a database keeps."}}),
)

POLICIES = [vault_lock_compliance, plan_cross_region_copy, aurora_backup_retention]
