"""A game day on this machine: the stack's emulated environment, a disruption, the real failover automation
(its own plan, runner, detection and traffic shift), and the drill's own verification of what customers would
see — traffic on the target region and orders stored there — with the achieved RTO and RPO measured.

One environment serves consecutive scenarios while traffic is where the next one starts from (a failover, then
its failback); otherwise a fresh one is started from the same graph. Every wait is bounded; the environment is
stopped whatever happens.
"""
from __future__ import annotations

import sys
import time
from typing import TextIO

from drcore.backup_windows import copy_window_seconds
from drfailover.clients import AwsClients
from drfailover.deployment import Deployment, deployment_from_outputs
from drfailover.execution import Runner, RunResult
from drfailover.plan import build_plan
from drfailover.steps import RunOptions, Waiter
from drfailover.timeline import result_document
from drkit.drill.judgement import judge, judge_customers
from drkit.drill.load import RECOVERY_WATCH_S, OrderLoad
from drkit.drill.results import DrillRun, ScenarioResult
from drkit.drill.scenarios import PRIMARY, SCENARIOS, SECONDARY, DrillSettings, Scenario
from drkit.drill.timeline import Entry, StepFailed, Timeline
from drkit.drill.traffic import PlacedFile, file_in, place_file, place_order, stored_in, wait_for
from drkit.emulation import EmulatedEnvironment
from drkit.graph.resource_graph import Graph
from drkit.readiness.check import ReadinessContext, region_extras
from drkit.readiness.suite import run_readiness


# Automation steps whose time here is the emulation's: AWS does the work asynchronously and takes longer (the RTO
# budget, drcore.recovery_model, holds AWS's figure for each).
EMULATED_WORK = {
    "PromoteDatabase": "the control plane answers at once (the PostgreSQL promotion itself is real); Aurora takes minutes",
    "ScaleCompute": "no task starts: ECS takes minutes to place and warm tasks",
    "ShiftTraffic": "the alarm and Route 53 follow at once; AWS takes an alarm period and a health-check interval",
    "FencePrimary": "no task stops: ECS drains them over minutes",
}


class _CappedWaiter(Waiter):
    """The emulation completes AWS's asynchronous work at once, so the automation's waits (up to 10 minutes for
    a warming storefront) are capped at the drill's budget: a wait beyond it is a failure, not slowness."""

    def __init__(self, settings: DrillSettings):
        super().__init__()
        self.cap_s, self.interval_s = settings.verify_timeout_s, settings.poll_interval_s

    def poll(self, check, *, timeout_s: float, interval_s: float):
        return super().poll(check, timeout_s=min(timeout_s, self.cap_s), interval_s=min(interval_s, self.interval_s))


class _Session:
    """One running emulated environment and where its traffic is."""

    def __init__(self, stack: str, config, graph: Graph, progress: TextIO, settings: DrillSettings):
        self.stack, self.config, self.graph, self.progress = stack, config, graph, progress
        self.settings = settings
        self.env: EmulatedEnvironment | None = None
        self.deployment: Deployment | None = None
        self.serving: str | None = None
        # Files written in each region while it served: each must be in the other region after the next move.
        self.files: dict[str, list[PlacedFile]] = {PRIMARY: [], SECONDARY: []}

    def fresh(self) -> float:
        self.stop()
        env = EmulatedEnvironment(self.stack, graph=self.graph, database=self.settings.database,
                                  link_latency_s=self.settings.link_latency_s,
                                  progress=lambda line: print(f"drkit drill: {line}", file=self.progress, flush=True))
        self.env = env.start()
        self.deployment = deployment_from_outputs(env.outputs, f"emulated stack '{self.stack}'", self.config)
        self.serving = PRIMARY
        self.files = {PRIMARY: [], SECONDARY: []}
        return env.startup_seconds

    def stop(self) -> None:
        if self.env is not None:
            self.env.stop()
        self.env, self.deployment, self.serving = None, None, None


def run_drill(stack: str, config, graph: Graph, scenarios: list[Scenario], settings: DrillSettings | None = None,
              progress: TextIO | None = None) -> DrillRun:
    settings, progress = settings or DrillSettings(), progress or sys.stderr
    run = DrillRun(stack, settings, time.time())
    session = _Session(stack, config, graph, progress, settings)
    try:
        for scenario in scenarios:
            if session.env is None or (session.serving != scenario.source_role and scenario.source_role == PRIMARY):
                run.environment_seconds.append(session.fresh())
            result = _run_scenario(session, scenario, settings, progress)
            run.results.append(result)
            if not result.passed:
                session.stop()  # the next scenario starts from a known state
    finally:
        session.stop()
        run.finished_at = time.time()
    return run


