"""Failover resilience: what a failover depends on cannot be deleted by accident, and the recovery automation can
always run and never loses an invocation silently.

- Load balancers are the failover targets Route 53 aliases: deletion protection on each (AWSGuard's
  elb-deletion-protection-enabled and cdk-nag's ELB deletion rule check the same attribute).
- Lambda functions that AWS invokes asynchronously keep what failed: a dead-letter queue or an on-failure
  destination. cdk-nag's LambdaDLQ asks it of every function; a dead-letter target only ever receives failed
  asynchronous events (AWS Lambda developer guide, "Asynchronous invocation"), so this pack asks it of the functions
  something invokes asynchronously, found from every way a graph can say so (a permission for an asynchronous
  service principal, an SNS subscription, an EventBridge rule target or schedule, an S3 notification, an
  event invoke config).
- Recovery automation reserves concurrency so a busy account cannot throttle a failover; and no function reserves
  0, which throttles every invocation (cdk-nag's LambdaConcurrency rejects 0 and unset on every function; the pack
  asks the reservation only of recovery functions, since each reservation shrinks the account's shared pool).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Iterable, Optional

from pulumi_policy import (PolicyConfigSchema, PolicyResource, ReportViolation, ResourceValidationArgs, Severity,
                           StackValidationArgs, StackValidationPolicy)

from drguard.common import (arn_region, as_list, is_true, label, number, of_type, refers_to, resolved_tags,
                            resource_policy, resource_region)
from drguard.frameworks import NIST, framework
from drguard.vendor.drcore.tags import PURPOSE_TAG

LOAD_BALANCER_TYPES = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer",
                       "aws:applicationloadbalancing/loadBalancer:LoadBalancer",
                       "aws:elasticloadbalancingv2/loadBalancer:LoadBalancer")
FUNCTION = "aws:lambda/function:Function"
PERMISSION = "aws:lambda/permission:Permission"
EVENT_INVOKE_CONFIG = "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"
TOPIC_SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
EVENT_TARGETS = ("aws:cloudwatch/eventTarget:EventTarget",)
BUCKET_NOTIFICATION = "aws:s3/bucketNotification:BucketNotification"
SCHEDULE = "aws:scheduler/schedule:Schedule"
# Services that invoke Lambda asynchronously (Lambda developer guide, "Invoking Lambda functions from other AWS
# services"); a CloudWatch Logs principal may carry its region (logs.<region>.amazonaws.com).
ASYNC_SERVICES = frozenset({"sns", "s3", "events", "ses", "logs", "cloudformation", "codecommit",
                            "config", "iot", "iotevents", "codepipeline", "lambda.alarms.cloudwatch"})
DEFAULT_RECOVERY_PURPOSES = ["dr-control"]


# --- load balancers -------------------------------------------------------------------------------------------------

def _deletion_protection(args: ResourceValidationArgs) -> list[str]:
    if is_true(args.props.get("enableDeletionProtection")):
        return []
    kind = args.props.get("loadBalancerType") or "application"
    return [f"{kind.capitalize()} load balancer {label(args)} can be deleted by one API call or a mistaken `pulumi "
            "up`, taking its region's failover target with it: enableDeletionProtection is not true. Fix: set "
            "enableDeletionProtection: true."]


alb_deletion_protection = resource_policy(
    name="alb-deletion-protection",
    description="Application, network and gateway load balancers have deletion protection enabled.",
    types=LOAD_BALANCER_TYPES,
    check=_deletion_protection,
    severity=Severity.MEDIUM,
    framework=framework(NIST, "CP-10"),
    remediation="Set enableDeletionProtection: true on every aws.lb.LoadBalancer / aws.alb.LoadBalancer; turn it "
                "off in a separate update first when the load balancer really is to be deleted.",
)


# --- Lambda: which functions are invoked asynchronously -------------------------------------------------------------

def _function_name(function: PolicyResource) -> Optional[str]:
    name = function.props.get("name")
    return name if isinstance(name, str) and name else None


def _names_function(reference: Any, name: Optional[str]) -> bool:
    """A function name, its ARN or partial ARN, each possibly with a version or alias qualifier, names `name`."""
    if name is None or not isinstance(reference, str):
        return False
    reference = reference.strip()
    if reference == name:
        return True
    marker = "function:"
    if marker not in reference:
        return reference.split(":")[0] == name  # name:qualifier
    return reference.split(marker, 1)[1].split(":")[0] == name


def _points_at(resource: PolicyResource, prop: str, value: Any, function: PolicyResource) -> bool:
    """Input `prop` of `resource` names `function`: through a recorded dependency, or by name or ARN in the
    function's region (a function name alone means one in the referring resource's own region)."""
    if refers_to(resource, prop, function, None):
        return True
    if not _names_function(value, _function_name(function)):
        return False
    region, named_region = resource_region(function), arn_region(value) or resource_region(resource)
    return not (region and named_region and region != named_region)


def _async_principal(principal: Any) -> Optional[str]:
    if not isinstance(principal, str) or not principal.endswith(".amazonaws.com"):
        return None
    service = principal[:-len(".amazonaws.com")]
    parts = service.split(".")
    if parts[0] == "logs":  # logs.<region>.amazonaws.com
        service = "logs"
    return principal if service in ASYNC_SERVICES else None


def _async_invokers(function: PolicyResource, resources: list[PolicyResource]) -> list[str]:
    """What invokes `function` asynchronously, each described for a finding."""
    found = []
    for permission in of_type(resources, PERMISSION):
        principal = _async_principal(permission.props.get("principal"))
        if principal and _points_at(permission, "function", permission.props.get("function"), function):
            found.append(f"permission {permission.name} for {principal}")
    for subscription in of_type(resources, TOPIC_SUBSCRIPTION):
        if (str(subscription.props.get("protocol") or "").lower() == "lambda" and
                _points_at(subscription, "endpoint", subscription.props.get("endpoint"), function)):
            found.append(f"SNS subscription {subscription.name}")
    for target in of_type(resources, *EVENT_TARGETS):
        if _points_at(target, "arn", target.props.get("arn"), function):
            found.append(f"EventBridge target {target.name}")
    for schedule in of_type(resources, SCHEDULE):
        schedule_target = schedule.props.get("target")
        if isinstance(schedule_target, Mapping) and _points_at(schedule, "target", schedule_target.get("arn"),
                                                               function):
            found.append(f"EventBridge Scheduler schedule {schedule.name}")
    for notification in of_type(resources, BUCKET_NOTIFICATION):
        entries = [e for e in as_list(notification.props.get("lambdaFunctions")) if isinstance(e, Mapping)]
        if any(_points_at(notification, "lambdaFunctions", e.get("lambdaFunctionArn"), function) for e in entries):
            found.append(f"S3 notification {notification.name}")
    return found


def _on_failure_destination(config: PolicyResource) -> bool:
    destination = config.props.get("destinationConfig")
    on_failure = destination.get("onFailure") if isinstance(destination, Mapping) else None
    target = on_failure.get("destination") if isinstance(on_failure, Mapping) else None
    return isinstance(target, str) and bool(target.strip())


def _dead_letter_target(function: PolicyResource) -> bool:
    config = function.props.get("deadLetterConfig")
    target = config.get("targetArn") if isinstance(config, Mapping) else None
    return isinstance(target, str) and bool(target.strip())


def _dead_letters(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    resources = list(args.resources)
    configs = of_type(resources, EVENT_INVOKE_CONFIG)
    for function in of_type(resources, FUNCTION):
        own_configs = [c for c in configs if _points_at(c, "functionName", c.props.get("functionName"), function)]
        invokers = _async_invokers(function, resources) + [f"event invoke config {c.name}" for c in own_configs]
        if not invokers or _dead_letter_target(function) or any(_on_failure_destination(c) for c in own_configs):
            continue
        report_violation(
            f"Lambda function {label(function)} is invoked asynchronously ({'; '.join(invokers)}) but keeps no "
            "failed event: it has no deadLetterConfig.targetArn and no event invoke config with an on-failure "
            "destination, so an event that exhausts its retries is dropped without trace. Fix: set "
            "deadLetterConfig {targetArn: <SQS queue or SNS topic ARN>}, or an "
            "aws.lambda.FunctionEventInvokeConfig with destinationConfig.onFailure.destination.", function.urn)


lambda_dead_letter_queue = StackValidationPolicy(
    name="lambda-dead-letter-queue",
    description="Every Lambda function invoked asynchronously (by SNS, EventBridge, S3 or another asynchronous "
                "service, or given an event invoke config) sends failed events to a dead-letter queue or an "
                "on-failure destination.",
    validate=_dead_letters,
    severity=Severity.MEDIUM,
    framework=framework(NIST, "CP-10"),
    remediation_steps="On the aws.lambda.Function set deadLetterConfig: {targetArn: <ARN of an encrypted SQS queue "
                      "or SNS topic>} and grant its role sqs:SendMessage / sns:Publish on it; or give it an "
                      "aws.lambda.FunctionEventInvokeConfig with destinationConfig: {onFailure: {destination: "
                      "<ARN>}}. Alarm on the queue's depth so someone reads what failed.",
)


# --- Lambda: reserved concurrency -----------------------------------------------------------------------------------

def _recovery_purposes(args: ResourceValidationArgs) -> Iterable[str]:
    return args.get_config().get("recoveryPurposes", DEFAULT_RECOVERY_PURPOSES)


def _reserved_concurrency(args: ResourceValidationArgs) -> list[str]:
    reserved = number(args.props.get("reservedConcurrentExecutions"))
    if reserved == 0:
        return [f"Lambda function {label(args)} sets reservedConcurrentExecutions: 0, which throttles every "
                "invocation. Fix: remove it (or reserve at least 1)."]
    purpose = resolved_tags(args.props, args.provider).get(PURPOSE_TAG)
    if purpose not in set(_recovery_purposes(args)) or (reserved is not None and reserved >= 1):
        return []
    current = "unset" if reserved is None else f"{reserved:g} (unreserved)"
    return [f"Recovery automation {label(args)} (Purpose={purpose}) reserves no concurrency: "
            f"reservedConcurrentExecutions is {current}, so when the account's concurrency pool is exhausted, as "
            "it can be during the very outage it must handle, its invocations are throttled. Fix: set "
            "reservedConcurrentExecutions to at least 1."]


lambda_reserved_concurrency = resource_policy(
    name="lambda-reserved-concurrency",
    description="Lambda functions tagged as recovery automation reserve at least one concurrent execution, and no "
                "function reserves 0 (which disables it).",
    types=(FUNCTION,),
    check=_reserved_concurrency,
    severity=Severity.HIGH,
    framework=framework(NIST, "CP-10"),
    remediation="Set reservedConcurrentExecutions >= 1 on each aws.lambda.Function whose resolved Purpose tag is one "
                "of the policy's recoveryPurposes (the failover function: stack config automation.reservedConcurrency "
                "1), and never 0 on any function. On an account whose concurrency quota cannot spare a reservation, "
                "raise the quota, or set this policy advisory in the policy pack config.",
    config_schema=PolicyConfigSchema(properties={
        "recoveryPurposes": {
            "type": "array", "items": {"type": "string"}, "uniqueItems": True, "default": DEFAULT_RECOVERY_PURPOSES,
            "description": "Purpose tag values (resolved with the provider's default tags) that mark a function "
                           "as recovery automation, which must reserve concurrency."},
    }),
)

POLICIES = [alb_deletion_protection, lambda_dead_letter_queue, lambda_reserved_concurrency]
