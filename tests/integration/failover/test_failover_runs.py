"""Failover, no-op and failback against the emulated platform, over real HTTP on loopback."""
from __future__ import annotations

import pytest

from drfailover.clients import AwsClients
from drfailover.deployment import PRIMARY, SECONDARY
from tests.support.emulated_platform import CALL_BUDGET
from tests.support.moto_server import closed_port_url


def _by_key(items):
    return {(i["pk"]["S"], i["sk"]["S"]): i for i in items}


def test_failover_moves_database_compute_and_traffic_to_the_secondary(platform):
    platform.primary_endpoint_down()
    result, progress = platform.run("failover")
    assert result.outcome == "done", result.message
    assert result.exit_code == 0
    d = platform.deployment
    assert platform.writer() == d.secondary.database_cluster_arn
    assert platform.desired_count(SECONDARY) == d.primary.desired_count
    assert platform.fence_alarm_state() == "ALARM"
    # The alarm follows the published metric; Route 53 reads the metric stream, so its state is never set by hand.
    assert platform.calls(d.secondary_region, "SetAlarmState") == 0
    # moto itself has no TestDNSAnswer: ask through the global proxy, which resolves records from health.
    dns = platform.clients.get("route53", "us-east-1").test_dns_answer(
        HostedZoneId=d.zone_id, RecordName=d.record_name, RecordType="A")
    assert dns["RecordData"] == [d.secondary.alb_dns_name]
    items = _by_key(platform.control_items())
    assert items[("state", "traffic")]["activeRegion"]["S"] == d.secondary_region
    assert ("lock", "failover") not in items
    assert items[(f"run#{result.run_id}", "header")]["state"]["S"] == "done"
    steps = [k for k in items if k[0] == f"run#{result.run_id}" and k[1].startswith("step#")]
    assert len(steps) == 13
    assert all(items[k]["status"]["S"] == "done" for k in steps)
    assert "[13/13] release-lock" in progress


def test_one_failover_stays_within_the_call_budget(platform):
    platform.primary_endpoint_down()
    result, _ = platform.run("failover")
    assert result.outcome == "done", result.message
    assert result.calls["calls"] < CALL_BUDGET, result.calls["byOperation"]
    # Nothing but reads and the fence goes to the primary region.
    primary_calls = {op for op in result.calls["byOperation"] if op.startswith(platform.deployment.primary_region)}
    writes = {op for op in primary_calls if not op.split(":")[-1].startswith(("Describe", "Get", "TestDNS"))}
    assert writes <= {"us-east-1 ecs:UpdateService", "us-east-1 application-autoscaling:RegisterScalableTarget"}


def test_second_failover_is_a_no_op_that_changes_nothing(platform):
    platform.primary_endpoint_down()
    first, _ = platform.run("failover")
    assert first.outcome == "done", first.message
    before = platform.control_items()
    second, _ = platform.run("failover")
    assert second.outcome == "no-op"
    assert second.exit_code == 0
    assert first.run_id in second.message and "fence alarm" in second.message
    # It reads the journal, then the world (fence alarm, writer) in the recovery region, and whether the old primary
    # came back with tasks (it stays fenced here), and writes nothing.
    region, primary = platform.deployment.secondary_region, platform.deployment.primary_region
    assert set(second.calls["byOperation"]) == {f"{region} dynamodb:Scan", f"{region} cloudwatch:DescribeAlarms",
                                                f"{region} rds:DescribeGlobalClusters",
                                                f"{primary} ecs:DescribeServices"}
    assert platform.control_items() == before


def test_failover_while_the_primary_serves_is_refused_and_changes_nothing(platform):
    result, _ = platform.run("failover")
    assert result.outcome == "refused"
    assert result.exit_code == 1
    assert "not confirmed down" in result.message and "--force" in result.message
    assert platform.writer() == platform.deployment.primary.database_cluster_arn
    assert platform.fence_alarm_state() == "OK"
    assert platform.control_items() == []  # a refused run leaves no lock and no journal


def test_forced_failover_fences_the_serving_primary_only_after_traffic_is_verified(platform):
    result, _ = platform.run("failover", force=True)
    assert result.outcome == "done", result.message
    order = [r.name for r in result.records]
    assert order.index("fence-primary") > order.index("verify-traffic-secondary")
    assert platform.desired_count(PRIMARY) == 0
    assert platform.writer() == platform.deployment.secondary.database_cluster_arn


def test_failover_with_the_primary_region_unreachable_completes_from_the_secondary(platform):
    platform.primary_endpoint_down()
    # The brief's outage: every primary-region endpoint points at a closed port.
    endpoints = {**platform.aws.endpoints, platform.deployment.primary_region: closed_port_url()}
    clients = AwsClients(endpoints)
    result, progress = platform.run("failover", clients=clients)
    assert result.outcome == "done", result.message
    fence = next(r for r in result.records if r.name == "fence-primary")
    assert fence.status == "failed" and fence.optional
    assert "(best effort)" in progress
    assert platform.writer() == platform.deployment.secondary.database_cluster_arn
    assert clients.unreachable(platform.deployment.primary_region)
    # One refused connection per primary-region service at most: later calls are skipped, not retried. The fence is
    # the exception by design: it is tried again before the promotion and after verification (one connection
    # attempt each), so an old primary that comes back is fenced at once.
    region = platform.deployment.primary_region
    primary = [op for op in result.calls["byOperation"] if op.startswith(region) and "route53:" not in op]
    fence = f"{region} ecs:UpdateService"
    assert primary and all(n == 1 for op, n in result.calls["byOperation"].items() if op in primary and op != fence)
    assert 1 <= result.calls["byOperation"][fence] <= 3, result.calls["byOperation"]


