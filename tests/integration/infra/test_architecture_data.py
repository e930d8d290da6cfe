"""Data stores in the resource graph: keys, buckets, Aurora, DynamoDB, secrets and backups.

Each store must survive the loss of the primary region: a copy in the secondary, encrypted
with the secondary's replica of the multi-Region key, and backups locked in the other region.
Helpers and the per-stack graph view come from tests/support/architecture.py.
"""
from __future__ import annotations

import json
import re

import pytest

from drcore.tags import DATA_CLASSIFICATION_TAG, DR_ROLE_TAG, REQUIRED_TAG_KEYS
from drkit.graph.mocks import ACCOUNT_ID
from drkit.graph.resource_graph import Resource
from tests.support.architecture import (BUCKET, DB_CLUSTER, DB_INSTANCE, DYNAMODB_TAG, KMS_KEY, KMS_REPLICA, PLAN,
                                        PRIMARY, ROLES, SECONDARY, SECRET, SELECTION, STACKS, TABLE, TOPIC, TRAIL,
                                        VAULT, VAULT_LOCK, Stack, arn_region, control_tables, data_bucket, data_tables,
                                        only, resolved_tags, stack, store_key)

REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
ENCRYPTION = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
PUBLIC_ACCESS = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"


# -- KMS ---------------------------------------------------------------------------------------------
def replica_of(s: Stack, key: Resource) -> list[Resource]:
    return s.referring(KMS_REPLICA, key, "primaryKeyArn")


@pytest.mark.parametrize("name", STACKS)
def test_multi_region_keys_rotate_and_replicate_to_the_secondary(name):
    s = stack(name)
    multi_region = [k for k in s.of(KMS_KEY) if k.inputs.get("multiRegion")]
    assert multi_region
    for key in multi_region:
        assert s.role(key) == PRIMARY, f"{key.name}: multi-Region primary outside the primary region"
        assert key.inputs.get("enableKeyRotation") is True, key.name
        replica = only(replica_of(s, key), f"replica of {key.name}")
        assert s.role(replica) == SECONDARY
        assert arn_region(replica.inputs["primaryKeyArn"]) == s.config.primary_region
    for key in s.of(KMS_KEY):
        assert key.inputs.get("enableKeyRotation") is True, key.name
    for replica in s.of(KMS_REPLICA):
        primary = only(s.refs(replica, "primaryKeyArn", KMS_KEY), f"primary of {replica.name}")
        assert primary.inputs.get("multiRegion") is True


@pytest.mark.parametrize("name", STACKS)
def test_one_multi_region_key_per_data_class(name):
    s = stack(name)
    data_buckets = [data_bucket(s, p, PRIMARY) for p in s.config.data.buckets]
    users = {  # data class -> resources that encrypt with it, and the property naming the key
        "database": [(c, "kmsKeyId") for c in s.in_role(DB_CLUSTER, PRIMARY)],
        "sessions": [(t, "serverSideEncryption") for t in s.of(TABLE)],
        "objects": [(e, "rules") for b in data_buckets for e in s.referring(ENCRYPTION, b, "bucket")],
        "platform": [(r, "kmsKeyId") for r in s.in_role(SECRET, PRIMARY)]
                    + [(r, "kmsMasterKeyId") for r in s.in_role(TOPIC, PRIMARY)]
                    + [(r, "kmsKeyArn") for r in s.in_role(VAULT, PRIMARY)]
                    + [(r, "kmsKeyId") for r in s.of(TRAIL)],
    }
    keys = {}
    for data_class, uses in users.items():
        assert uses, f"nothing encrypts {data_class} data"
        used = {k.urn for resource, prop in uses for k in s.refs(resource, prop) if k.type == KMS_KEY}
        assert len(used) == 1, f"{data_class} data uses {len(used)} keys, expected its one data-class key"
        keys[data_class] = s.urns[used.pop()]
        assert keys[data_class].inputs.get("multiRegion") is True, f"{data_class} key is not multi-Region"
    assert len({k.urn for k in keys.values()}) == len(keys), "data classes share a key"
    assert len([k for k in s.of(KMS_KEY) if k.inputs.get("multiRegion")]) == len(keys)


