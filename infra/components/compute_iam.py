"""The storefront's two IAM roles, each scoped to the ARNs it actually touches.

The execution role is what ECS uses to start a task (pull the image, write logs, inject
secrets); the task role is what the application code runs as. Keeping them apart means
compromised application code cannot fetch secrets or images itself, and the agent's
credentials never reach customer data.
"""
from __future__ import annotations

from typing import Iterable, Mapping

import pulumi
import pulumi_aws as aws

from infra.context import RegionContext, policy_json

DYNAMODB_ITEM_ACTIONS = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:PutItem",
                         "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem",
                         "dynamodb:ConditionCheckItem"]


def ecs_tasks_trust(ctx: RegionContext) -> pulumi.Output[str]:
    account = ctx.account_id()
    return policy_json([{
        "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole",
        # Only ECS acting for this account and region may assume it (confused-deputy guard).
        "Condition": {"StringEquals": {"aws:SourceAccount": account},
                      "ArnLike": {"aws:SourceArn": account.apply(lambda a: f"arn:aws:ecs:{ctx.region}:{a}:*")}},
    }])


def image_pull_statements(repository_arn: pulumi.Input[str] | None) -> list[dict]:
    """ECR pull rights on one private repository; none for public registries, which need no credentials.

    A KMS-encrypted repository needs no key rights here: ECR decrypts layers through the grant it created on the
    key for the repository ("Encryption at rest", Amazon ECR User Guide)."""
    if repository_arn is None:
        return []
    return [
        # GetAuthorizationToken is account-wide by design: it has no resource-level permissions.
        {"Sid": "EcrLogin", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
        {"Sid": "PullImage", "Effect": "Allow",
         "Action": ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
         "Resource": repository_arn},
    ]


def execution_role(parent: pulumi.Resource, ctx: RegionContext, *, image_repository_arn: pulumi.Input[str] | None,
                   log_group_arn: pulumi.Output[str],
                   secret_arns: Iterable[pulumi.Input[str]],
                   secrets_key_arn: pulumi.Input[str]) -> tuple[aws.iam.Role, aws.iam.RolePolicy]:
    role = aws.iam.Role(ctx.name("storefront-execution"), description="ECS agent: start storefront tasks",
                        assume_role_policy=ecs_tasks_trust(ctx), opts=ctx.opts(parent))
    statements = image_pull_statements(image_repository_arn) + [
        {"Sid": "WriteTaskLogs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": log_group_arn.apply(lambda arn: f"{arn}:log-stream:*")},
        {"Sid": "InjectSecrets", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
         "Resource": list(secret_arns)},
        # The secrets are encrypted with the platform key; allow decrypting it only through Secrets Manager.
        {"Sid": "DecryptSecrets", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": secrets_key_arn,
         "Condition": {"StringEquals": {"kms:ViaService": f"secretsmanager.{ctx.region}.amazonaws.com"}}},
    ]
    policy = aws.iam.RolePolicy(ctx.name("storefront-execution"), role=role.id, policy=policy_json(statements),
                                opts=ctx.opts(parent))
    return role, policy


def task_role(parent: pulumi.Resource, ctx: RegionContext, *, table_arns: Mapping[str, pulumi.Input[str]],
              bucket_arns: Mapping[str, pulumi.Input[str]],
              key_arns: Mapping[str, pulumi.Input[str]],
              database_connect_arn: pulumi.Input[str] | None = None) -> tuple[aws.iam.Role, aws.iam.RolePolicy]:
    role = aws.iam.Role(ctx.name("storefront-task"), description="Storefront application",
                        assume_role_policy=ecs_tasks_trust(ctx), opts=ctx.opts(parent))
    tables = [pulumi.Output.from_input(arn) for arn in table_arns.values()]
    buckets = [pulumi.Output.from_input(arn) for arn in bucket_arns.values()]
    statements = []
    if tables:
        statements.append({"Sid": "TableItems", "Effect": "Allow", "Action": DYNAMODB_ITEM_ACTIONS,
                           "Resource": tables + [arn.apply(lambda a: f"{a}/index/*") for arn in tables]})
    if buckets:
        statements.append({"Sid": "BucketObjects", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
                           "Resource": [arn.apply(lambda a: f"{a}/*") for arn in buckets]})
    if database_connect_arn is not None:
        # An IAM authentication token for the app's database user on this region's cluster, nothing else.
        statements.append({"Sid": "DatabaseLogin", "Effect": "Allow", "Action": "rds-db:connect",
                           "Resource": database_connect_arn})
    if key_arns:
        statements.append({"Sid": "DataKeys", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                           "Resource": list(key_arns.values())})
    policy = aws.iam.RolePolicy(ctx.name("storefront-task"), role=role.id, policy=policy_json(statements),
                                opts=ctx.opts(parent))
    return role, policy
