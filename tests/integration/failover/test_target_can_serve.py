"""Never worse than doing nothing: every destructive step comes after the check that the target can serve.

Reproduces the issue's case against the emulated prod platform over HTTP: with both regions' /health/deep failing
(a bad release in both, a shared dependency down), a failover used to fence and scale in the primary and promote
the database with data loss before finding, at the traffic shift, that the secondary could not serve. Now the run
changes nothing, pages, and says why; so it does when the outputs name a service the recovery region does not have.
"""
from __future__ import annotations

import copy

from drfailover.deployment import PRIMARY, SECONDARY, deployment_from_outputs

WRITES = ("FailoverGlobalCluster", "RemoveFromGlobalCluster", "SwitchoverGlobalCluster", "UpdateService",
          "RegisterScalableTarget", "PutMetricData", "CreateDBInstance")


def _writes(platform) -> dict[str, int]:
    d = platform.deployment
    counts = {f"{region} {action}": platform.calls(region, action)
              for region in (d.primary_region, d.secondary_region) for action in WRITES}
    return {key: n for key, n in counts.items() if n}


def _pages(platform) -> int:
    return platform.calls(platform.deployment.secondary_region, "Publish")


def test_with_both_regions_unhealthy_a_failover_changes_nothing_and_pages(platform):
    d = platform.deployment
    platform.primary_endpoint_down()
    platform.storefronts[SECONDARY].set_healthy(False)
    result, progress = platform.run("failover")
    assert result.outcome == "refused", result.message
    assert "cannot take over, so nothing was changed" in result.message and "endpoint unhealthy" in result.message
    assert platform.writer() == d.primary.database_cluster_arn
    assert platform.desired_count(PRIMARY) == d.primary.desired_count
    assert platform.fence_alarm_state() == "OK"
    assert _writes(platform) == {}
    assert _runs_and_locks(platform) == [], "a refusal before the lock leaves no run behind"
    assert _pages(platform) == 1 and "paged the on-call" in result.message


def test_a_refusal_that_repeats_every_minute_pages_once(platform):
    """The function runs every minute: while the secondary cannot serve, the same refusal must not page each time."""
    platform.primary_endpoint_down()
    platform.storefronts[SECONDARY].set_healthy(False)
    first, _ = platform.run("failover")
    second, _ = platform.run("failover")
    assert (first.outcome, second.outcome) == ("refused", "refused")
    assert _pages(platform) == 1
    assert "paged for this already" in second.message, second.message
    # A different reason is news: it pages.
    platform.storefronts[SECONDARY].set_healthy(True)
    d = platform.deployment
    platform.moto("ecs", SECONDARY).update_service(cluster=d.secondary.cluster_name, service=d.secondary.service_name,
                                                   desiredCount=0)
    third, _ = platform.run("failover")
    assert third.outcome == "refused" and "0 tasks running" in third.message
    assert _pages(platform) == 2


def _runs_and_locks(platform) -> list:
    return [i for i in platform.control_items() if i["pk"]["S"] != "page"]


def test_a_switchover_to_an_unhealthy_secondary_changes_nothing(platform):
    platform.storefronts[SECONDARY].set_healthy(False)
    result, _ = platform.run("switchover")
    assert result.outcome == "refused" and "cannot take over" in result.message
    assert _writes(platform) == {} and _runs_and_locks(platform) == []


def test_stale_outputs_are_found_before_the_first_change(platform):
    # The outputs name a service the recovery region no longer has (renamed by a later deployment).
    outputs = copy.deepcopy(platform.outputs)
    outputs["regions"][SECONDARY]["serviceName"] = "renamed-storefront"
    platform.deployment = deployment_from_outputs(outputs, "stale outputs", None)
    platform.primary_endpoint_down()
    result, _ = platform.run("failover")
    assert result.outcome == "refused" and "renamed-storefront" in result.message and "stale" in result.message
    assert _writes(platform) == {}
    assert platform.writer() == platform.deployment.primary.database_cluster_arn


