"""Encryption-at-rest policies, run as the real pack (plugin process + Analyzer gRPC) over one hand-built graph."""
import json

from drkit.graph.resource_graph import UNKNOWN
from tests.support.gate import assert_published_metadata, check, graph_fixture, messages, result_fixture, violated
from tests.support.graphs import ACCOUNT, GraphBuilder

CMK_EAST = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/mrk-1111aaaa2222bbbb3333cccc4444dddd"
CMK_WEST = f"arn:aws:kms:us-west-2:{ACCOUNT}:key/mrk-1111aaaa2222bbbb3333cccc4444dddd"


def _sse(bucket, algorithm="aws:kms", key=CMK_EAST):
    default = {"sseAlgorithm": algorithm}
    if key is not None:
        default["kmsMasterKeyId"] = key
    return {"bucket": bucket, "rules": [{"applyServerSideEncryptionByDefault": default, "bucketKeyEnabled": True}]}


def _key_policy(*statements):
    admin = {"Sid": "AccountAdministersKey", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
             "Action": "kms:*", "Resource": "*"}
    return json.dumps({"Version": "2012-10-17", "Statement": [admin, *statements]})


def _public(condition=None, principal="*", action="kms:*"):
    statement = {"Sid": "Everyone", "Effect": "Allow", "Principal": principal, "Action": action, "Resource": "*"}
    if condition is not None:
        statement["Condition"] = condition
    return statement


SSE_TYPE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"