# -- S3 ----------------------------------------------------------------------------------------------
def _attached(s: Stack, type_token: str, bucket: Resource) -> Resource:
    return only(s.referring(type_token, bucket, "bucket"), f"{type_token.rsplit(':', 1)[1]} of {bucket.name}")


@pytest.mark.parametrize("name", STACKS)
def test_every_bucket_is_versioned_encrypted_private_and_tls_only_with_a_kms_key_but_the_alb_logs(name):
    s = stack(name)
    buckets = s.of(BUCKET)
    assert len(buckets) >= 2 * len(s.config.data.buckets)
    for bucket in buckets:
        versioning = _attached(s, VERSIONING, bucket)
        assert (versioning.inputs.get("versioningConfiguration") or {}).get("status") == "Enabled", bucket.name
        encryption = _attached(s, ENCRYPTION, bucket)
        rules = encryption.inputs.get("rules") or []
        assert rules, bucket.name
        load_balancer_logs = resolved_tags(s, bucket).get("Purpose") == "alb-access-logs"
        for rule in rules:
            default = rule.get("applyServerSideEncryptionByDefault") or {}
            if load_balancer_logs:  # ELB delivers access logs only with S3-managed keys
                assert default.get("sseAlgorithm") == "AES256", bucket.name
                continue
            assert default.get("sseAlgorithm") == "aws:kms", bucket.name
            key_arn = default.get("kmsMasterKeyId")
            assert arn_region(key_arn) == s.region(bucket), f"{bucket.name} encrypted with a key in another region"
            assert s.refs(encryption, "rules", KMS_KEY) or s.refs(encryption, "rules", KMS_REPLICA), bucket.name
        block = _attached(s, PUBLIC_ACCESS, bucket)
        for flag in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"):
            assert block.inputs.get(flag) is True, (bucket.name, flag)
        policy = _attached(s, BUCKET_POLICY, bucket)
        assert _denies_plain_http(json.loads(policy.inputs["policy"]), bucket.inputs["bucket"]), bucket.name


@pytest.mark.parametrize("name", STACKS)
def test_bucket_names_carry_the_account_so_no_other_account_holds_them(name):
    # Bucket names are one namespace across all AWS accounts: without the account id, the second team to deploy
    # this kit with the same environment name would fail on "BucketAlreadyExists".
    s = stack(name)
    names = [b.inputs.get("bucket") for b in s.of(BUCKET)]
    assert names and all(isinstance(n, str) for n in names), names
    assert len(set(names)) == len(names)
    for bucket_name in names:
        assert bucket_name.endswith(f"-{ACCOUNT_ID}"), bucket_name
        assert len(bucket_name) <= 63 and re.fullmatch(r"[a-z0-9][a-z0-9.-]+[a-z0-9]", bucket_name), bucket_name


def _denies_plain_http(document: dict, bucket_name: str) -> bool:
    arn = f"arn:aws:s3:::{bucket_name}"
    for statement in document.get("Statement", []):
        condition = (statement.get("Condition") or {}).get("Bool") or {}
        actions = statement.get("Action")
        actions = [actions] if isinstance(actions, str) else actions or []
        resources = statement.get("Resource")
        resources = [resources] if isinstance(resources, str) else resources or []
        if (statement.get("Effect") == "Deny" and statement.get("Principal") in ("*", {"AWS": "*"})
                and str(condition.get("aws:SecureTransport")).lower() == "false"
                and ("s3:*" in actions or "*" in actions)
                and arn in resources and f"{arn}/*" in resources):
            return True
    return False


def _replicated_purposes(s: Stack) -> list[str]:
    return [p for p, c in s.config.data.buckets.items() if c in s.config.data.replicated_classifications]


