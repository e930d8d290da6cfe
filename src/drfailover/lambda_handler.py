"""The failover function's entry point (infra/components/failover_control.py deploys it in the secondary region).

What invokes it, and what it does:
- the detection schedule (EventBridge, every minute) and the Route 53 health-check alarms (via SNS):
  an unplanned failover *attempt*. It is a no-op while traffic is already in the secondary, is refused
  at the first look while the primary serves, and acts only on a confirmed outage. An alarm notification
  about anything but the primary's endpoint going to ALARM changes nothing.
- on demand: {"operation": "failover" | "switchover" | "failback", "force": bool, "dryRun": bool,
  "journalRun": "ID", "probes": {"primary": URL, ...}, "confirmCount": N, "confirmIntervalSeconds": S}.

It returns the result document (the same JSON `drkit failover --json` prints). Refusals are results,
not errors, so Lambda does not retry them; only a broken bundle raises.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from drfailover.clients import AwsClients, load_endpoints
from drfailover.deployment import PRIMARY, Deployment, load_deployment_file
from drfailover.execution import Runner
from drfailover.plan import OPERATIONS, build_plan
from drfailover.steps import RunOptions
from drfailover.timeline import result_document

DEPLOYMENT_FILE_ENV = "DRKIT_DEPLOYMENT_FILE"


def handle(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    deployment = _deployment()
    request = _request(event, deployment)
    if "skip" in request:
        return {"operation": "failover", "outcome": "no-op", "message": request["skip"]}
    operation = request.get("operation", "failover")
    if operation not in OPERATIONS:
        return {"operation": operation, "outcome": "refused",
                "message": f"unknown operation {operation!r}; use one of {', '.join(sorted(OPERATIONS))}"}
    if request.get("approve"):
        return {"operation": operation, "outcome": "refused", "message": "manual approval needs a person at a "
                "terminal: run 'drkit " + operation + " --approve' instead of invoking the function"}
    options = RunOptions(force=bool(request.get("force")), dry_run=bool(request.get("dryRun")),
                         journal_run=request.get("journalRun"), probes=dict(request.get("probes") or {}),
                         confirm_count=request.get("confirmCount"),
                         confirm_interval_s=request.get("confirmIntervalSeconds"))
    plan = build_plan(operation, force=options.force)
    if options.dry_run:
        return {"operation": operation, "outcome": "dry-run", "message": plan.describe(deployment)}
    # No endpoint override in Lambda: $DRKIT_AWS_ENDPOINTS is for emulators (drills, tests).
    result = Runner(plan, deployment, AwsClients(load_endpoints()), options).execute()
    return result_document(result, plan, deployment)


def _deployment() -> Deployment:
    name = os.environ.get(DEPLOYMENT_FILE_ENV, "drkit-deployment.json")
    path = Path(name)
    if not path.is_absolute():
        path = Path(os.environ.get("LAMBDA_TASK_ROOT", ".")) / path
    return load_deployment_file(path)


def _request(event: Any, deployment: Deployment) -> dict[str, Any]:
    """What the event asks for: an on-demand request as given; a schedule or alarm means 'fail over if down'."""
    if not isinstance(event, dict):
        return {}
    records = event.get("Records")
    if isinstance(records, list) and records and "Sns" in records[0]:
        return _from_alarm(records[0]["Sns"].get("Message", ""), deployment)
    if event.get("source") == "aws.events":
        return {"operation": "failover"}
    return event


def _from_alarm(message: str, deployment: Deployment) -> dict[str, Any]:
    try:
        alarm = json.loads(message)
    except json.JSONDecodeError:
        return {"skip": "the SNS message is not a CloudWatch alarm notification"}
    name, state = alarm.get("AlarmName"), alarm.get("NewStateValue")
    if name != deployment.health_check_alarm_names.get(PRIMARY) or state != "ALARM":
        return {"skip": f"alarm {name} is {state}: not the primary endpoint failing"}
    return {"operation": "failover"}
