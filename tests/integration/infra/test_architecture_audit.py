"""Audit in the real program's resource graph: a multi-region CloudTrail trail, and AWS Config recording
and delivering in each region (global resources once, in the primary), or, where the organisation's recorder
records (audit.configRecorder: existing), no recorder of the stack's own but the same rules."""
from __future__ import annotations

import pytest

from tests.support.architecture import (BUCKET, CHANNEL, CONFIG_RULE, DB_CLUSTER, DB_INSTANCE, DYNAMODB_TAG, EDITED,
                                        KMS_KEY, KMS_REPLICA, LOG_GROUP, PRIMARY, RECORDER, RECORDER_STATUS, ROLE,
                                        ROLES, SECONDARY, SELECTION, STACKS, TABLE, TRAIL, arn_region, only,
                                        resolved_tags, stack)


# -- audit -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", STACKS)
def test_cloudtrail_is_multi_region_validated_encrypted_and_sent_to_logs(name):
    s = stack(name)
    trail = only(s.of(TRAIL), "trail")
    assert trail.inputs.get("isMultiRegionTrail") is True
    assert trail.inputs.get("enableLogFileValidation") is True
    assert trail.inputs.get("includeGlobalServiceEvents") is True
    assert trail.inputs.get("enableLogging", True) is True
    assert s.refs(trail, "kmsKeyId", KMS_KEY) or s.refs(trail, "kmsKeyId", KMS_REPLICA)
    assert arn_region(trail.inputs.get("kmsKeyId")) == s.region(trail)
    assert only(s.refs(trail, "cloudWatchLogsGroupArn", LOG_GROUP), "trail log group")
    assert only(s.refs(trail, "cloudWatchLogsRoleArn", ROLE), "trail logs role")
    assert only(s.refs(trail, "s3BucketName", BUCKET), "trail bucket")


RECORDING_STACKS = [n for n in STACKS if n != EDITED]  # edited-prod uses the organisation's recorder


def test_the_stacks_cover_both_recorder_modes():
    assert {stack(n).config.audit.config_recorder for n in STACKS} == {"create", "existing"}
    assert all(stack(n).config.audit.creates_config_recorder for n in RECORDING_STACKS)


@pytest.mark.parametrize("name", RECORDING_STACKS)
@pytest.mark.parametrize("role", ROLES)
def test_aws_config_records_and_delivers_in_each_region(name, role):
    s = stack(name)
    recorder = only(s.in_role(RECORDER, role), f"config recorder in the {role} region")
    assert (recorder.inputs.get("recordingGroup") or {}).get("allSupported") is True
    channel = only(s.in_role(CHANNEL, role), f"delivery channel in the {role} region")
    bucket = only(s.refs(channel, "s3BucketName", BUCKET), "delivery bucket")
    assert s.region(bucket) == s.region(channel)
    status = only(s.referring(RECORDER_STATUS, recorder, "name"), f"status of {recorder.name}")
    assert s.region(status) == s.region(recorder) and status.inputs.get("isEnabled") is True
    assert channel.urn in status.dependencies, "recording must start only once delivery is configured"


@pytest.mark.parametrize("role", ROLES)
def test_with_the_organisations_recorder_the_stack_adds_rules_and_no_recorder(role):
    s = stack(EDITED)
    assert not s.config.audit.creates_config_recorder
    for type_token in (RECORDER, CHANNEL, RECORDER_STATUS):
        assert not s.in_role(type_token, role), f"{type_token} in the {role} region would be a second one"
    assert not [b for b in s.in_role(BUCKET, role) if "config" in b.name.split("-")], "no delivery bucket needed"
    rules = {(r.inputs.get("source") or {}).get("sourceIdentifier") for r in s.in_role(CONFIG_RULE, role)}
    recording = {(r.inputs.get("source") or {}).get("sourceIdentifier") for r in stack("prod").in_role(CONFIG_RULE, role)}
    assert rules and rules == recording, "the same managed rules as a stack with its own recorder"


@pytest.mark.parametrize("name", RECORDING_STACKS)
def test_global_resources_are_recorded_once_in_the_primary(name):
    s = stack(name)
    flags = {s.role(r): (r.inputs.get("recordingGroup") or {}).get("includeGlobalResourceTypes")
             for r in s.of(RECORDER)}
    assert flags == {PRIMARY: True, SECONDARY: False}


@pytest.mark.parametrize("name", STACKS)
def test_each_region_encrypts_new_ebs_volumes_by_default(name):
    # CIS 2.2.1 asks it of the account in every region the platform runs in; EC2_EBS_ENCRYPTION_BY_DEFAULT checks it.
    s = stack(name)
    settings = s.of("aws:ebs/encryptionByDefault:EncryptionByDefault")
    assert sorted(s.region(r) for r in settings) == sorted(s.role_regions.values())
    assert all(r.inputs.get("enabled") is True for r in settings)


RULE_SCOPES = {  # rule -> (tag key, value, the resource that shows a bucket does what the tag says)
    "S3_BUCKET_REPLICATION_ENABLED": ("Replication", "cross-region",
                                      "aws:s3/bucketReplicationConfig:BucketReplicationConfig", "bucket"),
    "S3_BUCKET_CROSS_REGION_REPLICATION_ENABLED": ("Replication", "cross-region",
                                                   "aws:s3/bucketReplicationConfig:BucketReplicationConfig", "bucket"),
    "S3_BUCKET_LOGGING_ENABLED": ("AccessLogs", "delivered", "aws:s3/bucketLogging:BucketLogging", "bucket"),
}


