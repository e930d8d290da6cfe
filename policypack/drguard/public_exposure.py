"""Public exposure: nothing this stack deploys is reachable by, or grants access to, anyone outside the account
except the storefront's own front door. Resource policies here: bucket policies without public principals, Lambda
permissions pinned to their source, RDS instances not publicly accessible. The network side (the default security
group, subnets that hand out public addresses, a WAF on every application load balancer) is in public_network.py, whose
POLICIES this module's POLICIES include.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import PolicyConfigSchema, ResourceValidationArgs, Severity

from drguard import public_network
from drguard.common import is_true, label, resource_policy
from drguard.frameworks import NIST, PCI, framework
from drguard.principals import ACCOUNT_ID, describe, is_fixed, is_public_principal_value, open_statements, pins_account

# -- s3-bucket-policy-no-public-principal --------------------------------------------------------------------------

BUCKET_POLICY_TYPES = ("aws:s3/bucketPolicy:BucketPolicy", "aws:s3control/bucketPolicy:BucketPolicy",
                       "aws:s3control/accessPointPolicy:AccessPointPolicy")
INLINE_POLICY_BUCKETS = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
# The keys S3 itself accepts as making a wildcard grant non-public when fixed (Block Public Access, "The meaning of
# public"), less aws:SourceIp: an address range does not confine a grant to this account or organization.
DEFAULT_BUCKET_RESTRICTING_KEYS = ["aws:SourceAccount", "aws:SourceArn", "aws:SourceOwner", "aws:PrincipalAccount",
                                   "aws:PrincipalOrgID", "aws:SourceOrgID", "aws:SourceVpc", "aws:SourceVpce"]


def _bucket_policy(args: ResourceValidationArgs) -> list[str]:
    configured = list(args.get_config().get("restrictingConditionKeys", DEFAULT_BUCKET_RESTRICTING_KEYS))
    # aws:s3/bucketPolicy and the s3control policies carry `policy`; a bucket may carry its policy inline too.
    found = open_statements(args.props.get("policy"), configured)
    if not found:
        return []
    listed = "; ".join(describe(index, statement) for index, statement in found)
    return [f"{label(args)} allows any principal: {listed}, with no Condition pinning one of "
            f"{', '.join(configured)} to a fixed value. Fix: name the account, role or service principal in "
            "Principal, or add a Condition such as StringEquals {aws:PrincipalOrgID: <org id>} or "
            "{aws:SourceVpce: <endpoint id>}."]


s3_bucket_policy_no_public_principal = resource_policy(
    name="s3-bucket-policy-no-public-principal",
    description="No S3 bucket or access point policy allows a public principal (\"*\", {AWS: \"*\"}, a wildcard "
                "account) unless a Condition pins it to this account, organization or network.",
    types=(*BUCKET_POLICY_TYPES, *INLINE_POLICY_BUCKETS),
    check=_bucket_policy,
    severity=Severity.CRITICAL,
    framework=framework(NIST, "AC-3"),
    remediation="In each Allow statement of the bucket policy (aws.s3.BucketPolicy `policy` or the bucket's inline "
                "`policy`), replace Principal '*' / {AWS: '*'} / 'arn:aws:iam::*:root' with the account, role or "
                "service principal that needs access, or add a Condition with StringEquals/ArnEquals on "
                "aws:PrincipalOrgID, aws:PrincipalAccount, aws:SourceAccount, aws:SourceArn, aws:SourceVpc or "
                "aws:SourceVpce set to fixed values. Drop NotPrincipal from Allow statements.",
    config_schema=PolicyConfigSchema(properties={
        "restrictingConditionKeys": {
            "type": "array", "items": {"type": "string"}, "minItems": 1, "default": DEFAULT_BUCKET_RESTRICTING_KEYS,
            "description": "Condition keys that, pinned to fixed values, make a wildcard-principal Allow "
                           "acceptable."},
    }),
)

# -- lambda-permission-restricted-source ----------------------------------------------------------------------------

LAMBDA_PERMISSION = "aws:lambda/permission:Permission"
LAMBDA_FUNCTION_URL = "aws:lambda/functionUrl:FunctionUrl"
LAYER_PERMISSION = "aws:lambda/layerVersionPermission:LayerVersionPermission"
SERVICE_SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn", ".amazon.com")


def _is_service(principal: Any) -> bool:
    return isinstance(principal, str) and principal.strip().lower().endswith(SERVICE_SUFFIXES)


def _account_pinned(props: Mapping[str, Any]) -> bool:
    """sourceAccount is a fixed account id, or sourceArn names a fixed account inside the ARN."""
    account = props.get("sourceAccount")
    return (isinstance(account, str) and bool(ACCOUNT_ID.match(account.strip()))) or pins_account(
        props.get("sourceArn"))


def _permission_findings(props: Mapping[str, Any]) -> list[str]:
    principal = props.get("principal")
    source_arn = props.get("sourceArn")
    if is_public_principal_value("AWS", principal):
        # cdk-nag's LambdaFunctionPublicAccessProhibited accepts "*" with an org id, source account or source ARN;
        # here each must actually confine the grant (a fixed org id, a fixed account, an ARN in a fixed account).
        org = props.get("principalOrgId")
        if is_fixed(org) or _account_pinned(props):
            return []
        return [f"principal {principal!r} lets anyone invoke the function (no principalOrgId, sourceAccount or "
                "account-pinned sourceArn)"]
    if _is_service(principal):
        # AWS Lambda's confused-deputy guidance: a service principal without aws:SourceArn lets that service invoke
        # the function on behalf of any resource in any account; where the source ARN carries no account (S3 bucket
        # ARNs), aws:SourceAccount must pin the owner too.
        if not isinstance(source_arn, str) or not source_arn.strip():
            return [f"service principal {principal} has no sourceArn, so any {principal} resource in any account "
                    "may invoke the function"]
        if not _account_pinned(props):
            return [f"sourceArn {source_arn} names no account, so a same-named resource in another account may "
                    "invoke the function: add sourceAccount"]
    return []


def _lambda_access(args: ResourceValidationArgs) -> list[str]:
    props = args.props
    if args.resource_type == LAMBDA_FUNCTION_URL:
        if str(props.get("authorizationType") or "").upper() == "NONE":
            return [f"{label(args)} has authorizationType NONE: anyone on the internet can invoke the function. "
                    "Fix: set authorizationType: AWS_IAM."]
        return []
    if args.resource_type == LAYER_PERMISSION:
        if is_public_principal_value("AWS", props.get("principal")) and not is_fixed(props.get("organizationId")):
            return [f"{label(args)} shares the layer with every AWS account. Fix: name an account in principal or "
                    "set organizationId."]
        return []
    findings = _permission_findings(props)
    return [f"Lambda permission {label(args)}: {f}. Fix: grant a named principal, and for a service principal set "
            "sourceArn to the invoking resource's ARN (and sourceAccount when that ARN has no account)."
            for f in findings]


lambda_permission_restricted_source = resource_policy(
    name="lambda-permission-restricted-source",
    description="Lambda resource policies are never public: no principal '*' without an org or account pin, every "
                "service principal restricted by sourceArn (and sourceAccount where the ARN has no account), no "
                "function URL without authentication, no layer shared with everyone.",
    types=(LAMBDA_PERMISSION, LAMBDA_FUNCTION_URL, LAYER_PERMISSION),
    check=_lambda_access,
    severity=Severity.HIGH,
    framework=framework(NIST, "AC-3"),
    remediation="On aws.lambda.Permission set principal to a service or account (never '*' without principalOrgId "
                "or sourceAccount); for a service principal set sourceArn to the invoking rule, topic, bucket or API, "
                "and sourceAccount when that ARN carries no account (S3). Set authorizationType: AWS_IAM on "
                "aws.lambda.FunctionUrl; name accounts or an organizationId on aws.lambda.LayerVersionPermission.",
)

# -- rds-instance-not-public ------------------------------------------------------------------------------------------

RDS_INSTANCE = "aws:rds/instance:Instance"
RDS_CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
RDS_CLUSTER = "aws:rds/cluster:Cluster"  # publiclyAccessible applies to Multi-AZ DB clusters


def _rds_public(args: ResourceValidationArgs) -> list[str]:
    props = args.props
    if is_true(props.get("publiclyAccessible")):
        return [f"{label(args)} is publiclyAccessible: its endpoint resolves to a public address outside the VPC. "
                "Fix: set publiclyAccessible: false and reach it from inside the VPC."]
    # Left unset, a cluster instance is left to AWS, and CreateDBInstance makes an instance in the subnet group named
    # "default" (or in no subnet group) public (RDS API reference, PubliclyAccessible); pulumi-aws fills in false for
    # aws.rds.Instance before a policy sees it. Whether unset is public depends on where the instance lands, so the
    # setting must be written down, as cdk-nag's RDSInstancePublicAccess and AWS Config's RDS_INSTANCE_PUBLIC_ACCESS
    # _CHECK expect. An Aurora cluster has no such setting (only a Multi-AZ DB cluster does), so unset passes there.
    if args.resource_type != RDS_CLUSTER and props.get("publiclyAccessible") is None:
        return [f"{label(args)} leaves publiclyAccessible unset, so whether it is public depends on its subnet group "
                "(AWS makes it public in the 'default' one). Fix: set publiclyAccessible: false."]
    return []


rds_instance_not_public = resource_policy(
    name="rds-instance-not-public",
    description="No RDS DB instance, Aurora cluster instance (primary or secondary region) or Multi-AZ DB cluster "
                "is publicly accessible.",
    types=(RDS_INSTANCE, RDS_CLUSTER_INSTANCE, RDS_CLUSTER),
    check=_rds_public,
    severity=Severity.CRITICAL,
    framework=framework(PCI, "1.4.4"),
    remediation="Set publiclyAccessible: false explicitly on every aws.rds.Instance and aws.rds.ClusterInstance (and "
                "on a Multi-AZ aws.rds.Cluster that sets it), and place them in isolated subnets.",
)

POLICIES = [s3_bucket_policy_no_public_principal, lambda_permission_restricted_source, rds_instance_not_public,
            *public_network.POLICIES]