def test_a_secondary_below_its_floor_of_tasks_cannot_take_over(platform):
    d = platform.deployment
    platform.moto("ecs", SECONDARY).update_service(cluster=d.secondary.cluster_name, service=d.secondary.service_name,
                                                   desiredCount=0)
    platform.primary_endpoint_down()
    result, _ = platform.run("failover")
    assert result.outcome == "refused" and "0 tasks running" in result.message
    assert _writes(platform) == {}


def test_detach_and_promote_only_once_the_old_writer_is_fenced(platform):
    # Managed failover refused past every retry. With the primary's storefront fenced, the fallback detaches.
    d = platform.deployment
    platform.primary_endpoint_down()
    platform.aws.faults[d.secondary_region].throttle("FailoverGlobalCluster", times=4, service="rds")
    result, _ = platform.run("failover")
    assert result.outcome == "done", result.message
    assert platform.calls(d.secondary_region, "RemoveFromGlobalCluster") == 1
    assert platform.desired_count(PRIMARY) == 0, "the old writer's only client was fenced first"


def test_after_detach_and_promote_a_failback_refuses_and_changes_nothing(platform):
    """The newest writes are on the detached secondary; switching the global database back would serve the old
    primary's data and strand them. Failback must re-protect from the newest writer first: it stops and says so."""
    d = platform.deployment
    platform.primary_endpoint_down()
    platform.aws.faults[d.secondary_region].throttle("FailoverGlobalCluster", times=4, service="rds")
    failover, _ = platform.run("failover")
    assert failover.outcome == "done" and platform.calls(d.secondary_region, "RemoveFromGlobalCluster") == 1
    platform.primary_back()
    before = {key: n for key, n in _writes(platform).items()}
    primary_tasks = platform.desired_count(PRIMARY)
    result, _ = platform.run("failback")
    assert result.outcome == "refused", result.message
    assert f"the newest writes are on {d.secondary.database_cluster_identifier}" in result.message
    assert "Failback after detach-and-promote" in result.message and "Nothing was changed" in result.message
    assert _writes(platform) == before, "no scaling, switchover or traffic change"
    assert platform.desired_count(PRIMARY) == primary_tasks == 0
    assert platform.fence_alarm_state() == "ALARM"  # traffic stays on the secondary, which has the newest writes


def test_no_detach_while_the_old_writer_cannot_be_fenced(platform):
    # The primary region does not answer, so its storefront cannot be fenced: detaching would leave two writers.
    d = platform.deployment
    platform.primary_region_unreachable()
    platform.aws.faults[d.secondary_region].throttle("FailoverGlobalCluster", times=4, service="rds")
    result, _ = platform.run("failover")
    assert result.outcome == "failed" and "two writers" in result.message, result.message
    assert platform.calls(d.secondary_region, "RemoveFromGlobalCluster") == 0
    assert platform.writer() == d.primary.database_cluster_arn
    # The throttling has passed: the next run resumes and the managed failover goes through.
    again, _ = platform.run("failover")
    assert again.outcome == "done", again.message
    assert again.run_id == result.run_id and platform.writer() == d.secondary.database_cluster_arn


def test_an_old_primary_that_comes_back_mid_failover_is_fenced_and_the_run_says_when(platform):
    d = platform.deployment
    platform.primary_region_unreachable()  # the first fence cannot reach it

    def primary_returns(record):
        if record.name == "promote-database-secondary":
            platform.aws.faults[d.primary_region].make_reachable()

    result, progress = platform.run("failover", after_step=primary_returns)
    assert result.outcome == "done", result.message
    assert platform.desired_count(PRIMARY) == 0, "the returned primary keeps no task that could take writes"
    assert "the old primary answered again and was fenced at" in progress


def test_an_old_primary_that_comes_back_after_the_failover_is_fenced_by_the_next_run(platform):
    d = platform.deployment
    platform.primary_region_unreachable()
    first, _ = platform.run("failover")
    assert first.outcome == "done", first.message
    assert platform.desired_count(PRIMARY) == d.primary.desired_count, "it could not be fenced while it was gone"
    platform.aws.faults[d.primary_region].make_reachable()  # back, with its tasks, and nobody fenced it
    later, _ = platform.run("failover")  # the function's next scheduled look
    assert later.outcome == "no-op" and "came back with 6 tasks and was fenced at" in later.message, later.message
    assert platform.desired_count(PRIMARY) == 0
