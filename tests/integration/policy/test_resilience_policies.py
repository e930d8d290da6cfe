"""Resilience policies, run through the real pack (plugin process, gRPC) over hand-built two-region graphs.

Other areas' policies are disabled in these runs so a finding, or a crash, of theirs cannot decide these tests.
"""

import pytest

from drkit.graph.resource_graph import UNKNOWN
from tests.support.gate import graph_fixture, messages, only, result_fixture, run_pack, violated
from tests.support.graphs import ACCOUNT, GraphBuilder

PAIR = "route53-failover-pair"
REGIONS = "allowed-regions"
RTO = "rto-rpo-achievable"
MINE = (PAIR, REGIONS, RTO)
ZONE = "Z0123456789ABC"
MET_TARGETS = {
    "azLoss": {"rtoMinutes": 5, "rpoSeconds": {"transactional": 0, "sessions": 0, "objects": 0}},
    "regionLoss": {"rtoMinutes": 15, "rpoSeconds": {"transactional": 5, "sessions": 5, "objects": 900}},
    "dataCorruption": {"rtoMinutes": 120, "rpoSeconds": {"transactional": 300, "sessions": 300, "objects": 0}},
}


def check_id(health_check_name):
    """A stand-in for the id AWS gives a health check; records name it, and say where it came from."""
    return f"id-{health_check_name}"


def health_check(g, name, interval=10, threshold=3, role="primary"):
    return g.add("aws:route53/healthCheck:HealthCheck", name, {
        "type": "HTTPS", "fqdn": f"{name}.example.com", "port": 443, "resourcePath": "/health",
        "requestInterval": interval, "failureThreshold": threshold}, role=role)


def record(g, name, kind, dns_name, health_check_id=None, alias=True, ttl=None):
    """A failover record; a healthCheckId of check_id(x) depends on health check x, as the engine records it."""
    inputs = {"zoneId": ZONE, "name": dns_name, "type": "A", "setIdentifier": kind.lower(),
              "failoverRoutingPolicies": [{"type": kind}]}
    if health_check_id is not None:
        inputs["healthCheckId"] = health_check_id
    if alias:
        inputs["aliases"] = [{"name": f"{name}.elb.amazonaws.com", "zoneId": "Z35SXDOTRQ7X7K",
                              "evaluateTargetHealth": True}]
    else:
        inputs["records"] = ["192.0.2.10"]
        inputs["ttl"] = ttl
    urn = g.add("aws:route53/record:Record", name, inputs)
    if health_check_id and health_check_id.startswith("id-"):
        g.depends(urn, "healthCheckId", g.urn("aws:route53/healthCheck:HealthCheck", health_check_id[3:]))
    return urn


def platform(g, *, secondary_desired=3, secondary_instances=1, primary_instances=2, rtc=True, pitr=True,
             secondary_retention=35):
    """The parts of a DR deployment the recovery estimate reads."""
    g.add("aws:rds/cluster:Cluster", "db-primary", {"clusterIdentifier": "db-primary", "backupRetentionPeriod": 35})
    g.add("aws:rds/cluster:Cluster", "db-secondary", {"clusterIdentifier": "db-secondary",
                                                      "backupRetentionPeriod": secondary_retention}, role="secondary")
    g.add("aws:ecs/service:Service", "svc-primary", {"name": "svc-primary", "desiredCount": 6,
                                                     "healthCheckGracePeriodSeconds": 90})
    if secondary_desired is not None:
        g.add("aws:ecs/service:Service", "svc-secondary", {"name": "svc-secondary", "desiredCount": secondary_desired,
                                                           "healthCheckGracePeriodSeconds": 90}, role="secondary")
    for i in range(primary_instances):
        g.add("aws:rds/clusterInstance:ClusterInstance", f"db-{i}-primary", {"clusterIdentifier": "db-primary"})
    for i in range(secondary_instances):
        g.add("aws:rds/clusterInstance:ClusterInstance", f"db-{i}-secondary", {"clusterIdentifier": "db-secondary"},
              role="secondary")
    destination = {"bucket": "arn:aws:s3:::media-secondary", "storageClass": "STANDARD"}
    if rtc:
        destination["replicationTime"] = {"status": "Enabled", "time": {"minutes": 15}}
        destination["metrics"] = {"status": "Enabled", "eventThreshold": {"minutes": 15}}
    g.add("aws:s3/bucketReplicationConfig:BucketReplicationConfig", "media-replication", {
        "bucket": "media-primary", "role": f"arn:aws:iam::{ACCOUNT}:role/replication",
        "rules": [{"id": "all", "status": "Enabled", "filter": {}, "destination": destination,
                   "deleteMarkerReplication": {"status": "Enabled"}}]})
    g.add("aws:dynamodb/table:Table", "sessions", {"name": "sessions", "hashKey": "pk",
                                                   "pointInTimeRecovery": {"enabled": pitr}})


