"""Replication: the data the platform cannot lose is copied continuously into the secondary region.

Links between resources are made from inputs: by name where the program sets names (a replication
config's `bucket`, a cluster's `globalClusterIdentifier`), and otherwise by the engine's property
dependencies (the resource an input was computed from), which exist even when the name is generated.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping, Optional

from pulumi_policy import (PolicyConfigSchema, PolicyResource, ReportViolation, ResourceValidationArgs,
                           ResourceValidationPolicy, Severity, StackValidationArgs, StackValidationPolicy)

from drguard.common import (PRIMARY, arn_region, as_list, bucket_name_from_arn, dr_role, label, of_type, refers_to,
                            region_of, resolved_tags, resource_region, status_enabled)
from drguard.frameworks import NIST, PCI, framework
from drguard.vendor.drcore.tags import DATA_CLASSIFICATION_TAG, PURPOSE_TAG

BUCKET = "aws:s3/bucket:Bucket"
REPLICATION_CONFIG = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
GLOBAL_CLUSTER = "aws:rds/globalCluster:GlobalCluster"
CLUSTER = "aws:rds/cluster:Cluster"
TABLE = "aws:dynamodb/table:Table"
SECRET = "aws:secretsmanager/secret:Secret"
KMS_KEY = "aws:kms/key:Key"
KMS_REPLICA_KEY = "aws:kms/replicaKey:ReplicaKey"
KMS_ALIAS = "aws:kms/alias:Alias"

DEFAULT_REPLICATED_CLASSIFICATIONS = ["internal", "confidential", "restricted"]
DEFAULT_EXEMPT_PURPOSES = ["access-logs", "alb-access-logs", "audit-logs", "config-delivery"]


# -- helpers of this area (not shared) ------------------------------------------------------------
def _setting(config: Mapping[str, Any], key: str, default: list[str]) -> list[str]:
    value = config.get(key)
    return [str(v) for v in value] if isinstance(value, (list, tuple)) else list(default)


# -- s3-bucket-cross-region-replication ------------------------------------------------------------
def _validate_s3_replication(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    config = args.get_config()
    classifications = _setting(config, "replicatedClassifications", DEFAULT_REPLICATED_CLASSIFICATIONS)
    exempt = _setting(config, "exemptPurposes", DEFAULT_EXEMPT_PURPOSES)
    buckets = of_type(args.resources, BUCKET)
    replication_configs = of_type(args.resources, REPLICATION_CONFIG)
    buckets_by_name: dict[str, list[PolicyResource]] = {}
    for bucket in buckets:
        name = bucket.props.get("bucket")
        if isinstance(name, str) and name:
            buckets_by_name.setdefault(name, []).append(bucket)

    # A rule left Disabled is a replica that silently stops filling, whichever bucket it belongs to.
    for replication in replication_configs:
        stopped = [str(rule.get("id") or f"rules[{index}]") if isinstance(rule, Mapping) else f"rules[{index}]"
                   for index, rule in enumerate(as_list(replication.props.get("rules"))) if not status_enabled(rule)]
        if stopped:
            report_violation(
                f"S3 replication configuration {label(replication)} has rules that are not Enabled "
                f"({', '.join(stopped)}): objects written meanwhile never reach the replica. Set every rules[].status "
                "to Enabled, or remove the rule.", replication.urn)

    # Secondary buckets too: a promoted secondary takes the writes, and failback needs them in the primary.
    for bucket in buckets:
        tags = resolved_tags(bucket.props, bucket.provider)
        classification, purpose = tags.get(DATA_CLASSIFICATION_TAG), tags.get(PURPOSE_TAG)
        if classification not in classifications or purpose in exempt:
            continue
        name = bucket.props.get("bucket")
        region = resource_region(bucket)
        why = f"DataClassification={classification}, {dr_role(bucket.provider) or 'region'} {region}"
        configs = [c for c in replication_configs if refers_to(c, "bucket", bucket, name or None)]
        if not configs:
            report_violation(
                f"S3 bucket {name or bucket.name} ({why}) has no aws:s3/bucketReplicationConfig; add one with "
                f"bucket={name or '<this bucket>'} and an Enabled rule replicating to a bucket in the secondary "
                f"region (or tag the bucket Purpose={'/'.join(exempt)} if it is exempt).", bucket.urn)
            continue
        enabled_rules = [(c, rule) for c in configs for rule in as_list(c.props.get("rules"))
                         if status_enabled(rule)]
        if not enabled_rules:
            report_violation(
                f"S3 bucket {name} ({why}): its replication configuration {', '.join(c.name for c in configs)} has no "
                f"rule with status Enabled; set rules[].status to Enabled.", bucket.urn)
            continue
        cross_region = []
        destinations = []
        for replication, rule in enabled_rules:
            destination = rule.get("destination")
            destination = destination if isinstance(destination, Mapping) else {}
            target = destination.get("bucket")
            destinations.append(str(target))
            targets = buckets_by_name.get(bucket_name_from_arn(target) or "", [])
            if any(resource_region(t) not in (None, region) for t in targets):
                cross_region.append((replication, rule, destination))
        if not cross_region:
            report_violation(
                f"S3 bucket {name} ({why}): no Enabled replication rule has a destination bucket managed in another "
                f"region (destinations: {', '.join(destinations)}); set rules[].destination.bucket to the ARN of the "
                f"replica bucket in the secondary region.", bucket.urn)
            continue
        if not any(status_enabled(destination.get("replicationTime")) for _, _, destination in cross_region):
            report_violation(
                f"S3 bucket {name} ({why}): the cross-region replication rule has no S3 Replication Time Control; set "
                f"rules[].destination.replicationTime.status to Enabled (time.minutes 15).", bucket.urn)
        if not any(status_enabled(rule.get("deleteMarkerReplication")) for _, rule, _ in cross_region):
            report_violation(
                f"S3 bucket {name} ({why}): the cross-region replication rule does not replicate delete markers; set "
                f"rules[].deleteMarkerReplication.status to Enabled.", bucket.urn)


s3_cross_region_replication = StackValidationPolicy(
    name="s3-bucket-cross-region-replication",
    description="S3 buckets holding classified data, in the primary and the secondary region, replicate to a bucket "
                "in another region with Replication Time Control and delete-marker replication; no replication rule "
                "is left disabled.",
    validate=_validate_s3_replication,
    severity=Severity.HIGH,
    framework=framework(NIST, "CP-6"),
    remediation_steps="Add an aws:s3/bucketReplicationConfig:BucketReplicationConfig with bucket set to the data "
                      "bucket's name (the secondary's replicating back to the primary) and a rule with status "
                      "Enabled, destination.bucket the ARN of the twin bucket in the other region, "
                      "destination.replicationTime {status: Enabled, time.minutes: 15} and "
                      "deleteMarkerReplication.status Enabled; buckets that need no replica carry a Purpose tag "
                      "listed in exemptPurposes. Every rule of every replication configuration has status Enabled.",
    config_schema=PolicyConfigSchema(properties={
        "replicatedClassifications": {
            "type": "array", "items": {"type": "string"},
            "description": "DataClassification values whose buckets must replicate to another region.",
            "default": DEFAULT_REPLICATED_CLASSIFICATIONS,
        },
        "exemptPurposes": {
            "type": "array", "items": {"type": "string"},
            "description": "Purpose tag values of buckets that need no cross-region replica.",
            "default": DEFAULT_EXEMPT_PURPOSES,
        },
    }),
)


# -- aurora-global-cluster-secondary-member --------------------------------------------------------
def _validate_global_cluster_members(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    clusters = of_type(args.resources, CLUSTER)
    for global_cluster in of_type(args.resources, GLOBAL_CLUSTER):
        identifier = global_cluster.props.get("globalClusterIdentifier")
        members = [c for c in clusters if refers_to(c, "globalClusterIdentifier", global_cluster, identifier or None)]
        regions = sorted({r for r in (resource_region(c) for c in members) if r})
        if len(regions) < 2:
            found = (f"member clusters only in {', '.join(regions)} ({', '.join(c.name for c in members)})"
                     if members else "no member clusters")
            report_violation(
                f"Aurora global cluster {identifier or global_cluster.name} has {found}; add an "
                f"aws:rds/cluster:Cluster with globalClusterIdentifier={identifier or '<its identifier>'} in the "
                f"secondary region.", global_cluster.urn)


aurora_global_secondary = StackValidationPolicy(
    name="aurora-global-cluster-secondary-member",
    description="Every Aurora global database has member clusters in at least two regions.",
    validate=_validate_global_cluster_members,
    severity=Severity.HIGH,
    framework=framework(NIST, "CP-6"),
    remediation_steps="Create an aws:rds/cluster:Cluster with the AWS provider of the secondary region and "
                      "globalClusterIdentifier set to the aws:rds/globalCluster:GlobalCluster's "
                      "globalClusterIdentifier, so the global database has a secondary member to fail over to.",
)


# -- dynamodb-global-table-replica -----------------------------------------------------------------
def _validate_table_replica(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != TABLE:
        return
    own = region_of(args.props, args.provider)
    secondary = _setting(args.get_config(), "secondaryRegions", [])
    if resolved_tags(args.props, args.provider).get(PURPOSE_TAG) in _setting(args.get_config(), "exemptPurposes", []):
        return
    replica_regions = {r.get("regionName") for r in as_list(args.props.get("replicas")) if isinstance(r, Mapping)}
    other = {r for r in replica_regions if isinstance(r, str) and r and r != own}
    name = args.props.get("name") or args.name
    if not other:
        target = secondary[0] if secondary else "the secondary region"
        report_violation(
            f"DynamoDB table {name} (region {own}) has no replica in another region; add a replicas entry with "
            f"regionName={target} (with kmsKeyArn of the replica key there) to make it a global table.", None)
    elif secondary and not other & set(secondary):
        report_violation(
            f"DynamoDB table {name} replicates to {', '.join(sorted(other))} but not to a configured secondary region "
            f"({', '.join(secondary)}); add a replicas entry with regionName={secondary[0]}.", None)


dynamodb_global_table = ResourceValidationPolicy(
    name="dynamodb-global-table-replica",
    description="Every DynamoDB table is a global table with a replica in another (the secondary) region.",
    validate=_validate_table_replica,
    severity=Severity.HIGH,
    framework=framework(NIST, "CP-6"),
    remediation_steps="Add a `replicas` entry to the aws:dynamodb/table:Table with regionName set to the secondary "
                      "region (and kmsKeyArn the replica KMS key there, pointInTimeRecovery true); streams with "
                      "NEW_AND_OLD_IMAGES are required for replicas.",
    config_schema=PolicyConfigSchema(properties={
        "secondaryRegions": {
            "type": "array", "items": {"type": "string"},
            "description": "When non-empty, each table must replicate to one of these regions.",
            "default": [],
        },
        "exemptPurposes": {
            "type": "array", "items": {"type": "string"},
            "description": "Tables whose resolved Purpose tag is listed here are exempt (the failover lock and journal "
                           "table must live in one region only).",
            "default": ["dr-control"],
        },
    }),
)


# -- secretsmanager-secret-replicated --------------------------------------------------------------
def _validate_secret_replica(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != SECRET:
        return
    own = region_of(args.props, args.provider)
    regions = {r.get("region") for r in as_list(args.props.get("replicas")) if isinstance(r, Mapping)}
    if not {r for r in regions if isinstance(r, str) and r and r != own}:
        name = args.props.get("name") or args.name
        report_violation(
            f"Secrets Manager secret {name} (region {own}) has no replica in another region; add a replicas entry "
            f"with region set to the secondary region and kmsKeyId the replica KMS key there.", None)


secret_replicated = ResourceValidationPolicy(
    name="secretsmanager-secret-replicated",
    description="Every Secrets Manager secret is replicated to another region so the standby can start without "
                "the primary region.",
    validate=_validate_secret_replica,
    severity=Severity.HIGH,
    framework=framework(NIST, "CP-9"),
    remediation_steps="Add a `replicas` entry to the aws:secretsmanager/secret:Secret with region set to the "
                      "secondary region and kmsKeyId the ARN of the replica KMS key in that region.",
)


# -- kms-replica-keys-present ----------------------------------------------------------------------
def _replica_key_references(resources: list[PolicyResource]) -> Iterable[tuple[PolicyResource, str, str, Any,
                                                                                   Optional[str]]]:
    """(resource, top-level property, path, key reference, region the key must be in if not in the ARN)."""
    buckets = {b.props.get("bucket"): b for b in of_type(resources, BUCKET)}
    for replication in of_type(resources, REPLICATION_CONFIG):
        for i, rule in enumerate(as_list(replication.props.get("rules"))):
            destination = rule.get("destination") if isinstance(rule, Mapping) else None
            encryption = destination.get("encryptionConfiguration") if isinstance(destination, Mapping) else None
            if isinstance(encryption, Mapping) and encryption.get("replicaKmsKeyId"):
                target = buckets.get(bucket_name_from_arn(destination.get("bucket")))
                yield (replication, "rules", f"rules[{i}].destination.encryptionConfiguration.replicaKmsKeyId",
                       encryption.get("replicaKmsKeyId"), resource_region(target) if target else None)
    for table in of_type(resources, TABLE):
        for i, replica in enumerate(as_list(table.props.get("replicas"))):
            if isinstance(replica, Mapping) and replica.get("kmsKeyArn"):
                yield table, "replicas", f"replicas[{i}].kmsKeyArn", replica.get("kmsKeyArn"), replica.get("regionName")
    for secret in of_type(resources, SECRET):
        for i, replica in enumerate(as_list(secret.props.get("replicas"))):
            if isinstance(replica, Mapping) and replica.get("kmsKeyId"):
                yield secret, "replicas", f"replicas[{i}].kmsKeyId", replica.get("kmsKeyId"), replica.get("region")
    clusters = of_type(resources, CLUSTER)
    primary_regions = {resource_region(c) for c in clusters if dr_role(c.provider) == PRIMARY}
    if not primary_regions:  # no cluster in the primary region: the regions of the primary-role providers
        primary_regions = {region_of({}, r.provider) for r in resources if dr_role(r.provider) == PRIMARY}
    for cluster in clusters:
        region = resource_region(cluster)
        if region not in primary_regions and cluster.props.get("kmsKeyId"):
            yield cluster, "kmsKeyId", "kmsKeyId", cluster.props.get("kmsKeyId"), region


def _key_id(reference: str) -> str:
    return reference.rsplit("/", 1)[-1] if reference.startswith("arn:") or reference.startswith("key/") else reference


def _key_present(resources: list[PolicyResource], referrer: PolicyResource, prop: str, reference: str,
                 region: Optional[str]) -> bool:
    """A ReplicaKey in `region` replicating the referenced key id, or a Key/ReplicaKey in `region` that the
    referring input was computed from (a Key's own id is an output, so the dependency is the only link)."""
    key_id = _key_id(reference)
    if ":alias/" in reference or reference.startswith("alias/"):
        alias_name = "alias/" + reference.split("alias/", 1)[1]
        for alias in of_type(resources, KMS_ALIAS):
            if resource_region(alias) == region and alias.props.get("name") == alias_name:
                target = alias.props.get("targetKeyId")
                if isinstance(target, str) and _key_present(resources, alias, "targetKeyId", target, region):
                    return True
        return False
    for replica in of_type(resources, KMS_REPLICA_KEY):
        if resource_region(replica) == region:
            primary = replica.props.get("primaryKeyArn")
            if isinstance(primary, str) and _key_id(primary) == key_id:
                return True
    return any(dep.resource_type in (KMS_KEY, KMS_REPLICA_KEY) and resource_region(dep) == region
               for dep in referrer.property_dependencies.get(prop, []))


def _validate_replica_keys(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    resources = args.resources
    for referrer, prop, path, reference, context_region in _replica_key_references(resources):
        if not isinstance(reference, str):
            continue
        region = arn_region(reference) or context_region
        if not region:
            continue
        if not _key_present(resources, referrer, prop, reference, region):
            report_violation(
                f"{label(referrer)}: {path} = {reference} names a KMS key in {region} that the stack does not manage; "
                f"add an aws:kms/replicaKey:ReplicaKey in {region} with primaryKeyArn set to the multi-Region primary "
                f"key (key id {_key_id(reference)}) and use its ARN.", referrer.urn)


kms_replica_keys = StackValidationPolicy(
    name="kms-replica-keys-present",
    description="Every KMS key that encrypts a cross-region replica is a key or multi-Region replica key managed "
                "by the stack in the replica's region.",
    validate=_validate_replica_keys,
    severity=Severity.HIGH,
    framework=framework(PCI, "3.6.1"),
    remediation_steps="Create the primary key with multiRegion: true and an aws:kms/replicaKey:ReplicaKey (provider "
                      "of the secondary region, primaryKeyArn the primary key's ARN); use the replica key's ARN for "
                      "S3 destination.encryptionConfiguration.replicaKmsKeyId, DynamoDB replicas[].kmsKeyArn, "
                      "Secrets Manager replicas[].kmsKeyId and the secondary Aurora cluster's kmsKeyId.",
)

POLICIES = [s3_cross_region_replication, aurora_global_secondary, dynamodb_global_table, secret_replicated,
            kms_replica_keys]
