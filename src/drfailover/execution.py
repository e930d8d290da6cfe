"""Runs a plan: stages in order, the steps of a stage in parallel threads, each step journaled.

Before acting the runner reads the control table once and decides: resume an unfinished run of this
operation (done steps are skipped, never repeated), refuse while another live run holds the lock, or
do nothing when traffic is already where this operation would put it. A handled failure marks the run
failed and releases the lock so the next invocation resumes it; a crash leaves the lock to its lease,
and `--journal-run ID` lets an operator take over that run at once.
"""
from __future__ import annotations

import os
import socket
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, TextIO

from botocore.exceptions import BotoCoreError, ClientError

from drcore.errors import UsageError
from drfailover.clients import AwsClients, RegionUnreachable
from drfailover.control_table import ControlTable, StepRecord
from drfailover.deployment import Deployment
from drfailover.journal import LockHeld, LockLost, RunJournal
from drfailover.plan import Plan
from drfailover.steps import AwaitingApproval, NothingToDo, RunOptions, Step, StepContext, StepRefused, Waiter
from drfailover.world import read_world


@dataclass
class RunResult:
    operation: str
    outcome: str  # done | no-op | refused | awaiting-approval | failed | dry-run
    message: str
    run_id: str = ""
    resumed: bool = False
    records: list[StepRecord] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # steps done by an earlier attempt of this run
    wall_seconds: float = 0.0
    waited_seconds: float = 0.0  # polling AWS for work it does asynchronously
    calls: dict[str, Any] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def automation_seconds(self) -> float:
        return max(0.0, self.wall_seconds - self.waited_seconds)

    @property
    def exit_code(self) -> int:
        return 0 if self.outcome in ("done", "no-op", "dry-run") else 1


