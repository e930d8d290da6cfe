"""Typed plan steps: the shared base, the run context, and the control steps (confirm, lock, fence,
RPO exposure, approval, notification, custom). Database, compute and traffic steps live in their own
modules. A step is idempotent: run again after a crash, it finds its work done and says so.
"""
from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar

from drfailover.clients import AwsClients
from drfailover.control_table import LEASE_SECONDS
from drfailover.deployment import PRIMARY, SECONDARY, Deployment
from drfailover.dns_answer import DNS_ENDPOINT_KEY, DataPlaneDns
from drfailover.journal import RunJournal
from drfailover.signals import OutageDetector


class StepRefused(Exception):
    """A safety interlock said no: nothing unsafe was done, and the run stops with exit 1."""


class AwaitingApproval(StepRefused):
    """The run stopped at the decision that belongs to a person (drfailover.approval); nothing was changed."""


class NothingToDo(StepRefused):
    """The world already is where the run would put it (another run finished meanwhile): stop, change nothing."""


class StepFailed(Exception):
    """The step could not do or verify its work."""


@dataclass
class RunOptions:
    force: bool = False
    dry_run: bool = False
    approve: bool = False
    journal_run: str | None = None
    confirm_count: int | None = None  # default: the Route 53 failure threshold
    confirm_interval_s: float | None = None  # default: the Route 53 check interval
    probes: dict[str, str] = field(default_factory=dict)  # role ("primary", "secondary", "record") -> URL
    # A person approved this unplanned failover (drkit approve, recorded in the control table): the outage needs no
    # quorum any more, but a primary seen serving still stops the run.
    approved: bool = False
    approver: Callable[[str], bool] | None = None  # default: ask on the terminal
    poll_interval_s: float = 5.0  # between reads while waiting for AWS to finish something
    verify_timeout_s: float | None = None  # how long traffic may take to move; default: the recovery model's budget
    lease_seconds: float = LEASE_SECONDS  # the failover lock's lease (shorter only in tests and drills)


class Waiter:
    """Sleeps on behalf of steps and remembers how long, per thread, so waits on AWS are not counted as
    the automation's own time."""

    def __init__(self, sleep: Callable[[float], None] = time.sleep):
        self._sleep, self._local = sleep, threading.local()

    def __call__(self, seconds: float) -> None:
        started = time.perf_counter()
        self._sleep(seconds)
        self._local.waited = self.waited() + time.perf_counter() - started

    def waited(self) -> float:
        return getattr(self._local, "waited", 0.0)

    def reset(self) -> None:
        self._local.waited = 0.0

    def poll(self, check: Callable[[], Any], *, timeout_s: float, interval_s: float) -> Any:
        """Call `check` until it returns something truthy or the time is up (then its last answer)."""
        deadline = time.monotonic() + timeout_s
        while True:
            answer = check()
            if answer or time.monotonic() + interval_s > deadline:
                return answer
            self(interval_s)


@dataclass
class StepContext:
    deployment: Deployment
    clients: AwsClients
    journal: RunJournal
    options: RunOptions
    operation: str
    wait: Waiter
    target_role: str = SECONDARY
    facts: dict[str, Any] = field(default_factory=dict)  # what steps learn for later steps and the report

    def data_plane_dns(self) -> DataPlaneDns:
        """DNS as customers reach it: the zone's own name servers (an emulator's, when its endpoints name one)."""
        return DataPlaneDns(self.deployment.name_servers, endpoint=self.clients.endpoints.get(DNS_ENDPOINT_KEY))

    def probe_url(self, role: str) -> str:
        region = self.deployment.regions[role]
        return self.options.probes.get(role) or f"https://{region.alb_dns_name}{self.deployment.health_check_path}"


class Step:
    kind: ClassVar[str] = "Step"
    mutates: ClassVar[bool] = True  # writes AWS state: journaled as started before it runs
    always_run: ClassVar[bool] = False  # runs again when a run is resumed, even if done
    # Once done, the run cannot be undone by stopping (the writer moved): a resumed run goes on from there.
    point_of_no_return: ClassVar[bool] = False
    budget: ClassVar[str | None] = None  # the drcore.recovery_model regionLoss step whose time this spends

    def __init__(self, name: str, *, optional: bool = False):
        self.name, self.optional = name, optional

    @property
    def journal_later(self) -> bool:
        """Its record may wait for the next journal write: running it again after a crash changes nothing."""
        return not self.mutates or self.always_run

    def describe(self, deployment: Deployment) -> str:
        raise NotImplementedError

    def run(self, ctx: StepContext) -> str:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{self.kind}({self.name!r})"


