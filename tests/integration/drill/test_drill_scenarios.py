"""Each drill scenario end to end on the dev stack's emulated environment: the real automation detects, fails
over and back; the drill verifies DNS and orders and measures RTO and RPO — and fails when they are not met."""
from __future__ import annotations

import dataclasses
import io
import threading

from drcore.catalogue.reader import read_catalogue
from drkit.drill.game_day import run_drill
from drkit.drill.scenarios import SCENARIOS, DrillSettings, chosen
from tests.support.cli import REPO
from tests.support.emulated_platform import CALL_BUDGET


# Where customers' load is not what a test is about, it runs without it: the machine's two cores are shared.
NO_LOAD = DrillSettings(load_rate_per_s=0)


def _drill(dev, scenarios, settings: DrillSettings | None = None):
    config, graph = dev
    progress = io.StringIO()
    run = run_drill("dev", config, graph, scenarios, settings, progress=progress)
    return run, progress.getvalue()


def _failed_checks(result) -> list[str]:
    return [c["name"] for c in result.checks if not c["passed"]]


def _automation_steps(result) -> dict[str, str]:
    return {e.step: e.status for e in result.timeline.entries if e.kind == "automation"}


def test_the_scenarios_are_the_drills_the_catalogue_names():
    assert set(SCENARIOS) == set(read_catalogue(REPO / "compliance").drills)
    assert [s.name for s in chosen(None)] == ["region-loss-failover", "failback"]
    assert sorted(s.name for s in chosen(["all"])) == sorted(SCENARIOS)


def test_region_loss_failover_then_failback_pass_end_to_end(dev):
    before = set(threading.enumerate())
    run, progress = _drill(dev, chosen(None))
    assert run.passed, progress
    failover, failback = run.results
    threshold = failover.deployment.health_check_failure_threshold
    confirm = next(e for e in failover.timeline.entries if e.step == "confirm-outage")
    assert f"{threshold} consecutive failing observations" in confirm.detail  # detected, not told
    assert 0 < failover.achieved_rto_s < failover.rto_target_s
    assert failover.disrupted_at < confirm.started_at < failover.recovered_at
    assert failover.missing == [] and failover.achieved_rpo_s == 0 and len(failover.orders) == DrillSettings().orders
    # The call budget of tests/integration/failover/test_failover_runs.py (with the re-fence attempts a lost
    # primary region costs: one connection attempt each).
    assert failover.automation["outcome"] == "done" and failover.automation["awsCalls"]["calls"] < CALL_BUDGET + 2
    assert set(_automation_steps(failover).values()) <= {"done", "failed"}
    assert _automation_steps(failback)["verify-traffic-primary"] == "done"
    assert failback.recovered_at and failback.missing == []
    # S3 both ways: the file written in the secondary while the primary was gone is in the primary after failback.
    during = next(e for e in failover.timeline.entries if e.step == "write a file in the secondary")
    assert "region-loss-failover-after" in during.detail
    files = next(c for c in failback.checks if c["name"] == "files")
    assert files["passed"] and files["detail"].startswith("2/2 files written in the secondary"), files
    assert next(c for c in failover.checks if c["name"] == "files")["passed"]
    # What customers saw: orders failed while the primary was gone and recovered in the secondary; the planned
    # failback lost no acknowledged order (the old writer is fenced before the standby catches up).
    assert failover.client["ordersFailed"] > 0 and 0 < failover.client["rtoSeconds"] < failover.rto_target_s
    assert failback.client["ordersAcknowledged"] > 0 and failback.client["lostOrders"] == 0
    assert {c["name"]: c["passed"] for c in failback.checks}["client-rpo"] is True
    assert len(run.environment_seconds) == 1  # the failback ran where the failover left traffic
    assert "[failback] PASSED" in progress
    assert [t.name for t in set(threading.enumerate()) - before if t.name.startswith("drkit-")] == []


def test_planned_switchover_moves_production_without_losing_an_order(dev):
    run, progress = _drill(dev, chosen(["planned-switchover"]))
    (switchover,) = run.results
    assert switchover.passed, progress
    assert _automation_steps(switchover)["check-replication-drained-secondary"] == "done"
    assert {"name": "rpo", "passed": True, "detail": f"0 of {len(switchover.orders)} orders lost; a planned move "
            "must lose none"} in switchover.checks


