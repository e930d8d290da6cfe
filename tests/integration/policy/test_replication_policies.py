"""Replication policies, run through the real pack (plugin process, gRPC) over one hand-built two-region graph.

Other areas' policies are disabled in these runs so a finding, or a crash, of theirs cannot decide these tests.
"""
from drkit.graph.resource_graph import UNKNOWN
from tests.support.gate import graph_fixture, message_for, only, result_fixture, run_pack, violated
from tests.support.graphs import ACCOUNT, GraphBuilder

S3 = "s3-bucket-cross-region-replication"
AURORA = "aurora-global-cluster-secondary-member"
DYNAMODB = "dynamodb-global-table-replica"
SECRETS = "secretsmanager-secret-replicated"
KMS = "kms-replica-keys-present"
MINE = (S3, AURORA, DYNAMODB, SECRETS, KMS)


def key_arn(region, key_id):
    return f"arn:aws:kms:{region}:{ACCOUNT}:key/{key_id}"


def rule(destination_bucket, *, status="Enabled", rtc=True, delete_markers=True, replica_key=None):
    destination = {"bucket": f"arn:aws:s3:::{destination_bucket}", "storageClass": "STANDARD"}
    if rtc:
        destination["replicationTime"] = {"status": "Enabled", "time": {"minutes": 15}}
        destination["metrics"] = {"status": "Enabled", "eventThreshold": {"minutes": 15}}
    if replica_key:
        destination["encryptionConfiguration"] = {"replicaKmsKeyId": replica_key}
    return {"id": "to-secondary", "status": status, "priority": 1, "filter": {}, "destination": destination,
            "deleteMarkerReplication": {"status": "Enabled" if delete_markers else "Disabled"}}


