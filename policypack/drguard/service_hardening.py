"""Service hardening in transit and at rest: SNS topics and SQS queues refuse plain-HTTP requests, Performance
Insights data is encrypted with a customer-managed key, and no KMS key policy skips the lockout safety check.

The TLS checks follow AWS's own guidance (SNS developer guide, "Enforce encryption of data in transit": a Deny for
Principal "*" on sns:Publish when aws:SecureTransport is false; SQS developer guide, the same over every SQS action)
and cdk-nag's AwsSolutions-SNS3 / -SQS4, which accept exactly that statement. Unlike SNS3 this pack does not let an
SSE-KMS topic off: the topic's key protects stored messages, only the policy statement makes every publisher use TLS.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Optional

from pulumi_policy import (PolicyResource, ReportViolation, ResourceValidationArgs, Severity, StackValidationArgs,
                           StackValidationPolicy)

from drguard.common import (arn_region, as_list, is_true, label, of_type, refers_to, resource_policy,
                            resource_region, statements)
from drguard.encryption import cmk_problem
from drguard.encryption_keys import KMS_KEY, KMS_REPLICA_KEY
from drguard.frameworks import NIST, framework

SNS_TOPIC = "aws:sns/topic:Topic"
SNS_TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
SQS_QUEUE = "aws:sqs/queue:Queue"
SQS_QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy"


# --- what a statement that refuses plain HTTP looks like ------------------------------------------------------------

def _pattern(text: str) -> re.Pattern[str]:
    """IAM wildcards: '*' any run of characters, '?' one character; action names are case-insensitive."""
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text), re.IGNORECASE)


def _matches(patterns: list[Any], value: str) -> bool:
    return any(isinstance(p, str) and _pattern(p.strip()).fullmatch(value) for p in patterns)


def _every_principal(statement: Mapping[str, Any]) -> bool:
    """Principal '*', {AWS: '*'} or {AWS: [..., '*']}; a NotPrincipal exempts someone, so it never qualifies."""
    if "NotPrincipal" in statement:
        return False
    principal = statement.get("Principal")
    if isinstance(principal, str):
        return principal.strip() == "*"
    return isinstance(principal, Mapping) and any(
        isinstance(p, str) and p.strip() == "*" for p in as_list(principal.get("AWS")))


def _denies_actions(statement: Mapping[str, Any], required: str) -> bool:
    """The statement's actions include `required` (e.g. 'sns:Publish', or 'sqs:*' for every SQS action)."""
    if "NotAction" in statement:
        # Deny + NotAction denies everything not listed: it covers `required` unless a listed pattern does.
        excluded = as_list(statement.get("NotAction"))
        return not any(isinstance(p, str) and (_pattern(p.strip()).fullmatch(required) or
                                               _pattern(required).fullmatch(p.strip())) for p in excluded)
    return _matches(as_list(statement.get("Action")), required)


def _insecure_transport_only(condition: Any) -> bool:
    """The Condition is exactly {Bool|BoolIfExists: {aws:SecureTransport: false}}: any other test would narrow the
    Deny to some of the plain-HTTP requests."""
    if not isinstance(condition, Mapping) or len(condition) != 1:
        return False
    operator, tests = next(iter(condition.items()))
    if operator not in ("Bool", "BoolIfExists") or not isinstance(tests, Mapping) or len(tests) != 1:
        return False
    key, value = next(iter(tests.items()))
    values = as_list(value)
    return str(key).lower() == "aws:securetransport" and bool(values) and all(
        str(v).strip().lower() == "false" for v in values)


def _covers_resource(statement: Mapping[str, Any], service: str, region: Optional[str], name: Optional[str]) -> bool:
    """The statement's Resource covers arn:aws:<service>:<region>:<any account>:<name> (what is unknown is not
    checked: an auto-named resource's name, a region the provider does not state)."""
    if "NotResource" in statement:
        return False
    for resource in as_list(statement.get("Resource")):
        if not isinstance(resource, str):
            continue
        resource = resource.strip()
        if resource == "*":
            return True
        parts = resource.split(":", 5)
        if len(parts) != 6 or not _pattern(parts[2]).fullmatch(service):
            continue
        if region and not _pattern(parts[3]).fullmatch(region):
            continue
        if name is None or _pattern(parts[5]).fullmatch(name):
            return True
    return False


