"""Replication lag beyond the RPO target makes the secondary not ready. In a module of its own: CloudWatch keeps
the spike as the period's maximum, so the environment cannot be put back for the next test."""
from __future__ import annotations

from drkit.readiness.check import NOT_READY
from tests.support.readiness import readiness, status_of


def test_aurora_lag_above_the_transactional_rpo_is_not_ready(dev_env):
    target = dev_env.outputs["recoveryTargets"]["regionLoss"]["rpoSeconds"]["transactional"]
    cluster = dev_env.outputs["regions"]["secondary"]["databaseClusterIdentifier"]
    dev_env.client("cloudwatch", "secondary").put_metric_data(Namespace="AWS/RDS", MetricData=[{
        "MetricName": "AuroraGlobalDBReplicationLag", "Unit": "Milliseconds", "Value": (target + 30) * 1000,
        "Dimensions": [{"Name": "DBClusterIdentifier", "Value": cluster}]}])
    report = readiness(dev_env)
    assert not report.ready
    assert status_of(report, "aurora-replication-lag") == NOT_READY
    assert f"lag {target + 30:g} s exceeds the transactional RPO {target:g} s" in \
        next(c.detail for c in report.checks if c.name == "aurora-replication-lag")


def test_dynamodb_lag_read_next_to_the_source_counts_against_the_sessions_rpo(dev_env):
    target = dev_env.outputs["recoveryTargets"]["regionLoss"]["rpoSeconds"]["sessions"]
    table = dev_env.outputs["tableNames"]["carts"]
    # DynamoDB publishes ReplicationLatency in the region the writes come from: the primary.
    dev_env.client("cloudwatch", "primary").put_metric_data(Namespace="AWS/DynamoDB", MetricData=[{
        "MetricName": "ReplicationLatency", "Unit": "Milliseconds", "Value": (target * 2) * 1000,
        "Dimensions": [{"Name": "ReceivingRegion", "Value": dev_env.region("secondary")}, {"Name": "TableName", "Value": table}]}])
    report = readiness(dev_env)
    assert status_of(report, "dynamodb-replication:carts") == NOT_READY
    assert f"({dev_env.region('primary')})" in next(c.detail for c in report.checks if c.name == "dynamodb-replication:carts")
