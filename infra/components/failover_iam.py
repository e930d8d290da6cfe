"""The failover function's role: the calls the automation makes, each on the stack's own resources.

Everything a failover needs to succeed is in the secondary region or global (Route 53 health-check
status, the Aurora global cluster, whose calls name the primary's cluster too). The one call to the
primary region is updating the primary's service, which the automation uses to fence the old primary
on a best-effort, short-timeout call. Actions
that AWS does not scope to resources (metric reads, X-Ray, scaling-target reads) are the only ones on
"*", and the metric write is held to the fence's namespace by condition.
"""
from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from drcore.platform import PRIMARY, SECONDARY
from drcore.regions import ROUTE53_HOME_REGION
from infra.context import RegionContext, policy_json

CONTROL_TABLE_ACTIONS = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
                         "dynamodb:Query", "dynamodb:Scan", "dynamodb:ConditionCheckItem"]


@dataclass
class AutomationScope:
    """The resources the automation acts on."""
    primary: RegionContext
    secondary: RegionContext
    global_cluster_id: pulumi.Input[str]
    cluster_arns: dict[str, pulumi.Input[str]]  # role -> Aurora cluster ARN
    services: dict[str, tuple[pulumi.Input[str], pulumi.Input[str]]]  # role -> (ECS cluster name, service name)
    health_check_ids: list[pulumi.Input[str]]  # endpoint, control and calculated checks
    control_table_arn: pulumi.Input[str]
    topic_arn: pulumi.Input[str]  # the secondary region's alarm topic
    key_arn: pulumi.Input[str]  # the secondary region's platform key
    dead_letter_queue_arn: pulumi.Input[str]
    log_group_arn: pulumi.Input[str]
    fence_namespace: str


def automation_statements(scope: AutomationScope, account: pulumi.Output[str]) -> list[dict]:
    secondary = scope.secondary.region

    def arn(template: str) -> pulumi.Output[str]:
        return account.apply(lambda a: template.format(account=a))

    def service_arn(role: str) -> pulumi.Output[str]:
        region = scope.primary.region if role == PRIMARY else secondary
        cluster, service = scope.services[role]
        return pulumi.Output.all(account, cluster, service).apply(
            lambda v: f"arn:aws:ecs:{region}:{v[0]}:service/{v[1]}/{v[2]}")

    global_cluster = pulumi.Output.all(account, scope.global_cluster_id).apply(
        lambda v: f"arn:aws:rds::{v[0]}:global-cluster:{v[1]}")
    # Global-cluster calls go to the secondary's endpoint but name both members: failback promotes the old
    # primary again. Only the standby is ever detached (the fallback when a managed failover fails).
    database = [global_cluster, *scope.cluster_arns.values()]
    health_checks = [pulumi.Output.from_input(i).apply(lambda hc: f"arn:aws:route53:::healthcheck/{hc}")
                     for i in scope.health_check_ids]
    return [
        {"Sid": "PromoteDatabase", "Effect": "Allow",
         "Action": ["rds:FailoverGlobalCluster", "rds:SwitchoverGlobalCluster"], "Resource": database},
        {"Sid": "DetachStandbyDatabase", "Effect": "Allow", "Action": "rds:RemoveFromGlobalCluster",
         "Resource": [global_cluster, scope.cluster_arns[SECONDARY]]},
        {"Sid": "ReadDatabase", "Effect": "Allow", "Action": ["rds:DescribeGlobalClusters", "rds:DescribeDBClusters"],
         "Resource": database},
        {"Sid": "ScaleStandbyService", "Effect": "Allow", "Action": ["ecs:UpdateService", "ecs:DescribeServices"],
         "Resource": service_arn(SECONDARY)},
        {"Sid": "FenceOldPrimaryBestEffort", "Effect": "Allow", "Action": ["ecs:UpdateService", "ecs:DescribeServices"],
         "Resource": service_arn(PRIMARY)},
        # Failover raises the standby's floor; switchover and failback also move the primary's.
        {"Sid": "SetScalingFloors", "Effect": "Allow", "Action": "application-autoscaling:RegisterScalableTarget",
         "Resource": [arn(f"arn:aws:application-autoscaling:{region}:{{account}}:scalable-target/*")
                      for region in (secondary, scope.primary.region)]},
        # A headless standby cluster (dev) gets its first instance when it is promoted.
        {"Sid": "AddInstanceToPromotedStandby", "Effect": "Allow", "Action": "rds:CreateDBInstance",
         "Resource": [scope.cluster_arns[SECONDARY], pulumi.Output.from_input(scope.cluster_arns[SECONDARY]).apply(
             lambda a: a.replace(":cluster:", ":db:") + "-failover-*")]},
        # Describe calls of Application Auto Scaling, metric reads and X-Ray have no resource-level permissions.
        {"Sid": "ReadScalingTargets", "Effect": "Allow",
         "Action": ["application-autoscaling:DescribeScalableTargets",
                    "application-autoscaling:DescribeScalingActivities"], "Resource": "*"},
        {"Sid": "ShiftTraffic", "Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*",
         "Condition": {"StringEquals": {"cloudwatch:namespace": scope.fence_namespace}}},
        {"Sid": "ReadMetrics", "Effect": "Allow", "Action": "cloudwatch:GetMetricData", "Resource": "*"},
        # The stack's alarms here, and the primary endpoint's Route 53 alarm, which lives in us-east-1.
        {"Sid": "ReadAlarms", "Effect": "Allow", "Action": "cloudwatch:DescribeAlarms",
         "Resource": [arn(f"arn:aws:cloudwatch:{region}:{{account}}:alarm:{scope.secondary.prefix}-*")
                      for region in sorted({secondary, ROUTE53_HOME_REGION})]},
        # Verification asks the zone's name servers (DNS, no IAM); this control-plane read is only an extra signal.
        {"Sid": "ReadHealthChecks", "Effect": "Allow", "Action": "route53:GetHealthCheckStatus",
         "Resource": health_checks},
        {"Sid": "LockAndJournal", "Effect": "Allow", "Action": CONTROL_TABLE_ACTIONS,
         "Resource": scope.control_table_arn},
        {"Sid": "Notify", "Effect": "Allow", "Action": "sns:Publish", "Resource": scope.topic_arn},
        # The topic, the control table, the dead letters and the environment are encrypted with this key.
        {"Sid": "UsePlatformKey", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
         "Resource": scope.key_arn},
        {"Sid": "DeadLetters", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": scope.dead_letter_queue_arn},
        {"Sid": "WriteLogs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": pulumi.Output.from_input(scope.log_group_arn).apply(lambda a: f"{a}:log-stream:*")},
        {"Sid": "Tracing", "Effect": "Allow", "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
         "Resource": "*"},
    ]


def automation_role(parent: pulumi.Resource, scope: AutomationScope) -> tuple[aws.iam.Role, aws.iam.RolePolicy]:
    ctx = scope.secondary
    # Only Lambda may assume it; only principals of this account with iam:PassRole can hand it to a function.
    trust = policy_json([{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                          "Action": "sts:AssumeRole"}])
    role = aws.iam.Role(ctx.name("failover"), description="Failover automation, run from the recovery region",
                        assume_role_policy=trust, opts=ctx.opts(parent))
    policy = aws.iam.RolePolicy(ctx.name("failover"), role=role.id,
                                policy=policy_json(automation_statements(scope, ctx.account_id())),
                                opts=ctx.opts(parent))
    return role, policy