@pytest.mark.parametrize("name", STACKS)
def test_replicated_buckets_replicate_to_their_secondary_twin(name):
    s = stack(name)
    purposes = _replicated_purposes(s)
    assert purposes, "the stack replicates no bucket"
    for purpose in purposes:
        source, twin = data_bucket(s, purpose, PRIMARY), data_bucket(s, purpose, SECONDARY)
        config = only(s.referring(REPLICATION, source, "bucket"), f"replication of {source.name}")
        assert s.region(config) == s.region(source)
        assert s.refs(config, "role"), "replication has no role of this stack"
        rules = [r for r in config.inputs.get("rules") or [] if r.get("status") == "Enabled"]
        assert rules, f"{source.name}: no enabled replication rule"
        assert twin in s.refs(config, "rules", BUCKET), f"{source.name} does not replicate to {twin.name}"
        for rule in rules:
            destination = rule.get("destination") or {}
            assert destination.get("bucket") == f"arn:aws:s3:::{twin.inputs['bucket']}"
            assert s.region(twin) != s.region(source)
            assert (rule.get("deleteMarkerReplication") or {}).get("status") == "Enabled", source.name
            rtc = destination.get("replicationTime") or {}
            assert rtc.get("status") == "Enabled" and (rtc.get("time") or {}).get("minutes") == 15, source.name
            # RTC requires replication metrics; SSE-KMS objects replicate only when selected explicitly.
            assert (destination.get("metrics") or {}).get("status") == "Enabled", source.name
            kms_selected = ((rule.get("sourceSelectionCriteria") or {}).get("sseKmsEncryptedObjects") or {})
            assert kms_selected.get("status") == "Enabled", source.name
            replica_key = (destination.get("encryptionConfiguration") or {}).get("replicaKmsKeyId")
            key = store_key(s, config, "rules", replica_key, SECONDARY)
            assert key.type == KMS_REPLICA
            # The replicas are encrypted with the key the twin itself uses.
            twin_default = _attached(s, ENCRYPTION, twin).inputs["rules"][0]["applyServerSideEncryptionByDefault"]
            assert twin_default.get("kmsMasterKeyId") == replica_key


@pytest.mark.parametrize("name", STACKS)
def test_data_buckets_replicate_both_ways_and_the_trail_one_way(name):
    # Objects written in the secondary while it serves must be in the primary after failback: every replicated data
    # bucket's twin replicates back. The CloudTrail bucket (written only in the primary) replicates one way.
    s = stack(name)
    configs = s.of(REPLICATION)
    purposes = _replicated_purposes(s)
    assert len([c for c in configs if s.role(c) == PRIMARY]) == len(purposes) + 1
    assert len([c for c in configs if s.role(c) == SECONDARY]) == len(purposes)
    for purpose in purposes:
        source, twin = data_bucket(s, purpose, PRIMARY), data_bucket(s, purpose, SECONDARY)
        back = only(s.referring(REPLICATION, twin, "bucket"), f"replication of {twin.name} back to the primary")
        [rule] = back.inputs["rules"]
        assert rule["id"] == "replicate-to-primary" and rule["status"] == "Enabled"
        assert rule["destination"]["bucket"] == f"arn:aws:s3:::{source.inputs['bucket']}"
        assert store_key(s, back, "rules", rule["destination"]["encryptionConfiguration"]["replicaKmsKeyId"],
                         PRIMARY).type == KMS_KEY
        for config in (back, only(s.referring(REPLICATION, source, "bucket"), source.name)):
            criteria = config.inputs["rules"][0]["sourceSelectionCriteria"]
            assert (criteria.get("replicaModifications") or {}).get("status") == "Enabled", config.name
    trail_bucket = only([b for b in s.of("aws:s3/bucket:Bucket") if s.role(b) == PRIMARY
                         and resolved_tags(s, b).get("Purpose") == "audit-logs" and "cloudtrail" in b.name], "trail bucket")
    assert [c for c in configs if c.inputs.get("bucket") == trail_bucket.inputs["bucket"]]