def _tls_statement(document: Any, action: str, service: str, region: Optional[str], name: Optional[str]) -> bool:
    return any(statement.get("Effect") == "Deny" and _every_principal(statement) and
               _denies_actions(statement, action) and _insecure_transport_only(statement.get("Condition")) and
               _covers_resource(statement, service, region, name)
               for statement in statements(document))


# --- which standalone policies apply to which topic or queue --------------------------------------------------------

def _own_name(resource: PolicyResource) -> Optional[str]:
    name = resource.props.get("name")
    return name if isinstance(name, str) and name else None


def _names_target(reference: Any, target: PolicyResource, name: Optional[str], separator: str) -> bool:
    """A topic ARN (separator ':') or queue URL ('/') ends with the target's name, in the target's region."""
    if name is None or not isinstance(reference, str) or not reference.endswith(f"{separator}{name}"):
        return False
    region = resource_region(target)
    if separator == ":":
        referenced_region = arn_region(reference)
    else:  # https://sqs.<region>.amazonaws.com/<account>/<name>
        match = re.match(r"https?://sqs\.([a-z0-9-]+)\.", reference)
        referenced_region = match.group(1) if match else None
    return not (region and referenced_region and region != referenced_region)


def _tls_check(kind: str, target_type: str, policy_type: str, link: str, separator: str, action: str,
               service: str, statement_text: str):
    """The stack validation of one kind of resource whose access policy is inline or a standalone resource."""
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        policies = of_type(args.resources, policy_type)
        for target in of_type(args.resources, target_type):
            name, region = _own_name(target), resource_region(target)
            attached = [p for p in policies if refers_to(p, link, target, None) or
                        _names_target(p.props.get(link), target, name, separator)]
            missing = (f"has no statement denying {action} to every principal when aws:SecureTransport is false "
                       "(and only then)")
            if attached:  # a standalone policy replaces the inline one: each that applies must refuse plain HTTP
                problems = [f"{label(p)} {missing}" for p in attached
                            if not _tls_statement(p.props.get("policy"), action, service, region, name)]
            elif target.props.get("policy"):
                problems = ([] if _tls_statement(target.props.get("policy"), action, service, region, name)
                            else [f"its inline policy {missing}"])
            else:
                problems = [f"it has no inline policy and no {policy_type} applies to it"]
            if problems:
                report_violation(
                    f"{kind} {label(target)} accepts requests over plain HTTP: {'; '.join(problems)}. Fix: add the "
                    f"statement {statement_text} to its access policy.", target.urn)
    return validate


_SNS_STATEMENT = ("{Sid: 'DenyInsecureTransport', Effect: 'Deny', Principal: '*', Action: 'sns:Publish', Resource: "
                  "<topic ARN>, Condition: {Bool: {'aws:SecureTransport': 'false'}}}")
_SQS_STATEMENT = ("{Sid: 'DenyInsecureTransport', Effect: 'Deny', Principal: '*', Action: 'sqs:*', Resource: "
                  "<queue ARN>, Condition: {Bool: {'aws:SecureTransport': 'false'}}}")

sns_topic_tls_only = StackValidationPolicy(
    name="sns-topic-tls-only",
    description="Every SNS topic's access policy denies sns:Publish to every principal when aws:SecureTransport is "
                "false, so no publisher can send messages over plain HTTP.",
    validate=_tls_check("SNS topic", SNS_TOPIC, SNS_TOPIC_POLICY, "arn", ":", "sns:Publish", "sns", _SNS_STATEMENT),
    severity=Severity.MEDIUM,
    framework=framework(NIST, "SC-8"),
    remediation_steps="Give each aws.sns.Topic an aws.sns.TopicPolicy (arn: the topic's ARN) or an inline `policy` "
                      f"with the statement {_SNS_STATEMENT}; it may deny more actions (sns:*), but no other "
                      "condition and no NotPrincipal. Keep the topic's other statements.",
)

sqs_queue_tls_only = StackValidationPolicy(
    name="sqs-queue-tls-only",
    description="Every SQS queue's access policy denies every SQS action to every principal when "
                "aws:SecureTransport is false.",
    validate=_tls_check("SQS queue", SQS_QUEUE, SQS_QUEUE_POLICY, "queueUrl", "/", "sqs:*", "sqs", _SQS_STATEMENT),
    severity=Severity.MEDIUM,
    framework=framework(NIST, "SC-8"),
    remediation_steps="Give each aws.sqs.Queue an aws.sqs.QueuePolicy (queueUrl: the queue's URL) or an inline "
                      f"`policy` with the statement {_SQS_STATEMENT} (Action 'sqs:*' or '*'), with no other "
                      "condition and no NotPrincipal.",
)


