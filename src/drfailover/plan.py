"""Plans: ordered stages of typed steps (steps of a stage run in parallel), one builder per operation.

| operation  | mode       | stages |
|------------|------------|--------|
| failover   | ungraceful | confirm outage, target can serve, lock, [fence primary, RPO exposure], (approval), [promote
|            |            | database with data loss allowed, scale secondary to full], shift traffic, verify, notify,
|            |            | unlock |
| switchover | graceful   | target can serve, lock, replication drained, (approval), [switchover database, scale
|            |            | secondary to full], shift traffic, verify, scale old primary to standby, notify, unlock |
| failback   | graceful   | lock, re-protected (the newest writes are in the global database), scale primary to full,
|            |            | primary serves healthy, target can serve, replication drained, (approval), switchover
|            |            | database back, shift traffic back, verify, scale secondary to standby, notify, unlock |

Every destructive or irreversible step (fence, scale-in, promotion, traffic) comes after the check that the target
can serve (steps_target.py); when it cannot, the run changes nothing. A forced failover (the primary may still be
serving) fences the primary only after traffic has been verified in the secondary, so no moment has zero regions
serving.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from drfailover.approval import ProposeFailover
from drfailover.deployment import PRIMARY, SECONDARY, Deployment
from drfailover.steps import (AcquireLock, ConfirmOutage, FencePrimary, ManualApproval, Notify, RecordRpoExposure,
                              ReleaseLock, Step)
from drfailover.steps_compute import ScaleCompute
from drfailover.steps_database import CheckReplicationDrained, PromoteDatabase, ReprotectDatabase
from drfailover.steps_target import CheckTargetCanServe
from drfailover.steps_traffic import CheckEndpoint, ShiftTraffic, VerifyTraffic

# Task placement, image pull and warm-up of the primary's storefront before failback moves traffic.
PRIMARY_WARM_UP_TIMEOUT_S = 600
OPERATIONS = {"failover": "ungraceful", "switchover": "graceful", "failback": "graceful"}


@dataclass(frozen=True)
class Stage:
    steps: tuple[Step, ...]


@dataclass
class Plan:
    operation: str
    mode: str
    target_role: str
    stages: list[Stage] = field(default_factory=list)

    def numbered(self) -> list[tuple[int, int, Step]]:
        """(step number from 1, stage number from 1, step) in plan order."""
        result, number = [], 0
        for stage_number, stage in enumerate(self.stages, 1):
            for step in stage.steps:
                number += 1
                result.append((number, stage_number, step))
        return result

    def insert_after(self, step_name: str, *steps: Step) -> None:
        """Add a stage (e.g. a Custom step) right after the stage holding `step_name`."""
        for index, stage in enumerate(self.stages):
            if any(s.name == step_name for s in stage.steps):
                self.stages.insert(index + 1, Stage(tuple(steps)))
                self._check()
                return
        raise KeyError(f"no step named {step_name} in the {self.operation} plan")

    def describe(self, d: Deployment) -> str:
        target = d.regions[self.target_role].region
        lines = [f"{self.operation} ({self.mode}) to {target}: {len(self.stages)} stages, "
                 f"{sum(len(s.steps) for s in self.stages)} steps"]
        for number, stage_number, step in self.numbered():
            flag = " (best effort)" if step.optional else ""
            lines.append(f"  {stage_number:>2}.{number:<3} {step.name:<34} {step.describe(d)}{flag}")
        return "\n".join(lines)

    def _check(self) -> None:
        names = [step.name for stage in self.stages for step in stage.steps]
        duplicates = {n for n in names if names.count(n) > 1}
        if duplicates:
            raise ValueError(f"step names must be unique in a plan: {sorted(duplicates)}")
        # Records before the lock are only kept in memory, so nothing before it may change AWS.
        for stage in self.stages:
            if any(isinstance(s, AcquireLock) for s in stage.steps):
                break
            writers = [s.name for s in stage.steps if s.mutates]
            if writers:
                raise ValueError(f"steps before acquire-lock must only read: {writers}")


def _stages(*groups: Step | tuple[Step, ...] | None) -> list[Stage]:
    return [Stage(group if isinstance(group, tuple) else (group,)) for group in groups if group]


def failover_plan(*, force: bool = False, approve: bool = False) -> Plan:
    plan = Plan("failover", OPERATIONS["failover"], SECONDARY, _stages(
        ConfirmOutage(), CheckTargetCanServe(SECONDARY), AcquireLock(),
        RecordRpoExposure() if force else (FencePrimary(), RecordRpoExposure()),
        ManualApproval(SECONDARY) if approve else None,
        # An old primary unreachable at first and back by now takes no writes once the secondary is promoted.
        None if force else FencePrimary("fence-primary-before-promote"),
        (PromoteDatabase(SECONDARY, "failover"), ScaleCompute(SECONDARY, "full")),
        ShiftTraffic(SECONDARY), VerifyTraffic(SECONDARY),
        FencePrimary() if force else FencePrimary("fence-primary-late"),
        Notify(), ReleaseLock()))
    plan._check()
    return plan


def detection_plan() -> Plan:
    """What the failover function runs when a person decides (automation.unplannedFailover: approval): everything a
    failover checks, then a proposal and a page; nothing changes."""
    plan = Plan("failover", OPERATIONS["failover"], SECONDARY, _stages(
        ConfirmOutage(), CheckTargetCanServe(SECONDARY), RecordRpoExposure(), ProposeFailover()))
    plan._check()
    return plan


def switchover_plan(*, approve: bool = False) -> Plan:
    plan = Plan("switchover", OPERATIONS["switchover"], SECONDARY, _stages(
        CheckTargetCanServe(SECONDARY), AcquireLock(), CheckReplicationDrained(SECONDARY),
        ManualApproval(SECONDARY) if approve else None,
        (PromoteDatabase(SECONDARY, "switchover"), ScaleCompute(SECONDARY, "full")),
        ShiftTraffic(SECONDARY), VerifyTraffic(SECONDARY), ScaleCompute(PRIMARY, "standby"),
        Notify(), ReleaseLock()))
    plan._check()
    return plan


def failback_plan(*, approve: bool = False) -> Plan:
    plan = Plan("failback", OPERATIONS["failback"], PRIMARY, _stages(
        # The primary was fenced to zero tasks: bring it up while it is still fenced, then wait for it to serve.
        # Re-protection is checked alone, first: when the newest writes are not in the global database, the run
        # must stop before it changes anything (scaling the primary included).
        AcquireLock(), ReprotectDatabase(PRIMARY), ScaleCompute(PRIMARY, "full"),
        CheckEndpoint(PRIMARY, timeout_s=PRIMARY_WARM_UP_TIMEOUT_S), CheckTargetCanServe(PRIMARY),
        CheckReplicationDrained(PRIMARY),
        ManualApproval(PRIMARY) if approve else None,
        PromoteDatabase(PRIMARY, "switchover"),
        ShiftTraffic(PRIMARY), VerifyTraffic(PRIMARY), ScaleCompute(SECONDARY, "standby"),
        Notify(), ReleaseLock()))
    plan._check()
    return plan


def build_plan(operation: str, *, force: bool = False, approve: bool = False) -> Plan:
    if operation == "failover":
        return failover_plan(force=force, approve=approve)
    if operation == "switchover":
        return switchover_plan(approve=approve)
    if operation == "failback":
        return failback_plan(approve=approve)
    raise ValueError(f"unknown operation {operation}; expected one of {sorted(OPERATIONS)}")