def build_graph():
    g = GraphBuilder()  # primary us-east-1, secondary us-west-2
    g.provider("legacy", "moon-east-1")  # a third provider in a region that does not exist: bad-provider
    # route53-failover-pair
    health_check(g, "hc-primary")
    health_check(g, "hc-secondary")
    record(g, "good-primary", "PRIMARY", "www.example.com", check_id("hc-primary"))
    record(g, "good-secondary", "SECONDARY", "www.example.com", check_id("hc-secondary"))
    record(g, "bad-solo-primary", "PRIMARY", "solo.example.com", check_id("hc-primary"))
    record(g, "bad-nohc-primary", "PRIMARY", "nohc.example.com", None)
    record(g, "good-nohc-secondary", "SECONDARY", "nohc.example.com", check_id("hc-secondary"))
    record(g, "good-dangling-primary", "PRIMARY", "dangling.example.com", check_id("hc-primary"))
    record(g, "bad-dangling-secondary", "SECONDARY", "dangling.example.com", "0000-not-a-health-check")
    record(g, "bad-dup-primary-a", "PRIMARY", "dup.example.com", check_id("hc-primary"))
    record(g, "bad-dup-primary-b", "PRIMARY", "dup.example.com", check_id("hc-primary"))
    record(g, "good-dup-secondary", "SECONDARY", "dup.example.com", check_id("hc-secondary"))
    # healthCheckId resolved through the property dependency, as a real engine reports it
    hc_urn = health_check(g, "hc-propdep")
    for kind in ("PRIMARY", "SECONDARY"):
        urn = record(g, f"good-propdep-{kind.lower()}", kind, "propdep.example.com", "real-health-check-id")
        g.depends(urn, "healthCheckId", hc_urn)
    # an ordinary record is no failover record
    g.add("aws:route53/record:Record", "good-plain-cname", {"zoneId": ZONE, "name": "cdn.example.com",
                                                             "type": "CNAME", "ttl": 300, "records": ["x.example."]})
    # allowed-regions: per-resource region overrides
    g.add("aws:sns/topic:Topic", "good-region-override", {"name": "t1", "region": "eu-west-1"})
    g.add("aws:sns/topic:Topic", "bad-region-override", {"name": "t2", "region": "xx-nowhere-1"})
    # rto-rpo-achievable: the alarm on the primary health check, and the platform
    g.add("aws:cloudwatch/metricAlarm:MetricAlarm", "alarm-hc-primary", {
        "namespace": "AWS/Route53", "metricName": "HealthCheckStatus", "period": 60, "evaluationPeriods": 1,
        "statistic": "Minimum", "threshold": 1, "comparisonOperator": "LessThanThreshold",
        "dimensions": {"HealthCheckId": check_id("hc-primary")}})
    platform(g)
    return g.build()