# -- DynamoDB global tables --------------------------------------------------------------------------
@pytest.mark.parametrize("name", STACKS)
def test_tables_replicate_to_the_secondary_with_its_key(name):
    s = stack(name)
    # The failover lock-and-journal table is the one table that is not global, by design: a lock needs one
    # strongly consistent home, in the region that takes over. It exists once, in the secondary region only.
    control = only(control_tables(s), "dr-control table")
    assert s.role(control) == SECONDARY, f"{control.name} is in {s.region(control)}, not the secondary region"
    assert not control.inputs.get("replicas"), f"{control.name} must not be a global table"
    tables = data_tables(s)
    assert len(tables) == len(s.config.data.tables)
    for logical in s.config.data.tables:
        only([t for t in tables if t.inputs.get("name", "").endswith("-" + logical)], f"{logical} table")
    for table in tables:
        assert s.role(table) == PRIMARY, f"{table.name}: a global table is created once, in the primary"
        assert (table.inputs.get("pointInTimeRecovery") or {}).get("enabled") is True, table.name
        assert table.inputs.get("deletionProtectionEnabled") is True, table.name
        encryption = table.inputs.get("serverSideEncryption") or {}
        assert encryption.get("enabled") is True
        store_key(s, table, "serverSideEncryption", encryption.get("kmsKeyArn"), PRIMARY)
        assert table.inputs.get("streamEnabled") is True
        assert table.inputs.get("streamViewType") == "NEW_AND_OLD_IMAGES"
        replica = only(table.inputs.get("replicas") or [], f"replica of {table.name}")
        assert replica.get("regionName") == s.config.secondary_region
        store_key(s, table, "replicas", replica.get("kmsKeyArn"), SECONDARY)
        assert replica.get("pointInTimeRecovery") is True, table.name
        assert replica.get("deletionProtectionEnabled") is True, table.name
        # The replica is the secondary's store: its own region's tags (DRRole=secondary, every required key, the
        # table's classification), so Config rules scoped to the primary's stores do not judge it.
        assert replica.get("propagateTags") is False, f"{table.name}: the replica would carry the primary's DRRole"
        tag_resources = s.referring(DYNAMODB_TAG, table, "resourceArn")
        replica_tags = {t.inputs["key"]: t.inputs["value"] for t in tag_resources}
        assert all(s.role(t) == SECONDARY and f":{s.config.secondary_region}:" in t.inputs["resourceArn"]
                   for t in tag_resources), f"{table.name}: tags the replica from its own region"
        assert set(REQUIRED_TAG_KEYS) <= set(replica_tags), f"{table.name}: replica tags {sorted(replica_tags)}"
        assert replica_tags[DR_ROLE_TAG] == SECONDARY
        assert replica_tags[DATA_CLASSIFICATION_TAG] == resolved_tags(s, table)[DATA_CLASSIFICATION_TAG]



# -- Secrets -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", STACKS)
def test_secrets_replicate_to_the_secondary(name):
    s = stack(name)
    secrets = s.of(SECRET)
    assert secrets
    for secret in secrets:
        assert s.role(secret) == PRIMARY
        store_key(s, secret, "kmsKeyId", secret.inputs.get("kmsKeyId"), PRIMARY)
        replica = only(secret.inputs.get("replicas") or [], f"replica of {secret.name}")
        assert replica.get("region") == s.config.secondary_region
        store_key(s, secret, "replicas", replica.get("kmsKeyId"), SECONDARY)
    database_secret = s.graph.outputs["regions"][SECONDARY].get("databaseSecretArn")
    assert arn_region(database_secret) == s.config.secondary_region


# -- AWS Backup --------------------------------------------------------------------------------------
def _lock_of(s: Stack, vault: Resource) -> Resource:
    return only(s.referring(VAULT_LOCK, vault, "backupVaultName"), f"vault lock of {vault.name}")


