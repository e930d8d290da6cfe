"""Encryption at rest with customer-managed KMS keys (CMKs): one policy per data store, plus the keys themselves.

Every store must name a customer-managed key explicitly. A missing key means the service falls back to an
AWS-owned or AWS-managed key (alias/aws/<service>), whose key policy the platform cannot control, which cannot be
shared with the recovery Region and whose use cannot be revoked; so "not set" and "alias/aws/..." are both
violations. Values unknown during a preview are read normally: the SDK turns the UnknownValueError into an
advisory "can't run during preview" note instead of a verdict.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Callable, Iterable, Optional

from pulumi_policy import (PolicyComplianceFramework, PolicyConfigSchema, PolicyResource, ReportViolation,
                           ResourceValidationArgs, ResourceValidationPolicy, Severity, StackValidationArgs,
                           StackValidationPolicy)

from drguard.common import as_list, bucket_name_from_arn, label, of_type, statements

PCI = ("PCI DSS", "4.0.1")
CIS = ("CIS AWS Foundations Benchmark", "3.0.0")
NIST = ("NIST SP 800-53", "Rev. 5")

BUCKET_TYPES = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
SSE_CONFIG_TYPES = ("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2")
KMS_KEY = "aws:kms/key:Key"
KMS_REPLICA_KEY = "aws:kms/replicaKey:ReplicaKey"

_AWS_MANAGED_ALIAS = re.compile(r"(^|:)alias/aws/", re.IGNORECASE)


def _framework(standard: tuple[str, str], reference: str) -> PolicyComplianceFramework:
    return PolicyComplianceFramework(name=standard[0], version=standard[1], reference=reference)


# --- helpers local to this area (candidates for common.py; see the area's report) --------------------------------

def is_true(value: Any) -> bool:
    """Booleans; some provider inputs (launch template EBS mappings) carry them as the strings "true"/"false"."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def is_aws_managed_key(key: Any) -> bool:
    """alias/aws/<service> or an ARN of such an alias: an AWS-managed key, not a customer-managed one."""
    return isinstance(key, str) and bool(_AWS_MANAGED_ALIAS.search(key.strip()))


def cmk_problem(key: Any, prop: str) -> Optional[str]:
    """Why `key` (the value of input `prop`) does not name a customer-managed KMS key, or None if it does."""
    if not isinstance(key, str) or not key.strip():
        return f"{prop} is not set"
    if is_aws_managed_key(key):
        return f"{prop} is the AWS-managed key {key.strip()}"
    return None


def _resource_policy(*, name: str, description: str, types: Iterable[str],
                     check: Callable[[ResourceValidationArgs], list[str]], severity: Severity,
                     framework: PolicyComplianceFramework, remediation: str,
                     config_schema: Optional[PolicyConfigSchema] = None) -> ResourceValidationPolicy:
    """A resource policy that looks only at `types` and reports each problem `check` returns."""
    wanted = tuple(types)

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if args.resource_type not in wanted:
            return
        for message in check(args):
            report_violation(message, None)

    return ResourceValidationPolicy(name=name, description=description, validate=validate, severity=severity,
                                    framework=framework, remediation_steps=remediation, config_schema=config_schema)


def _who(args: ResourceValidationArgs) -> str:
    return f"{args.name} ({args.resource_type})"


# --- S3 -------------------------------------------------------------------------------------------------------------

def bucket_name(value: Any) -> Optional[str]:
    if not isinstance(value, str) or not value:
        return None
    return bucket_name_from_arn(value) or value


def bucket_targets(buckets: list[PolicyResource], candidates: list[PolicyResource]) -> dict[str, list[PolicyResource]]:
    """Bucket URN -> the candidate resources (per-bucket configuration resources) whose `bucket` names it.

    A bucket without an explicit `bucket` name (auto-named) is matched by the candidates that depend on it."""
    by_name: dict[str, list[PolicyResource]] = {}
    for candidate in candidates:
        name = bucket_name(candidate.props.get("bucket"))
        if name:
            by_name.setdefault(name, []).append(candidate)
    matched: dict[str, list[PolicyResource]] = {}
    for bucket in buckets:
        name = bucket_name(bucket.props.get("bucket"))
        if name:
            matched[bucket.urn] = by_name.get(name, [])
        else:
            matched[bucket.urn] = [c for c in candidates if any(d.urn == bucket.urn for d in c.dependencies)]
    return matched