def build_graph():
    g = GraphBuilder()  # primary us-east-1, secondary us-west-2
    # KMS: a multi-Region key per data set, replicated into us-west-2 (one replica wrongly in us-east-1)
    for key_id in ("mrk-objects", "mrk-db", "mrk-tables", "mrk-secrets"):
        g.add("aws:kms/replicaKey:ReplicaKey", f"replica-{key_id}", {"primaryKeyArn": key_arn("us-east-1", key_id)},
              role="secondary")
    g.add("aws:kms/replicaKey:ReplicaKey", "replica-in-wrong-region",
          {"primaryKeyArn": key_arn("eu-west-1", "mrk-wrong")})
    secondary_key = g.add("aws:kms/key:Key", "secondary-local-key", {"description": "us-west-2 only"},
                          role="secondary")
    g.add("aws:kms/alias:Alias", "secrets-alias", {"name": "alias/secrets", "targetKeyId": "mrk-secrets"},
          role="secondary")
    objects_key = key_arn("us-west-2", "mrk-objects")

    # S3 buckets in the primary region and their replicas
    for name in ("good-dst", "bad-no-rtc-dst", "bad-no-dmr-dst", "bad-kms-src-dst"):
        g.add("aws:s3/bucket:Bucket", name, {"bucket": name}, role="secondary")
    g.add("aws:s3/bucket:Bucket", "good-src", {"bucket": "good-src"})
    g.add("aws:s3/bucketReplicationConfig:BucketReplicationConfig", "good-src-replication",
          {"bucket": "good-src", "role": "arn:aws:iam::1:role/r", "rules": [rule("good-dst", replica_key=objects_key)]})
    # The secondary's twin replicates back (what it takes while it serves must reach the primary after failback).
    g.add("aws:s3/bucketReplicationConfig:BucketReplicationConfig", "good-dst-replication-back",
          {"bucket": "good-dst", "rules": [rule("good-src")]}, role="secondary")
    g.add("aws:s3/bucket:Bucket", "bad-secondary-one-way", {"bucket": "bad-secondary-one-way"}, role="secondary")
    g.add("aws:s3/bucket:Bucket", "bad-partly-disabled", {"bucket": "bad-partly-disabled"})
    g.add("aws:s3/bucketReplicationConfig:BucketReplicationConfig", "bad-partly-disabled-replication",
          {"bucket": "bad-partly-disabled", "rules": [rule("good-dst"), {**rule("good-dst"), "id": "paused",
                                                                         "status": "Disabled", "priority": 2}]})
    autonamed = g.add("aws:s3/bucket:Bucket", "good-autonamed", {"tags": {"DataClassification": "restricted"}})
    config = g.add("aws:s3/bucketReplicationConfig:BucketReplicationConfig", "good-autonamed-replication",
                   {"bucket": "good-autonamed-20260101", "rules": [rule("good-dst")]})
    g.depends(config, "bucket", autonamed)
    g.add("aws:s3/bucket:Bucket", "good-exempt-logs", {"bucket": "logs", "tags": {"Purpose": "access-logs"}})
    g.add("aws:s3/bucket:Bucket", "good-public", {"bucket": "public", "tags": {"DataClassification": "public"}})
    g.add("aws:s3/bucket:Bucket", "bad-no-config", {"bucket": "bad-no-config"})
    g.add("aws:s3/bucket:Bucket", "bad-disabled-rule", {"bucket": "bad-disabled-rule"})
    g.add("aws:s3/bucketReplicationConfig:BucketReplicationConfig", "bad-disabled-rule-replication",
          {"bucket": "bad-disabled-rule", "rules": [rule("good-dst", status="Disabled")]})
    g.add("aws:s3/bucket:Bucket", "bad-same-region", {"bucket": "bad-same-region"})
    g.add("aws:s3/bucket:Bucket", "same-region-dst", {"bucket": "same-region-dst", "tags": {"Purpose": "access-logs"}})
    g.add("aws:s3/bucketReplicationConfig:BucketReplicationConfig", "bad-same-region-replication",
          {"bucket": "bad-same-region", "rules": [rule("same-region-dst")]})
    for name, options in (("bad-no-rtc", {"rtc": False}), ("bad-no-dmr", {"delete_markers": False})):
        g.add("aws:s3/bucket:Bucket", name, {"bucket": name})
        g.add("aws:s3/bucketReplicationConfig:BucketReplicationConfig", f"{name}-replication",
              {"bucket": name, "rules": [rule(f"{name}-dst", **options)]})
    g.add("aws:s3/bucket:Bucket", "bad-kms-src", {"bucket": "bad-kms-src"})
    g.add("aws:s3/bucketReplicationConfig:BucketReplicationConfig", "bad-kms-replication",
          {"bucket": "bad-kms-src", "rules": [rule("bad-kms-src-dst", replica_key=key_arn("us-west-2", "mrk-gone"))]})

    # Aurora global databases
    g.add("aws:rds/globalCluster:GlobalCluster", "good-global", {"globalClusterIdentifier": "good-global"})
    g.add("aws:rds/cluster:Cluster", "good-global-primary",
          {"clusterIdentifier": "good-global-primary", "globalClusterIdentifier": "good-global",
           "kmsKeyId": key_arn("us-east-1", "mrk-not-in-graph")})  # primary region: not a replica key
    g.add("aws:rds/cluster:Cluster", "good-global-secondary",
          {"clusterIdentifier": "good-global-secondary", "globalClusterIdentifier": "good-global",
           "kmsKeyId": key_arn("us-west-2", "mrk-db")}, role="secondary")
    g.add("aws:rds/globalCluster:GlobalCluster", "bad-global-one-region", {"globalClusterIdentifier": "bad-global"})
    g.add("aws:rds/cluster:Cluster", "bad-global-primary",
          {"clusterIdentifier": "bad-global-primary", "globalClusterIdentifier": "bad-global"})
    g.add("aws:rds/globalCluster:GlobalCluster", "bad-global-no-members", {"globalClusterIdentifier": "lonely"})
    g.add("aws:rds/cluster:Cluster", "bad-kms-cluster",
          {"clusterIdentifier": "dr-copy", "kmsKeyId": key_arn("us-west-2", "mrk-gone")}, role="secondary")

    # DynamoDB tables
    g.add("aws:dynamodb/table:Table", "good-table",
          {"name": "good", "replicas": [{"regionName": "us-west-2", "kmsKeyArn": key_arn("us-west-2", "mrk-tables")}]})
    keydep = g.add("aws:dynamodb/table:Table", "good-table-local-key",
                   {"name": "local", "replicas": [{"regionName": "us-west-2",
                                                   "kmsKeyArn": key_arn("us-west-2", "mrk-computed-id")}]})
    g.depends(keydep, "replicas", secondary_key)
    g.add("aws:dynamodb/table:Table", "bad-table-no-replica", {"name": "single"})
    g.add("aws:dynamodb/table:Table", "bad-table-same-region",
          {"name": "same", "replicas": [{"regionName": "us-east-1"}]})
    g.add("aws:dynamodb/table:Table", "bad-kms-table",
          {"name": "wrongkey",
           "replicas": [{"regionName": "us-west-2", "kmsKeyArn": key_arn("us-west-2", "mrk-wrong")}]})

    # Secrets Manager
    g.add("aws:secretsmanager/secret:Secret", "good-secret",
          {"name": "app", "replicas": [{"region": "us-west-2", "kmsKeyId": key_arn("us-west-2", "mrk-secrets")}]})
    g.add("aws:secretsmanager/secret:Secret", "good-secret-alias",
          {"name": "db",
           "replicas": [{"region": "us-west-2", "kmsKeyId": f"arn:aws:kms:us-west-2:{ACCOUNT}:alias/secrets"}]})
    g.add("aws:secretsmanager/secret:Secret", "bad-secret-no-replica", {"name": "solo"})
    g.add("aws:secretsmanager/secret:Secret", "bad-secret-same-region",
          {"name": "same", "replicas": [{"region": "us-east-1"}]})
    g.add("aws:secretsmanager/secret:Secret", "bad-kms-secret",
          {"name": "aliased",
           "replicas": [{"region": "us-west-2", "kmsKeyId": f"arn:aws:kms:us-west-2:{ACCOUNT}:alias/none"}]})
    return g.build()


