"""Guardrails: no public buckets, no admin wildcards, data stores that survive deletion and corruption.

The network guardrail (security groups) lives in guardrails_network.py; its policies are part of POLICIES here.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pulumi_policy import (ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity,
                           StackValidationArgs, StackValidationPolicy)

from drguard import guardrails_network
from drguard.common import as_list, label, of_type, parse_json_text, pitr_enabled, resolved_tags
from drguard.frameworks import CIS, NIST, PCI, SOC2, framework
from drguard.s3_links import BUCKET_TYPES, configs_of, declared_name

PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
BUCKET_ACLS = ("aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2")
VERSIONINGS = ("aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2")
LOGGINGS = ("aws:s3/bucketLogging:BucketLogging", "aws:s3/bucketLoggingV2:BucketLoggingV2")
PUBLIC_CANNED_ACLS = ("public-read", "public-read-write")
PUBLIC_GRANTEES = ("http://acs.amazonaws.com/groups/global/AllUsers",
                   "http://acs.amazonaws.com/groups/global/AuthenticatedUsers")
BLOCK_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


def _public_grants(grants: Any) -> list[str]:
    found = []
    for grant in as_list(grants):
        grantee = grant.get("grantee") if isinstance(grant, Mapping) else None
        uri = grantee.get("uri") if isinstance(grantee, Mapping) else (grant.get("uri") if isinstance(grant, Mapping)
                                                                       else None)
        if uri in PUBLIC_GRANTEES:
            found.append(uri.rsplit("/", 1)[-1])
    return found


# -- s3-bucket-public-access-blocked ----------------------------------------------------------------------------

def _public_access(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    resources = list(args.resources)
    blocks = of_type(resources, PUBLIC_ACCESS_BLOCK)
    for bucket in of_type(resources, *BUCKET_TYPES):
        mine = configs_of(bucket, blocks)
        if not mine:
            report_violation(f"Bucket {label(bucket)} has no aws:s3/bucketPublicAccessBlock: add one with bucket "
                             f"set to this bucket and {', '.join(BLOCK_FLAGS)} all true.", bucket.urn)
        for block in mine:
            off = [f for f in BLOCK_FLAGS if block.props.get(f) is not True]
            if off:
                report_violation(f"{label(block)} for bucket {declared_name(bucket) or bucket.name} leaves "
                                 f"{', '.join(off)} unset or false: set {', '.join(f + ': true' for f in off)}.",
                                 block.urn)
        acl = bucket.props.get("acl")
        public = ([acl] if acl in PUBLIC_CANNED_ACLS else []) + _public_grants(bucket.props.get("grants"))
        if public:
            report_violation(f"Bucket {label(bucket)} grants public access ({', '.join(public)}): remove acl/grants "
                             "or set acl: private.", bucket.urn)
    for acl_resource in of_type(resources, *BUCKET_ACLS):
        acl = acl_resource.props.get("acl")
        policy = acl_resource.props.get("accessControlPolicy")
        public = ([acl] if acl in PUBLIC_CANNED_ACLS else []) + (
            _public_grants(policy.get("grants")) if isinstance(policy, Mapping) else [])
        if public:
            report_violation(f"{label(acl_resource)} makes bucket {acl_resource.props.get('bucket')} public "
                             f"({', '.join(public)}): set acl: private and remove AllUsers/AuthenticatedUsers "
                             "grants.", acl_resource.urn)


s3_public_access_blocked = StackValidationPolicy(
    name="s3-bucket-public-access-blocked",
    description="Every S3 bucket has all four Block Public Access settings on and no public ACL.",
    validate=_public_access,
    severity=Severity.CRITICAL,
    remediation_steps="For each bucket add an aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock with bucket = "
                      "the bucket's name and blockPublicAcls, blockPublicPolicy, ignorePublicAcls and "
                      "restrictPublicBuckets all true; set any aws:s3/bucketAcl acl to private and drop AllUsers / "
                      "AuthenticatedUsers grants.",
    framework=framework(CIS, "2.1.4"),
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


# -- s3-bucket-access-logging -----------------------------------------------------------------------------------

def _access_logging(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    resources = list(args.resources)
    loggings = of_type(resources, *LOGGINGS)
    for bucket in of_type(resources, *BUCKET_TYPES):
        if resolved_tags(bucket.props, bucket.provider).get("Purpose") == "access-logs":
            continue
        name = declared_name(bucket)
        inline = bucket.props.get("logging")
        targets = [inline.get("targetBucket")] if isinstance(inline, Mapping) else []
        mine = configs_of(bucket, loggings)
        targets += [logging.props.get("targetBucket") for logging in mine]
        for logging in mine:
            if not logging.props.get("targetBucket"):
                report_violation(f"{label(logging)} for bucket {name or bucket.name} has no targetBucket: set it to "
                                 "the region's access-log bucket.", logging.urn)
        valid = [t for t in targets if isinstance(t, str) and t]
        if any(t == name for t in valid):
            report_violation(f"Bucket {label(bucket)} logs access to itself, so every log write is logged again: "
                             "set targetBucket to the region's access-log bucket.", bucket.urn)
        elif not valid and not mine:
            report_violation(f"Bucket {label(bucket)} has no server access logging: add an "
                             "aws:s3/bucketLogging:BucketLogging with bucket set to this bucket and targetBucket the "
                             "region's access-log bucket, or tag a log bucket itself Purpose=access-logs.", bucket.urn)


s3_access_logging = StackValidationPolicy(
    name="s3-bucket-access-logging",
    description="Every S3 bucket except the access-log buckets writes server access logs to another bucket.",
    validate=_access_logging,
    severity=Severity.MEDIUM,
    remediation_steps="For each bucket add an aws:s3/bucketLogging:BucketLogging with bucket = the bucket's name, "
                      "targetBucket = the region's access-log bucket and a targetPrefix; tag the access-log buckets "
                      "themselves Purpose=access-logs.",
    framework=framework(PCI, "10.2.1"),
)


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


# -- iam-no-wildcard-admin --------------------------------------------------------------------------------------

POLICY_DOCUMENT_TYPES = ("aws:iam/policy:Policy", "aws:iam/rolePolicy:RolePolicy", "aws:iam/userPolicy:UserPolicy",
                         "aws:iam/groupPolicy:GroupPolicy")
ROLE = "aws:iam/role:Role"
ATTACHMENTS = ("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "aws:iam/policyAttachment:PolicyAttachment",
               "aws:iam/userPolicyAttachment:UserPolicyAttachment",
               "aws:iam/groupPolicyAttachment:GroupPolicyAttachment")
ADMIN_POLICY = re.compile(r"^arn:aws[a-z-]*:iam::aws:policy/AdministratorAccess$")
ADMIN_ACTIONS = ("*", "*:*")


def _admin_statements(document: Any) -> list[str]:
    """Sids (or positions) of Allow statements granting Action * on Resource *."""
    document = parse_json_text(document)
    if not isinstance(document, Mapping):
        return []
    found = []
    for index, statement in enumerate(as_list(document.get("Statement"))):
        if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
            continue
        actions = [a.strip() for a in as_list(statement.get("Action")) if isinstance(a, str)]
        resources = [r.strip() for r in as_list(statement.get("Resource")) if isinstance(r, str)]
        if any(a in ADMIN_ACTIONS for a in actions) and "*" in resources:
            found.append(str(statement.get("Sid") or f"Statement[{index}]"))
    return found


def _wildcard_admin(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    props = args.props
    fix = "grant the specific actions on the specific resource ARNs the principal needs"
    if args.resource_type in POLICY_DOCUMENT_TYPES:
        statements = _admin_statements(props.get("policy"))
        if statements:
            report_violation(f"{label(args)} allows Action '*' on Resource '*' in "
                             f"{', '.join(statements)}: {fix}.", None)
    elif args.resource_type == ROLE:
        for index, inline in enumerate(as_list(props.get("inlinePolicies"))):
            if isinstance(inline, Mapping):
                statements = _admin_statements(inline.get("policy"))
                if statements:
                    report_violation(f"Role {args.name} inlinePolicies[{index}] ({inline.get('name')}) allows Action "
                                     f"'*' on Resource '*' in {', '.join(statements)}: {fix}.", None)
        for arn in as_list(props.get("managedPolicyArns")):
            if isinstance(arn, str) and ADMIN_POLICY.match(arn):
                report_violation(f"Role {args.name} lists {arn} in managedPolicyArns: remove it and {fix}.", None)
    elif args.resource_type in ATTACHMENTS:
        arn = props.get("policyArn")
        if isinstance(arn, str) and ADMIN_POLICY.match(arn):
            report_violation(f"{label(args)} attaches {arn}: attach a least-privilege policy "
                             f"instead ({fix}).", None)


iam_no_wildcard_admin = ResourceValidationPolicy(
    name="iam-no-wildcard-admin",
    description="No IAM policy, inline policy or attachment grants full administrative access (Action * on "
                "Resource *).",
    validate=_wildcard_admin,
    severity=Severity.CRITICAL,
    remediation_steps="Replace Allow statements with Action '*' (or '*:*') and Resource '*' by the specific actions "
                      "and resource ARNs needed, and remove attachments of arn:aws:iam::aws:policy/AdministratorAccess "
                      "(policyArn or managedPolicyArns).",
    framework=framework(CIS, "1.16"),
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


# -- aurora-iam-authentication ----------------------------------------------------------------------------------

def _iam_auth(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != RDS_CLUSTER or not args.props.get("masterUsername"):
        return
    if args.props.get("iamDatabaseAuthenticationEnabled") is not True:
        report_violation(f"Cluster {args.name} accepts only password logins: set "
                         "iamDatabaseAuthenticationEnabled: true so applications connect with IAM tokens.", None)


aurora_iam_authentication = ResourceValidationPolicy(
    name="aurora-iam-authentication",
    description="The primary Aurora cluster (the one with masterUsername) accepts IAM database authentication.",
    validate=_iam_auth,
    severity=Severity.MEDIUM,
    remediation_steps="Set iamDatabaseAuthenticationEnabled: true on the aws:rds/cluster:Cluster that sets "
                      "masterUsername, and grant rds-db:connect to the application role.",
    framework=framework(NIST, "IA-2"),
)

POLICIES = [s3_public_access_blocked, *guardrails_network.POLICIES, database_deletion_protection,
            iam_no_wildcard_admin, dynamodb_pitr, s3_versioning_enabled, s3_access_logging,
            aurora_iam_authentication]
