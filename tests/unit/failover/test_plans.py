"""Plan shapes: the contract's stage order, interlocks placed where they protect, and plan validation."""
from __future__ import annotations

import pytest

from drfailover.plan import build_plan, failover_plan
from drfailover.steps import Custom, FencePrimary


def _stages(plan):
    return [[step.name for step in stage.steps] for stage in plan.stages]


def test_failover_plan_follows_the_contract_order():
    assert _stages(failover_plan()) == [
        ["confirm-outage"], ["check-target-can-serve-secondary"], ["acquire-lock"],
        ["fence-primary", "record-rpo-exposure"], ["fence-primary-before-promote"],
        ["promote-database-secondary", "scale-compute-secondary-full"], ["shift-traffic-to-secondary"],
        ["verify-traffic-secondary"], ["fence-primary-late"], ["notify"], ["release-lock"]]


DESTRUCTIVE = ("fence-primary", "promote-database", "scale-compute", "shift-traffic")


@pytest.mark.parametrize("operation", ["failover", "switchover", "failback"])
@pytest.mark.parametrize("force", [False, True])
def test_nothing_destructive_comes_before_the_check_that_the_target_can_serve(operation, force):
    plan = build_plan(operation, force=force and operation == "failover")
    names = [name for stage in _stages(plan) for name in stage]
    target = "secondary" if operation != "failback" else "primary"
    check = names.index(f"check-target-can-serve-{target}")
    # failback brings its target (the fenced primary) up first: scaling the target itself out is not destructive.
    early = [n for n in names[:check] if n.startswith(DESTRUCTIVE) and n != f"scale-compute-{target}-full"]
    assert early == [], early


def test_a_forced_failover_fences_only_after_verification():
    names = [name for stage in _stages(failover_plan(force=True)) for name in stage]
    assert names.index("fence-primary") == names.index("verify-traffic-secondary") + 1


def test_approval_comes_after_the_rpo_exposure_and_before_the_first_change():
    names = [name for stage in _stages(failover_plan(approve=True)) for name in stage]
    assert names.index("record-rpo-exposure") < names.index("manual-approval") < names.index("promote-database-secondary")


def test_failback_brings_the_primary_up_before_moving_traffic_and_only_then_shrinks_the_secondary():
    names = [name for stage in _stages(build_plan("failback")) for name in stage]
    assert names.index("scale-compute-primary-full") < names.index("check-endpoint-primary") \
        < names.index("shift-traffic-to-primary") < names.index("verify-traffic-primary") \
        < names.index("scale-compute-secondary-standby")


def test_every_plan_takes_the_lock_first_and_releases_it_last():
    for operation in ("failover", "switchover", "failback"):
        plan = build_plan(operation)
        names = [name for stage in _stages(plan) for name in stage]
        assert names[-1] == "release-lock"
        assert all(not step.mutates for _, _, step in plan.numbered()[:names.index("acquire-lock")])


def test_a_step_that_changes_aws_before_the_lock_is_rejected():
    plan = failover_plan()
    with pytest.raises(ValueError, match="before acquire-lock must only read"):
        plan.insert_after("confirm-outage", Custom("flush-cache", lambda ctx: "flushed", "flush the CDN"))


def test_custom_steps_go_after_the_named_step_and_names_stay_unique():
    plan = failover_plan()
    plan.insert_after("verify-traffic-secondary", Custom("warm-cache", lambda ctx: "warm", "warm the cache"))
    names = [name for stage in _stages(plan) for name in stage]
    assert names.index("warm-cache") == names.index("verify-traffic-secondary") + 1
    with pytest.raises(ValueError, match="unique"):
        plan.insert_after("warm-cache", FencePrimary())


def test_unknown_operation_is_rejected():
    with pytest.raises(ValueError, match="unknown operation"):
        build_plan("teleport")