class Runner:
    def __init__(self, plan: Plan, deployment: Deployment, clients: AwsClients, options: RunOptions, *,
                 progress: TextIO | None = None, owner: str | None = None,
                 after_step: Callable[[StepRecord], None] | None = None, waiter: Waiter | None = None,
                 clock: Callable[[], float] | None = None):
        self.plan, self.deployment, self.clients, self.options = plan, deployment, clients, options
        self.progress = progress if progress is not None else sys.stderr
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.after_step = after_step  # tests inject crashes here
        self.waiter = waiter or Waiter()
        self.clock = clock or time.time  # this host's wall clock: journal times only, never lock ownership
        self.target_region = deployment.regions[plan.target_role].region

    def execute(self) -> RunResult:
        started = time.perf_counter()
        if self.options.dry_run:
            return RunResult(self.plan.operation, "dry-run", self.plan.describe(self.deployment))
        try:
            result = self._execute()
        except (BotoCoreError, ClientError) as exc:
            control = self.deployment.control
            result = RunResult(self.plan.operation, "failed", f"the control table {control.table_name} in "
                               f"{control.region} cannot be used ({exc}); nothing was changed after this point")
        result.wall_seconds = time.perf_counter() - started
        result.calls = self.clients.counter.snapshot()
        return result

    # -- deciding what to run ------------------------------------------------------------------------
    def _execute(self) -> RunResult:
        control = self.deployment.control
        table = ControlTable(self.clients.get("dynamodb", control.region), control.table_name, clock=self.clock)
        snapshot = table.snapshot()
        operation = self.plan.operation
        if self.options.journal_run:
            run_id = self.options.journal_run
            header, previous = table.run(run_id)
            if header is None:
                raise UsageError(f"run '{run_id}' is not in {control.table_name} ({control.region}); pass the id "
                                 "of an unfinished run (its lock or journal names it)")
            if header.operation != operation:
                raise UsageError(f"run '{run_id}' is a {header.operation}, not a {operation}; "
                                 f"resume it with 'drkit {header.operation} --journal-run {run_id}'")
            if header.state == "done":
                return RunResult(operation, "no-op", f"run {run_id} already finished; nothing to do", run_id=run_id)
            return self._run(table, run_id, previous, resumed=True, takeover=True)
        now = table.clock()
        abandoned = None
        if snapshot.lock:
            holder = snapshot.lock
            self._say(f"the failover lock is held: {holder.describe()}; watching it for one lease "
                      f"({holder.lease_seconds:g} s) to tell a live holder from one that died")
            abandoned = table.lock_is_abandoned(holder, self.waiter)
            if abandoned is None:
                current = table.lock()
                if current is not None:
                    return self._refused_by_lock(current)
                snapshot = table.snapshot()  # released meanwhile: decide on what that run left
                if snapshot.lock:
                    return self._refused_by_lock(snapshot.lock)
        traffic = snapshot.traffic
        active = traffic.active_region if traffic else self.deployment.primary_region
        supersede: list = []
        for header in snapshot.unfinished:  # newest first
            current = traffic is None or traffic.run_id == header.run_id or header.started_at >= traffic.since
            if not current:
                continue
            if header.operation == operation:
                _, previous = table.run(header.run_id)
                return self._run(table, header.run_id, previous, resumed=True, takeover=False, abandoned=abandoned)
            if operation == "failover" and header.operation in ("switchover", "failback"):
                # A region loss must not wait on an abandoned planned move (its lock is free, so nobody runs it).
                # It is superseded only once this failover has confirmed the outage and holds the lock
                # (AcquireLock): a detection run that finds the primary serving leaves it for its operator.
                supersede.append(header)
                continue
            if not self.options.force:
                return RunResult(operation, "refused", f"{header.operation} run {header.run_id} is unfinished "
                                 f"({header.state}); finish it ('drkit retry --run {header.run_id}'), cancel it "
                                 f"('drkit cancel --run {header.run_id}') or pass --force", run_id=header.run_id)
        if active == self.target_region:
            # The journal says there is nothing to do; the world has the last word (an emptied or stale table must
            # not stop a failback while the fence alarm still holds the primary out of DNS). A run that goes on
            # reads the world again once it holds the lock (AcquireLock).
            world = read_world(self.deployment, self.clients)
            unreadable = world.traffic_role is None or world.writer_role is None
            if unreadable or world.settled_in(self.plan.target_role):
                since = f" since {traffic.since} (run {traffic.run_id})" if traffic else ""
                fenced = "" if unreadable or operation != "failover" else self._fence_returned_primary(snapshot)
                return RunResult(operation, "no-op", f"traffic is already in {active}{since} ({world.detail}); "
                                 f"nothing to do{fenced}")
        run_id = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now)) + "-" + uuid.uuid4().hex[:6]
        return self._run(table, run_id, {}, resumed=False, takeover=False, abandoned=abandoned, supersede=supersede)

    def _fence_returned_primary(self, snapshot) -> str:
        """After a failover, an old primary that comes back with tasks could take writes from clients with a stale
        DNS answer: fence it at once. Not while a failback is unfinished (it brings the primary up on purpose)."""
        if any(h.operation == "failback" for h in snapshot.unfinished):
            return ""
        p = self.deployment.primary
        try:
            services = self.clients.get("ecs", p.region, optional=True).describe_services(
                cluster=p.cluster_name, services=[p.service_name]).get("services", [])
            if not services or int(services[0].get("desiredCount", 0)) == 0:
                return ""
            tasks = int(services[0]["desiredCount"])
            self.clients.get("ecs", p.region, optional=True).update_service(
                cluster=p.cluster_name, service=p.service_name, desiredCount=0)
            self.clients.get("application-autoscaling", p.region, optional=True).register_scalable_target(
                ServiceNamespace="ecs", ResourceId=f"service/{p.cluster_name}/{p.service_name}",
                ScalableDimension="ecs:service:DesiredCount", MinCapacity=0, MaxCapacity=0)
        except (BotoCoreError, ClientError, RegionUnreachable):
            return ""  # still gone: nothing to fence yet
        when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self._say(f"the old primary {p.service_name} ({p.region}) came back with {tasks} tasks: fenced at {when}")
        return f"; the old primary {p.service_name} ({p.region}) came back with {tasks} tasks and was fenced at {when}"

    def _refused_by_lock(self, holder) -> RunResult:
        return RunResult(self.plan.operation, "refused", f"another run holds the failover lock and renews it: "
                         f"{holder.describe()}; wait for it, or if that process is gone resume its run with "
                         f"'drkit {holder.operation} --journal-run {holder.run_id}'", run_id=holder.run_id)

    # -- running --------------------------------------------------------------------------------------
    def _run(self, table: ControlTable, run_id: str, previous: dict[str, StepRecord], *, resumed: bool,
             takeover: bool, abandoned=None, supersede: list | None = None) -> RunResult:
        journal = RunJournal(table, run_id=run_id, owner=self.owner, operation=self.plan.operation,
                             mode=self.plan.mode, resumed=resumed, takeover=takeover, abandoned=abandoned,
                             lease_seconds=self.options.lease_seconds)
        self._supersede = list(supersede or [])
        try:
            return self._run_journaled(journal, run_id, previous, resumed=resumed)
        finally:
            journal.stop_heartbeat()  # a run that ends (or crashes) stops renewing: its lease then runs out

    def _run_journaled(self, journal: RunJournal, run_id: str, previous: dict[str, StepRecord], *,
                       resumed: bool) -> RunResult:
        ctx = StepContext(self.deployment, self.clients, journal, self.options, self.plan.operation, self.waiter,
                          target_role=self.plan.target_role)
        ctx.facts["supersede_runs"] = [h.run_id for h in self._supersede]
        # A fence done by an earlier attempt of this run still holds (its autoscaling stays pinned to 0).
        ctx.facts["primary_fenced"] = bool(previous.get("fence-primary") and previous["fence-primary"].status == "done")
        ctx.facts["past_point_of_no_return"] = any(
            step.point_of_no_return and previous.get(step.name) is not None and previous[step.name].finished
            for _, _, step in self.plan.numbered())
        result = RunResult(self.plan.operation, "done", "", run_id=run_id, resumed=resumed, facts=ctx.facts)
        numbered = self.plan.numbered()
        source = next(r.region for r in self.deployment.regions.values() if r.region != self.target_region)
        self._say(f"{self.plan.operation} run {run_id} ({'resumed' if resumed else 'new'}): "
                  f"{source} -> {self.target_region}, {len(numbered)} steps")
        for stage_number in range(1, len(self.plan.stages) + 1):
            stage = [(n, s) for n, sn, s in numbered if sn == stage_number]
            todo = []
            for number, step in stage:
                done_before = previous.get(step.name)
                if done_before and done_before.finished and not step.always_run:
                    result.records.append(done_before)
                    result.skipped.append(step.name)
                    self._line(number, len(numbered), step, "skipped", 0.0, f"done earlier: {done_before.detail}")
                else:
                    todo.append((number, step))
            if not todo:
                continue
            if journal.holds_lock and any(step.mutates for _, step in todo):
                try:
                    journal.started([StepRecord(n - 1, s.name, "started", time.time(), optional=s.optional)
                                     for n, s in todo])
                except (LockLost, ClientError, BotoCoreError) as exc:
                    result.outcome, result.message = "failed", f"{exc}; the run stopped before acting unrecorded"
                    return result
            outcomes = self._run_stage(ctx, todo)
            result.waited_seconds += max(waited for _, _, waited in outcomes)
            for (number, step), (record, _, _) in zip(todo, outcomes):
                result.records.append(record)
                self._line(number, len(numbered), step, record.status, record.seconds, record.detail)
            failure = self._journal(journal, [(step, record, error) for (_, step), (record, error, _) in zip(todo, outcomes)])
            if failure:
                result.outcome, result.message = failure
                return result
            if self.after_step:
                for record, _, _ in outcomes:
                    self.after_step(record)
        try:
            journal.flush()
        except (LockLost, ClientError, BotoCoreError) as exc:
            result.outcome, result.message = "failed", f"the journal could not record the end of the run: {exc}"
            return result
        result.message = f"{self.plan.operation} to {self.target_region} done"
        return result

    def _run_stage(self, ctx: StepContext, todo: list[tuple[int, Step]]) -> list[tuple[StepRecord, Exception | None, float]]:
        if len(todo) == 1:
            return [self._run_step(ctx, *todo[0])]
        with ThreadPoolExecutor(max_workers=len(todo), thread_name_prefix="drkit-step") as pool:
            futures = [pool.submit(self._run_step, ctx, number, step) for number, step in todo]
            return [future.result() for future in futures]

    def _run_step(self, ctx: StepContext, number: int, step: Step) -> tuple[StepRecord, Exception | None, float]:
        self.waiter.reset()
        record = StepRecord(number - 1, step.name, "started", time.time(), optional=step.optional)
        error: Exception | None = None
        try:
            record.detail = step.run(ctx)
            record.status = "done"
        except Exception as exc:  # noqa: BLE001 - every failure is journaled; crashes (BaseException) are not caught
            error, record.status = exc, "failed"
            record.detail = str(exc) or type(exc).__name__
        record.finished_at = time.time()
        return record, error, self.waiter.waited()

    def _journal(self, journal: RunJournal,
                 outcomes: list[tuple[Step, StepRecord, Exception | None]]) -> tuple[str, str] | None:
        """Record a stage's steps (one write); return (outcome, message) when the run must stop."""
        failed = [(step, record, error) for step, record, error in outcomes if error is not None and not step.optional]
        finished = [(step, record) for step, record, error in outcomes if error is None or step.optional]
        try:
            journal.defer([record for step, record in finished if step.journal_later])
            eager = [record for step, record in finished if not step.journal_later]
            if failed:
                journal.defer(eager)
                superseded = isinstance(failed[0][2], NothingToDo)
                journal.failed(failed[0][1], "superseded" if superseded else "failed")
            elif eager:
                journal.finished(eager)
        except LockLost as exc:
            return "failed", str(exc)
        except (ClientError, BotoCoreError) as exc:
            return "failed", f"the journal in {self.deployment.control.table_name} cannot be written ({exc}); " \
                              "the run stopped so it never acts unrecorded"
        if not failed:
            return None
        step, record, error = failed[0]
        if isinstance(error, LockHeld):
            return "refused", self._refused_by_lock(error.holder).message if error.holder else str(error)
        if isinstance(error, AwaitingApproval):
            return "awaiting-approval", record.detail
        if isinstance(error, NothingToDo):
            return "no-op", record.detail
        if isinstance(error, StepRefused):
            return "refused", record.detail
        return "failed", f"{step.name} failed: {record.detail}"

    def _line(self, number: int, total: int, step: Step, status: str, seconds: float, detail: str) -> None:
        flag = " (best effort)" if step.optional and status == "failed" else ""
        self._say(f"[{number:>2}/{total}] {step.name:<34} {status:<7}{flag} {seconds:6.2f} s  {detail}")

    def _say(self, text: str) -> None:
        print(f"drkit {self.plan.operation}: {text}", file=self.progress, flush=True)