@pytest.mark.parametrize("name", STACKS)
@pytest.mark.parametrize("role", ROLES)
def test_vaults_are_locked_in_compliance_mode(name, role):
    s = stack(name)
    backup = s.config.backup
    vault = only(s.in_role(VAULT, role), f"backup vault in the {role} region")
    store_key(s, vault, "kmsKeyArn", vault.inputs.get("kmsKeyArn"), role)
    lock = _lock_of(s, vault)
    assert s.region(lock) == s.region(vault)
    assert lock.inputs.get("changeableForDays") is not None, "without changeableForDays the lock is governance mode"
    assert lock.inputs["changeableForDays"] == backup.vault_lock_changeable_for_days
    assert lock.inputs.get("minRetentionDays") == backup.vault_lock_min_retention_days
    assert lock.inputs.get("maxRetentionDays") == backup.vault_lock_max_retention_days


@pytest.mark.parametrize("name", STACKS)
def test_every_backup_rule_copies_to_a_locked_vault_in_the_other_region(name):
    s = stack(name)
    backup = s.config.backup
    plans = s.of(PLAN)
    assert plans
    secondary_vault = only(s.in_role(VAULT, SECONDARY), "secondary backup vault")
    for plan in plans:
        rules = plan.inputs.get("rules") or []
        assert rules, plan.name
        assert secondary_vault in s.refs(plan, "rules", VAULT), f"{plan.name} does not copy to {secondary_vault.name}"
        for rule in rules:
            copies = rule.get("copyActions") or []
            assert copies, f"{plan.name}/{rule.get('ruleName')}: no cross-region copy"
            assert (rule.get("lifecycle") or {}).get("deleteAfter") == backup.retention_days
            for copy in copies:
                destination = copy.get("destinationVaultArn")
                assert arn_region(destination) not in (None, "", s.region(plan)), destination
                assert arn_region(destination) == s.config.secondary_region
                assert destination.endswith(":backup-vault:" + secondary_vault.inputs["name"])
                deleted_after = (copy.get("lifecycle") or {}).get("deleteAfter")
                assert deleted_after == backup.copy_retention_days
                assert backup.vault_lock_min_retention_days <= deleted_after <= backup.vault_lock_max_retention_days
        _lock_of(s, secondary_vault)
        # Recovery points must never land in a vault before it is locked.
        locks = [_lock_of(s, v) for v in s.of(VAULT)]
        assert all(lock.urn in plan.dependencies for lock in locks), f"{plan.name} may run before the vault locks"


@pytest.mark.parametrize("name", STACKS)
def test_backup_selection_covers_the_primary_cluster_and_every_table(name):
    s = stack(name)
    selection = only(s.of(SELECTION), "backup selection")
    assert only(s.refs(selection, "planId", PLAN), "selection plan")
    covered = {r.urn for r in s.refs(selection, "resources")}
    primary_cluster = only(s.in_role(DB_CLUSTER, PRIMARY), "primary Aurora cluster")
    assert primary_cluster.urn in covered, "the primary Aurora cluster is not backed up"
    tables = data_tables(s)
    assert len(tables) == len(s.config.data.tables)
    missing = [t.name for t in tables if t.urn not in covered]
    assert not missing, f"tables without backups: {missing}"
    arns = selection.inputs.get("resources") or []
    assert f":cluster:{primary_cluster.inputs['clusterIdentifier']}" in " ".join(arns)
    assert all(arn_region(a) == s.config.primary_region for a in arns)
    for table in tables:
        assert any(a.endswith(":table/" + table.inputs["name"]) for a in arns), table.name


# What a promoted secondary must already be, because it becomes the writer: the settings AWS does not copy from
# the global cluster onto a secondary cluster (each cluster sets its own), and the instances' class.
PARITY_KEYS = ("engine", "engineVersion", "iamDatabaseAuthenticationEnabled", "storageEncrypted", "deletionProtection",
               "backupRetentionPeriod", "preferredBackupWindow", "copyTagsToSnapshot", "enabledCloudwatchLogsExports")


