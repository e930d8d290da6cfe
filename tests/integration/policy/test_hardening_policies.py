"""Transit, at-rest and failover-resilience hardening (drguard.service_hardening, drguard.failover_resilience), run
through the real pack (plugin process, gRPC) over one hand-built two-region graph.

Other areas' policies are disabled in these runs so a finding, or a crash, of theirs cannot decide these tests.
"""
import json

import pytest

from tests.support.gate import (assert_published_metadata, check, graph_fixture, message_for, only, result_fixture,
                                violated)
from tests.support.graphs import ACCOUNT, BASE_TAGS, GraphBuilder

SNS_TLS = "sns-topic-tls-only"
SQS_TLS = "sqs-queue-tls-only"
PI_CMK = "rds-performance-insights-cmk"
LOCKOUT = "kms-key-no-lockout-bypass"
LB_DELETION = "alb-deletion-protection"
DLQ = "lambda-dead-letter-queue"
CONCURRENCY = "lambda-reserved-concurrency"
MINE = (SNS_TLS, SQS_TLS, PI_CMK, LOCKOUT, LB_DELETION, DLQ, CONCURRENCY)
CMK = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/mrk-1234"
FALSE_TRANSPORT = {"Bool": {"aws:SecureTransport": "false"}}


def document(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def topic_arn(name, region="us-east-1"):
    return f"arn:aws:sns:{region}:{ACCOUNT}:{name}"


def queue_arn(name, region="us-east-1"):
    return f"arn:aws:sqs:{region}:{ACCOUNT}:{name}"


def deny(action, resource, principal="*", condition=None, **extra):
    return {"Effect": "Deny", "Principal": principal, "Action": action, "Resource": resource,
            "Condition": FALSE_TRANSPORT if condition is None else condition, **extra}


def publish_allowed(resource):
    return {"Effect": "Allow", "Principal": {"Service": "cloudwatch.amazonaws.com"}, "Action": "sns:Publish",
            "Resource": resource, "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}}


def add_topics(g):
    def topic(name, statement=None, *, role="primary", region="us-east-1", inline=None, policy_name=None):
        urn = g.add("aws:sns/topic:Topic", name, {"name": name, "kmsMasterKeyId": CMK,
                                                  **({"policy": document(inline)} if inline else {})}, role=role)
        if statement is not None:
            g.add("aws:sns/topicPolicy:TopicPolicy", policy_name or f"{name}-policy", {
                "arn": topic_arn(name, region), "policy": document(publish_allowed(topic_arn(name, region)),
                                                                   statement)}, role=role)
        return urn

    topic("good-topic", deny(["sns:Publish", "sns:Subscribe"], topic_arn("good-topic")))
    topic("good-topic-all-actions", deny("sns:*", "*", principal={"AWS": ["*"]}))
    topic("good-topic-secondary", deny("SNS:Publish", topic_arn("good-topic-secondary", "us-west-2"),
                                       principal={"AWS": "*"}), role="secondary", region="us-west-2")
    topic("good-topic-inline", inline=deny("sns:Publish", topic_arn("good-topic-inline")))
    topic("good-topic-boolean-false", deny("sns:Publish", topic_arn("good-topic-boolean-false"),
                                           condition={"Bool": {"aws:SecureTransport": False}}))
    topic("bad-topic-no-policy")
    topic("bad-topic-allow-only", publish_allowed(topic_arn("bad-topic-allow-only")))
    topic("bad-topic-subscribe-only", deny("sns:Subscribe", topic_arn("bad-topic-subscribe-only")))
    topic("bad-topic-one-principal", deny("sns:Publish", topic_arn("bad-topic-one-principal"),
                                          principal={"AWS": f"arn:aws:iam::{ACCOUNT}:root"}))
    topic("bad-topic-true-condition", deny("sns:Publish", topic_arn("bad-topic-true-condition"),
                                           condition={"Bool": {"aws:SecureTransport": "true"}}))
    topic("bad-topic-narrowed", deny("sns:Publish", topic_arn("bad-topic-narrowed"), condition={
        "Bool": {"aws:SecureTransport": "false"}, "IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}))
    topic("bad-topic-other-resource", deny("sns:Publish", topic_arn("some-other-topic")))
    topic("bad-topic-inline-allow", inline=publish_allowed(topic_arn("bad-topic-inline-allow")))
    # A Deny on sns:* with NotPrincipal exempts someone from it.
    topic("bad-topic-not-principal", {"Effect": "Deny", "NotPrincipal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                                      "Action": "sns:*", "Resource": "*", "Condition": FALSE_TRANSPORT})
    # Auto-named: only the engine's recorded dependency links the policy to it.
    auto = g.add("aws:sns/topic:Topic", "good-topic-autonamed", {"kmsMasterKeyId": CMK})
    linked = g.add("aws:sns/topicPolicy:TopicPolicy", "good-topic-autonamed-policy", {
        "arn": topic_arn("good-topic-autonamed-4f2a"), "policy": document(deny("sns:Publish", "*"))})
    g.depends(linked, "arn", auto)
    # An inline policy with the statement does not help when a standalone policy without it replaces it.
    topic("bad-topic-standalone-overrides", publish_allowed(topic_arn("bad-topic-standalone-overrides")),
          inline=deny("sns:Publish", "*"))


def add_queues(g):
    def queue(name, statement=None, *, inline=None, role="primary", region="us-east-1"):
        g.add("aws:sqs/queue:Queue", name, {"name": name, "kmsMasterKeyId": CMK,
                                            **({"policy": document(inline)} if inline else {})}, role=role)
        if statement is not None:
            g.add("aws:sqs/queuePolicy:QueuePolicy", f"{name}-policy", {
                "queueUrl": f"https://sqs.{region}.amazonaws.com/{ACCOUNT}/{name}", "policy": document(statement)},
                role=role)

    queue("good-queue", deny("sqs:*", queue_arn("good-queue")))
    queue("good-queue-star-action", deny("*", "*", principal={"AWS": "*"}))
    queue("good-queue-inline", inline=deny("SQS:*", queue_arn("good-queue-inline")))
    queue("good-queue-secondary", deny("sqs:*", queue_arn("good-queue-secondary", "us-west-2")), role="secondary",
          region="us-west-2")
    queue("bad-queue-no-policy")
    queue("bad-queue-send-only", deny("sqs:SendMessage", queue_arn("bad-queue-send-only")))
    queue("bad-queue-if-exists-true", deny("sqs:*", queue_arn("bad-queue-if-exists-true"),
                                           condition={"BoolIfExists": {"aws:SecureTransport": "true"}}))
    queue("bad-queue-list-principal-not-star", deny("sqs:*", queue_arn("bad-queue-list-principal-not-star"),
                                                    principal={"AWS": [f"arn:aws:iam::{ACCOUNT}:root"]}))
    queue("bad-queue-inline-allow", inline={"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
                                            "Action": "sqs:SendMessage", "Resource": "*"})
    # Same name, other region: the policy of us-west-2's queue does not cover us-east-1's.
    queue("bad-queue-policy-in-other-region")
    g.add("aws:sqs/queuePolicy:QueuePolicy", "policy-for-a-namesake", {
        "queueUrl": f"https://sqs.us-west-2.amazonaws.com/{ACCOUNT}/bad-queue-policy-in-other-region",
        "policy": document(deny("sqs:*", "*"))}, role="secondary")


def add_databases(g):
    instance = "aws:rds/instance:Instance"
    cluster_instance = "aws:rds/clusterInstance:ClusterInstance"
    g.add(cluster_instance, "good-pi-cluster-instance", {"performanceInsightsEnabled": True,
                                                         "performanceInsightsKmsKeyId": CMK})
    g.add(cluster_instance, "good-pi-secondary-instance", {
        "performanceInsightsEnabled": True,
        "performanceInsightsKmsKeyId": f"arn:aws:kms:us-west-2:{ACCOUNT}:key/mrk-1234"}, role="secondary")
    g.add(cluster_instance, "bad-pi-off", {"performanceInsightsEnabled": False})
    g.add(cluster_instance, "bad-pi-secondary-unset", {}, role="secondary")
    g.add(instance, "bad-pi-instance-no-pi", {"instanceClass": "db.t4g.micro"})
    g.add(instance, "good-pi-instance", {"instanceClass": "db.r6g.large", "performanceInsightsEnabled": True,
                                         "performanceInsightsKmsKeyId": CMK})
    g.add("aws:rds/cluster:Cluster", "good-aurora-cluster-pi-on-its-instances", {"engine": "aurora-postgresql"})
    g.add(cluster_instance, "bad-pi-no-key", {"performanceInsightsEnabled": True})
    g.add(cluster_instance, "bad-pi-secondary-no-key", {"performanceInsightsEnabled": True}, role="secondary")
    g.add(instance, "bad-pi-aws-alias", {"performanceInsightsEnabled": True,
                                         "performanceInsightsKmsKeyId": "alias/aws/rds"})
    g.add(instance, "bad-pi-aws-alias-arn", {
        "performanceInsightsEnabled": True,
        "performanceInsightsKmsKeyId": f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/aws/rds"})
    g.add("aws:rds/cluster:Cluster", "bad-pi-cluster", {"engine": "postgres", "performanceInsightsEnabled": True,
                                                        "storageEncrypted": True, "kmsKeyId": CMK})
    g.add("aws:rds/cluster:Cluster", "bad-pi-advanced-insights", {"engine": "aurora-postgresql",
                                                                  "databaseInsightsMode": "advanced"})


def add_keys(g):
    g.add("aws:kms/key:Key", "good-key", {"enableKeyRotation": True})
    g.add("aws:kms/key:Key", "good-key-bypass-false", {"bypassPolicyLockoutSafetyCheck": False})
    g.add("aws:kms/key:Key", "bad-key-bypass", {"enableKeyRotation": True, "bypassPolicyLockoutSafetyCheck": True})
    g.add("aws:kms/replicaKey:ReplicaKey", "bad-replica-key-bypass", {
        "primaryKeyArn": CMK, "bypassPolicyLockoutSafetyCheck": True}, role="secondary")
    g.add("aws:kms/keyPolicy:KeyPolicy", "bad-key-policy-bypass", {
        "keyId": "1234", "policy": "{}", "bypassPolicyLockoutSafetyCheck": True})
    g.add("aws:kms/externalKey:ExternalKey", "bad-external-key-bypass", {"bypassPolicyLockoutSafetyCheck": True})


def add_load_balancers(g):
    g.add("aws:lb/loadBalancer:LoadBalancer", "good-alb", {"loadBalancerType": "application",
                                                           "enableDeletionProtection": True})
    g.add("aws:alb/loadBalancer:LoadBalancer", "good-alb-secondary", {"enableDeletionProtection": True},
          role="secondary")
    g.add("aws:lb/loadBalancer:LoadBalancer", "bad-alb-unset", {"loadBalancerType": "application"})
    g.add("aws:lb/loadBalancer:LoadBalancer", "bad-nlb-false", {"loadBalancerType": "network",
                                                                "enableDeletionProtection": False})
    g.add("aws:alb/loadBalancer:LoadBalancer", "bad-alb-secondary", {}, role="secondary")


def function(g, name, role="secondary", **inputs):
    return g.add("aws:lambda/function:Function", name, {"name": name, "runtime": "python3.11", **inputs}, role=role)


def function_arn(name, region="us-west-2"):
    return f"arn:aws:lambda:{region}:{ACCOUNT}:function:{name}"


def permission(g, name, target, principal, role="secondary"):
    return g.add("aws:lambda/permission:Permission", name, {
        "function": target, "action": "lambda:InvokeFunction", "principal": principal,
        "sourceArn": topic_arn("alerts")}, role=role)


def add_functions(g):
    dead_letters = {"deadLetterConfig": {"targetArn": queue_arn("dead-letters", "us-west-2")}}
    invoke_config = "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"
    # -- lambda-dead-letter-queue
    function(g, "good-fn-sns-with-dlq", **dead_letters)
    permission(g, "good-fn-sns-with-dlq-from-sns", "good-fn-sns-with-dlq", "sns.amazonaws.com")
    function(g, "good-fn-on-failure-destination")
    permission(g, "good-fn-on-failure-from-events", function_arn("good-fn-on-failure-destination"),
               "events.amazonaws.com")
    g.add(invoke_config, "good-fn-on-failure-config", {
        "functionName": "good-fn-on-failure-destination",
        "destinationConfig": {"onFailure": {"destination": queue_arn("failures", "us-west-2")}}}, role="secondary")
    function(g, "good-fn-synchronous-only")  # API Gateway and the load balancer wait for the answer
    permission(g, "good-fn-from-api-gateway", "good-fn-synchronous-only", "apigateway.amazonaws.com")
    permission(g, "good-fn-from-alb", "good-fn-synchronous-only", "elasticloadbalancing.amazonaws.com")
    function(g, "bad-fn-sns-no-dlq")
    permission(g, "bad-fn-sns-no-dlq-from-sns", "bad-fn-sns-no-dlq", "sns.amazonaws.com")
    function(g, "bad-fn-s3-qualified-arn")
    permission(g, "bad-fn-s3-from-bucket", function_arn("bad-fn-s3-qualified-arn") + ":live", "s3.amazonaws.com")
    function(g, "bad-fn-logs-regional")
    permission(g, "bad-fn-logs-subscription", "bad-fn-logs-regional", "logs.us-west-2.amazonaws.com")
    function(g, "bad-fn-invoke-config-without-destination")
    g.add(invoke_config, "bad-fn-invoke-config", {"functionName": "bad-fn-invoke-config-without-destination",
                                                  "maximumRetryAttempts": 2}, role="secondary")
    function(g, "bad-fn-sns-subscription")
    g.add("aws:sns/topicSubscription:TopicSubscription", "bad-fn-subscribed", {
        "topic": topic_arn("alerts"), "protocol": "lambda", "endpoint": function_arn("bad-fn-sns-subscription")},
        role="secondary")
    function(g, "bad-fn-event-target")
    g.add("aws:cloudwatch/eventTarget:EventTarget", "bad-fn-scheduled", {
        "rule": "every-minute", "arn": function_arn("bad-fn-event-target")}, role="secondary")
    function(g, "bad-fn-bucket-notification", role="primary")
    g.add("aws:s3/bucketNotification:BucketNotification", "bad-fn-notified", {"bucket": "uploads", "lambdaFunctions": [
        {"lambdaFunctionArn": function_arn("bad-fn-bucket-notification", "us-east-1"),
         "events": ["s3:ObjectCreated:*"]}]})
    function(g, "bad-fn-scheduler-target")
    g.add("aws:scheduler/schedule:Schedule", "bad-fn-schedule", {
        "scheduleExpression": "rate(5 minutes)", "flexibleTimeWindow": {"mode": "OFF"},
        "target": {"arn": function_arn("bad-fn-scheduler-target"), "roleArn": f"arn:aws:iam::{ACCOUNT}:role/s"}},
        role="secondary")
    # An SNS topic in us-east-1 subscribing a us-west-2 function, as the platform's health-check alarms do.
    function(g, "bad-fn-cross-region-subscription")
    g.add("aws:sns/topicSubscription:TopicSubscription", "bad-fn-cross-region-subscribed", {
        "topic": topic_arn("alerts"), "protocol": "lambda",
        "endpoint": function_arn("bad-fn-cross-region-subscription")})
    # A namesake in the primary region: the secondary's permission names a function in its own region only.
    g.add("aws:lambda/function:Function", "good-fn-primary-namesake", {"name": "bad-fn-sns-no-dlq",
                                                                       "runtime": "python3.11"})
    # Auto-named: the permission names it through a dependency the engine recorded.
    auto = g.add("aws:lambda/function:Function", "bad-fn-autonamed", {"runtime": "python3.11"}, role="secondary")
    linked = permission(g, "bad-fn-autonamed-from-sns", "bad-fn-autonamed-7c1e", "sns.amazonaws.com")
    g.depends(linked, "function", auto)

    # -- lambda-reserved-concurrency
    recovery = {"tags": {"Purpose": "dr-control"}}
    function(g, "good-fn-recovery-reserved", reservedConcurrentExecutions=1, **recovery, **dead_letters)
    function(g, "good-fn-ordinary-unreserved", reservedConcurrentExecutions=-1)
    function(g, "bad-fn-recovery-unset", **recovery)
    function(g, "bad-fn-recovery-unreserved", reservedConcurrentExecutions=-1, **recovery)
    function(g, "bad-fn-disabled", reservedConcurrentExecutions=0)
    g.provider("automation", "us-west-2", tags={**BASE_TAGS, "DRRole": "secondary", "Purpose": "dr-control"})
    function(g, "bad-fn-recovery-by-provider-tag", role="automation")
    function(g, "good-fn-purpose-overridden", role="automation", tags={"Purpose": "reports"})


def build_graph():
    g = GraphBuilder()  # primary us-east-1, secondary us-west-2
    add_topics(g)
    add_queues(g)
    add_databases(g)
    add_keys(g)
    add_load_balancers(g)
    add_functions(g)
    return g.build()


graph = graph_fixture(build_graph)
result = result_fixture(only(MINE))
purposes_result = result_fixture(only(MINE, **{CONCURRENCY: {"recoveryPurposes": ["reports"]}}))


def test_every_policy_publishes_severity_remediation_and_framework(result):
    assert_published_metadata(result, MINE)


# -- sns-topic-tls-only --

SNS_GOOD = ["good-topic", "good-topic-all-actions", "good-topic-secondary", "good-topic-inline",
            "good-topic-boolean-false", "good-topic-autonamed"]


@pytest.mark.parametrize("bad", ["bad-topic-no-policy", "bad-topic-allow-only", "bad-topic-subscribe-only",
                                 "bad-topic-one-principal", "bad-topic-true-condition", "bad-topic-narrowed",
                                 "bad-topic-other-resource", "bad-topic-inline-allow", "bad-topic-not-principal",
                                 "bad-topic-standalone-overrides"])
def test_sns_tls(result, bad):
    check(result, SNS_TLS, bad, SNS_GOOD)


def test_sns_tls_message_names_the_policy_resource_and_the_fix(result):
    [message] = message_for(result, SNS_TLS, "bad-topic-subscribe-only ")
    assert ("bad-topic-subscribe-only-policy (aws:sns/topicPolicy:TopicPolicy) has no statement denying "
            "sns:Publish to every principal") in message
    assert "'aws:SecureTransport': 'false'" in message
    [message] = message_for(result, SNS_TLS, "bad-topic-no-policy ")
    assert "no inline policy" in message


# -- sqs-queue-tls-only --

@pytest.mark.parametrize("bad", ["bad-queue-no-policy", "bad-queue-send-only", "bad-queue-if-exists-true",
                                 "bad-queue-list-principal-not-star", "bad-queue-inline-allow",
                                 "bad-queue-policy-in-other-region"])
def test_sqs_tls(result, bad):
    check(result, SQS_TLS, bad, ["good-queue", "good-queue-star-action", "good-queue-inline",
                                 "good-queue-secondary"])


# -- rds-performance-insights-cmk --

@pytest.mark.parametrize("bad", ["bad-pi-no-key", "bad-pi-secondary-no-key", "bad-pi-aws-alias",
                                 "bad-pi-aws-alias-arn", "bad-pi-cluster", "bad-pi-advanced-insights",
                                 "bad-pi-off", "bad-pi-secondary-unset", "bad-pi-instance-no-pi"])
def test_performance_insights_on_with_a_cmk(result, bad):
    check(result, PI_CMK, bad, ["good-pi-cluster-instance", "good-pi-secondary-instance", "good-pi-instance",
                                "good-aurora-cluster-pi-on-its-instances"])


def test_performance_insights_message_names_the_aws_managed_key(result):
    [message] = message_for(result, PI_CMK, "bad-pi-aws-alias ")
    assert "AWS-managed key alias/aws/rds" in message


# -- kms-key-no-lockout-bypass --

@pytest.mark.parametrize("bad", ["bad-key-bypass", "bad-replica-key-bypass", "bad-key-policy-bypass",
                                 "bad-external-key-bypass"])
def test_lockout_bypass(result, bad):
    check(result, LOCKOUT, bad, ["good-key", "good-key-bypass-false"])


# -- alb-deletion-protection --

@pytest.mark.parametrize("bad", ["bad-alb-unset", "bad-nlb-false", "bad-alb-secondary"])
def test_load_balancer_deletion_protection(result, bad):
    check(result, LB_DELETION, bad, ["good-alb", "good-alb-secondary"])


# -- lambda-dead-letter-queue --

DLQ_GOOD = ["good-fn-sns-with-dlq", "good-fn-on-failure-destination", "good-fn-synchronous-only",
            "good-fn-recovery-reserved", "good-fn-ordinary-unreserved"]


@pytest.mark.parametrize("bad", ["bad-fn-sns-no-dlq", "bad-fn-s3-qualified-arn", "bad-fn-logs-regional",
                                 "bad-fn-invoke-config-without-destination", "bad-fn-sns-subscription",
                                 "bad-fn-event-target", "bad-fn-bucket-notification", "bad-fn-autonamed",
                                 "bad-fn-scheduler-target", "bad-fn-cross-region-subscription"])
def test_dead_letter_queue(result, bad):
    check(result, DLQ, bad, DLQ_GOOD)


def test_dead_letter_queue_matches_a_named_function_in_its_own_region_only(result):
    # The secondary's permission names bad-fn-sns-no-dlq, whose primary namesake nothing invokes.
    check(result, DLQ, "bad-fn-sns-no-dlq", "good-fn-primary-namesake")


def test_dead_letter_message_names_what_invokes_the_function(result):
    [message] = message_for(result, DLQ, "bad-fn-sns-no-dlq ")
    assert "permission bad-fn-sns-no-dlq-from-sns for sns.amazonaws.com" in message


# -- lambda-reserved-concurrency --

@pytest.mark.parametrize("bad", ["bad-fn-recovery-unset", "bad-fn-recovery-unreserved", "bad-fn-disabled",
                                 "bad-fn-recovery-by-provider-tag"])
def test_reserved_concurrency(result, bad):
    check(result, CONCURRENCY, bad, ["good-fn-recovery-reserved", "good-fn-ordinary-unreserved",
                                     "good-fn-purpose-overridden", "bad-fn-sns-no-dlq"])


def test_recovery_purposes_setting_changes_which_functions_must_reserve(purposes_result):
    found = violated(purposes_result, CONCURRENCY) & {"bad-fn-recovery-unset", "good-fn-purpose-overridden",
                                                      "bad-fn-disabled"}
    assert found == {"good-fn-purpose-overridden", "bad-fn-disabled"}


def test_no_good_resource_is_reported_by_any_of_these_policies(result):
    assert sorted(f"{d.policy}: {d.urn}" for d in result.diagnostics if "::good-" in (d.urn or "")) == []
