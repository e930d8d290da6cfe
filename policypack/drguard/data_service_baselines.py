"""Data-service baselines that need the whole stack to judge: provisioned DynamoDB capacity follows demand through
Application Auto Scaling, and every SQS queue either sends the messages nobody can process to a dead-letter queue or is
itself one.

Peer rules read (code corpus): cdk-nag NIST.800.53.R5-DynamoDBAutoScalingEnabled (any billing mode but
PAY_PER_REQUEST needs read and write scalable targets for the table and for each global secondary index) and
AwsSolutions-SQS3 (a queue without a redrive policy passes only as a dead-letter queue). cdk-nag knows a DLQ only by a
suppression; here it is known from what points at it: another queue's redrive policy (inline or aws:sqs/redrivePolicy),
a redrive-allow policy that admits source queues, a Lambda function's dead-letter config, an on-failure destination
(Lambda event invoke configs, event source mappings), an SNS subscription's redrive policy, or an EventBridge rule
target's or schedule's dead-letter config.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Iterable, Optional

from pulumi_policy import PolicyResource, ReportViolation, Severity, StackValidationArgs, StackValidationPolicy

from drguard.common import (arn_region, as_list, depends_through, label, of_type, parse_json_text,
                            resource_region)
from drguard.frameworks import NIST, SOC2, framework

DYNAMODB_TABLE = "aws:dynamodb/table:Table"
SCALABLE_TARGET = "aws:appautoscaling/target:Target"
SQS_QUEUE = "aws:sqs/queue:Queue"
SQS_REDRIVE_POLICY = "aws:sqs/redrivePolicy:RedrivePolicy"
SQS_REDRIVE_ALLOW_POLICY = "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy"

# --- dynamodb-capacity-scaling ----------------------------------------------------------------------------------------

_RESOURCE_ID = re.compile(r"^table/(?P<table>[^/]+)(?:/index/(?P<index>[^/]+))?$")


def _scaled_dimensions(table: PolicyResource, name: Any,
                       targets: list[PolicyResource]) -> set[tuple[Optional[str], str]]:
    """(index name or None for the table, 'Read'/'Write') for each scalable target that scales this table."""
    region = resource_region(table)
    found = set()
    for target in targets:
        if target.props.get("serviceNamespace") != "dynamodb":
            continue
        match = _RESOURCE_ID.match(str(target.props.get("resourceId") or ""))
        if not match or not (match.group("table") == name or depends_through(target, "resourceId", table)):
            continue
        target_region = resource_region(target)
        if region and target_region and region != target_region:
            continue  # a target in another region scales that region's replica, not this table
        dimension = str(target.props.get("scalableDimension") or "")
        for kind in ("Read", "Write"):
            if dimension.endswith(f":{kind}CapacityUnits"):
                found.add((match.group("index"), kind))
    return found


def _validate_scaling(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    targets = of_type(args.resources, SCALABLE_TARGET)
    for table in of_type(args.resources, DYNAMODB_TABLE):
        # The provider (like CloudFormation) defaults billingMode to PROVISIONED: only on-demand tables scale alone.
        if table.props.get("billingMode") == "PAY_PER_REQUEST":
            continue
        name = table.props.get("name")
        scaled = _scaled_dimensions(table, name, targets)
        indexes = [i.get("name") for i in as_list(table.props.get("globalSecondaryIndexes")) if isinstance(i, Mapping)]
        missing = [f"{kind.lower()} capacity of {'index ' + str(index) if index else 'the table'}"
                   for index in [None, *indexes] for kind in ("Read", "Write") if (index, kind) not in scaled]
        if missing:
            report_violation(
                f"DynamoDB table {label(table)} has provisioned capacity that cannot follow demand: no "
                f"aws:appautoscaling/target scales the {', the '.join(missing)}, so a traffic spike (or the "
                "standby taking the full load) is throttled. Fix: add a scalable target and a target-tracking "
                "policy for each, or set billingMode: 'PAY_PER_REQUEST'.", table.urn)


dynamodb_capacity_scaling = StackValidationPolicy(
    name="dynamodb-capacity-scaling",
    description="Every DynamoDB table with provisioned capacity has read and write auto scaling for the table and "
                "each global secondary index, unless it bills on demand.",
    validate=_validate_scaling,
    severity=Severity.MEDIUM,
    framework=framework(SOC2, "A1.1"),
    remediation_steps="Set billingMode: 'PAY_PER_REQUEST' on the aws.dynamodb.Table, or add aws.appautoscaling.Target "
                "resources (serviceNamespace 'dynamodb', resourceId 'table/<name>' and 'table/<name>/index/<index>', "
                "scalableDimension dynamodb:table|index:ReadCapacityUnits and :WriteCapacityUnits) with a "
                "target-tracking aws.appautoscaling.Policy for each.",
)


# --- sqs-queue-dead-letter --------------------------------------------------------------------------------------------

def _dead_letter_target(redrive_policy: Any) -> Optional[str]:
    policy = parse_json_text(redrive_policy)
    target = policy.get("deadLetterTargetArn") if isinstance(policy, Mapping) else None
    return target if isinstance(target, str) and target.strip() else None


def _names_queue(arn: Any, name: Any, region: Optional[str]) -> bool:
    """arn:aws:sqs:<region>:<account>:<name> names this queue (in its region when both are known)."""
    if not (isinstance(arn, str) and isinstance(name, str) and name and arn.startswith("arn:")):
        return False
    parts = arn.split(":")
    if len(parts) < 6 or parts[2] != "sqs" or parts[5] != name:
        return False
    return not (region and arn_region(arn) and arn_region(arn) != region)


def _names_queue_url(url: Any, name: Any, region: Optional[str]) -> bool:
    """https://sqs.<region>.amazonaws.com/<account>/<name> names this queue."""
    if not (isinstance(url, str) and isinstance(name, str) and name and url.rstrip("/").endswith(f"/{name}")):
        return False
    match = re.match(r"https?://sqs\.([a-z0-9-]+)\.", url)
    return not (region and match and match.group(1) != region)