def _sse_rule_problems(rules: list, where: str) -> list[str]:
    if not rules:
        return [f"{where} has no rules"]
    problems = []
    for index, rule in enumerate(rules):
        default = rule.get("applyServerSideEncryptionByDefault") if isinstance(rule, Mapping) else None
        if not isinstance(default, Mapping):
            problems.append(f"{where} rule {index} has no applyServerSideEncryptionByDefault")
            continue
        algorithm = default.get("sseAlgorithm")
        if algorithm not in ("aws:kms", "aws:kms:dsse"):
            problems.append(f"{where} rule {index} uses sseAlgorithm {algorithm!r} instead of 'aws:kms' or "
                            "'aws:kms:dsse'")
            continue
        problem = cmk_problem(default.get("kmsMasterKeyId"), "applyServerSideEncryptionByDefault.kmsMasterKeyId")
        if problem:
            problems.append(f"{where} rule {index}: {problem}")
    return problems


def _s3_kms(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    buckets = of_type(args.resources, *BUCKET_TYPES)
    if not buckets:
        return
    configs = of_type(args.resources, *SSE_CONFIG_TYPES)
    matched = bucket_targets(buckets, configs)
    setting = ("rules[0].applyServerSideEncryptionByDefault = {sseAlgorithm: 'aws:kms', kmsMasterKeyId: "
               "<customer-managed KMS key ARN>}")
    for bucket in buckets:
        name = bucket_name(bucket.props.get("bucket")) or bucket.name
        problems: list[str] = []
        found = matched[bucket.urn]
        if found:
            for config in found:
                problems += _sse_rule_problems(as_list(config.props.get("rules")), f"encryption configuration "
                                                                                   f"{config.name}")
        else:
            inline = bucket.props.get("serverSideEncryptionConfiguration")
            if isinstance(inline, Mapping):
                problems += _sse_rule_problems(as_list(inline.get("rule")), "inline serverSideEncryptionConfiguration")
            else:
                problems.append("no aws:s3/BucketServerSideEncryptionConfiguration targets it, so objects get "
                                "only the default SSE-S3 (AES256) encryption")
        if problems:
            fix = (f"set {setting} in that configuration" if found else
                   f"add an aws:s3/BucketServerSideEncryptionConfiguration with this bucket's name as `bucket` and "
                   f"{setting}")
            report_violation(f"S3 bucket {label(bucket)} '{name}' is not encrypted with a customer-managed KMS key: "
                             f"{'; '.join(problems)}. Fix: {fix}.", bucket.urn)


s3_bucket_kms_encryption = StackValidationPolicy(
    name="s3-bucket-kms-encryption",
    description="Every S3 bucket has a default server-side encryption configuration using a customer-managed "
                "KMS key (SSE-KMS or DSSE-KMS).",
    validate=_s3_kms,
    severity=Severity.HIGH,
    framework=_framework(PCI, "3.5.1"),
    remediation_steps="Create an aws.s3.BucketServerSideEncryptionConfiguration whose `bucket` is the bucket's name "
                      "and whose rules[0].applyServerSideEncryptionByDefault sets sseAlgorithm 'aws:kms' (or "
                      "'aws:kms:dsse') and kmsMasterKeyId to the ARN of a customer-managed KMS key in the bucket's "
                      "Region (not alias/aws/s3); set bucketKeyEnabled true to cut KMS request costs.",
)


# --- RDS ------------------------------------------------------------------------------------------------------------

def _rds(args: ResourceValidationArgs) -> list[str]:
    props, who = args.props, _who(args)
    problems = []
    if not is_true(props.get("storageEncrypted")):
        problems.append("storageEncrypted is not true")
    if args.resource_type != "aws:rds/globalCluster:GlobalCluster":
        problem = cmk_problem(props.get("kmsKeyId"), "kmsKeyId")
        if problem:
            problems.append(problem)
    if not problems:
        return []
    fix = ("set storageEncrypted: true" if args.resource_type == "aws:rds/globalCluster:GlobalCluster"
           else "set storageEncrypted: true and kmsKeyId to the ARN of a customer-managed KMS key in this Region")
    return [f"RDS storage of {who} is not encrypted with a customer-managed KMS key: {'; '.join(problems)}. "
            f"Fix: {fix}."]


rds_storage_encrypted_cmk = _resource_policy(
    name="rds-storage-encrypted-cmk",
    description="RDS and Aurora storage is encrypted with a customer-managed KMS key.",
    types=("aws:rds/cluster:Cluster", "aws:rds/globalCluster:GlobalCluster", "aws:rds/instance:Instance"),
    check=_rds,
    severity=Severity.HIGH,
    framework=_framework(CIS, "2.3.1"),
    remediation="On aws.rds.Cluster and aws.rds.Instance set storageEncrypted: true and kmsKeyId to the ARN of a "
                "customer-managed KMS key in the resource's Region (a multi-Region key replica in the secondary "
                "Region); on aws.rds.GlobalCluster set storageEncrypted: true. Encryption can only be chosen at "
                "creation: restore from an encrypted snapshot copy to fix an existing database.",
)


# --- DynamoDB -------------------------------------------------------------------------------------------------------

def _dynamodb(args: ResourceValidationArgs) -> list[str]:
    props, who = args.props, _who(args)
    if args.resource_type == "aws:dynamodb/tableReplica:TableReplica":
        problem = cmk_problem(props.get("kmsKeyArn"), "kmsKeyArn")
        if not problem:
            return []
        return [f"DynamoDB table replica {who} is not encrypted with a customer-managed KMS key: {problem}. "
                "Fix: set kmsKeyArn to the ARN of a customer-managed KMS key in the replica's Region."]
    problems = []
    sse = props.get("serverSideEncryption")
    if not isinstance(sse, Mapping) or not is_true(sse.get("enabled")):
        problems.append("serverSideEncryption.enabled is not true (the table uses an AWS-owned key)")
    else:
        problem = cmk_problem(sse.get("kmsKeyArn"), "serverSideEncryption.kmsKeyArn")
        if problem:
            problems.append(problem)
    for index, replica in enumerate(as_list(props.get("replicas"))):
        region = replica.get("regionName") if isinstance(replica, Mapping) else None
        problem = cmk_problem(replica.get("kmsKeyArn") if isinstance(replica, Mapping) else None,
                              f"replicas[{index}].kmsKeyArn")
        if problem:
            problems.append(f"{problem} (replica in {region or 'an unnamed Region'})")
    if not problems:
        return []
    return [f"DynamoDB table {who} is not encrypted with customer-managed KMS keys: {'; '.join(problems)}. Fix: set "
            "serverSideEncryption {enabled: true, kmsKeyArn: <customer-managed key ARN>} and kmsKeyArn on every "
            "replicas entry (the key's replica in that Region)."]


dynamodb_table_cmk_encryption = _resource_policy(
    name="dynamodb-table-cmk-encryption",
    description="DynamoDB tables and each of their replicas are encrypted with a customer-managed KMS key.",
    types=("aws:dynamodb/table:Table", "aws:dynamodb/tableReplica:TableReplica"),
    check=_dynamodb,
    severity=Severity.HIGH,
    framework=_framework(PCI, "3.5.1"),
    remediation="Set serverSideEncryption: {enabled: true, kmsKeyArn: <ARN of a customer-managed KMS key>} on the "
                "aws.dynamodb.Table and kmsKeyArn on every entry of `replicas` (and on aws.dynamodb.TableReplica) "
                "to the customer-managed key in that replica's Region; never alias/aws/dynamodb.",
)


# --- SNS / SQS ------------------------------------------------------------------------------------------------------

def _sns(args: ResourceValidationArgs) -> list[str]:
    problem = cmk_problem(args.props.get("kmsMasterKeyId"), "kmsMasterKeyId")
    return [f"SNS topic {_who(args)} is not encrypted with a customer-managed KMS key: {problem}. Fix: set "
            "kmsMasterKeyId to the ARN of a customer-managed KMS key."] if problem else []


sns_topic_kms_encryption = _resource_policy(
    name="sns-topic-kms-encryption",
    description="SNS topics encrypt messages at rest with a customer-managed KMS key.",
    types=("aws:sns/topic:Topic",),
    check=_sns,
    severity=Severity.MEDIUM,
    framework=_framework(NIST, "SC-28"),
    remediation="Set kmsMasterKeyId on the aws.sns.Topic to the ARN of a customer-managed KMS key (not "
                "alias/aws/sns) whose key policy lets the publishing services (cloudwatch.amazonaws.com, "
                "events.amazonaws.com, ...) use it.",
)


def _sqs(args: ResourceValidationArgs) -> list[str]:
    problem = cmk_problem(args.props.get("kmsMasterKeyId"), "kmsMasterKeyId")
    if not problem:
        return []
    if is_true(args.props.get("sqsManagedSseEnabled")):
        problem += " (sqsManagedSseEnabled uses an SQS-owned key, which is not a customer-managed key)"
    return [f"SQS queue {_who(args)} is not encrypted with a customer-managed KMS key: {problem}. Fix: set "
            "kmsMasterKeyId to the ARN of a customer-managed KMS key."]


sqs_queue_kms_encryption = _resource_policy(
    name="sqs-queue-kms-encryption",
    description="SQS queues encrypt messages at rest with a customer-managed KMS key (SSE-SQS is not accepted).",
    types=("aws:sqs/queue:Queue",),
    check=_sqs,
    severity=Severity.MEDIUM,
    framework=_framework(NIST, "SC-28"),
    remediation="Set kmsMasterKeyId on the aws.sqs.Queue to the ARN of a customer-managed KMS key (not "
                "alias/aws/sqs) and drop sqsManagedSseEnabled; optionally set kmsDataKeyReusePeriodSeconds.",
)


# --- EBS ------------------------------------------------------------------------------------------------------------

def _ebs_problems(device: Any, where: str) -> list[str]:
    """Problems of one EBS device block; `where` is its path in the inputs ('' for a volume's own inputs)."""
    if not isinstance(device, Mapping):
        return [f"{where} is not set"]
    prefix = f"{where}." if where else ""
    problems = []
    if not is_true(device.get("encrypted")):
        problems.append(f"{prefix}encrypted is not true")
    problem = cmk_problem(device.get("kmsKeyId"), f"{prefix}kmsKeyId")
    if problem:
        problems.append(problem)
    return problems


def _ebs(args: ResourceValidationArgs) -> list[str]:
    props = args.props
    problems: list[str] = []
    if args.resource_type == "aws:ebs/volume:Volume":
        problems = _ebs_problems(props, "")
    elif args.resource_type == "aws:ec2/launchTemplate:LaunchTemplate":
        ebs_mappings = [(i, m) for i, m in enumerate(as_list(props.get("blockDeviceMappings")))
                        if isinstance(m, Mapping) and m.get("ebs") is not None]
        if not ebs_mappings:
            problems.append("blockDeviceMappings declares no EBS volume, so the instances' volumes take the AMI's "
                            "unencrypted defaults")
        for index, mapping in ebs_mappings:
            problems += _ebs_problems(mapping.get("ebs"), f"blockDeviceMappings[{index}].ebs")
    else:  # aws:ec2/instance:Instance
        root = props.get("rootBlockDevice")
        if root is not None or props.get("launchTemplate") is None:
            problems += _ebs_problems(root, "rootBlockDevice")
        for index, device in enumerate(as_list(props.get("ebsBlockDevices"))):
            problems += _ebs_problems(device, f"ebsBlockDevices[{index}]")
    if not problems:
        return []
    return [f"EBS storage of {_who(args)} is not encrypted with a customer-managed KMS key: {'; '.join(problems)}. "
            "Fix: set encrypted: true and kmsKeyId to the ARN of a customer-managed KMS key on every EBS volume."]


ebs_volume_kms_encryption = _resource_policy(
    name="ebs-volume-kms-encryption",
    description="EBS volumes, launch template block devices and instance root/EBS devices are encrypted with a "
                "customer-managed KMS key.",
    types=("aws:ebs/volume:Volume", "aws:ec2/launchTemplate:LaunchTemplate", "aws:ec2/instance:Instance"),
    check=_ebs,
    severity=Severity.HIGH,
    framework=_framework(CIS, "2.2.1"),
    remediation="Set encrypted: true and kmsKeyId: <customer-managed KMS key ARN> on aws.ebs.Volume, on every "
                "blockDeviceMappings[].ebs of aws.ec2.LaunchTemplate (encrypted: 'true'), and on rootBlockDevice "
                "and every ebsBlockDevices entry of aws.ec2.Instance; never alias/aws/ebs.",
)


# --- CloudWatch Logs, Secrets Manager, Backup, CloudTrail -----------------------------------------------------------

def _single_key(prop: str, what: str, fix: str) -> Callable[[ResourceValidationArgs], list[str]]:
    def check(args: ResourceValidationArgs) -> list[str]:
        problem = cmk_problem(args.props.get(prop), prop)
        return [f"{what} {_who(args)} is not encrypted with a customer-managed KMS key: {problem}. Fix: {fix}."] \
            if problem else []
    return check


cloudwatch_log_group_kms_encryption = _resource_policy(
    name="cloudwatch-log-group-kms-encryption",
    description="CloudWatch log groups encrypt log data with a customer-managed KMS key.",
    types=("aws:cloudwatch/logGroup:LogGroup",),
    check=_single_key("kmsKeyId", "CloudWatch log group",
                      "set kmsKeyId to the ARN of a customer-managed KMS key whose policy allows "
                      "logs.<region>.amazonaws.com"),
    severity=Severity.MEDIUM,
    framework=_framework(NIST, "AU-9"),
    remediation="Set kmsKeyId on the aws.cloudwatch.LogGroup to the ARN (not an alias) of a customer-managed KMS "
                "key in the same Region whose key policy allows the logs.<region>.amazonaws.com service principal.",
)


def _secret(args: ResourceValidationArgs) -> list[str]:
    problems = []
    problem = cmk_problem(args.props.get("kmsKeyId"), "kmsKeyId")
    if problem:
        problems.append(problem + " (the secret uses aws/secretsmanager)")
    for index, replica in enumerate(as_list(args.props.get("replicas"))):
        region = replica.get("region") if isinstance(replica, Mapping) else None
        problem = cmk_problem(replica.get("kmsKeyId") if isinstance(replica, Mapping) else None,
                              f"replicas[{index}].kmsKeyId")
        if problem:
            problems.append(f"{problem} (replica in {region or 'an unnamed Region'})")
    if not problems:
        return []
    return [f"Secrets Manager secret {_who(args)} is not encrypted with customer-managed KMS keys: "
            f"{'; '.join(problems)}. Fix: set kmsKeyId, and kmsKeyId on every replicas entry (the key's replica in "
            "that Region), to customer-managed KMS key ARNs."]


secretsmanager_secret_cmk_encryption = _resource_policy(
    name="secretsmanager-secret-cmk-encryption",
    description="Secrets Manager secrets and each of their Region replicas are encrypted with a customer-managed "
                "KMS key.",
    types=("aws:secretsmanager/secret:Secret",),
    check=_secret,
    severity=Severity.HIGH,
    framework=_framework(PCI, "8.3.2"),
    remediation="Set kmsKeyId on the aws.secretsmanager.Secret to a customer-managed KMS key ARN (not "
                "alias/aws/secretsmanager) and kmsKeyId on every entry of `replicas` to the customer-managed key in "
                "that replica's Region.",
)

backup_vault_cmk_encryption = _resource_policy(
    name="backup-vault-cmk-encryption",
    description="AWS Backup vaults encrypt recovery points with a customer-managed KMS key.",
    types=("aws:backup/vault:Vault",),
    check=_single_key("kmsKeyArn", "Backup vault",
                      "set kmsKeyArn to the ARN of a customer-managed KMS key in the vault's Region"),
    severity=Severity.HIGH,
    framework=_framework(NIST, "CP-9(8)"),
    remediation="Set kmsKeyArn on the aws.backup.Vault to the ARN of a customer-managed KMS key in the vault's "
                "Region (not alias/aws/backup); the vault must be recreated to change its key.",
)

cloudtrail_kms_encryption = _resource_policy(
    name="cloudtrail-kms-encryption",
    description="CloudTrail trails encrypt delivered log files with a customer-managed KMS key (SSE-KMS).",
    types=("aws:cloudtrail/trail:Trail",),
    check=_single_key("kmsKeyId", "CloudTrail trail",
                      "set kmsKeyId to the ARN of a customer-managed KMS key whose policy allows "
                      "cloudtrail.amazonaws.com"),
    severity=Severity.MEDIUM,
    framework=_framework(CIS, "3.5"),
    remediation="Set kmsKeyId on the aws.cloudtrail.Trail to the ARN of a customer-managed KMS key whose key policy "
                "allows cloudtrail.amazonaws.com to GenerateDataKey* for this account's trails.",
)


# --- KMS keys themselves --------------------------------------------------------------------------------------------

def _rotation(args: ResourceValidationArgs) -> list[str]:
    props = args.props
    spec = props.get("customerMasterKeySpec") or "SYMMETRIC_DEFAULT"
    usage = props.get("keyUsage") or "ENCRYPT_DECRYPT"
    if spec != "SYMMETRIC_DEFAULT" or usage != "ENCRYPT_DECRYPT" or props.get("customKeyStoreId"):
        return []  # KMS cannot rotate asymmetric, HMAC or custom-key-store keys automatically
    covers = " (a multi-Region primary key: its replicas rotate with it)" if is_true(props.get("multiRegion")) else ""
    if not is_true(props.get("enableKeyRotation")):
        return [f"KMS key {_who(args)} does not rotate its key material: enableKeyRotation is not true{covers}. "
                "Fix: set enableKeyRotation: true."]
    maximum = args.get_config().get("maxRotationPeriodDays", 365)
    period = props.get("rotationPeriodInDays")
    if isinstance(period, (int, float)) and period > maximum:
        return [f"KMS key {_who(args)} rotates only every {period:g} days, longer than the allowed "
                f"{maximum:g}{covers}. Fix: set rotationPeriodInDays to at most {maximum:g} (or leave it unset for "
                "yearly rotation)."]
    return []


kms_key_rotation = _resource_policy(
    name="kms-key-rotation-enabled",
    description="Customer-managed symmetric KMS keys rotate their key material automatically, at least as often as "
                "the configured period.",
    types=(KMS_KEY,),
    check=_rotation,
    severity=Severity.MEDIUM,
    framework=_framework(CIS, "3.6"),
    remediation="Set enableKeyRotation: true on the aws.kms.Key (for a multi-Region primary key this also covers "
                "its aws.kms.ReplicaKey replicas) and leave rotationPeriodInDays unset (365) or at most the "
                "policy's maxRotationPeriodDays.",
    config_schema=PolicyConfigSchema(properties={
        "maxRotationPeriodDays": {"type": "number", "minimum": 90, "maximum": 2560, "default": 365,
                                  "description": "Longest rotationPeriodInDays a key may use."},
    }),
)

DEFAULT_RESTRICTING_KEYS = ["aws:SourceAccount", "aws:PrincipalAccount", "aws:PrincipalOrgID", "aws:SourceOrgID",
                            "kms:CallerAccount"]


def _wildcard_principal(statement: Mapping[str, Any]) -> bool:
    if "NotPrincipal" in statement:  # Allow + NotPrincipal grants everyone but the listed principals
        return True
    principal = statement.get("Principal")
    if principal == "*":
        return True
    if isinstance(principal, Mapping):
        for kind, values in principal.items():
            for value in as_list(values):
                if isinstance(value, str) and (value.strip() == "*" or (kind == "AWS" and "*" in value)):
                    return True
    return False


def _restricting_condition(statement: Mapping[str, Any], keys: set[str]) -> bool:
    """The statement's Condition pins one of `keys` to concrete values with a positive, non-IfExists operator."""
    condition = statement.get("Condition")
    if not isinstance(condition, Mapping):
        return False
    for operator, tests in condition.items():
        op = str(operator)
        if "Not" in op or op.endswith("IfExists") or op == "Null" or not isinstance(tests, Mapping):
            continue
        for key, values in tests.items():
            listed = as_list(values)
            concrete = [v for v in listed if isinstance(v, str) and v and "*" not in v and "?" not in v]
            if str(key).lower() in keys and concrete and len(concrete) == len(listed):
                return True
    return False


def _key_policy(args: ResourceValidationArgs) -> list[str]:
    configured = list(args.get_config().get("restrictingConditionKeys", DEFAULT_RESTRICTING_KEYS))
    keys = {str(k).lower() for k in configured}
    findings = []
    for index, statement in enumerate(statements(args.props.get("policy"))):
        if statement.get("Effect") != "Allow" or not _wildcard_principal(statement):
            continue
        if _restricting_condition(statement, keys):
            continue
        sid = statement.get("Sid")
        actions = ", ".join(str(a) for a in as_list(statement.get("Action") or statement.get("NotAction")))
        findings.append(f"statement {sid or index} allows a wildcard principal ({actions or 'no actions listed'}) "
                        f"without a Condition pinning one of {', '.join(configured)}")
    if not findings:
        return []
    return [f"Key policy of {_who(args)} is open to any AWS principal: {'; '.join(findings)}. Fix: name the "
            "account or role ARNs in Principal, or add a Condition such as StringEquals {aws:PrincipalAccount: "
            "<account id>} or {aws:PrincipalOrgID: <org id>}."]


kms_key_policy_no_public_wildcard = _resource_policy(
    name="kms-key-policy-no-public-wildcard",
    description="KMS key policies never allow a wildcard principal unless a Condition restricts it to the account "
                "or organization.",
    types=(KMS_KEY, KMS_REPLICA_KEY),
    check=_key_policy,
    severity=Severity.CRITICAL,
    framework=_framework(PCI, "3.6.1"),
    remediation="In the `policy` of the aws.kms.Key / aws.kms.ReplicaKey, replace Principal '*' (or {AWS: '*'}) in "
                "Allow statements with explicit account or role ARNs, or add a Condition with StringEquals on "
                "aws:PrincipalAccount, aws:SourceAccount, aws:PrincipalOrgID (or kms:CallerAccount) set to your "
                "account or organization ID.",
    config_schema=PolicyConfigSchema(properties={
        "restrictingConditionKeys": {
            "type": "array", "items": {"type": "string"}, "minItems": 1, "default": DEFAULT_RESTRICTING_KEYS,
            "description": "Condition keys that, pinned to concrete values, make a wildcard-principal Allow "
                           "acceptable."},
    }),
)

POLICIES = [
    s3_bucket_kms_encryption,
    rds_storage_encrypted_cmk,
    dynamodb_table_cmk_encryption,
    sns_topic_kms_encryption,
    sqs_queue_kms_encryption,
    ebs_volume_kms_encryption,
    cloudwatch_log_group_kms_encryption,
    secretsmanager_secret_cmk_encryption,
    backup_vault_cmk_encryption,
    cloudtrail_kms_encryption,
    kms_key_rotation,
    kms_key_policy_no_public_wildcard,
]