@pytest.mark.parametrize("name", STACKS)
def test_the_secondary_cluster_has_the_primary_clusters_settings(name):
    s = stack(name)
    primary, secondary = (only(s.in_role(DB_CLUSTER, role), f"{role} Aurora cluster") for role in ROLES)
    differing = {key: (primary.inputs.get(key), secondary.inputs.get(key)) for key in PARITY_KEYS
                 if primary.inputs.get(key) != secondary.inputs.get(key)}
    assert differing == {}, "a promoted secondary would run with other settings: " + repr(differing)
    assert secondary.inputs.get("iamDatabaseAuthenticationEnabled") is True
    classes = {r.inputs.get("instanceClass") for r in s.of(DB_INSTANCE)}
    assert classes == {s.config.database.instance_class}


RESTORE_PLAN = "aws:backup/restoreTestingPlan:RestoreTestingPlan"
RESTORE_SELECTION = "aws:backup/restoreTestingSelection:RestoreTestingSelection"


@pytest.mark.parametrize("name", STACKS)
@pytest.mark.parametrize("role", ROLES)
def test_each_region_restore_tests_its_vaults_latest_aurora_and_dynamodb_recovery_points(name, role):
    """What AURORA/DYNAMODB_MEETS_RESTORE_TIME_TARGET evaluate: restore-testing jobs. In the secondary they prove the
    cross-region copies restore where a region loss leaves them; restores land in the platform's own subnets and
    are encrypted with its keys, not in a default VPC."""
    s = stack(name)
    vault = only(s.in_role(VAULT, role), f"backup vault in the {role} region")
    plan = only(s.in_role(RESTORE_PLAN, role), f"restore-testing plan in the {role} region")
    selection_rule = plan.inputs["recoveryPointSelection"]
    assert s.refs(plan, "recoveryPointSelection", VAULT) == [vault], "it must test this region's own vault"
    assert selection_rule["algorithm"] == "LATEST_WITHIN_WINDOW" and selection_rule["recoveryPointTypes"] == ["SNAPSHOT"]
    assert plan.inputs["scheduleExpression"].startswith("cron(")
    selections = {sel.inputs["protectedResourceType"]: sel for sel in s.referring(RESTORE_SELECTION, plan,
                                                                                  "restoreTestingPlanName")}
    assert set(selections) == {"Aurora", "DynamoDB"}
    aurora, dynamodb = selections["Aurora"].inputs, selections["DynamoDB"].inputs
    assert aurora["iamRoleArn"] == dynamodb["iamRoleArn"]  # IAM is global: one restore role serves both regions
    subnet_group = only(s.refs(selections["Aurora"], "restoreMetadataOverrides", "aws:rds/subnetGroup:SubnetGroup"),
                        "the database subnet group restores land in")
    assert s.region(subnet_group) == s.region(plan)
    assert json.loads(aurora["restoreMetadataOverrides"]["vpcsecuritygroupids"])[0].startswith("sg-")
    assert dynamodb["restoreMetadataOverrides"]["encryptiontype"] == "KMS"
    store_key(s, selections["DynamoDB"], "restoreMetadataOverrides",
              dynamodb["restoreMetadataOverrides"]["kmsmasterkeyarn"], role)


@pytest.mark.parametrize("name", STACKS)
def test_the_retention_config_rule_asks_what_the_plan_keeps_not_the_locks_floor(name):
    # The platform must be compliant with its own rule, and the rule must be able to catch a plan that keeps less:
    # the required days are the shortest any recovery point is kept, read here from the plan itself.
    s = stack(name)
    kept = [days for plan in s.of(PLAN) for rule in plan.inputs["rules"]
            for days in [rule["lifecycle"]["deleteAfter"], *(c["lifecycle"]["deleteAfter"] for c in rule["copyActions"])]]
    rules = [r for r in s.of("aws:cfg/rule:Rule")
             if r.inputs["source"]["sourceIdentifier"] == "BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK"]
    assert len(rules) == 2
    assert {json.loads(r.inputs["inputParameters"])["requiredRetentionDays"] for r in rules} == {str(min(kept))}