graph = graph_fixture(build_graph)
result = result_fixture(only(MINE))


# -- s3-bucket-cross-region-replication
def test_s3_complete_cross_region_replication_passes(result):
    assert not {"good-src", "good-dst"} & violated(result, S3)


def test_s3_replication_config_linked_by_property_dependency_passes(result):
    assert "good-autonamed" not in violated(result, S3)


def test_s3_exempt_purpose_and_public_buckets_need_no_replication(result):
    assert not {"good-exempt-logs", "good-public", "same-region-dst"} & violated(result, S3)


def test_s3_bucket_without_replication_config_is_reported(result):
    assert "bad-no-config" in violated(result, S3)
    assert [m for m in message_for(result, S3, "bad-no-config") if "has no aws:s3/bucketReplicationConfig" in m]


def test_s3_replication_without_enabled_rule_is_reported(result):
    assert "bad-disabled-rule" in violated(result, S3)
    assert message_for(result, S3, "no rule with status Enabled")


def test_s3_secondary_data_bucket_must_replicate_back(result):
    assert "bad-secondary-one-way" in violated(result, S3)
    assert [m for m in message_for(result, S3, "bad-secondary-one-way") if "secondary us-west-2" in m]


def test_s3_every_replication_rule_is_enabled(result):
    assert {"bad-disabled-rule-replication", "bad-partly-disabled-replication"} <= violated(result, S3)
    assert "bad-partly-disabled" not in violated(result, S3)  # its enabled rule replicates it
    [message] = message_for(result, S3, "bad-partly-disabled-replication")
    assert "(paused)" in message
    assert not {"good-src-replication", "good-dst-replication-back"} & violated(result, S3)


def test_s3_replication_to_the_same_region_is_reported(result):
    assert "bad-same-region" in violated(result, S3)
    assert message_for(result, S3, "arn:aws:s3:::same-region-dst")


def test_s3_replication_without_rtc_is_reported(result):
    assert "bad-no-rtc" in violated(result, S3)
    assert [m for m in message_for(result, S3, "bad-no-rtc") if "replicationTime.status" in m]
    assert not [m for m in message_for(result, S3, "bad-no-rtc") if "deleteMarkerReplication" in m]