def _run_scenario(session: _Session, scenario: Scenario, settings: DrillSettings, progress: TextIO) -> ScenarioResult:
    env, d = session.env, session.deployment
    timeline = Timeline(scenario.name, progress)
    rpo_target = settings.rpo_target_s if settings.rpo_target_s is not None else (
        0.0 if scenario.lossless else d.rpo_target_seconds(settings.orders_tier))
    rto_target = settings.rto_target_s if settings.rto_target_s is not None else d.region_rto_target_seconds()
    result = ScenarioResult(scenario, timeline, d, rto_target, rpo_target)
    mark = env.mark()
    timeline.say(f"{scenario.operation} to the {scenario.target_role} ({d.regions[scenario.target_role].region}); "
                 f"disruption: {scenario.disruption}")
    try:
        if session.serving != scenario.source_role:
            _set_up_failover(session, timeline, settings)
        _exercise(session, scenario, settings, result)
    except StepFailed as exc:
        result.reasons.append(str(exc))
    except Exception as exc:  # noqa: BLE001 - a drill that breaks is a failed drill, and its report says how
        result.reasons.append(f"the drill could not go on: {type(exc).__name__}: {exc}")
    finally:
        result.finished_at = time.time()
        result.emulation_calls = len(env.calls(mark))
        timeline.say(f"{'PASSED' if result.passed else 'FAILED'}: RTO {result.achieved_rto_s:g} s, RPO "
                     f"{result.achieved_rpo_s:g} s{'' if result.passed else ' — ' + '; '.join(_why(result))}")
    return result


def _exercise(session: _Session, scenario: Scenario, settings: DrillSettings, result: ScenarioResult) -> None:
    env, d, timeline = session.env, session.deployment, result.timeline
    target = d.regions[scenario.target_role].region
    if scenario.prepare:
        with timeline.step("prepare") as note:
            note.detail = scenario.prepare(env, settings)
    if scenario.check_readiness:
        with timeline.step("readiness") as note:
            result.readiness = run_readiness(_readiness_context(env, session), session.stack)
            note.detail, note.failed = result.readiness.summary(), not result.readiness.ready
        result.require("readiness", result.readiness.ready, result.readiness.summary())
        if not result.readiness.ready:
            raise StepFailed(f"the secondary was not ready before the drill: {result.readiness.summary()}")
    load = OrderLoad(env, settings.load_rate_per_s, scenario.name).start() if settings.load_rate_per_s > 0 else None
    try:
        _disrupt_and_recover(session, scenario, settings, result, target)
        if load is not None and result.recovered_at is not None:
            load.wait_for_recovery(target, result.disrupted_at or 0.0, RECOVERY_WATCH_S)
    finally:
        if load is not None:
            load.stop()
    if load is not None:
        judge_customers(scenario, result, load, d.regions[scenario.source_role].region, target)
    judge(scenario, result)


def _disrupt_and_recover(session: _Session, scenario: Scenario, settings: DrillSettings, result: ScenarioResult,
                         target: str) -> None:
    env, d, timeline = session.env, session.deployment, result.timeline
    with timeline.step("place orders") as note:
        for number in range(settings.orders):
            order, what = place_order(env, f"{scenario.name}-before-{number}")
            if order is None:
                raise StepFailed(f"could not place orders before the disruption: {what}")
            result.orders.append(order)
        note.detail = f"{len(result.orders)} orders stored in {result.orders[0].region if result.orders else '-'}"
    _write_file(session, scenario.source_role, f"{scenario.name}-before", timeline)
    with timeline.step("disruption") as note:
        result.disrupted_at = time.time()
        if scenario.inject:
            scenario.inject(env, settings)
        note.detail = scenario.disruption
    run = _automation(session, scenario.operation, settings, timeline)
    result.automation = result_document(run, build_plan(scenario.operation), d)
    result.require("automation", run.outcome == "done", f"drkit {scenario.operation}: {run.outcome} — {run.message}")
    if run.outcome != "done":
        raise StepFailed(f"drkit {scenario.operation} {run.outcome}: {run.message}")
    session.serving = scenario.target_role
    _count_losses(env, scenario, result)
    _count_files(session, scenario, settings, result)
    _verify(env, scenario, settings, result, target)
    if result.recovered_at is not None:  # customers write files in the region that now serves
        _write_file(session, scenario.target_role, f"{scenario.name}-after", timeline)


def _write_file(session: _Session, role: str, label: str, timeline: Timeline) -> None:
    with timeline.step(f"write a file in the {role}") as note:
        placed, note.detail = place_file(session.env, role, label)
        if placed is None:
            raise StepFailed(f"could not write a file in the {role}: {note.detail}")
        session.files[role].append(placed)


