"""Failover control, in the secondary region: the fence that moves traffic, the lock-and-journal table,
and the failover function with its triggers (the contract is docs/failover-design.md).

Everything here lives in the region that takes over, so a failover never needs the failed region:
the function runs there, locks and journals there, and moves traffic by publishing the fence metric
there, which Route 53's control check follows. The only thing outside the secondary is the SNS
subscription that lets the Route 53 health-check alarms (which exist only in us-east-1) invoke the
function at once; the schedule in the secondary region detects an outage without it. Operators and
drkit invoke the function on demand with their own lambda:InvokeFunction rights.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from drcore.stack_config import StackConfig
from drcore.tags import PURPOSE_TAG
from infra.components.failover_code import DEPLOYMENT_FILE, DEPLOYMENT_FILE_ENV, HANDLER, code_archive
from infra.components.failover_iam import AutomationScope, automation_role
from infra.components.traffic import FailoverRouting
from infra.context import RegionContext, classification_tags, physical_name, policy_json
from infra.outputs import control_outputs

FENCE_NAMESPACE = "ECommerceDR/Traffic"
FENCE_METRIC = "PrimaryFenced"
# Route 53 follows only alarms on standard-resolution metrics, so the fence is a one-minute metric.
FENCE_PERIOD_SECONDS = 60
CONTROL_PURPOSE = "dr-control"
# The journal records who failed over when, and what data may have been lost: kept like audit data.
CONTROL_CLASSIFICATION = "confidential"
LOG_RETENTION_DAYS = 365
RUNTIME = "python3.11"
TIMEOUT_SECONDS = 900  # Lambda's maximum: a failover includes an Aurora promotion, which takes minutes
DETECTION_SCHEDULE = "rate(1 minute)"
DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600  # SQS's maximum: time to find out why an invocation failed


@dataclass
class PrimaryFenceArgs:
    config: StackConfig
    ctx: RegionContext  # the secondary region
    topic_arn: pulumi.Input[str]  # the secondary region's alarm topic


class PrimaryFence(pulumi.ComponentResource):
    """The alarm that is in ALARM while the automation fences the primary (PrimaryFenced = 1).

    It latches: with missing data ignored, the state set by the last published value holds until the
    automation publishes the other value, so a fence never lapses because nobody republished it."""

    alarm_name: pulumi.Output[str]
    namespace: str
    metric_name: str
    dimensions: dict[str, str]

    def __init__(self, name: str, args: PrimaryFenceArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ecommerce:dr:PrimaryFence", name, None, opts)
        ctx = args.ctx
        self.namespace, self.metric_name = FENCE_NAMESPACE, FENCE_METRIC
        self.dimensions = {"Environment": args.config.environment}
        alarm = aws.cloudwatch.MetricAlarm(
            ctx.name("primary-fenced"),
            name=ctx.name("primary-fenced"),
            alarm_description="Failover automation routes traffic away from the primary region (PrimaryFenced = 1). "
                              "Publishing PrimaryFenced = 0 in this region lets the primary serve again.",
            namespace=self.namespace,
            metric_name=self.metric_name,
            dimensions=self.dimensions,
            statistic="Maximum",
            comparison_operator="GreaterThanOrEqualToThreshold",
            threshold=1,
            period=FENCE_PERIOD_SECONDS,
            evaluation_periods=1,
            treat_missing_data="ignore",
            # On-call hears when traffic is moved and when it is moved back.
            alarm_actions=[args.topic_arn],
            ok_actions=[args.topic_arn],
            opts=ctx.opts(self),
        )
        self.alarm_name = alarm.name
        self.register_outputs({"alarmName": self.alarm_name})


@dataclass
class FailoverControlArgs:
    config: StackConfig
    primary: RegionContext
    secondary: RegionContext
    metrics: RegionContext  # us-east-1, where the Route 53 health-check alarms notify their topic
    fence: PrimaryFence
    traffic: FailoverRouting
    platform_key_arn: pulumi.Input[str]  # the secondary region's platform key
    topic_arn: pulumi.Input[str]  # the secondary region's alarm topic
    health_check_alarm_topic_arn: pulumi.Input[str]
    health_check_alarm_names: dict[str, pulumi.Input[str]]  # role -> Route 53 health-check alarm name
    global_cluster_id: pulumi.Input[str]
    cluster_arns: dict[str, pulumi.Input[str]]  # role -> Aurora cluster ARN
    services: dict[str, tuple[pulumi.Input[str], pulumi.Input[str]]]  # role -> (ECS cluster name, service name)
    platform_outputs: dict[str, Any]  # every stack output but `control`: what the function reads


class FailoverControl(pulumi.ComponentResource):
    """The control table, the failover function (its role, logs, dead letters) and what invokes it."""

    control: dict[str, Any]  # the `control` stack output
    function_name: str

    def __init__(self, name: str, args: FailoverControlArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ecommerce:dr:FailoverControl", name, None, opts)
        ctx = args.secondary
        table = self._control_table(ctx, args.platform_key_arn)
        self.function_name = physical_name(ctx, "failover", limit=64)
        self.control = control_outputs(ctx=ctx, table_name=table.name, fence=args.fence, traffic=args.traffic,
                                       function_name=self.function_name)
        queue = self._dead_letter_queue(ctx, args)
        log_group = aws.cloudwatch.LogGroup(
            ctx.name("failover-logs"), name=f"/aws/lambda/{self.function_name}", kms_key_id=args.platform_key_arn,
            retention_in_days=LOG_RETENTION_DAYS, opts=ctx.opts(self))
        traffic = args.traffic
        role, role_policy = automation_role(self, AutomationScope(
            primary=args.primary, secondary=ctx, global_cluster_id=args.global_cluster_id,
            cluster_arns=args.cluster_arns, services=args.services,
            health_check_ids=[*traffic.health_check_ids.values(), traffic.control_health_check_id,
                              traffic.primary_calculated_health_check_id],
            control_table_arn=table.arn, topic_arn=args.topic_arn, key_arn=args.platform_key_arn,
            dead_letter_queue_arn=queue.arn, log_group_arn=log_group.arn, fence_namespace=args.fence.namespace))
        function = aws.lambda_.Function(
            ctx.name("failover"),
            name=self.function_name,
            description="Failover, switchover and failback of the platform, run from the recovery region",
            runtime=RUNTIME,
            handler=HANDLER,
            code=code_archive({**args.platform_outputs, "control": self.control}),
            role=role.arn,
            timeout=TIMEOUT_SECONDS,
            memory_size=256,
            # One run at a time: the lock serialises runs anyway, and a second concurrent run would only
            # spend its time waiting for the lock while throttled events wait in Lambda's own queue. Stack config
            # automation.reservedConcurrency: null on accounts whose concurrency quota cannot spare a reservation.
            reserved_concurrent_executions=args.config.automation.reserved_concurrency,
            environment=aws.lambda_.FunctionEnvironmentArgs(variables={DEPLOYMENT_FILE_ENV: DEPLOYMENT_FILE}),
            kms_key_arn=args.platform_key_arn,
            tracing_config=aws.lambda_.FunctionTracingConfigArgs(mode="Active"),
            dead_letter_config=aws.lambda_.FunctionDeadLetterConfigArgs(target_arn=queue.arn),
            logging_config=aws.lambda_.FunctionLoggingConfigArgs(log_format="JSON", log_group=log_group.name),
            # Marks it as recovery automation: the pack's lambda-reserved-concurrency holds it to a reservation.
            tags={PURPOSE_TAG: CONTROL_PURPOSE},
            opts=ctx.opts(self, depends_on=[role_policy]))
        aws.lambda_.FunctionEventInvokeConfig(
            ctx.name("failover-async"),
            function_name=function.name,
            # An event that waited behind a whole run is still delivered; older ones are stale, since the
            # schedule sends a fresh one every minute, and go to the dead-letter queue.
            maximum_event_age_in_seconds=TIMEOUT_SECONDS,
            maximum_retry_attempts=2,
            opts=ctx.opts(self))
        self._triggers(args, function)
        self.register_outputs({"control": self.control})

    def _control_table(self, ctx: RegionContext, key_arn: pulumi.Input[str]) -> aws.dynamodb.Table:
        # Deliberately not a global table: a lock needs one strongly consistent home, and it must be in
        # the region that takes over. Point-in-time recovery keeps the journal; it is not in the primary's
        # backup plan, which can only select primary-region resources, and a restored lock is worth nothing.
        return aws.dynamodb.Table(
            ctx.name("dr-control"),
            name=f"{ctx.prefix}-dr-control",
            billing_mode="PAY_PER_REQUEST",
            hash_key="pk",
            range_key="sk",
            attributes=[aws.dynamodb.TableAttributeArgs(name="pk", type="S"),
                        aws.dynamodb.TableAttributeArgs(name="sk", type="S")],
            point_in_time_recovery=aws.dynamodb.TablePointInTimeRecoveryArgs(enabled=True),
            server_side_encryption=aws.dynamodb.TableServerSideEncryptionArgs(enabled=True, kms_key_arn=key_arn),
            deletion_protection_enabled=True,
            tags={**classification_tags(CONTROL_CLASSIFICATION), PURPOSE_TAG: CONTROL_PURPOSE},
            opts=ctx.opts(self))

    def _dead_letter_queue(self, ctx: RegionContext, args: FailoverControlArgs) -> aws.sqs.Queue:
        queue = aws.sqs.Queue(
            ctx.name("failover-dead-letters"),
            name=ctx.name("failover-dead-letters"),
            kms_master_key_id=args.platform_key_arn,
            kms_data_key_reuse_period_seconds=300,
            message_retention_seconds=DEAD_LETTER_RETENTION_SECONDS,
            opts=ctx.opts(self))
        aws.sqs.QueuePolicy(
            ctx.name("failover-dead-letters"),
            queue_url=queue.url,
            policy=policy_json([{"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*",
                                 "Action": "sqs:*", "Resource": queue.arn,
                                 "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]),
            opts=ctx.opts(self))
        # A failed or expired invocation is a failover that may not have happened: page on-call.
        aws.cloudwatch.MetricAlarm(
            ctx.name("failover-dead-letters"),
            name=ctx.name("failover-dead-letters"),
            alarm_description="An invocation of the failover function failed or expired; read the message in the "
                              "dead-letter queue and the function's logs, then run the failover by hand if needed",
            namespace="AWS/SQS", metric_name="ApproximateNumberOfMessagesVisible",
            dimensions={"QueueName": queue.name}, statistic="Maximum",
            comparison_operator="GreaterThanThreshold", threshold=0, period=60, evaluation_periods=1,
            treat_missing_data="notBreaching",
            alarm_actions=[args.topic_arn], ok_actions=[args.topic_arn],
            opts=ctx.opts(self))
        return queue

    def _triggers(self, args: FailoverControlArgs, function: aws.lambda_.Function) -> None:
        ctx, metrics = args.secondary, args.metrics
        # Detection that needs nothing in us-east-1: every minute, from the secondary region.
        schedule = aws.cloudwatch.EventRule(
            ctx.name("failover-detect"),
            name=ctx.name("failover-detect"),
            description="Runs the failover function's outage detection every minute",
            schedule_expression=DETECTION_SCHEDULE,
            opts=ctx.opts(self))
        schedule_permission = aws.lambda_.Permission(
            ctx.name("failover-from-schedule"),
            function=function.name, action="lambda:InvokeFunction", principal="events.amazonaws.com",
            source_arn=schedule.arn, opts=ctx.opts(self))
        aws.cloudwatch.EventTarget(
            ctx.name("failover-detect"),
            rule=schedule.name, arn=function.arn,
            opts=ctx.opts(self, depends_on=[schedule_permission]))

        # The fast path: the Route 53 health-check alarms' state changes, delivered across regions by SNS.
        topic_permission = aws.lambda_.Permission(
            ctx.name("failover-from-health-alarms"),
            function=function.name, action="lambda:InvokeFunction", principal="sns.amazonaws.com",
            source_arn=args.health_check_alarm_topic_arn, opts=ctx.opts(self))
        # The topic also carries the region's other alarms when us-east-1 is a deployment region: only the
        # health-check alarms' notifications (ALARM and OK) invoke the function.
        alarm_names = pulumi.Output.all(*args.health_check_alarm_names.values()).apply(
            lambda names: json.dumps({"AlarmName": sorted(names)}))
        aws.sns.TopicSubscription(
            metrics.name("failover-trigger"),
            topic=args.health_check_alarm_topic_arn, protocol="lambda", endpoint=function.arn,
            filter_policy_scope="MessageBody", filter_policy=alarm_names,
            opts=metrics.opts(self, depends_on=[topic_permission]))