# --- Performance Insights -------------------------------------------------------------------------------------------

def _performance_insights(args: ResourceValidationArgs) -> list[str]:
    props = args.props
    # Database Insights' advanced mode runs on Performance Insights, so it stores the same data.
    if not (is_true(props.get("performanceInsightsEnabled")) or props.get("databaseInsightsMode") == "advanced"):
        if args.resource_type == "aws:rds/cluster:Cluster":
            return []  # only Multi-AZ DB clusters take it; an Aurora cluster's instances carry it
        # The load and wait history a failover's post-mortem and a DR drill's verdict are read from (the peers'
        # enable-performance-insights rules and AWS Config's RDS_PERFORMANCE_INSIGHTS_ENABLED ask for it too).
        return [f"{label(args)} does not turn on Performance Insights, so its load and waits before an incident or "
                "failover are lost. Fix: set performanceInsightsEnabled: true with performanceInsightsKmsKeyId set "
                "to a customer-managed KMS key."]
    problem = cmk_problem(props.get("performanceInsightsKmsKeyId"), "performanceInsightsKmsKeyId")
    if problem is None:
        return []
    return [f"Performance Insights of {label(args)} is not encrypted with a customer-managed KMS key: {problem} (RDS "
            "then uses aws/rds, and the captured SQL text and waits are readable by anyone the AWS-managed key "
            "allows). Fix: set performanceInsightsKmsKeyId to the ARN of a customer-managed KMS key in this Region."]


rds_performance_insights_cmk = resource_policy(
    name="rds-performance-insights-cmk",
    description="RDS instances and Aurora cluster instances turn on Performance Insights, and wherever it is on "
                "(Multi-AZ DB clusters too) its data is encrypted with a customer-managed KMS key.",
    types=("aws:rds/instance:Instance", "aws:rds/clusterInstance:ClusterInstance", "aws:rds/cluster:Cluster"),
    check=_performance_insights,
    severity=Severity.HIGH,
    framework=framework(NIST, "SC-28"),
    remediation="Set performanceInsightsEnabled: true on every aws.rds.Instance and aws.rds.ClusterInstance (the "
                "micro and small burstable classes do not support it: use a larger class), and wherever it is true "
                "(aws.rds.Cluster too) set performanceInsightsKmsKeyId to the ARN of a customer-managed KMS key in the "
                "resource's Region (the secondary's replica key there), never alias/aws/rds. The key cannot be "
                "changed once set: turn Performance Insights off and on again to move to a new key.",
)


# --- KMS key policy lockout -----------------------------------------------------------------------------------------

def _lockout_bypass(args: ResourceValidationArgs) -> list[str]:
    if not is_true(args.props.get("bypassPolicyLockoutSafetyCheck")):
        return []
    return [f"{label(args)} sets bypassPolicyLockoutSafetyCheck: true, so KMS accepts a key policy that leaves no "
            "principal able to change it, and the key (and every replica or backup encrypted with it) can become "
            "unmanageable. Fix: remove bypassPolicyLockoutSafetyCheck (or set it to false)."]


kms_key_no_lockout_bypass = resource_policy(
    name="kms-key-no-lockout-bypass",
    description="KMS keys, replica keys and key policies never bypass KMS's key policy lockout safety check.",
    # aws:kms/keyPolicy sets the policy of an existing key on its own; external keys take the same flag.
    types=(KMS_KEY, KMS_REPLICA_KEY, "aws:kms/keyPolicy:KeyPolicy", "aws:kms/externalKey:ExternalKey",
           "aws:kms/replicaExternalKey:ReplicaExternalKey"),
    check=_lockout_bypass,
    severity=Severity.CRITICAL,
    framework=framework(NIST, "SC-12"),
    remediation="Remove bypassPolicyLockoutSafetyCheck from the aws.kms.Key / ReplicaKey / KeyPolicy / ExternalKey "
                "(it defaults to false) and make sure the key policy keeps an administrator statement for the "
                "account, so KMS's safety check passes.",
)

POLICIES = [sns_topic_tls_only, sqs_queue_tls_only, rds_performance_insights_cmk, kms_key_no_lockout_bypass]