def _graph():
    g = GraphBuilder()
    # S3: the configuration is a separate resource matched by the bucket's name.
    g.add("aws:s3/bucket:Bucket", "good-bucket", {"bucket": "good-bucket"})
    g.add(SSE_TYPE, "good-bucket-encryption", _sse("good-bucket"))
    g.add("aws:s3/bucket:Bucket", "good-bucket-dsse", {"bucket": "good-bucket-dsse"})
    g.add(SSE_TYPE, "good-bucket-dsse-encryption", _sse("good-bucket-dsse", "aws:kms:dsse"))
    auto = g.add("aws:s3/bucket:Bucket", "good-bucket-autonamed", {})
    g.add(SSE_TYPE, "good-bucket-autonamed-encryption", _sse(None), deps=[auto])
    g.add("aws:s3/bucket:Bucket", "bad-bucket-no-sse", {"bucket": "bad-bucket-no-sse"})
    g.add("aws:s3/bucket:Bucket", "bad-bucket-aes256", {"bucket": "bad-bucket-aes256"})
    g.add(SSE_TYPE, "bad-bucket-aes256-encryption", _sse("bad-bucket-aes256", "AES256", None))
    g.add("aws:s3/bucket:Bucket", "bad-bucket-managed-key", {"bucket": "bad-bucket-managed-key"})
    g.add(SSE_TYPE, "bad-bucket-managed-key-encryption", _sse("bad-bucket-managed-key", key="alias/aws/s3"))
    g.add("aws:s3/bucket:Bucket", "bad-bucket-kms-no-key", {"bucket": "bad-bucket-kms-no-key"}, role="secondary")
    g.add(SSE_TYPE, "bad-bucket-kms-no-key-encryption", _sse("bad-bucket-kms-no-key", key=None), role="secondary")
    # RDS
    g.add("aws:rds/cluster:Cluster", "good-cluster", {"storageEncrypted": True, "kmsKeyId": CMK_EAST})
    g.add("aws:rds/cluster:Cluster", "bad-cluster-unencrypted", {"storageEncrypted": False})
    g.add("aws:rds/cluster:Cluster", "bad-cluster-no-key", {"storageEncrypted": True}, role="secondary")
    g.add("aws:rds/globalCluster:GlobalCluster", "good-global-cluster", {"storageEncrypted": True})
    g.add("aws:rds/globalCluster:GlobalCluster", "bad-global-cluster", {"engine": "aurora-postgresql"})
    g.add("aws:rds/instance:Instance", "good-db-instance", {"storageEncrypted": True, "kmsKeyId": CMK_EAST})
    managed_rds_key = f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/aws/rds"
    g.add("aws:rds/instance:Instance", "bad-db-instance", {"storageEncrypted": True, "kmsKeyId": managed_rds_key})
    # DynamoDB
    replica_ok = {"regionName": "us-west-2", "kmsKeyArn": CMK_WEST}
    g.add("aws:dynamodb/table:Table", "good-table", {"serverSideEncryption": {"enabled": True, "kmsKeyArn": CMK_EAST},
                                                     "replicas": [replica_ok]})
    g.add("aws:dynamodb/table:Table", "bad-table-aws-owned", {"replicas": [replica_ok]})
    g.add("aws:dynamodb/table:Table", "bad-table-replica", {
        "serverSideEncryption": {"enabled": True, "kmsKeyArn": CMK_EAST}, "replicas": [{"regionName": "us-west-2"}]})
    g.add("aws:dynamodb/tableReplica:TableReplica", "bad-table-replica-resource", {"globalTableArn": "arn:x"},
          role="secondary")
    # SNS / SQS
    g.add("aws:sns/topic:Topic", "good-topic", {"kmsMasterKeyId": CMK_EAST})
    g.add("aws:sns/topic:Topic", "bad-topic", {"kmsMasterKeyId": "alias/aws/sns"})
    g.add("aws:sns/topic:Topic", "unknown-topic", {"kmsMasterKeyId": UNKNOWN})
    g.add("aws:sqs/queue:Queue", "good-queue", {"kmsMasterKeyId": CMK_EAST})
    g.add("aws:sqs/queue:Queue", "bad-queue-sse-sqs", {"sqsManagedSseEnabled": True})
    # EBS: volumes, launch templates (encrypted is a string there), instances
    g.add("aws:ebs/volume:Volume", "good-volume", {"encrypted": True, "kmsKeyId": CMK_EAST, "size": 20.0})
    g.add("aws:ebs/volume:Volume", "bad-volume", {"encrypted": True, "size": 20.0})
    g.add("aws:ec2/launchTemplate:LaunchTemplate", "good-launch-template", {"blockDeviceMappings": [
        {"deviceName": "/dev/xvda", "ebs": {"encrypted": "true", "kmsKeyId": CMK_EAST, "volumeSize": 30.0}}]})
    g.add("aws:ec2/launchTemplate:LaunchTemplate", "bad-launch-template", {"blockDeviceMappings": [
        {"deviceName": "/dev/xvda", "ebs": {"encrypted": "false", "volumeSize": 30.0}}]})
    g.add("aws:ec2/instance:Instance", "good-instance", {
        "rootBlockDevice": {"encrypted": True, "kmsKeyId": CMK_EAST},
        "ebsBlockDevices": [{"deviceName": "/dev/sdf", "encrypted": True, "kmsKeyId": CMK_EAST}]})
    g.add("aws:ec2/instance:Instance", "bad-instance", {
        "rootBlockDevice": {"encrypted": True, "kmsKeyId": CMK_EAST},
        "ebsBlockDevices": [{"deviceName": "/dev/sdf", "encrypted": False}]})
    g.add("aws:ec2/instance:Instance", "bad-instance-no-root", {"instanceType": "t3.micro"})
    # CloudWatch Logs, Secrets Manager, Backup, CloudTrail
    g.add("aws:cloudwatch/logGroup:LogGroup", "good-log-group", {"kmsKeyId": CMK_EAST, "retentionInDays": 365.0})
    g.add("aws:cloudwatch/logGroup:LogGroup", "bad-log-group", {"retentionInDays": 365.0})
    g.add("aws:secretsmanager/secret:Secret", "good-secret", {"kmsKeyId": CMK_EAST, "replicas": [
        {"region": "us-west-2", "kmsKeyId": CMK_WEST}]})
    g.add("aws:secretsmanager/secret:Secret", "bad-secret", {"name": "app"})
    g.add("aws:secretsmanager/secret:Secret", "bad-secret-replica", {"kmsKeyId": CMK_EAST, "replicas": [
        {"region": "us-west-2"}]})
    g.add("aws:backup/vault:Vault", "good-vault", {"kmsKeyArn": CMK_EAST})
    g.add("aws:backup/vault:Vault", "bad-vault", {"name": "vault"}, role="secondary")
    g.add("aws:cloudtrail/trail:Trail", "good-trail", {"kmsKeyId": CMK_EAST, "s3BucketName": "trail"})
    g.add("aws:cloudtrail/trail:Trail", "bad-trail", {"s3BucketName": "trail"})
    # KMS keys: rotation
    g.add("aws:kms/key:Key", "good-key", {"enableKeyRotation": True, "multiRegion": True, "policy": _key_policy()})
    g.add("aws:kms/key:Key", "bad-key-no-rotation", {"enableKeyRotation": False, "policy": _key_policy()})
    g.add("aws:kms/key:Key", "good-key-asymmetric", {"customerMasterKeySpec": "RSA_2048", "keyUsage": "SIGN_VERIFY"})
    g.add("aws:kms/key:Key", "bad-key-slow-rotation", {"enableKeyRotation": True, "rotationPeriodInDays": 730.0})
    # KMS keys: key policies
    g.add("aws:kms/key:Key", "good-key-org-condition", {"enableKeyRotation": True, "policy": _key_policy(
        _public({"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}, principal={"AWS": "*"}))})
    g.add("aws:kms/key:Key", "bad-key-public", {"enableKeyRotation": True, "policy": _key_policy(_public())})
    g.add("aws:kms/replicaKey:ReplicaKey", "bad-replica-key-public", {"primaryKeyArn": CMK_EAST, "policy": _key_policy(
        _public(principal={"AWS": ["*"]}, action=["kms:Decrypt", "kms:GenerateDataKey*"]))}, role="secondary")
    g.add("aws:kms/key:Key", "bad-key-negated-condition", {"enableKeyRotation": True, "policy": _key_policy(
        _public({"StringNotEquals": {"aws:PrincipalAccount": ACCOUNT}}))})
    g.add("aws:kms/key:Key", "bad-key-vpc-condition", {"enableKeyRotation": True, "policy": _key_policy(
        _public({"StringEquals": {"aws:SourceVpc": "vpc-0abc"}}))})
    g.add("aws:kms/key:Key", "bad-key-public-object-policy", {"enableKeyRotation": True, "policy": {  # not JSON text
        "Version": "2012-10-17", "Statement": [_public(principal={"AWS": "*"})]}})
    g.add("aws:kms/replicaKey:ReplicaKey", "good-replica-key", {"primaryKeyArn": CMK_EAST, "policy": _key_policy()},
          role="secondary")
    return g.build()


CONFIG = {"kms-key-rotation-enabled": {"maxRotationPeriodDays": 730},
          "kms-key-policy-no-public-wildcard": {"restrictingConditionKeys": ["aws:PrincipalOrgID", "aws:SourceVpc"]}}


graph = graph_fixture(_graph)
result = result_fixture()
configured = result_fixture(CONFIG)


# s3-bucket-kms-encryption
def test_s3_kms_bucket_without_configuration(result):
    check(result, "s3-bucket-kms-encryption", ["bad-bucket-no-sse"], ["good-bucket", "good-bucket-dsse"])


def test_s3_kms_sse_s3_aes256(result):
    check(result, "s3-bucket-kms-encryption", ["bad-bucket-aes256"], ["good-bucket"])


def test_s3_kms_aws_managed_key(result):
    check(result, "s3-bucket-kms-encryption", ["bad-bucket-managed-key"], ["good-bucket"])


def test_s3_kms_no_key_id(result):
    check(result, "s3-bucket-kms-encryption", ["bad-bucket-kms-no-key"], ["good-bucket-dsse"])


def test_s3_kms_autonamed_bucket_matched_by_dependency(result):
    check(result, "s3-bucket-kms-encryption", [], ["good-bucket-autonamed"])


def test_s3_kms_reports_the_bucket_not_the_configuration(result, graph):
    buckets = {r.name for r in graph if r.type == "aws:s3/bucket:Bucket"}
    found = violated(result, "s3-bucket-kms-encryption")
    assert found and found <= buckets
    assert any("alias/aws/s3" in m for m in messages(result, "s3-bucket-kms-encryption"))


# rds-storage-encrypted-cmk
def test_rds_cluster_unencrypted(result):
    check(result, "rds-storage-encrypted-cmk", ["bad-cluster-unencrypted"], ["good-cluster"])


def test_rds_cluster_without_kms_key(result):
    check(result, "rds-storage-encrypted-cmk", ["bad-cluster-no-key"], ["good-cluster"])


def test_rds_global_cluster_unencrypted(result):
    check(result, "rds-storage-encrypted-cmk", ["bad-global-cluster"], ["good-global-cluster"])


def test_rds_instance_aws_managed_key(result):
    check(result, "rds-storage-encrypted-cmk", ["bad-db-instance"], ["good-db-instance"])


# dynamodb-table-cmk-encryption
def test_dynamodb_table_aws_owned_key(result):
    check(result, "dynamodb-table-cmk-encryption", ["bad-table-aws-owned"], ["good-table"])


def test_dynamodb_replica_without_key(result):
    check(result, "dynamodb-table-cmk-encryption", ["bad-table-replica"], ["good-table"])
    assert any("replicas[0].kmsKeyArn" in m for m in messages(result, "dynamodb-table-cmk-encryption"))


def test_dynamodb_table_replica_resource_without_key(result):
    check(result, "dynamodb-table-cmk-encryption", ["bad-table-replica-resource"], ["good-table"])


# sns-topic-kms-encryption / sqs-queue-kms-encryption
def test_sns_topic_aws_managed_key(result):
    check(result, "sns-topic-kms-encryption", ["bad-topic"], ["good-topic"])


def test_sns_unknown_key_is_an_advisory_preview_note_not_a_violation(result):
    notes = [d for d in result.diagnostics
             if d.policy == "sns-topic-kms-encryption" and d.urn.endswith("::unknown-topic")]
    assert notes and all(d.level == "advisory" and "during preview" in d.message for d in notes)


def test_sqs_queue_sse_sqs_is_not_a_cmk(result):
    check(result, "sqs-queue-kms-encryption", ["bad-queue-sse-sqs"], ["good-queue"])


# ebs-volume-kms-encryption
def test_ebs_volume_without_key(result):
    check(result, "ebs-volume-kms-encryption", ["bad-volume"], ["good-volume"])


def test_ebs_launch_template_unencrypted_string_flag(result):
    check(result, "ebs-volume-kms-encryption", ["bad-launch-template"], ["good-launch-template"])


def test_ebs_instance_unencrypted_data_volume(result):
    check(result, "ebs-volume-kms-encryption", ["bad-instance"], ["good-instance"])


def test_ebs_instance_without_root_block_device(result):
    check(result, "ebs-volume-kms-encryption", ["bad-instance-no-root"], ["good-instance"])


# cloudwatch-log-group-kms-encryption, secretsmanager-secret-cmk-encryption, backup-vault-cmk-encryption,
# cloudtrail-kms-encryption
def test_log_group_without_key(result):
    check(result, "cloudwatch-log-group-kms-encryption", ["bad-log-group"], ["good-log-group"])


def test_secret_without_key(result):
    check(result, "secretsmanager-secret-cmk-encryption", ["bad-secret"], ["good-secret"])


def test_secret_replica_without_key(result):
    check(result, "secretsmanager-secret-cmk-encryption", ["bad-secret-replica"], ["good-secret"])


def test_backup_vault_without_key(result):
    check(result, "backup-vault-cmk-encryption", ["bad-vault"], ["good-vault"])


def test_cloudtrail_without_key(result):
    check(result, "cloudtrail-kms-encryption", ["bad-trail"], ["good-trail"])


# kms-key-rotation-enabled
def test_kms_rotation_disabled(result):
    check(result, "kms-key-rotation-enabled", ["bad-key-no-rotation"], ["good-key", "good-key-asymmetric"])


def test_kms_rotation_replica_keys_are_covered_by_their_primary(result):
    check(result, "kms-key-rotation-enabled", [], ["good-replica-key", "bad-replica-key-public"])


def test_kms_rotation_period_longer_than_allowed(result):
    check(result, "kms-key-rotation-enabled", ["bad-key-slow-rotation"], ["good-key"])


def test_kms_rotation_config_allows_longer_period(configured):
    check(configured, "kms-key-rotation-enabled", ["bad-key-no-rotation"], ["bad-key-slow-rotation"])


# kms-key-policy-no-public-wildcard
def test_kms_policy_public_principal(result):
    check(result, "kms-key-policy-no-public-wildcard", ["bad-key-public"], ["good-key", "good-key-org-condition"])


def test_kms_policy_public_replica_key(result):
    check(result, "kms-key-policy-no-public-wildcard", ["bad-replica-key-public"], ["good-replica-key"])


def test_kms_policy_given_as_an_object(result):
    check(result, "kms-key-policy-no-public-wildcard", ["bad-key-public-object-policy"], ["good-key"])


def test_kms_policy_negated_condition_does_not_restrict(result):
    check(result, "kms-key-policy-no-public-wildcard", ["bad-key-negated-condition"], ["good-key-org-condition"])


def test_kms_policy_condition_key_outside_the_list(result):
    check(result, "kms-key-policy-no-public-wildcard", ["bad-key-vpc-condition"], ["good-key-org-condition"])


def test_kms_policy_config_accepts_configured_condition_key(configured):
    check(configured, "kms-key-policy-no-public-wildcard", ["bad-key-public"],
           ["bad-key-vpc-condition", "good-key-org-condition"])


# metadata every policy of the area publishes
AREA = ["s3-bucket-kms-encryption", "rds-storage-encrypted-cmk", "dynamodb-table-cmk-encryption",
        "sns-topic-kms-encryption", "sqs-queue-kms-encryption", "ebs-volume-kms-encryption",
        "cloudwatch-log-group-kms-encryption", "secretsmanager-secret-cmk-encryption", "backup-vault-cmk-encryption",
        "cloudtrail-kms-encryption", "kms-key-rotation-enabled", "kms-key-policy-no-public-wildcard"]


def test_policies_publish_severity_framework_and_remediation(result):
    assert_published_metadata(result, AREA)


def test_every_violation_of_the_area_is_mandatory_and_names_a_resource(result):
    found = [d for d in result.diagnostics if d.policy in AREA and d.level == "mandatory"]
    assert found and all(d.urn for d in found)