def _dig(value: Any, path: Iterable[str]) -> Any:
    """The value at `path` in nested blocks (a block given as a one-element list or as JSON text is read too)."""
    for key in path:
        value = parse_json_text(value)
        if not isinstance(value, Mapping) and value is not None and not isinstance(value, str):
            items = as_list(value)
            value = items[0] if items else None
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


# Resources that name a queue as where their undeliverable messages go: (type, path to the ARN).
_DEAD_LETTER_REFERENCES = (
    ("aws:lambda/function:Function", ("deadLetterConfig", "targetArn")),
    ("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig", ("destinationConfig", "onFailure",
                                                                         "destination")),
    ("aws:lambda/eventSourceMapping:EventSourceMapping", ("destinationConfig", "onFailure", "destinationArn")),
    ("aws:cloudwatch/eventTarget:EventTarget", ("deadLetterConfig", "arn")),
    ("aws:scheduler/schedule:Schedule", ("target", "deadLetterConfig", "arn")),
)


def _references(resource: PolicyResource, path: tuple[str, ...], queue: PolicyResource, name: Any,
                region: Optional[str], value: Any = None) -> bool:
    value = _dig(resource.props, path) if value is None else value
    if value is None:
        return False
    # An auto-named queue's ARN cannot be compared by name: the engine's record of what the input came from can.
    return _names_queue(value, name, region) or (not isinstance(name, str)
                                                 and depends_through(resource, path[0], queue))


def _is_dead_letter_queue(queue: PolicyResource, resources: list[PolicyResource]) -> bool:
    name, region = queue.props.get("name"), resource_region(queue)
    if _allows_sources(queue.props.get("redriveAllowPolicy")):
        return True
    for resource in resources:
        kind = resource.resource_type
        if kind == SQS_QUEUE and resource is not queue:
            target = _dead_letter_target(resource.props.get("redrivePolicy"))
            if target and _references(resource, ("redrivePolicy",), queue, name, region, target):
                return True
        elif kind == SQS_REDRIVE_POLICY:
            target = _dead_letter_target(resource.props.get("redrivePolicy"))
            if target and _references(resource, ("redrivePolicy",), queue, name, region, target):
                return True
        elif kind == SQS_REDRIVE_ALLOW_POLICY and _targets_queue(resource, queue, name, region):
            if _allows_sources(resource.props.get("redriveAllowPolicy")):
                return True
        elif kind == "aws:sns/topicSubscription:TopicSubscription":
            target = _dead_letter_target(resource.props.get("redrivePolicy"))
            if target and _references(resource, ("redrivePolicy",), queue, name, region, target):
                return True
        for reference_type, path in _DEAD_LETTER_REFERENCES:
            if kind == reference_type and _references(resource, path, queue, name, region):
                return True
    return False


def _allows_sources(redrive_allow_policy: Any) -> bool:
    """A redrive-allow policy that lets source queues use this queue as their DLQ (allowAll, or byQueue)."""
    policy = parse_json_text(redrive_allow_policy)
    return isinstance(policy, Mapping) and policy.get("redrivePermission") in ("allowAll", "byQueue")


def _targets_queue(resource: PolicyResource, queue: PolicyResource, name: Any, region: Optional[str]) -> bool:
    return _names_queue_url(resource.props.get("queueUrl"), name, region) or depends_through(resource, "queueUrl",
                                                                                              queue)


def _has_dead_letter_queue(queue: PolicyResource, resources: list[PolicyResource]) -> bool:
    if _dead_letter_target(queue.props.get("redrivePolicy")):
        return True
    name, region = queue.props.get("name"), resource_region(queue)
    return any(_dead_letter_target(p.props.get("redrivePolicy")) and _targets_queue(p, queue, name, region)
               for p in of_type(resources, SQS_REDRIVE_POLICY))


def _validate_dead_letter(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    resources = list(args.resources)
    for queue in of_type(resources, SQS_QUEUE):
        if _has_dead_letter_queue(queue, resources) or _is_dead_letter_queue(queue, resources):
            continue
        report_violation(
            f"SQS queue {label(queue)} has no dead-letter queue: no redrivePolicy with a deadLetterTargetArn (inline "
            "or aws:sqs/redrivePolicy), and nothing uses it as a dead-letter queue, so a message no consumer can "
            "process is retried until it expires and is lost. Fix: create a dead-letter queue and set redrivePolicy "
            "{deadLetterTargetArn, maxReceiveCount} on this queue.", queue.urn)


sqs_queue_dead_letter = StackValidationPolicy(
    name="sqs-queue-dead-letter",
    description="Every SQS queue sends messages it cannot deliver to a dead-letter queue, unless it is itself the "
                "dead-letter queue of a queue, function, subscription or event target.",
    validate=_validate_dead_letter,
    severity=Severity.MEDIUM,
    framework=framework(NIST, "CP-10"),
    remediation_steps="Give each aws.sqs.Queue a redrivePolicy (inline or an aws.sqs.RedrivePolicy) whose "
                "deadLetterTargetArn is another queue's ARN, with a maxReceiveCount. A queue that is itself a "
                "dead-letter queue passes when another queue's redrive policy, a Lambda function's deadLetterConfig, "
                "an on-failure destination, an SNS subscription's redrive policy or an EventBridge target names it, or "
                "its redriveAllowPolicy admits source queues.",
)

POLICIES = [dynamodb_capacity_scaling, sqs_queue_dead_letter]