class ConfirmOutage(Step):
    # Runs again on resume: a run that stopped (throttled, declined) must not act on an outage that has ended.
    kind, mutates, budget, always_run = "ConfirmOutage", False, "confirm", True

    def __init__(self) -> None:
        super().__init__("confirm-outage")

    def describe(self, d: Deployment) -> str:
        return (f"probe {d.primary_region} (HTTP, Route 53 check {d.primary.health_check_id}, alarm "
                f"{d.health_check_alarm_names.get(PRIMARY, '-')}) until N consecutive failures; refuse if it serves")

    def run(self, ctx: StepContext) -> str:
        d, options = ctx.deployment, ctx.options
        if ctx.facts.get("past_point_of_no_return"):
            return "resumed past the point of no return (the database writer moved): finishing the run"
        detector = OutageDetector(
            d, ctx.clients, ctx.probe_url(PRIMARY),
            required_failures=options.confirm_count or d.health_check_failure_threshold,
            interval_s=d.health_check_interval_seconds if options.confirm_interval_s is None
            else options.confirm_interval_s, wait=ctx.wait, quorum=d.outage_quorum)
        if options.approved and not options.force:
            observation = detector.observe()
            ctx.facts["primary_serving"] = observation.up
            if observation.up:
                raise StepRefused(f"a person approved this failover, but {d.primary_region} serves again "
                                  f"({observation.summary()}): nothing changed")
            return f"approved by a person; primary now: {observation.summary()}"
        if options.force:
            observation = detector.observe()
            ctx.facts["primary_serving"] = observation.up
            return f"--force: not waiting for confirmation; primary now: {observation.summary()}"
        verdict = detector.confirm()
        ctx.facts["primary_serving"] = not verdict.confirmed
        if not verdict.confirmed:
            raise StepRefused(f"{d.primary_region} is not confirmed down: {verdict.reason}; for a planned move run "
                              "'drkit switchover', or pass --force to fail over anyway")
        return f"outage of {d.primary_region} confirmed: {verdict.reason}"


class AcquireLock(Step):
    kind, always_run = "AcquireLock", True

    def __init__(self) -> None:
        super().__init__("acquire-lock")

    def describe(self, d: Deployment) -> str:
        return f"take the failover lock in DynamoDB {d.control.table_name} ({d.control.region})"

    def run(self, ctx: StepContext) -> str:
        from drfailover.world import read_world

        taken = ctx.journal.acquire()
        if ctx.journal.resumed:
            return taken
        # The outage was confirmed before the lock was free: another run may have done the work meanwhile. Act
        # only on what is still to do, judged by the world, not by what this run saw before it waited.
        world = read_world(ctx.deployment, ctx.clients)
        if world.settled_in(ctx.target_role):
            raise NothingToDo(f"another run finished the move while this one waited for the lock ({world.detail}); "
                              "nothing to do")
        ended = [run for run in ctx.facts.pop("supersede_runs", [])
                 if ctx.journal.table.end_run(run, "superseded", note=f"superseded by {ctx.operation} run "
                                                                       f"{ctx.journal.run_id}")]
        superseded = f"; abandoned planned run(s) {', '.join(ended)} superseded" if ended else ""
        return f"{taken}; {world.detail}{superseded}"


class ReleaseLock(Step):
    kind = "ReleaseLock"

    def __init__(self) -> None:
        super().__init__("release-lock")

    def describe(self, d: Deployment) -> str:
        return f"mark the run done and release the lock in {d.control.table_name}"

    def run(self, ctx: StepContext) -> str:
        return ctx.journal.release("done")


