"""Alarm notification topics: one per region, so each region can page on-call on its own.

An alarm can only notify a topic in its own region, and a topic in the failed region is
no use for saying that region has failed: each deployment region gets its own topic.
Route 53 health-check metrics exist only in us-east-1; when neither deployment region is
us-east-1, the health-check alarms need a topic (and a key for it) there as well.
"""
from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from drcore.stack_config import StackConfig
from infra.components.keys import key_policy
from infra.context import RegionContext, policy_json

# Services whose alarms and rules publish to the regional topics.
REGION_PUBLISHERS = ("cloudwatch.amazonaws.com", "events.amazonaws.com")
# Only the Route 53 health-check alarms publish to the metrics-region topic.
METRICS_PUBLISHERS = ("cloudwatch.amazonaws.com",)


@dataclass
class AlertingArgs:
    config: StackConfig
    contexts: dict[str, RegionContext]  # role -> context; both deployment regions
    metrics: RegionContext  # where Route 53 metrics live (us-east-1); may be one of `contexts`
    kms_key_arns: dict[str, pulumi.Input[str]]  # role -> the region's platform key


def topic_policy(ctx: RegionContext, topic_arn: pulumi.Input[str], publishers: tuple[str, ...]) -> pulumi.Output[str]:
    """Only this account's alarms/rules may publish, and nothing may publish or subscribe over plain HTTP."""
    return policy_json([
        {"Sid": "AccountServicesPublish", "Effect": "Allow", "Principal": {"Service": list(publishers)},
         "Action": "sns:Publish", "Resource": topic_arn,
         # Without the condition any account's alarm that knows the ARN could page our on-call.
         "Condition": {"StringEquals": {"aws:SourceAccount": ctx.account_id()}}},
        {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*",
         "Action": ["sns:Publish", "sns:Subscribe"], "Resource": topic_arn,
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
    ])


class Alerting(pulumi.ComponentResource):
    """An encrypted SNS topic per region with an e-mail subscription for on-call."""

    topic_arns: dict[str, pulumi.Output[str]]
    metrics_topic_arn: pulumi.Output[str]

    def __init__(self, name: str, args: AlertingArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ecommerce:monitoring:Alerting", name, None, opts)
        self._config = args.config
        self.topic_arns = {
            role: self._topic(ctx, args.kms_key_arns[role], REGION_PUBLISHERS)
            for role, ctx in args.contexts.items()
        }
        if args.metrics.role in args.contexts:
            # us-east-1 is a deployment region: its topic already pages on-call from there.
            self.metrics_topic_arn = self.topic_arns[args.metrics.role]
        else:
            self.metrics_topic_arn = self._topic(args.metrics, self._metrics_key(args.metrics), METRICS_PUBLISHERS)
        self.register_outputs({"topicArns": self.topic_arns, "metricsTopicArn": self.metrics_topic_arn})

    def _metrics_key(self, ctx: RegionContext) -> pulumi.Output[str]:
        # The platform keys are replicated only to the deployment regions, so the extra region needs
        # its own customer-managed key; SNS and CloudWatch are the only services that use it.
        key = aws.kms.Key(
            ctx.name("kms", "alerts"),
            description="Route 53 health-check alarm topic in the metrics region",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=key_policy(ctx, ("sns.amazonaws.com", "cloudwatch.amazonaws.com")),
            opts=ctx.opts(self),
        )
        aws.kms.Alias(ctx.name("alias", "alerts"), name=f"alias/{ctx.prefix}-alerts-{ctx.role}",
                      target_key_id=key.key_id, opts=ctx.opts(self))
        return key.arn

    def _topic(self, ctx: RegionContext, kms_key_arn: pulumi.Input[str],
               publishers: tuple[str, ...]) -> pulumi.Output[str]:
        topic = aws.sns.Topic(
            ctx.name("alerts"),
            name=ctx.name("alerts"),
            display_name=f"{ctx.prefix} alarms {ctx.region}",  # the sender name on-call sees in e-mail
            kms_master_key_id=kms_key_arn,
            opts=ctx.opts(self),
        )
        aws.sns.TopicPolicy(
            ctx.name("alerts-policy"),
            arn=topic.arn,
            policy=topic_policy(ctx, topic.arn, publishers),
            opts=ctx.opts(self),
        )
        # E-mail subscriptions stay pending until on-call confirms them; Pulumi does not wait for that.
        aws.sns.TopicSubscription(
            ctx.name("alerts-email"),
            topic=topic.arn,
            protocol="email",
            endpoint=self._config.monitoring.alarm_email,
            opts=ctx.opts(self),
        )
        return topic.arn