def _count_files(session: _Session, scenario: Scenario, settings: DrillSettings, result: ScenarioResult) -> None:
    """Every file written in the region traffic left (before this move, or while it served after the last one)
    must be in the target's bucket: S3 replication carries it, both ways."""
    env, written = session.env, session.files[scenario.source_role]
    missing: list[PlacedFile] = []

    def all_there() -> bool:
        missing[:] = [f for f in written if not file_in(env, scenario.target_role, f)]
        return not missing

    with result.timeline.step("count replicated files") as note:
        arrived = bool(written) and wait_for(all_there, timeout_s=settings.verify_timeout_s,
                                             interval_s=settings.poll_interval_s)
        note.detail = (f"{len(written) - len(missing)}/{len(written)} files written in the {scenario.source_role} are "
                       f"in the {scenario.target_role}'s bucket" + (f"; missing {', '.join(f.key for f in missing)}"
                                                                    if missing else ""))
        note.failed = not arrived
    result.require("files", arrived, note.detail)


def _automation(session: _Session, operation: str, settings: DrillSettings, timeline: Timeline,
                kind: str = "drill") -> RunResult:
    """The real automation — its plan, detection, lock, journal and traffic shift — against the emulation."""
    env, d = session.env, session.deployment
    options = RunOptions(probes=dict(env.probes), confirm_count=settings.confirm_count,
                         confirm_interval_s=settings.confirm_interval_s, poll_interval_s=settings.poll_interval_s)
    plan = build_plan(operation)
    with timeline.step(f"drkit {operation}", kind=kind) as note:
        run = Runner(plan, d, AwsClients(env.endpoints), options, progress=timeline.progress,
                     waiter=_CappedWaiter(settings)).execute()
        note.detail, note.failed = f"{run.outcome}: {run.message}", run.outcome != "done"
    steps = {step.name: step for _, _, step in plan.numbered()}
    for record in run.records:
        if record.name not in run.skipped:
            step = steps.get(record.name)
            timeline.add(Entry(record.name, "automation", record.started_at, record.seconds, record.status,
                               record.detail, optional=bool(step and step.optional),
                               emulated=EMULATED_WORK.get(step.kind, "") if step else ""))
    return run


def _set_up_failover(session: _Session, timeline: Timeline, settings: DrillSettings) -> None:
    """A failback needs traffic in the secondary: fail over first (not measured), as region-loss-failover does."""
    with timeline.step("set up: primary region lost", kind="setup") as note:
        SCENARIOS["region-loss-failover"].inject(session.env, settings)
        note.detail = "traffic must be in the secondary before a failback"
    run = _automation(session, "failover", settings, timeline, "setup")
    if run.outcome != "done":
        raise StepFailed(f"the failover before the failback {run.outcome}: {run.message}")
    session.serving = SECONDARY
    _write_file(session, SECONDARY, "set-up-after", timeline)  # written while the primary is gone


def _count_losses(env: EmulatedEnvironment, scenario: Scenario, result: ScenarioResult) -> None:
    with result.timeline.step("count lost orders") as note:
        result.missing = [o.order_id for o in result.orders if not stored_in(env, scenario.target_role, o.order_id)]
        result.counted = True
        note.detail = (f"{len(result.orders) - len(result.missing)}/{len(result.orders)} orders placed before the "
                       f"disruption are in the {scenario.target_role}'s table")


def _verify(env: EmulatedEnvironment, scenario: Scenario, settings: DrillSettings, result: ScenarioResult,
            target: str) -> None:
    timeline = result.timeline
    with timeline.step("verify traffic") as note:
        moved = wait_for(lambda: env.serving_role() == scenario.target_role, timeout_s=settings.verify_timeout_s,
                         interval_s=settings.poll_interval_s)
        note.detail = f"{env.outputs['dns']['recordName']} answers {env.resolve()} ({env.serving_role() or 'nobody'})"
        note.failed = not moved
    result.require("traffic", moved, f"the failover record answers the {scenario.target_role} ({target})"
                   if moved else note.detail)
    landed: list[str] = []

    def write_lands() -> bool:
        order, what = place_order(env, f"{scenario.name}-after")
        landed[:] = [what]
        return order is not None and order.region == target and stored_in(env, scenario.target_role, order.order_id)

    with timeline.step("verify writes") as note:
        wrote = moved and wait_for(write_lands, timeout_s=settings.verify_timeout_s, interval_s=settings.poll_interval_s)
        note.detail, note.failed = (landed[0] if landed else "not tried: traffic did not move"), not wrote
    result.require("writes", wrote, landed[0] if landed else "not tried: traffic did not move")
    if moved and wrote:
        result.recovered_at = time.time()


def _readiness_context(env: EmulatedEnvironment, session: _Session) -> ReadinessContext:
    return ReadinessContext(session.deployment, AwsClients(env.endpoints), region_extras(env.outputs, "emulated outputs"),
                            backup_schedule=session.config.backup.schedule_expression,
                            copy_window_s=copy_window_seconds(), probes=dict(env.probes))


def _why(result: ScenarioResult) -> list[str]:
    return result.reasons or [f"{c['name']}: {c['detail']}" for c in result.checks if not c["passed"]]
