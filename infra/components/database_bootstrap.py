"""The one-shot task that creates the storefront's database role: the only routine reader of the master secret.

Aurora sits in isolated subnets, so nothing outside the VPC (Pulumi included) can run SQL against it. This
component registers a Fargate task definition in the primary region that runs `psql` from the stock PostgreSQL
image with the master credentials injected from Secrets Manager, executes the idempotent SQL of
database_access.app_role_sql and exits. An operator runs it once after the first deployment (and after any
restore into a new cluster): docs/first-deployment.md gives the `aws ecs run-task` command built from the stack
output `databaseBootstrap`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from drcore.database_access import app_role_sql
from infra.components.compute_iam import ecs_tasks_trust
from infra.context import RegionContext, policy_json

# psql of the newest major can talk to every older server; the image is only a client here.
PSQL_IMAGE = "public.ecr.aws/docker/library/postgres:16-bookworm"
POSTGRES_USER_ID = "999:999"  # the image's postgres user: no root needed to run a client
LOG_RETENTION_DAYS = 365


@dataclass
class DatabaseBootstrapArgs:
    ctx: RegionContext  # the primary: the writer is there
    database_name: str
    writer_endpoint: pulumi.Input[str]
    master_secret_arn: pulumi.Input[str]
    secrets_key_arn: pulumi.Input[str]  # the platform key that encrypts the secret
    log_kms_key_arn: pulumi.Input[str]
    cluster_name: pulumi.Input[str]  # the primary's ECS cluster the task runs in
    subnet_ids: list[pulumi.Input[str]]
    security_group_id: pulumi.Input[str]  # one the database's security group admits


class DatabaseBootstrap(pulumi.ComponentResource):
    """Task definition (plus its log group and execution role) that creates the app role as the master user."""

    def __init__(self, name: str, args: DatabaseBootstrapArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ecommerce:database:DatabaseBootstrap", name, None, opts)
        ctx = args.ctx
        log_group = aws.cloudwatch.LogGroup(
            ctx.name("db-bootstrap-logs"), name=f"/ecs/{ctx.name('db-bootstrap')}", kms_key_id=args.log_kms_key_arn,
            retention_in_days=LOG_RETENTION_DAYS, opts=ctx.opts(self))
        role = aws.iam.Role(ctx.name("db-bootstrap-execution"),
                            description="ECS agent: start the database bootstrap task with the master secret",
                            assume_role_policy=ecs_tasks_trust(ctx), opts=ctx.opts(self))
        policy = aws.iam.RolePolicy(ctx.name("db-bootstrap-execution"), role=role.id, policy=policy_json([
            {"Sid": "WriteTaskLogs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
             "Resource": log_group.arn.apply(lambda arn: f"{arn}:log-stream:*")},
            {"Sid": "InjectMasterSecret", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
             "Resource": args.master_secret_arn},
            {"Sid": "DecryptMasterSecret", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": args.secrets_key_arn,
             "Condition": {"StringEquals": {"kms:ViaService": f"secretsmanager.{ctx.region}.amazonaws.com"}}},
        ]), opts=ctx.opts(self))
        secret = pulumi.Output.from_input(args.master_secret_arn)
        container = {
            "name": "db-bootstrap", "image": PSQL_IMAGE, "essential": True, "user": POSTGRES_USER_ID,
            "readonlyRootFilesystem": True,
            "command": ["psql", "--no-psqlrc", "-v", "ON_ERROR_STOP=1", "-c", app_role_sql(args.database_name)],
            "environment": [{"name": "PGHOST", "value": args.writer_endpoint},
                            {"name": "PGDATABASE", "value": args.database_name},
                            # Encrypted (the cluster forces TLS). Not verify-full: RDS certificates chain to
                            # Amazon's RDS CAs, which are not in the image's trust store.
                            {"name": "PGSSLMODE", "value": "require"}],
            # Only the JSON keys the client needs (ECS "secret ARN:json-key::" syntax), never the whole secret.
            "secrets": [{"name": "PGUSER", "valueFrom": secret.apply(lambda a: f"{a}:username::")},
                        {"name": "PGPASSWORD", "valueFrom": secret.apply(lambda a: f"{a}:password::")}],
            "logConfiguration": {"logDriver": "awslogs", "options": {
                "awslogs-group": log_group.name, "awslogs-region": ctx.region, "awslogs-stream-prefix": "db-bootstrap"}},
        }
        task = aws.ecs.TaskDefinition(
            ctx.name("db-bootstrap"), family=ctx.name("db-bootstrap"), network_mode="awsvpc",
            requires_compatibilities=["FARGATE"], cpu="256", memory="512", execution_role_arn=role.arn,
            runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(operating_system_family="LINUX",
                                                                       cpu_architecture="X86_64"),
            container_definitions=pulumi.Output.from_input([container]).apply(json.dumps),
            opts=ctx.opts(self, depends_on=[policy]))
        self.run_task = {
            "region": ctx.region, "cluster": args.cluster_name, "taskDefinition": task.arn,
            "subnets": args.subnet_ids, "securityGroups": [args.security_group_id],
        }
        self.register_outputs({"runTask": self.run_task})
