"""Aurora global database failover, switchover and detach, through the regional proxies over HTTP."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.integration.emulation.conftest import PRIMARY, SECONDARY


def _global_database(emulation):
    rds = emulation.client("rds", PRIMARY)
    rds.create_global_cluster(GlobalClusterIdentifier="shop", Engine="aurora-postgresql", EngineVersion="16.4")
    one = rds.create_db_cluster(DBClusterIdentifier="shop-one", Engine="aurora-postgresql", GlobalClusterIdentifier="shop",
                                MasterUsername="admin", MasterUserPassword="Password-123")["DBCluster"]["DBClusterArn"]
    two = emulation.client("rds", SECONDARY).create_db_cluster(
        DBClusterIdentifier="shop-two", Engine="aurora-postgresql", GlobalClusterIdentifier="shop")["DBCluster"]["DBClusterArn"]
    return one, two


def _writers(emulation, region=SECONDARY):
    members = emulation.client("rds", region).describe_global_clusters(
        GlobalClusterIdentifier="shop")["GlobalClusters"][0]["GlobalClusterMembers"]
    return {m["DBClusterArn"]: m["IsWriter"] for m in members}


def test_failover_with_data_loss_makes_the_target_the_writer(emulation):
    one, two = _global_database(emulation)
    answer = emulation.client("rds", SECONDARY).failover_global_cluster(
        GlobalClusterIdentifier="shop", TargetDbClusterIdentifier=two, AllowDataLoss=True)
    assert answer["GlobalCluster"]["GlobalClusterIdentifier"] == "shop"
    assert _writers(emulation) == {one: False, two: True}


def test_failover_works_while_the_old_writers_region_is_unreachable(emulation):
    one, two = _global_database(emulation)
    emulation.faults[PRIMARY].make_unreachable("refuse")
    emulation.client("rds", SECONDARY).failover_global_cluster(GlobalClusterIdentifier="shop",
                                                               TargetDbClusterIdentifier=two, AllowDataLoss=True)
    assert _writers(emulation) == {one: False, two: True}


def test_switchover_needs_the_writers_region_and_then_moves_the_writer(emulation):
    one, two = _global_database(emulation)
    rds = emulation.client("rds", SECONDARY)
    emulation.faults[PRIMARY].make_unreachable("refuse")
    with pytest.raises(ClientError) as refused:
        rds.switchover_global_cluster(GlobalClusterIdentifier="shop", TargetDbClusterIdentifier=two)
    assert refused.value.response["Error"]["Code"] == "InvalidGlobalClusterStateFault"
    assert _writers(emulation) == {one: True, two: False}
    emulation.faults[PRIMARY].make_reachable()
    rds.switchover_global_cluster(GlobalClusterIdentifier="shop", TargetDbClusterIdentifier=two)
    assert _writers(emulation) == {one: False, two: True}


def test_failover_without_allow_data_loss_is_a_switchover(emulation):
    _, two = _global_database(emulation)
    emulation.faults[PRIMARY].make_unreachable("refuse")
    with pytest.raises(ClientError) as refused:
        emulation.client("rds", SECONDARY).failover_global_cluster(GlobalClusterIdentifier="shop",
                                                                   TargetDbClusterIdentifier=two)
    assert refused.value.response["Error"]["Code"] == "InvalidGlobalClusterStateFault"


def test_failback_moves_the_writer_back(emulation):
    one, two = _global_database(emulation)
    rds = emulation.client("rds", SECONDARY)
    rds.failover_global_cluster(GlobalClusterIdentifier="shop", TargetDbClusterIdentifier=two, AllowDataLoss=True)
    emulation.client("rds", PRIMARY).switchover_global_cluster(GlobalClusterIdentifier="shop", TargetDbClusterIdentifier=one)
    assert _writers(emulation, PRIMARY) == {one: True, two: False}
    assert [op["planned"] for op in emulation.gaps.rds.operations] == [False, True]


@pytest.mark.parametrize("target, code", [("arn:aws:rds:us-west-2:111122223333:cluster:elsewhere", "DBClusterNotFoundFault"),
                                          ("current-writer", "InvalidParameterValue")])
def test_failover_refuses_a_target_that_cannot_take_over(emulation, target, code):
    one, _ = _global_database(emulation)
    with pytest.raises(ClientError) as refused:
        emulation.client("rds", SECONDARY).failover_global_cluster(
            GlobalClusterIdentifier="shop", TargetDbClusterIdentifier=one if target == "current-writer" else target,
            AllowDataLoss=True)
    assert refused.value.response["Error"]["Code"] == code


def test_failover_of_an_unknown_global_cluster_is_not_found(emulation):
    with pytest.raises(ClientError) as refused:
        emulation.client("rds", SECONDARY).failover_global_cluster(
            GlobalClusterIdentifier="nope", TargetDbClusterIdentifier="x", AllowDataLoss=True)
    assert refused.value.response["Error"]["Code"] == "GlobalClusterNotFoundFault"


def test_detaching_the_secondary_from_its_own_region_leaves_a_standalone_cluster(emulation):
    one, two = _global_database(emulation)
    emulation.client("rds", SECONDARY).remove_from_global_cluster(GlobalClusterIdentifier="shop", DbClusterIdentifier=two)
    assert _writers(emulation) == {one: True}
    assert emulation.client("rds", SECONDARY).describe_db_clusters(DBClusterIdentifier="shop-two")["DBClusters"]


def test_the_writer_cannot_be_detached_while_secondaries_remain(emulation):
    one, two = _global_database(emulation)
    with pytest.raises(ClientError) as refused:
        emulation.client("rds", PRIMARY).remove_from_global_cluster(GlobalClusterIdentifier="shop", DbClusterIdentifier=one)
    assert refused.value.response["Error"]["Code"] == "InvalidGlobalClusterStateFault"
    assert _writers(emulation) == {one: True, two: False}
