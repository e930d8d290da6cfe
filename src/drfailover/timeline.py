"""The final output of a run: each step's measured time against the regionLoss RTO budget of
drcore.recovery_model (the figures `drkit rto` prints), the AWS call count, and the RPO exposure."""
from __future__ import annotations

from typing import Any

from drcore.recovery_model import format_duration, region_loss_rto_steps
from drfailover.deployment import Deployment
from drfailover.execution import RunResult
from drfailover.plan import Plan

# Model steps that happen before the automation starts (Route 53 notices, the alarm fires).
BEFORE_AUTOMATION = ("detect", "alarm")


def budget_rows(result: RunResult, plan: Plan, deployment: Deployment) -> list[dict[str, Any]]:
    if deployment.recovery_parameters is None:
        return []
    by_name = {step.name: step for stage in plan.stages for step in stage.steps}
    measured: dict[str, float] = {}
    for record in result.records:
        step = by_name.get(record.name)
        if step is not None and step.budget and record.name not in result.skipped:
            # Steps sharing a budget line run in parallel (promote + scale): the line takes the longest.
            measured[step.budget] = max(measured.get(step.budget, 0.0), record.seconds)
    return [{"name": s.name, "budgetSeconds": s.seconds, "source": s.source,
             "measuredSeconds": None if s.name in BEFORE_AUTOMATION else round(measured.get(s.name, 0.0), 3)}
            for s in region_loss_rto_steps(deployment.recovery_parameters)]


def result_document(result: RunResult, plan: Plan, deployment: Deployment) -> dict[str, Any]:
    by_name = {step.name: step for stage in plan.stages for step in stage.steps}
    rows = budget_rows(result, plan, deployment)
    before = sum(r["budgetSeconds"] for r in rows if r["name"] in BEFORE_AUTOMATION)
    return {
        "operation": result.operation, "outcome": result.outcome, "message": result.message,
        "runId": result.run_id, "resumed": result.resumed,
        "primaryRegion": deployment.primary_region, "secondaryRegion": deployment.secondary_region,
        "targetRegion": deployment.regions[plan.target_role].region,
        "steps": [{"index": r.index, "name": r.name, "status": r.status, "seconds": round(r.seconds, 3),
                   "detail": r.detail, "optional": r.optional, "skipped": r.name in result.skipped,
                   "budgetStep": getattr(by_name.get(r.name), "budget", None)} for r in result.records],
        "automationSeconds": round(result.automation_seconds, 3),
        "waitedSeconds": round(result.waited_seconds, 3), "wallSeconds": round(result.wall_seconds, 3),
        "awsCalls": result.calls,
        "budget": {"disruption": "regionLoss", "steps": rows,
                   "estimateSeconds": sum(r["budgetSeconds"] for r in rows) if rows else None,
                   "achievedSeconds": round(before + result.wall_seconds, 1) if rows else None,
                   "targetSeconds": deployment.region_rto_target_seconds()},
        "rpoExposure": result.facts.get("exposure"),
    }


def render_text(document: dict[str, Any]) -> str:
    target = document["targetRegion"]
    source = document["secondaryRegion"] if target == document["primaryRegion"] else document["primaryRegion"]
    lines = [f"{document['operation']} {source} -> {target}: {document['outcome']} — {document['message']}"]
    if document["runId"]:
        lines[0] += f" (run {document['runId']}{', resumed' if document['resumed'] else ''})"
    if document["steps"]:
        lines.append(f"\n  {'#':>2}  {'step':<34} {'status':<8} {'seconds':>8}  budget line")
        for step in document["steps"]:
            status = "skipped" if step["skipped"] else step["status"]
            lines.append(f"  {step['index'] + 1:>2}  {step['name']:<34} {status:<8} {step['seconds']:>8.2f}  "
                         f"{step['budgetStep'] or ''}")
    budget = document["budget"]
    if budget["steps"] and document["outcome"] == "done":
        lines.append("\n  regionLoss RTO budget (drkit rto)   budget    measured")
        for row in budget["steps"]:
            measured = "before automation" if row["measuredSeconds"] is None else f"{row['measuredSeconds']:.2f} s"
            lines.append(f"    {row['name']:<32} {format_duration(row['budgetSeconds']):>9}    {measured}")
        lines.append(f"    {'total':<32} {format_duration(budget['estimateSeconds']):>9}    achieved "
                     f"{format_duration(budget['achievedSeconds'])} (detection budget + this run)")
    if budget["targetSeconds"] is not None:
        lines.append(f"  RTO target {format_duration(budget['targetSeconds'])}")
    calls = document["awsCalls"]
    if calls:
        lines.append(f"\n  Automation {document['automationSeconds']:.2f} s (plus {document['waitedSeconds']:.2f} s "
                     f"waiting on AWS), {calls['calls']} AWS calls ({calls['httpAttempts']} HTTP attempts)")
    exposure = document["rpoExposure"]
    if exposure:
        lines.append(f"  RPO exposure: {exposure['summary']}")
        for store in exposure["stores"]:
            basis = "measured" if store["measured"] else "assumed"
            lines.append(f"    {store['store']:<22} {store['lagSeconds']:>8g} s ({basis})  may be lost: {store['mayBeLost']}")
    return "\n".join(lines)