def test_failover_when_the_harness_cuts_the_primary_region_off(platform):
    platform.primary_region_unreachable()  # the proxy refuses connections; the storefront fails its deep check
    result, _ = platform.run("failover")
    assert result.outcome == "done", result.message
    assert platform.writer() == platform.deployment.secondary.database_cluster_arn
    assert platform.fence_alarm_state() == "ALARM"


def test_throttled_calls_are_retried_and_the_failover_completes(platform):
    platform.primary_endpoint_down()
    faults = platform.aws.faults[platform.deployment.secondary_region]
    faults.throttle("TransactWriteItems", times=2)
    faults.throttle("FailoverGlobalCluster", times=1)
    faults.throttle("PutMetricData", times=1)
    result, _ = platform.run("failover")
    assert result.outcome == "done", result.message
    assert faults.pending_throttles("TransactWriteItems") == 0
    assert result.calls["httpAttempts"] == result.calls["calls"] + 4
    assert platform.writer() == platform.deployment.secondary.database_cluster_arn


def test_failback_returns_everything_to_the_primary(platform):
    d = platform.deployment
    platform.primary_endpoint_down()
    assert platform.run("failover")[0].outcome == "done"
    platform.primary_back()
    result, _ = platform.run("failback")
    assert result.outcome == "done", result.message
    assert platform.writer() == d.primary.database_cluster_arn
    assert platform.fence_alarm_state() == "OK"
    assert platform.desired_count(PRIMARY) == d.primary.desired_count
    assert platform.desired_count(SECONDARY) == d.secondary.desired_count
    traffic = _by_key(platform.control_items())[("state", "traffic")]
    assert traffic["activeRegion"]["S"] == d.primary_region
    assert platform.run("failback")[0].outcome == "no-op"


def test_failback_is_refused_while_the_primary_does_not_serve(platform, monkeypatch):
    monkeypatch.setattr("drfailover.plan.PRIMARY_WARM_UP_TIMEOUT_S", 0.05)
    platform.primary_endpoint_down()
    assert platform.run("failover")[0].outcome == "done"
    result, _ = platform.run("failback")  # the primary storefront is still unhealthy
    assert result.outcome == "refused"
    assert "traffic stays" in result.message
    assert platform.fence_alarm_state() == "ALARM"  # traffic stays in the secondary
    assert platform.writer() == platform.deployment.secondary.database_cluster_arn


def test_switchover_moves_with_the_primary_healthy_and_leaves_it_as_standby(platform):
    d = platform.deployment
    result, _ = platform.run("switchover")
    assert result.outcome == "done", result.message
    assert platform.writer() == d.secondary.database_cluster_arn
    assert platform.desired_count(SECONDARY) == d.primary.desired_count
    assert platform.desired_count(PRIMARY) == d.secondary.desired_count
    assert platform.fence_alarm_state() == "ALARM"
    assert [op for op in platform.aws.gaps.rds.operations if op["planned"]]


def test_declined_approval_stops_before_anything_changes(platform):
    platform.primary_endpoint_down()
    prompts = []
    result, _ = platform.run("failover", approve=True, approver=lambda prompt: prompts.append(prompt) and False)
    assert result.outcome == "refused"
    assert platform.deployment.secondary_region in prompts[0]
    assert platform.writer() == platform.deployment.primary.database_cluster_arn
    assert platform.fence_alarm_state() == "OK"
    assert ("lock", "failover") not in _by_key(platform.control_items())  # released for the next attempt


@pytest.mark.parametrize("operation", ["failover", "switchover", "failback"])
def test_dry_run_prints_the_plan_and_calls_nothing(platform, operation):
    clients = AwsClients({region: closed_port_url() for region in platform.aws.endpoints})
    result, _ = platform.run(operation, clients=clients, dry_run=True)
    assert result.outcome == "dry-run" and result.exit_code == 0
    assert "release-lock" in result.message
    assert clients.counter.total == 0


def test_a_headless_secondary_cluster_gets_a_writer_instance_when_promoted(emulated_aws, dev_outputs):
    from tests.support.emulated_platform import build_platform

    dev = build_platform(emulated_aws, dev_outputs, stack="dev")
    d = dev.deployment
    assert d.secondary.database_instance_count == 0
    dev.primary_endpoint_down()
    result, _ = dev.run("failover")
    assert result.outcome == "done", result.message
    members = dev.moto("rds", SECONDARY).describe_db_clusters(
        DBClusterIdentifier=d.secondary.database_cluster_identifier)["DBClusters"][0]["DBClusterMembers"]
    assert len(members) == 1
    promote = next(r for r in result.records if r.name == "promote-database-secondary")
    assert d.secondary.database_instance_class in promote.detail
