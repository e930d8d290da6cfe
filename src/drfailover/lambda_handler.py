"""The failover function's entry point (infra/components/failover_control.py deploys it in the secondary region).

It acts on the two triggers it is wired to, and on nothing else:
- the detection schedule (an EventBridge "Scheduled Event"), and
- a Route 53 health-check alarm notification from its own alarm topic (an SNS record whose TopicArn is the
  stack's dns.healthCheckAlarmTopicArn) saying the primary's endpoint went to ALARM.
Either means "is the primary down, and what now?". Any other event is refused: anyone in the account with
lambda:InvokeFunction could otherwise send {"operation": "failover", "force": true} to a role that can promote,
detach and scale. There is no operation, force, probe or approval in an event; people act through drkit
(approve, failover, switchover, failback), where the approval step and their own credentials apply.

What it then does depends on automation.unplannedFailover (stack outputs `automation`):
- approval (default): confirm the outage (a quorum of independent signals), check the secondary can serve,
  measure the RPO exposure, record a proposal and page with the approve command; change nothing. Once a person
  has run `drkit approve`, the next run takes that approval and fails over (drfailover.approval).
- automatic: fail over on a confirmed outage with the secondary able to serve.

It returns the result document (the same JSON `drkit failover --json` prints). Refusals are results, not
errors, so Lambda does not retry them; only a broken bundle raises.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from drfailover.approval import ApprovalBook
from drfailover.clients import AwsClients, load_endpoints, load_probe_urls
from drfailover.control_table import ControlTable
from drfailover.deployment import PRIMARY, Deployment, load_deployment_file
from drfailover.execution import Runner
from drfailover.plan import detection_plan, failover_plan
from drfailover.steps import RunOptions
from drfailover.timeline import result_document

DEPLOYMENT_FILE_ENV = "DRKIT_DEPLOYMENT_FILE"
PEOPLE_USE_DRKIT = ("the failover function acts only on its schedule and its health-check alarm topic; people run "
                    "drkit approve | failover | switchover | failback with their own credentials")


def handle(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    deployment = _deployment()
    verdict = _trigger(event, deployment)
    if verdict is not None:
        return {"operation": "failover", **verdict}
    # No endpoint override in Lambda: $DRKIT_AWS_ENDPOINTS is for emulators (drills, tests).
    clients = AwsClients(load_endpoints())
    control = deployment.control
    book = ApprovalBook(ControlTable(clients.get("dynamodb", control.region), control.table_name))
    approval = book.take() if deployment.unplanned_failover == "approval" else None
    probes = load_probe_urls()  # emulators only
    if deployment.unplanned_failover == "automatic" or approval is not None:
        plan, options = failover_plan(), RunOptions(approved=approval is not None, probes=probes)
    else:
        plan, options = detection_plan(), RunOptions(probes=probes)
    result = Runner(plan, deployment, clients, options).execute()
    if result.outcome == "refused" and result.facts.get("primary_serving") and book.withdraw():
        result.message += "; the standing failover proposal was withdrawn"
    document = result_document(result, plan, deployment)
    if approval is not None:
        document["approvedBy"] = approval.approved_by
    return document


def _deployment() -> Deployment:
    name = os.environ.get(DEPLOYMENT_FILE_ENV, "drkit-deployment.json")
    path = Path(name)
    if not path.is_absolute():
        path = Path(os.environ.get("LAMBDA_TASK_ROOT", ".")) / path
    return load_deployment_file(path)


def _trigger(event: Any, deployment: Deployment) -> dict[str, str] | None:
    """None when the event is one the function acts on; else the result to return (no-op or refused)."""
    if not isinstance(event, dict):
        return {"outcome": "refused", "message": f"the event is not an object; {PEOPLE_USE_DRKIT}"}
    if event.get("source") == "aws.events" and event.get("detail-type") == "Scheduled Event":
        return None
    records = event.get("Records")
    if isinstance(records, list) and len(records) == 1 and isinstance(records[0], dict) and "Sns" in records[0]:
        notification = records[0]["Sns"]
        expected = deployment.health_check_alarm_topic_arn
        if not expected or notification.get("TopicArn") != expected:
            return {"outcome": "refused", "message": f"SNS message from {notification.get('TopicArn')!r}, not the "
                    f"health-check alarm topic {expected!r}; {PEOPLE_USE_DRKIT}"}
        return _from_alarm(notification.get("Message", ""), deployment)
    return {"outcome": "refused", "message": f"not a trigger of this function ({', '.join(sorted(event)) or 'empty'});"
            f" {PEOPLE_USE_DRKIT}"}


def _from_alarm(message: str, deployment: Deployment) -> dict[str, str] | None:
    try:
        alarm = json.loads(message)
    except json.JSONDecodeError:
        return {"outcome": "no-op", "message": "the SNS message is not a CloudWatch alarm notification"}
    if not isinstance(alarm, dict):
        return {"outcome": "no-op", "message": "the SNS message is not a CloudWatch alarm notification"}
    name, state = alarm.get("AlarmName"), alarm.get("NewStateValue")
    if name != deployment.health_check_alarm_names.get(PRIMARY) or state != "ALARM":
        return {"outcome": "no-op", "message": f"alarm {name} is {state}: not the primary endpoint failing"}
    return None