graph = graph_fixture(build_graph)
result = result_fixture(only(MINE), stack_config={"recoveryTargets": MET_TARGETS})
# The same graph with settings: only us-east-1 allowed, and a 5-minute region-loss RTO.
strict_result = result_fixture(only(MINE, **{
    REGIONS: {"allowedRegions": ["us-east-1"]},
    RTO: {"targets": {"regionLoss": {"rtoMinutes": 5}}},
}), stack_config={"recoveryTargets": MET_TARGETS})


@pytest.fixture(scope="module")
def collapsed_result():
    """Both DR roles in one region, no failover records, no recovery targets anywhere."""
    g = GraphBuilder(primary="us-east-1", secondary="us-east-1")
    platform(g)
    return run_pack(g.build(), only(MINE))


@pytest.fixture(scope="module")
def degraded_result():
    """A slow health check, no standby compute, a headless secondary, no RTC, no PITR; one malformed target."""
    g = GraphBuilder()
    health_check(g, "hc-slow", interval=30, threshold=10)
    health_check(g, "hc-standby")
    record(g, "primary", "PRIMARY", "www.example.com", check_id("hc-slow"), alias=False, ttl=300)
    record(g, "secondary", "SECONDARY", "www.example.com", check_id("hc-standby"))
    platform(g, secondary_desired=None, secondary_instances=0, primary_instances=1, rtc=False, pitr=False,
             secondary_retention=0)
    # a health check id only the deployment will know: the pair check cannot run during preview
    record(g, "later-secondary", "SECONDARY", "later.example.com", UNKNOWN)
    targets = {**MET_TARGETS, "meteorStrike": {"rtoMinutes": 1}}
    return run_pack(g.build(), only(MINE), stack_config={"recoveryTargets": targets})


# -- route53-failover-pair --

def test_failover_pair_with_health_checks_passes(result):
    assert not {"good-primary", "good-secondary"} & violated(result, PAIR)


def test_failover_primary_without_secondary(result):
    assert "bad-solo-primary" in violated(result, PAIR)


def test_failover_record_without_health_check(result):
    assert "bad-nohc-primary" in violated(result, PAIR)
    assert "good-nohc-secondary" not in violated(result, PAIR)


def test_failover_health_check_id_naming_no_health_check(result):
    assert "bad-dangling-secondary" in violated(result, PAIR)
    assert "good-dangling-primary" not in violated(result, PAIR)


def test_failover_two_primaries_for_one_name(result):
    assert {"bad-dup-primary-a", "bad-dup-primary-b"} <= violated(result, PAIR)
    assert "good-dup-secondary" not in violated(result, PAIR)


def test_failover_health_check_found_through_property_dependency(result):
    assert not {"good-propdep-primary", "good-propdep-secondary"} & violated(result, PAIR)


def test_failover_ignores_plain_records_and_finds_nothing_stack_wide(result):
    assert not {"good-plain-cname", "stack"} & violated(result, PAIR)


def test_failover_stack_without_failover_records(collapsed_result):
    assert violated(collapsed_result, PAIR) == {"stack"}


# -- allowed-regions --

def test_allowed_regions_provider_outside_the_list(result):
    assert "aws-legacy" in violated(result, REGIONS)
    assert not {"aws-primary", "aws-secondary"} & violated(result, REGIONS)


def test_allowed_regions_resource_region_override(result):
    assert "bad-region-override" in violated(result, REGIONS)
    assert "good-region-override" not in violated(result, REGIONS)


def test_allowed_regions_setting_narrows_the_list(strict_result):
    assert {"aws-secondary", "good-region-override"} <= violated(strict_result, REGIONS)
    assert "aws-primary" not in violated(strict_result, REGIONS)


def test_allowed_regions_primary_and_secondary_in_one_region(collapsed_result):
    assert violated(collapsed_result, REGIONS) == {"aws-secondary"}
    assert any("primary region too" in m for m in messages(collapsed_result, REGIONS))


