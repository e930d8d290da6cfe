"""The Aurora global database in the real program's resource graph: both regions' clusters with the same settings,
instance counts from config, and the transactional RPO enforced where Aurora can enforce it."""
from __future__ import annotations

import pytest

from tests.support.architecture import (DB_CLUSTER, DB_INSTANCE, GLOBAL_CLUSTER, PRIMARY, ROLES, SECONDARY, STACKS,
                                        only, stack, store_key)


# -- Aurora global database --------------------------------------------------------------------------
@pytest.mark.parametrize("name", STACKS)
def test_global_cluster_spans_both_regions(name):
    s = stack(name)
    global_cluster = only(s.of(GLOBAL_CLUSTER), "Aurora global cluster")
    assert global_cluster.inputs.get("storageEncrypted") is True
    assert global_cluster.inputs.get("deletionProtection") is True
    members = s.referring(DB_CLUSTER, global_cluster, "globalClusterIdentifier")
    assert sorted(s.role(m) for m in members) == [PRIMARY, SECONDARY]
    for member in members:
        assert member.inputs.get("globalClusterIdentifier") == global_cluster.inputs.get("globalClusterIdentifier")
        assert member.inputs.get("engine") == global_cluster.inputs.get("engine")


@pytest.mark.parametrize("name", STACKS)
@pytest.mark.parametrize("role", ROLES)
def test_aurora_clusters_are_encrypted_protected_and_backed_up(name, role):
    s = stack(name)
    cluster = only(s.in_role(DB_CLUSTER, role), f"Aurora cluster in the {role} region")
    assert cluster.inputs.get("storageEncrypted") is True
    store_key(s, cluster, "kmsKeyId", cluster.inputs.get("kmsKeyId"), role)
    assert cluster.inputs.get("deletionProtection") is True
    assert cluster.inputs.get("backupRetentionPeriod") == s.config.database.backup_retention_days
    assert cluster.inputs.get("skipFinalSnapshot") is not True


@pytest.mark.parametrize("name", STACKS)
def test_primary_cluster_uses_iam_auth_and_secondary_inherits_credentials(name):
    s = stack(name)
    primary = only(s.in_role(DB_CLUSTER, PRIMARY), "primary Aurora cluster")
    secondary = only(s.in_role(DB_CLUSTER, SECONDARY), "secondary Aurora cluster")
    assert primary.inputs.get("iamDatabaseAuthenticationEnabled") is True
    assert primary.inputs.get("masterUsername")
    # A secondary joins with the global cluster's credentials; AWS rejects one that brings its own.
    assert "masterUsername" not in secondary.inputs and "masterPassword" not in secondary.inputs
    # ...and it can only join once the primary has a writer instance.
    primary_instances = s.referring(DB_INSTANCE, primary, "clusterIdentifier")
    assert primary_instances and all(i.urn in secondary.dependencies for i in primary_instances)


@pytest.mark.parametrize("name", STACKS)
@pytest.mark.parametrize("role", ROLES)
def test_instance_counts_follow_config(name, role):
    s = stack(name)
    cluster = only(s.in_role(DB_CLUSTER, role), f"Aurora cluster in the {role} region")
    instances = s.referring(DB_INSTANCE, cluster, "clusterIdentifier")
    database = s.config.database
    expected = database.primary_instances if role == PRIMARY else database.secondary_instances
    assert len(instances) == expected
    assert len(s.in_role(DB_INSTANCE, role)) == expected, "instances outside their region's cluster"
    for instance in instances:
        assert instance.inputs.get("clusterIdentifier") == cluster.inputs.get("clusterIdentifier")
        assert instance.inputs.get("publiclyAccessible") is False


def test_dev_secondary_is_headless_and_prod_is_not():
    assert stack("dev").config.database.secondary_instances == 0
    assert not stack("dev").in_role(DB_INSTANCE, SECONDARY)
    assert stack("prod").in_role(DB_INSTANCE, SECONDARY)
    # Headless: the secondary cluster still exists and belongs to the global cluster.
    assert stack("dev").in_role(DB_CLUSTER, SECONDARY)


PARAMETER_GROUP = "aws:rds/clusterParameterGroup:ClusterParameterGroup"


@pytest.mark.parametrize("name", STACKS)
def test_the_transactional_rpo_is_enforced_where_aurora_can_enforce_it(name):
    # rds.global_db_rpo has a 20-s minimum: a target of 20 s or more is set in both regions (either may be the
    # primary); a tighter target cannot be enforced, so it is not set and the recovery model says "not enforced".
    s = stack(name)
    target = s.config.recovery_targets["regionLoss"].rpo_seconds["transactional"]
    for role in ROLES:
        [group] = s.in_role(PARAMETER_GROUP, role)
        parameters = {p["name"]: p["value"] for p in group.inputs.get("parameters", [])}
        if target >= 20:
            assert parameters.get("rds.global_db_rpo") == str(int(target)), (role, parameters)
        else:
            assert "rds.global_db_rpo" not in parameters
    alarms = [a for a in s.of("aws:cloudwatch/metricAlarm:MetricAlarm") if a.inputs.get("metricName") == "AuroraGlobalDBRPOLag"]
    assert len(alarms) == 1 and s.role(alarms[0]) == SECONDARY
    assert alarms[0].inputs["threshold"] == target * 1000


def test_the_stacks_cover_an_enforced_and_an_unenforceable_rpo():
    targets = {stack(n).config.recovery_targets["regionLoss"].rpo_seconds["transactional"] for n in STACKS}
    assert min(targets) < 20 <= max(targets)