def test_primary_aws_unreachable_recovers_with_the_secondary_alone(dev):
    run, progress = _drill(dev, chosen(["primary-aws-unreachable"]), NO_LOAD)
    (result,) = run.results
    assert result.passed, progress
    assert _automation_steps(result)["fence-primary"] == "failed"  # best effort: its region does not answer
    primary = result.deployment.primary_region
    asked_primary = {key.split(" ", 1)[1] for key in result.automation["awsCalls"]["byOperation"]
                     if key.startswith(f"{primary} ")}
    # Only the best-effort steps (fence, RPO exposure) ever asked the lost region, and the run did not need them.
    assert asked_primary <= {"ecs:UpdateService", "application-autoscaling:RegisterScalableTarget",
                             "cloudwatch:GetMetricData"}


def test_a_failback_on_its_own_fails_over_first(dev):
    run, progress = _drill(dev, chosen(["failback"]), NO_LOAD)
    (failback,) = run.results
    assert failback.passed, progress
    setup = [e for e in failback.timeline.entries if e.kind == "setup"]
    assert [e.step for e in setup] == ["set up: primary region lost", "drkit failover"]
    assert all(e.status == "done" for e in setup)


def test_a_failover_that_cannot_reach_a_serving_secondary_fails_the_drill_and_says_why(dev):
    def both_down(env, settings):
        env.region_outage("primary")
        env.endpoint_down("secondary")

    scenario = dataclasses.replace(SCENARIOS["region-loss-failover"], inject=both_down)
    run, progress = _drill(dev, [scenario], NO_LOAD)
    (result,) = run.results
    assert not run.passed
    assert result.recovered_at is None and result.achieved_rto_s > 0
    assert result.reasons[0].startswith("drkit failover refused: ")
    assert "cannot take over, so nothing was changed" in result.reasons[0] and "endpoint unhealthy" in result.reasons[0]
    assert _failed_checks(result) == ["automation"]
    assert "[region-loss-failover] FAILED" in progress


def test_a_missed_rto_target_fails_the_drill(dev):
    run, _ = _drill(dev, chosen(["region-loss-failover"]), DrillSettings(rto_target_s=0.01))
    (result,) = run.results
    assert not result.passed and result.recovered_at is not None
    assert set(_failed_checks(result)) == {"rto", "client-rto"}  # the drill's measure and the customers'


def test_files_that_never_reach_the_primary_fail_the_failback(dev):
    def reverse_replication_removed(env, settings):
        """The secondary's buckets lose their replication rules (e.g. the reverse rule was never deployed)."""
        removed = []
        for name in env.outputs["regions"]["secondary"]["bucketNames"].values():
            env.client("s3", "secondary").delete_bucket_replication(Bucket=name)
            env.gaps.s3.rules.pop(name, None)
            removed.append(name)
        return f"replication removed from {', '.join(removed)}"

    scenario = dataclasses.replace(SCENARIOS["region-loss-failover"], prepare=reverse_replication_removed)
    run, _ = _drill(dev, [scenario, SCENARIOS["failback"]], NO_LOAD)
    failover, failback = run.results
    assert failover.passed
    assert _failed_checks(failback) == ["files"]
    assert "0/2 files written in the secondary" in next(c["detail"] for c in failback.checks if c["name"] == "files")


def test_orders_that_never_replicated_are_counted_as_lost(dev):
    def replication_stalls(env, settings):
        env.cut_link()  # orders commit in the primary's PostgreSQL and never reach the standby before it is lost
        return "cross-region link cut"

    scenario = dataclasses.replace(SCENARIOS["region-loss-failover"], prepare=replication_stalls)
    run, _ = _drill(dev, [scenario], DrillSettings(rpo_target_s=0.0))
    (result,) = run.results
    assert sorted(result.missing) == sorted(o.order_id for o in result.orders)
    assert result.achieved_rpo_s > 0
    # The customers' orders committed in the primary after the cut are lost too, and counted.
    assert set(_failed_checks(result)) == {"rpo", "client-rpo"} and result.client["lostOrders"] > 0
    assert result.recovered_at is not None  # the service recovered; the data did not