# -- rto-rpo-achievable --

def test_rto_rpo_met_targets_from_stack_config(result):
    assert violated(result, RTO) == set()


def test_rto_rpo_setting_overrides_stack_config(strict_result):
    assert violated(strict_result, RTO) == {"stack"}
    [message] = messages(strict_result, RTO)
    # 7.5 min of detection, promotion, traffic and verification, and 2 min for a run that died holding the lock.
    assert "regionLoss RTO estimate 9.5 min exceeds target 5.0 min" in message and "lock (worst case)" in message
    # every step names the resource its figure came from
    assert "hc-primary" in message and "alarm-hc-primary" in message and "good-primary" in message
    assert "svc-secondary" in message and "svc-primary healthCheckGracePeriodSeconds" in message


def test_rto_rpo_without_targets_is_not_applicable(collapsed_result):
    assert violated(collapsed_result, RTO) == set()


def test_rto_rpo_estimates_from_a_degraded_graph(degraded_result):
    found = messages(degraded_result, RTO)
    assert violated(degraded_result, RTO) == {"stack"}
    assert any("azLoss RTO estimate" in m and "Aurora with no replica" in m for m in found)
    assert any("regionLoss RTO estimate" in m and "hc-slow" in m and "record TTL 300 s" in m
               and "adding the first instance" in m for m in found)
    assert any("regionLoss RPO objects estimate 24.0 h" in m for m in found)
    assert any("dataCorruption RPO sessions estimate 24.0 h" in m for m in found)
    # Aurora's restore window is the clusters' backup retention, not DynamoDB's PITR flag: the standby keeps none.
    assert any("dataCorruption RPO transactional estimate unbounded" in m and "backupRetentionPeriod 0" in m
               and "db-secondary" in m for m in found)
    assert any("meteorStrike" in m for m in found)
    assert not any("regionLoss RPO transactional" in m for m in found)


def test_unknown_health_check_id_is_advisory_not_a_verdict(degraded_result):
    found = [d for d in degraded_result.diagnostics if d.policy == PAIR]
    assert found and all(d.level == "advisory" and "during preview" in d.message for d in found)
    assert all(d.policy != PAIR for d in degraded_result.mandatory)


def test_rto_rpo_follows_a_calculated_primary_check_to_its_endpoint_child():
    # The platform's PRIMARY record uses a CALCULATED check (endpoint AND not fenced); detection time comes from the
    # endpoint child, never from the CLOUDWATCH_METRIC fence child or AWS's 30 s x 3 default.
    g = GraphBuilder()
    endpoint = health_check(g, "hc-endpoint", interval=30, threshold=10)
    fence = g.add("aws:route53/healthCheck:HealthCheck", "hc-fence", {
        "type": "CLOUDWATCH_METRIC", "cloudwatchAlarmName": "fence", "cloudwatchAlarmRegion": "us-west-2"})
    calculated = g.add("aws:route53/healthCheck:HealthCheck", "hc-calculated", {
        "type": "CALCULATED", "healthThreshold": 2, "childHealthchecks": ["id-hc-endpoint", "id-hc-fence"]})
    g.depends(calculated, "childHealthchecks", endpoint, fence)
    record(g, "primary", "PRIMARY", "www.example.com", "id-hc-calculated")
    health_check(g, "hc-standby")
    record(g, "secondary", "SECONDARY", "www.example.com", check_id("hc-standby"))
    platform(g)
    tight = {**MET_TARGETS, "regionLoss": {"rtoMinutes": 8, "rpoSeconds": MET_TARGETS["regionLoss"]["rpoSeconds"]}}
    found = messages(run_pack(g.build(), only(MINE), stack_config={"recoveryTargets": tight}), RTO)
    assert any("regionLoss RTO estimate" in m and "hc-endpoint requestInterval" in m
               and "interval 30 s x failure threshold 10" in m for m in found), found
