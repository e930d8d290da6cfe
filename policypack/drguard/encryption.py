"""Encryption at rest with customer-managed KMS keys (CMKs): one policy per data store here, plus the policies on
the keys themselves (encryption_keys.py), which POLICIES includes.

S3's default encryption is in s3_encryption.py.

Every store must name a customer-managed key explicitly. A missing key means the service falls back to an
AWS-owned or AWS-managed key (alias/aws/<service>), whose key policy the platform cannot control, which cannot be
shared with the recovery Region and whose use cannot be revoked; so "not set" and "alias/aws/..." are both
violations. Values unknown during a preview are read normally: the SDK turns the UnknownValueError into an
advisory "can't run during preview" note instead of a verdict.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Callable, Optional

from pulumi_policy import ResourceValidationArgs, Severity

from drguard import encryption_keys
from drguard.common import as_list, is_true, label, resource_policy
from drguard.frameworks import CIS, NIST, PCI, framework

RDS_GLOBAL_CLUSTER = "aws:rds/globalCluster:GlobalCluster"
DYNAMODB_TABLE_REPLICA = "aws:dynamodb/tableReplica:TableReplica"

_AWS_MANAGED_ALIAS = re.compile(r"(^|:)alias/aws/", re.IGNORECASE)


# --- what every check of this area asks of a key, and how it words a finding ----------------------------------------

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


def not_encrypted(subject: str, problems: list[str], fix: str,
                   keys: str = "a customer-managed KMS key") -> list[str]:
    """The finding about `subject` when it has problems, else none."""
    if not problems:
        return []
    return [f"{subject} is not encrypted with {keys}: {'; '.join(problems)}. Fix: {fix}."]


def _flag_and_key(block: Mapping[str, Any], flag: str, key: Optional[str], prefix: str = "") -> list[str]:
    """Input `flag` of `block` is not true, and input `key` (unless None) names no customer-managed key."""
    problems = [] if is_true(block.get(flag)) else [f"{prefix}{flag} is not true"]
    problem = cmk_problem(block.get(key), f"{prefix}{key}") if key is not None else None
    return (problems + [problem]) if problem else problems


def _replica_problems(replicas: Any, key: str, region_key: str) -> list[str]:
    """The `replicas` entries whose input `key` names no customer-managed key, each with its Region."""
    problems = []
    for index, replica in enumerate(as_list(replicas)):
        region = replica.get(region_key) if isinstance(replica, Mapping) else None
        problem = cmk_problem(replica.get(key) if isinstance(replica, Mapping) else None, f"replicas[{index}].{key}")
        if problem:
            problems.append(f"{problem} (replica in {region or 'an unnamed Region'})")
    return problems


def _single_key(prop: str, what: str, fix: str,
                note: Optional[Callable[[Mapping[str, Any]], str]] = None) -> Callable[[ResourceValidationArgs],
                                                                                  list[str]]:
    """The check of a resource whose one input `prop` names its key; `note` adds to the problem from the inputs."""
    def check(args: ResourceValidationArgs) -> list[str]:
        problem = cmk_problem(args.props.get(prop), prop)
        if problem and note is not None:
            problem += note(args.props)
        return not_encrypted(f"{what} {label(args)}", [problem] if problem else [], fix)
    return check


# --- RDS ------------------------------------------------------------------------------------------------------------

def _rds(args: ResourceValidationArgs) -> list[str]:
    is_global = args.resource_type == RDS_GLOBAL_CLUSTER
    problems = _flag_and_key(args.props, "storageEncrypted", None if is_global else "kmsKeyId")
    fix = ("set storageEncrypted: true" if is_global
           else "set storageEncrypted: true and kmsKeyId to the ARN of a customer-managed KMS key in this Region")
    return not_encrypted(f"RDS storage of {label(args)}", problems, fix)


rds_storage_encrypted_cmk = resource_policy(
    name="rds-storage-encrypted-cmk",
    description="RDS and Aurora storage is encrypted with a customer-managed KMS key.",
    types=("aws:rds/cluster:Cluster", RDS_GLOBAL_CLUSTER, "aws:rds/instance:Instance"),
    check=_rds,
    severity=Severity.HIGH,
    framework=framework(CIS, "2.3.1"),
    remediation="On aws.rds.Cluster and aws.rds.Instance set storageEncrypted: true and kmsKeyId to the ARN of a "
                "customer-managed KMS key in the resource's Region (a multi-Region key replica in the secondary "
                "Region); on aws.rds.GlobalCluster set storageEncrypted: true. Encryption can only be chosen at "
                "creation: restore from an encrypted snapshot copy to fix an existing database.",
)


# --- DynamoDB -------------------------------------------------------------------------------------------------------

_table_replica = _single_key("kmsKeyArn", "DynamoDB table replica",
                             "set kmsKeyArn to the ARN of a customer-managed KMS key in the replica's Region")


def _dynamodb(args: ResourceValidationArgs) -> list[str]:
    if args.resource_type == DYNAMODB_TABLE_REPLICA:
        return _table_replica(args)
    props = args.props
    problems = []
    sse = props.get("serverSideEncryption")
    if not isinstance(sse, Mapping) or not is_true(sse.get("enabled")):
        problems.append("serverSideEncryption.enabled is not true (the table uses an AWS-owned key)")
    else:
        problem = cmk_problem(sse.get("kmsKeyArn"), "serverSideEncryption.kmsKeyArn")
        if problem:
            problems.append(problem)
    problems += _replica_problems(props.get("replicas"), "kmsKeyArn", "regionName")
    return not_encrypted(f"DynamoDB table {label(args)}", problems,
                          "set serverSideEncryption {enabled: true, kmsKeyArn: <customer-managed key ARN>} and "
                          "kmsKeyArn on every replicas entry (the key's replica in that Region)",
                          keys="customer-managed KMS keys")


dynamodb_table_cmk_encryption = resource_policy(
    name="dynamodb-table-cmk-encryption",
    description="DynamoDB tables and each of their replicas are encrypted with a customer-managed KMS key.",
    types=("aws:dynamodb/table:Table", DYNAMODB_TABLE_REPLICA),
    check=_dynamodb,
    severity=Severity.HIGH,
    framework=framework(PCI, "3.5.1"),
    remediation="Set serverSideEncryption: {enabled: true, kmsKeyArn: <ARN of a customer-managed KMS key>} on the "
                "aws.dynamodb.Table and kmsKeyArn on every entry of `replicas` (and on aws.dynamodb.TableReplica) "
                "to the customer-managed key in that replica's Region; never alias/aws/dynamodb.",
)


# --- SNS / SQS ------------------------------------------------------------------------------------------------------

sns_topic_kms_encryption = resource_policy(
    name="sns-topic-kms-encryption",
    description="SNS topics encrypt messages at rest with a customer-managed KMS key.",
    types=("aws:sns/topic:Topic",),
    check=_single_key("kmsMasterKeyId", "SNS topic", "set kmsMasterKeyId to the ARN of a customer-managed KMS key"),
    severity=Severity.MEDIUM,
    framework=framework(NIST, "SC-28"),
    remediation="Set kmsMasterKeyId on the aws.sns.Topic to the ARN of a customer-managed KMS key (not "
                "alias/aws/sns) whose key policy lets the publishing services (cloudwatch.amazonaws.com, "
                "events.amazonaws.com, ...) use it.",
)


sqs_queue_kms_encryption = resource_policy(
    name="sqs-queue-kms-encryption",
    description="SQS queues encrypt messages at rest with a customer-managed KMS key (SSE-SQS is not accepted).",
    types=("aws:sqs/queue:Queue",),
    check=_single_key("kmsMasterKeyId", "SQS queue", "set kmsMasterKeyId to the ARN of a customer-managed KMS key",
                      note=lambda props: (" (sqsManagedSseEnabled uses an SQS-owned key, which is not a "
                                          "customer-managed key)" if is_true(props.get("sqsManagedSseEnabled"))
                                          else "")),
    severity=Severity.MEDIUM,
    framework=framework(NIST, "SC-28"),
    remediation="Set kmsMasterKeyId on the aws.sqs.Queue to the ARN of a customer-managed KMS key (not "
                "alias/aws/sqs) and drop sqsManagedSseEnabled; optionally set kmsDataKeyReusePeriodSeconds.",
)


# --- EBS ------------------------------------------------------------------------------------------------------------

def _ebs_problems(device: Any, where: str) -> list[str]:
    """Problems of one EBS device block; `where` is its path in the inputs ('' for a volume's own inputs)."""
    if not isinstance(device, Mapping):
        return [f"{where} is not set"]
    return _flag_and_key(device, "encrypted", "kmsKeyId", f"{where}." if where else "")


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
    return not_encrypted(f"EBS storage of {label(args)}", problems, "set encrypted: true and kmsKeyId to the ARN of "
                          "a customer-managed KMS key on every EBS volume")


ebs_volume_kms_encryption = resource_policy(
    name="ebs-volume-kms-encryption",
    description="EBS volumes, launch template block devices and instance root/EBS devices are encrypted with a "
                "customer-managed KMS key.",
    types=("aws:ebs/volume:Volume", "aws:ec2/launchTemplate:LaunchTemplate", "aws:ec2/instance:Instance"),
    check=_ebs,
    severity=Severity.HIGH,
    # Protection of information at rest. Not CIS 2.2.1, which asks for the account's encryption by default
    # (the Config rule EC2_EBS_ENCRYPTION_BY_DEFAULT; the Audit component turns it on in both regions).
    framework=framework(NIST, "SC-28"),
    remediation="Set encrypted: true and kmsKeyId: <customer-managed KMS key ARN> on aws.ebs.Volume, on every "
                "blockDeviceMappings[].ebs of aws.ec2.LaunchTemplate (encrypted: 'true'), and on rootBlockDevice "
                "and every ebsBlockDevices entry of aws.ec2.Instance; never alias/aws/ebs.",
)


# --- CloudWatch Logs, Secrets Manager, Backup, CloudTrail -----------------------------------------------------------

cloudwatch_log_group_kms_encryption = resource_policy(
    name="cloudwatch-log-group-kms-encryption",
    description="CloudWatch log groups encrypt log data with a customer-managed KMS key.",
    types=("aws:cloudwatch/logGroup:LogGroup",),
    check=_single_key("kmsKeyId", "CloudWatch log group",
                      "set kmsKeyId to the ARN of a customer-managed KMS key whose policy allows "
                      "logs.<region>.amazonaws.com"),
    severity=Severity.MEDIUM,
    framework=framework(NIST, "AU-9"),
    remediation="Set kmsKeyId on the aws.cloudwatch.LogGroup to the ARN (not an alias) of a customer-managed KMS "
                "key in the same Region whose key policy allows the logs.<region>.amazonaws.com service principal.",
)


def _secret(args: ResourceValidationArgs) -> list[str]:
    problem = cmk_problem(args.props.get("kmsKeyId"), "kmsKeyId")
    problems = [problem + " (the secret uses aws/secretsmanager)"] if problem else []
    problems += _replica_problems(args.props.get("replicas"), "kmsKeyId", "region")
    return not_encrypted(f"Secrets Manager secret {label(args)}", problems,
                          "set kmsKeyId, and kmsKeyId on every replicas entry (the key's replica in that Region), to "
                          "customer-managed KMS key ARNs", keys="customer-managed KMS keys")


secretsmanager_secret_cmk_encryption = resource_policy(
    name="secretsmanager-secret-cmk-encryption",
    description="Secrets Manager secrets and each of their Region replicas are encrypted with a customer-managed "
                "KMS key.",
    types=("aws:secretsmanager/secret:Secret",),
    check=_secret,
    severity=Severity.HIGH,
    framework=framework(PCI, "8.3.2"),
    remediation="Set kmsKeyId on the aws.secretsmanager.Secret to a customer-managed KMS key ARN (not "
                "alias/aws/secretsmanager) and kmsKeyId on every entry of `replicas` to the customer-managed key in "
                "that replica's Region.",
)

backup_vault_cmk_encryption = resource_policy(
    name="backup-vault-cmk-encryption",
    description="AWS Backup vaults encrypt recovery points with a customer-managed KMS key.",
    types=("aws:backup/vault:Vault",),
    check=_single_key("kmsKeyArn", "Backup vault",
                      "set kmsKeyArn to the ARN of a customer-managed KMS key in the vault's Region"),
    severity=Severity.HIGH,
    framework=framework(NIST, "CP-9(8)"),
    remediation="Set kmsKeyArn on the aws.backup.Vault to the ARN of a customer-managed KMS key in the vault's "
                "Region (not alias/aws/backup); the vault must be recreated to change its key.",
)

cloudtrail_kms_encryption = resource_policy(
    name="cloudtrail-kms-encryption",
    description="CloudTrail trails encrypt delivered log files with a customer-managed KMS key (SSE-KMS).",
    types=("aws:cloudtrail/trail:Trail",),
    check=_single_key("kmsKeyId", "CloudTrail trail",
                      "set kmsKeyId to the ARN of a customer-managed KMS key whose policy allows "
                      "cloudtrail.amazonaws.com"),
    severity=Severity.MEDIUM,
    framework=framework(CIS, "3.5"),
    remediation="Set kmsKeyId on the aws.cloudtrail.Trail to the ARN of a customer-managed KMS key whose key policy "
                "allows cloudtrail.amazonaws.com to GenerateDataKey* for this account's trails.",
)

POLICIES = [
    rds_storage_encrypted_cmk,
    dynamodb_table_cmk_encryption,
    sns_topic_kms_encryption,
    sqs_queue_kms_encryption,
    ebs_volume_kms_encryption,
    cloudwatch_log_group_kms_encryption,
    secretsmanager_secret_cmk_encryption,
    backup_vault_cmk_encryption,
    cloudtrail_kms_encryption,
    *encryption_keys.POLICIES,
]
