"""RPO exposure: replication lag read where CloudWatch has it, the model's figure where it has nothing."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone


def _put(platform, role, namespace, metric, dimensions, value):
    platform.moto("cloudwatch", role).put_metric_data(Namespace=namespace, MetricData=[{
        "MetricName": metric, "Value": value, "Unit": "Milliseconds",
        "Timestamp": datetime.now(timezone.utc) - timedelta(seconds=30),
        "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()]}])


def _lags(platform, aurora_ms, carts_ms):
    d = platform.deployment
    _put(platform, "secondary", "AWS/RDS", "AuroraGlobalDBReplicationLag",
         {"DBClusterIdentifier": d.secondary.database_cluster_identifier}, aurora_ms)
    _put(platform, "primary", "AWS/DynamoDB", "ReplicationLatency",
         {"TableName": d.table_names["carts"], "ReceivingRegion": d.secondary_region}, carts_ms)


def test_measured_lag_per_store_and_what_may_be_lost(platform):
    _lags(platform, aurora_ms=350, carts_ms=800)
    platform.primary_endpoint_down()
    result, _ = platform.run("failover")
    assert result.outcome == "done", result.message
    stores = {s["store"]: s for s in result.facts["exposure"]["stores"]}
    d = platform.deployment
    assert stores["aurora"]["lagSeconds"] == 0.35 and stores["aurora"]["readFrom"] == d.secondary_region
    assert stores["dynamodb:carts"]["lagSeconds"] == 0.8 and stores["dynamodb:carts"]["readFrom"] == d.primary_region
    assert not stores["dynamodb:sessions"]["measured"]  # no datapoints: the recovery model's figure, marked assumed
    assert stores["s3:media"]["lagSeconds"] == 900 and "Replication Time Control" in stores["s3:media"]["assumption"]
    assert result.facts["exposure"]["withinTargets"]
    aurora = stores["aurora"]
    assert aurora["lastReplicatedAt"] < result.facts["exposure"]["at"]
    assert d.primary.database_cluster_identifier in aurora["mayBeLost"]


def test_lag_beyond_the_target_is_flagged(platform):
    _lags(platform, aurora_ms=7000, carts_ms=100)  # prod's transactional RPO is 5 s
    platform.primary_endpoint_down()
    exposure = platform.run("failover")[0].facts["exposure"]
    aurora = next(s for s in exposure["stores"] if s["store"] == "aurora")
    assert aurora["withinTarget"] is False
    assert not exposure["withinTargets"] and "NOT all within" in exposure["summary"]


def test_with_the_primary_region_gone_its_metrics_are_assumed_not_waited_for(platform):
    _lags(platform, aurora_ms=350, carts_ms=800)
    platform.primary_region_unreachable()
    exposure = platform.run("failover")[0].facts["exposure"]
    stores = {s["store"]: s for s in exposure["stores"]}
    assert stores["aurora"]["measured"]  # read in the secondary region
    assert not stores["dynamodb:carts"]["measured"]