def test_s3_replication_without_delete_markers_is_reported(result):
    assert "bad-no-dmr" in violated(result, S3)
    assert [m for m in message_for(result, S3, "bad-no-dmr") if "deleteMarkerReplication.status" in m]


def test_s3_config_narrows_the_replicated_classifications(graph):
    config = only(MINE, **{S3: {"replicatedClassifications": ["restricted"], "exemptPurposes": []}})
    reported = violated(run_pack(graph, config), S3)
    assert "bad-no-config" not in reported  # internal data no longer needs a replica
    assert "good-autonamed" not in reported


# -- aurora-global-cluster-secondary-member
def test_aurora_global_cluster_with_two_regions_passes(result):
    assert "good-global" not in violated(result, AURORA)


def test_aurora_global_cluster_in_one_region_is_reported(result):
    assert "bad-global-one-region" in violated(result, AURORA)
    assert message_for(result, AURORA, "member clusters only in us-east-1")


def test_aurora_global_cluster_without_members_is_reported(result):
    assert "bad-global-no-members" in violated(result, AURORA)


# -- dynamodb-global-table-replica
def test_dynamodb_table_with_cross_region_replica_passes(result):
    assert not {"good-table", "good-table-local-key", "bad-kms-table"} & violated(result, DYNAMODB)


def test_dynamodb_table_without_replicas_is_reported(result):
    assert "bad-table-no-replica" in violated(result, DYNAMODB)


def test_dynamodb_replica_in_its_own_region_is_reported(result):
    assert "bad-table-same-region" in violated(result, DYNAMODB)


def test_dynamodb_secondary_regions_setting_requires_one_of_them(graph):
    reported = violated(run_pack(graph, only(MINE, **{DYNAMODB: {"secondaryRegions": ["eu-central-1"]}})), DYNAMODB)
    assert "good-table" in reported


# -- secretsmanager-secret-replicated
def test_secret_with_cross_region_replica_passes(result):
    assert not {"good-secret", "good-secret-alias", "bad-kms-secret"} & violated(result, SECRETS)


def test_secret_without_replica_is_reported(result):
    assert "bad-secret-no-replica" in violated(result, SECRETS)


def test_secret_replica_in_its_own_region_is_reported(result):
    assert "bad-secret-same-region" in violated(result, SECRETS)


# -- kms-replica-keys-present
def test_kms_replica_keys_matched_by_primary_key_id_pass(result):
    assert not {"good-src-replication", "good-global-secondary", "good-table", "good-secret"} & violated(result, KMS)


def test_kms_key_in_the_replica_region_linked_by_dependency_passes(result):
    assert "good-table-local-key" not in violated(result, KMS)


def test_kms_alias_of_a_replica_key_passes(result):
    assert "good-secret-alias" not in violated(result, KMS)


def test_kms_primary_region_cluster_key_is_not_a_replica_key(result):
    assert "good-global-primary" not in violated(result, KMS)


def test_kms_missing_s3_replica_key_is_reported(result):
    assert "bad-kms-replication" in violated(result, KMS)
    assert message_for(result, KMS, "replicaKmsKeyId = arn:aws:kms:us-west-2:111122223333:key/mrk-gone")


def test_kms_missing_secondary_cluster_key_is_reported(result):
    assert "bad-kms-cluster" in violated(result, KMS)


def test_kms_replica_key_in_another_region_does_not_count(result):
    assert "bad-kms-table" in violated(result, KMS)


def test_kms_alias_that_is_not_in_the_stack_is_reported(result):
    assert "bad-kms-secret" in violated(result, KMS)


def test_kms_unknown_key_during_preview_is_skipped_with_an_advisory_note():
    g = GraphBuilder()
    g.add("aws:secretsmanager/secret:Secret", "pending-secret",
          {"name": "p", "replicas": [{"region": "us-west-2", "kmsKeyId": UNKNOWN}]})
    result = run_pack(g.build(), only(MINE))
    assert "pending-secret" not in violated(result, KMS)
    notes = [d for d in result.diagnostics if d.policy == KMS]
    assert notes and all(d.level == "advisory" and "during preview" in d.message for d in notes)
