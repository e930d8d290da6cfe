"""Data protection: stores that survive deletion and corruption — deletion protection, point-in-time recovery,
bucket versioning."""
from __future__ import annotations

from collections.abc import Mapping

from pulumi_policy import (ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity,
                           StackValidationArgs, StackValidationPolicy)

from drguard.common import as_list, label, of_type, pitr_enabled
from drguard.frameworks import NIST, SOC2, framework
from drguard.s3_links import BUCKET_TYPES, configs_of, declared_name

VERSIONINGS = ("aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2")


# -- database-deletion-protection -------------------------------------------------------------------------------

RDS_CLUSTER = "aws:rds/cluster:Cluster"
RDS_GLOBAL_CLUSTER = "aws:rds/globalCluster:GlobalCluster"
RDS_INSTANCE = "aws:rds/instance:Instance"
DYNAMODB_TABLE = "aws:dynamodb/table:Table"


def _deletion_protection(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    props = args.props
    if args.resource_type in (RDS_CLUSTER, RDS_GLOBAL_CLUSTER, RDS_INSTANCE):
        if props.get("deletionProtection") is not True:
            report_violation(f"{label(args)} can be deleted by a single API call or stack "
                             "change: set deletionProtection: true.", None)
    elif args.resource_type == DYNAMODB_TABLE:
        if props.get("deletionProtectionEnabled") is not True:
            report_violation(f"DynamoDB table {args.name} can be deleted by a single API call or stack change: set "
                             "deletionProtectionEnabled: true.", None)
        for replica in as_list(props.get("replicas")):
            if isinstance(replica, Mapping) and replica.get("deletionProtectionEnabled") is not True:
                report_violation(f"DynamoDB table {args.name}'s replica in {replica.get('regionName')} can be "
                                 "deleted on its own: set deletionProtectionEnabled: true on the replica.", None)


database_deletion_protection = ResourceValidationPolicy(
    name="database-deletion-protection",
    description="Aurora/RDS clusters, global clusters and instances and DynamoDB tables (and their replicas) "
                "refuse deletion.",
    validate=_deletion_protection,
    severity=Severity.HIGH,
    remediation_steps="Set deletionProtection: true on aws:rds/cluster, aws:rds/globalCluster and aws:rds/instance "
                      "resources, and deletionProtectionEnabled: true on aws:dynamodb/table and on each of its "
                      "replicas.",
    framework=framework(SOC2, "A1.2"),
)


# -- dynamodb-point-in-time-recovery ----------------------------------------------------------------------------

def _pitr(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != DYNAMODB_TABLE:
        return
    if not pitr_enabled(args.props):
        report_violation(f"DynamoDB table {args.name} cannot be restored to a point in time: set "
                         "pointInTimeRecovery: {enabled: true}.", None)
    for replica in as_list(args.props.get("replicas")):
        if isinstance(replica, Mapping) and replica.get("pointInTimeRecovery") is not True:
            report_violation(f"DynamoDB table {args.name}'s replica in {replica.get('regionName')} has no "
                             "point-in-time recovery: set pointInTimeRecovery: true on the replica.", None)


dynamodb_pitr = ResourceValidationPolicy(
    name="dynamodb-point-in-time-recovery",
    description="DynamoDB tables and their replicas keep point-in-time recovery on.",
    validate=_pitr,
    severity=Severity.HIGH,
    remediation_steps="Set pointInTimeRecovery: {enabled: true} on each aws:dynamodb/table:Table and "
                      "pointInTimeRecovery: true on each entry of its replicas.",
    framework=framework(NIST, "CP-9"),
)


# -- s3-bucket-versioning-enabled -------------------------------------------------------------------------------

def _versioning(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    resources = list(args.resources)
    versionings = of_type(resources, *VERSIONINGS)
    for bucket in of_type(resources, *BUCKET_TYPES):
        inline = bucket.props.get("versioning")
        if isinstance(inline, Mapping) and inline.get("enabled") is True:
            continue
        mine = configs_of(bucket, versionings)
        for versioning in mine:
            configuration = versioning.props.get("versioningConfiguration")
            status = configuration.get("status") if isinstance(configuration, Mapping) else None
            if status != "Enabled":
                report_violation(f"{label(versioning)} sets bucket {declared_name(bucket) or bucket.name} versioning "
                                 f"to {status!r}: set versioningConfiguration.status: Enabled.", versioning.urn)
        if not mine:
            report_violation(f"Bucket {label(bucket)} has no aws:s3/bucketVersioning: add one with bucket set to this "
                             "bucket and versioningConfiguration.status: Enabled.", bucket.urn)


s3_versioning_enabled = StackValidationPolicy(
    name="s3-bucket-versioning-enabled",
    description="Every S3 bucket keeps object versions, so overwritten or deleted objects can be restored.",
    validate=_versioning,
    severity=Severity.HIGH,
    remediation_steps="For each bucket add an aws:s3/bucketVersioning:BucketVersioning with bucket = the bucket's "
                      "name and versioningConfiguration: {status: Enabled}.",
    framework=framework(NIST, "CP-9"),
)

POLICIES = [database_deletion_protection, dynamodb_pitr, s3_versioning_enabled]