class FencePrimary(Step):
    """Stop the old primary's storefront so it takes no more writes — best effort, its region may be gone.

    The plan fences first and tries again before the promotion and after verification under other names: an old
    primary that was unreachable at first and comes back mid-run is fenced as soon as it answers, and the run says
    when. Once fenced, the later attempts change nothing and call nothing."""

    kind = "FencePrimary"

    def __init__(self, name: str = "fence-primary") -> None:
        super().__init__(name, optional=True)
        if name != "fence-primary":
            # Idempotent and safe to repeat: the record rides along with the next journal write, and an attempt
            # that finds the primary fenced costs no call at all.
            self.mutates = False  # type: ignore[misc] - per instance, like Custom steps

    def describe(self, d: Deployment) -> str:
        p = d.primary
        again = "if not fenced yet: " if self.name != "fence-primary" else ""
        return f"best effort, short timeout: {again}scale {p.cluster_name}/{p.service_name} in {p.region} to 0"

    def run(self, ctx: StepContext) -> str:
        p = ctx.deployment.primary
        if ctx.facts.get("primary_fenced"):
            return f"{p.service_name} in {p.region} already fenced"
        if self.name != "fence-primary":
            ctx.clients.retry_region(p.region)  # unreachable before: ask again, it may be back
        ctx.clients.get("ecs", p.region, optional=True).update_service(
            cluster=p.cluster_name, service=p.service_name, desiredCount=0)
        # Autoscaling would start tasks again to honour its minimum: pin it to zero too.
        ctx.clients.get("application-autoscaling", p.region, optional=True).register_scalable_target(
            ServiceNamespace="ecs", ResourceId=f"service/{p.cluster_name}/{p.service_name}",
            ScalableDimension="ecs:service:DesiredCount", MinCapacity=0, MaxCapacity=0)
        ctx.facts["primary_fenced"] = True  # nothing of ours writes to the old primary's cluster any more
        when = time.strftime("%H:%M:%SZ", time.gmtime())
        returned = f"the old primary answered again and was fenced at {when}: " if self.name != "fence-primary" else ""
        return f"{returned}{p.service_name} in {p.region} scaled to 0, autoscaling pinned to 0"


class RecordRpoExposure(Step):
    kind, mutates = "RecordRpoExposure", False

    def __init__(self) -> None:
        super().__init__("record-rpo-exposure", optional=True)

    def describe(self, d: Deployment) -> str:
        return (f"read replication lag (Aurora, DynamoDB, S3) from CloudWatch in {d.secondary_region} "
                "and write what may be lost per store")

    def run(self, ctx: StepContext) -> str:
        from drfailover.rpo_exposure import measure_exposure

        exposure = measure_exposure(ctx.deployment, ctx.clients, operation=ctx.operation,
                                    run_id=ctx.journal.run_id, at=time.time())
        ctx.facts["exposure"] = exposure
        return exposure["summary"]


class ManualApproval(Step):
    kind, mutates = "ManualApproval", False

    def __init__(self, target_role: str) -> None:
        super().__init__("manual-approval")
        self.target_role = target_role

    def describe(self, d: Deployment) -> str:
        return f"an operator types '{d.regions[self.target_role].region}' to go ahead"

    def run(self, ctx: StepContext) -> str:
        region = ctx.deployment.regions[self.target_role].region
        exposure = ctx.facts.get("exposure", {}).get("summary", "")
        prompt = f"Approve {ctx.operation} to {region}?{' RPO exposure: ' + exposure + '.' if exposure else ''} " \
                 f"Type {region} to go ahead: "
        approve = ctx.options.approver or _ask_on_terminal(region)
        if not approve(prompt):
            raise StepRefused(f"{ctx.operation} to {region} was not approved; nothing changed after the approval step")
        return "approved by the operator"


def _ask_on_terminal(expected: str) -> Callable[[str], bool]:
    def ask(prompt: str) -> bool:
        print(prompt, end="", file=sys.stderr, flush=True)
        line = sys.stdin.readline()
        return line.strip() == expected

    return ask


class Notify(Step):
    kind = "Notify"

    def __init__(self) -> None:
        super().__init__("notify", optional=True)

    def describe(self, d: Deployment) -> str:
        return f"publish the outcome to {d.secondary.alert_topic_arn}"

    def run(self, ctx: StepContext) -> str:
        d = ctx.deployment
        active = ctx.facts.get("active_region", "unchanged")
        lines = [f"drkit {ctx.operation} run {ctx.journal.run_id}: traffic now in {active}.",
                 f"Primary {d.primary_region}, secondary {d.secondary_region}, record {d.record_name}."]
        if "exposure" in ctx.facts:
            lines.append(f"RPO exposure: {ctx.facts['exposure']['summary']}.")
        ctx.clients.get("sns", d.secondary_region).publish(
            TopicArn=d.secondary.alert_topic_arn, Subject=f"[{d.environment}] drkit {ctx.operation}: traffic in {active}"[:100],
            Message="\n".join(lines))
        return f"published to {d.secondary.alert_topic_arn}"


class Custom(Step):
    """A caller-supplied action, e.g. flushing a cache or pausing a batch job, run like any other step."""

    kind = "Custom"

    def __init__(self, name: str, action: Callable[[StepContext], str], description: str, *,
                 optional: bool = False, mutates: bool = True):
        super().__init__(name, optional=optional)
        self.action, self.description = action, description
        self.mutates = mutates  # type: ignore[misc] - per instance for custom steps

    def describe(self, d: Deployment) -> str:
        return self.description

    def run(self, ctx: StepContext) -> str:
        return self.action(ctx) or "done"