@pytest.mark.parametrize("name", STACKS)
@pytest.mark.parametrize("identifier", sorted(RULE_SCOPES))
def test_the_platform_is_compliant_with_its_own_bucket_rules(name, identifier):
    """Scoped by a tag, the rule evaluates exactly the buckets that do what it checks; every bucket left out is a
    log or audit bucket, which the pack exempts by purpose too. Unscoped, AWS Config would report the platform's
    own log buckets NON_COMPLIANT."""
    s = stack(name)
    key, value, proof_type, proof_input = RULE_SCOPES[identifier]
    rules = [r for r in s.of(CONFIG_RULE) if r.inputs["source"]["sourceIdentifier"] == identifier]
    assert len(rules) == 2 and all(r.inputs.get("scope") == {"tagKey": key, "tagValue": value} for r in rules)
    doing_it = {proof.inputs[proof_input] for proof in s.of(proof_type)}  # bucket names, as the configs name them
    for bucket in s.of(BUCKET):
        tagged = resolved_tags(s, bucket).get(key) == value
        configured = bucket.inputs["bucket"] in doing_it
        assert tagged == configured, f"{bucket.name}: tagged {tagged}, configured {configured}"
        if not tagged:  # a log or audit record of its own region, or data the stack chose not to replicate
            tags = resolved_tags(s, bucket)
            assert tags["Purpose"] in ("access-logs", "alb-access-logs", "audit-logs", "config-delivery") or (
                key == "Replication" and tags["DataClassification"] not in s.config.data.replicated_classifications), \
                bucket.name


@pytest.mark.parametrize("name", STACKS)
def test_the_platform_is_compliant_with_its_own_dynamodb_backup_plan_rule(name):
    """DYNAMODB_IN_BACKUP_PLAN evaluates the stores tagged DRRole=primary, and every one of them is in the backup
    selection; a global table's replica carries its own region's DRRole, so the rule does not report it (its
    backups are the primary's cross-region copies)."""
    s = stack(name)
    rules = [r for r in s.of(CONFIG_RULE) if r.inputs["source"]["sourceIdentifier"] == "DYNAMODB_IN_BACKUP_PLAN"]
    assert len(rules) == 2 and all(r.inputs.get("scope") == {"tagKey": "DRRole", "tagValue": PRIMARY} for r in rules)
    selection = only(s.of(SELECTION), "backup selection")
    selected = {r.urn for r in s.refs(selection, "resources")}
    for table in s.of(TABLE):
        in_scope = resolved_tags(s, table)["DRRole"] == PRIMARY
        assert in_scope == (table.urn in selected), f"{table.name}: in the rule's scope {in_scope}"
    replica_roles = {t.inputs["value"] for t in s.of(DYNAMODB_TAG) if t.inputs["key"] == "DRRole"}
    assert replica_roles == {SECONDARY}


# dev runs one primary instance (database.primaryInstances: 1) to save cost: AWS Config reports that NON_COMPLIANT
# there, as it should; a stack that keeps the rule's promise is every other one.
@pytest.mark.parametrize("name", [n for n in STACKS if n != "dev"])
def test_the_multi_az_cluster_rule_judges_the_writers_cluster_which_spans_zones(name):
    # Scoped to DRRole=primary: the warm-standby cluster is one zone by design (docs/dr-strategy.md).
    s = stack(name)
    rules = [r for r in s.of(CONFIG_RULE) if r.inputs["source"]["sourceIdentifier"] == "RDS_CLUSTER_MULTI_AZ_ENABLED"]
    assert len(rules) == 2 and all(r.inputs.get("scope") == {"tagKey": "DRRole", "tagValue": PRIMARY} for r in rules)
    for cluster in s.of(DB_CLUSTER):
        if resolved_tags(s, cluster)["DRRole"] == PRIMARY:
            assert len(s.referring(DB_INSTANCE, cluster, "clusterIdentifier")) >= 2, cluster.name


SSE_CONFIG = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"


@pytest.mark.parametrize("name", STACKS)
def test_the_kms_bucket_rule_judges_exactly_the_buckets_with_a_customer_managed_key(name):
    # S3_DEFAULT_ENCRYPTION_KMS is scoped to the tag; the buckets left out are the load balancers' log buckets, which
    # use SSE-S3 because Elastic Load Balancing delivers to nothing else, and which a load balancer logs to.
    s = stack(name)
    rules = [r for r in s.of(CONFIG_RULE) if r.inputs["source"]["sourceIdentifier"] == "S3_DEFAULT_ENCRYPTION_KMS"]
    assert len(rules) == 2
    assert all(r.inputs.get("scope") == {"tagKey": "Encryption", "tagValue": "customer-managed-key"} for r in rules)
    algorithms = {c.inputs["bucket"]: c.inputs["rules"][0]["applyServerSideEncryptionByDefault"]["sseAlgorithm"]
                  for c in s.of(SSE_CONFIG)}
    logged_to = {lb.inputs["accessLogs"]["bucket"] for lb in s.of("aws:lb/loadBalancer:LoadBalancer")}
    for bucket in s.of(BUCKET):
        tagged = resolved_tags(s, bucket).get("Encryption") == "customer-managed-key"
        assert tagged == (algorithms[bucket.inputs["bucket"]] == "aws:kms"), bucket.name
        if not tagged:
            assert resolved_tags(s, bucket)["Purpose"] == "alb-access-logs" and bucket.inputs["bucket"] in logged_to
