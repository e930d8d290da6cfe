"""A scenario's verdicts against its targets: RTO and RPO as the drill measured them, and as customers saw them."""
from __future__ import annotations

from drkit.drill.load import OrderLoad
from drkit.drill.results import ScenarioResult
from drkit.drill.scenarios import Scenario


def judge_customers(scenario: Scenario, result: ScenarioResult, load: OrderLoad, source: str, target: str) -> None:
    """Client-observed RTO and RPO: what the orders placed all along saw, against the targets."""
    with result.timeline.step("count what customers saw") as note:
        seen = load.observed(result.disrupted_at, target, scenario.target_role, source)
        result.client = seen
        rto = seen["rtoSeconds"]
        note.detail = (f"{seen['ordersAcknowledged']}/{seen['ordersAttempted']} orders acknowledged at "
                       f"{seen['ratePerSecond']:g}/s; client RTO {'never' if rto is None else f'{rto:g} s'}; "
                       f"{seen['lostOrders']} acknowledged orders lost (window {seen['lostWindowSeconds']:g} s)")
    if result.rto_target_s is not None:
        result.require("client-rto", rto is not None and rto <= result.rto_target_s,
                       f"first failed order to first order acknowledged in {target}: "
                       f"{'never' if rto is None else f'{rto:g} s'}, target {result.rto_target_s:g} s")
    lost = f"{seen['lostOrders']} of {seen['acknowledgedBySource']} orders acknowledged in {source} missing in {target}"
    if scenario.lossless:
        result.require("client-rpo", seen["lostOrders"] == 0, f"{lost}; a planned move must lose none")
    elif result.rpo_target_s is not None:
        result.require("client-rpo", seen["lostWindowSeconds"] <= result.rpo_target_s,
                       f"{lost}, window {seen['lostWindowSeconds']:g} s, target {result.rpo_target_s:g} s")


def judge(scenario: Scenario, result: ScenarioResult) -> None:
    rto, rpo = result.achieved_rto_s, result.achieved_rpo_s
    if result.rto_target_s is not None:
        result.require("rto", rto <= result.rto_target_s, f"achieved {rto:g} s, target {result.rto_target_s:g} s")
    lost = f"{len(result.missing)} of {len(result.orders)} orders lost"
    if scenario.lossless:
        result.require("rpo", not result.missing, f"{lost}; a planned move must lose none")
    elif result.rpo_target_s is not None:
        result.require("rpo", rpo <= result.rpo_target_s, f"{lost}, window {rpo:g} s, target {result.rpo_target_s:g} s")
    exposure = (result.automation or {}).get("rpoExposure")
    if exposure:
        result.require("replication-lag", exposure["withinTargets"], exposure["summary"])
