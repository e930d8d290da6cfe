"""The storefront: a Fargate service behind an internet-facing ALB, one per region.

The secondary runs as a warm standby (a fraction of the primary's tasks) rather than
scaled to zero, so a regional failover only has to scale out an already-healthy
service instead of cold-starting one inside the RTO. Both regions autoscale to the same
maximum, so the standby can absorb full production load once DNS moves to it.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Mapping

import pulumi
import pulumi_aws as aws

from drcore.database_access import APP_DATABASE_USER
from drcore.platform import SECONDARY
from drcore.stack_config import StackConfig
from infra.components.compute_iam import execution_role, task_role
from infra.components.network import Network
from infra.components.storage import LOAD_BALANCER_LOGS_PREFIX, SecureBucket
from infra.components.storefront_image import ContainerImage
from infra.components.web_firewall import web_firewall
from infra.context import RegionContext, bounded_name

CONTAINER_NAME = "storefront"
POSTGRES_PORT = 5432
LOG_RETENTION_DAYS = 365
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
CPU_TARGET_PERCENT = 60.0
SCALE_OUT_COOLDOWN, SCALE_IN_COOLDOWN = 60, 300  # add tasks fast, remove them slowly
_ELB_NAME_LIMIT = 32
_Tracking = aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs
_PredefinedMetric = aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs


@dataclass
class StorefrontArgs:
    config: StackConfig
    ctx: RegionContext
    network: Network
    image: ContainerImage  # what this region's tasks run
    certificate_arn: pulumi.Input[str]
    database_endpoint: pulumi.Input[str]
    database_connect_arn: pulumi.Input[str]  # rds-db:connect as the app user on this region's cluster
    app_secret_arn: pulumi.Input[str]
    table_names: Mapping[str, pulumi.Input[str]]   # logical table -> physical name
    table_arns: Mapping[str, pulumi.Input[str]]    # logical table -> ARN in this region
    bucket_names: Mapping[str, pulumi.Input[str]]  # purpose -> bucket in this region
    bucket_arns: Mapping[str, pulumi.Input[str]]
    data_key_arns: Mapping[str, pulumi.Input[str]]  # data class -> KMS key ARN in this region
    log_kms_key_arn: pulumi.Input[str]
    access_logs: SecureBucket  # this region's load-balancer access-log bucket
    requests_per_target: int = 1000  # ALB requests per task per minute the autoscaler aims for


def capacity(config: StackConfig, role: str) -> tuple[int, int, int]:
    """(desired, min, max) task counts: full size in the primary, the warm-standby share in the secondary."""
    compute = config.compute
    if role == SECONDARY:
        standby = max(1, math.ceil(compute.desired_count * config.standby_capacity_fraction))
        return standby, standby, compute.max_count
    return compute.desired_count, compute.min_count, compute.max_count


def _env_key(prefix: str, logical: str) -> str:
    return f"{prefix}_{logical.upper().replace('-', '_')}"


class Storefront(pulumi.ComponentResource):
    """ECS cluster, task definition, ALB with HTTPS, Fargate service and its autoscaling."""

    def __init__(self, name: str, args: StorefrontArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ecommerce:compute:Storefront", name, None, opts)
        ctx, config, network = args.ctx, args.config, args.network
        compute = config.compute
        self.desired_count, self.min_count, self.max_count = capacity(config, ctx.role)

        cluster = aws.ecs.Cluster(
            ctx.name("cluster"), name=ctx.name("cluster"),
            settings=[aws.ecs.ClusterSettingArgs(name="containerInsights", value="enabled")],
            opts=ctx.opts(self))
        log_group = aws.cloudwatch.LogGroup(
            ctx.name("storefront-logs"), name=f"/ecs/{ctx.name('storefront')}", kms_key_id=args.log_kms_key_arn,
            retention_in_days=LOG_RETENTION_DAYS, opts=ctx.opts(self))
        exec_role, exec_policy = execution_role(
            self, ctx, image_repository_arn=args.image.repository_arn, log_group_arn=log_group.arn,
            secret_arns=[args.app_secret_arn],  # not the master secret: the app logs in with IAM tokens
            secrets_key_arn=args.data_key_arns.get("platform", args.log_kms_key_arn))
        app_role, app_policy = task_role(self, ctx, table_arns=args.table_arns, bucket_arns=args.bucket_arns,
                                         key_arns=args.data_key_arns, database_connect_arn=args.database_connect_arn)
        task_definition = aws.ecs.TaskDefinition(
            ctx.name("storefront"), family=ctx.name("storefront"), network_mode="awsvpc",
            requires_compatibilities=["FARGATE"], cpu=str(compute.cpu), memory=str(compute.memory),
            execution_role_arn=exec_role.arn, task_role_arn=app_role.arn,
            runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(operating_system_family="LINUX",
                                                                       cpu_architecture="X86_64"),
            # The root filesystem is read-only; this task-local volume is the only writable scratch space.
            volumes=[aws.ecs.TaskDefinitionVolumeArgs(name="tmp")],
            container_definitions=self._container_definitions(args, log_group.name),
            opts=ctx.opts(self))

        alb, target_group, https_listener = self._load_balancer(args)
        service = aws.ecs.Service(
            ctx.name("storefront"), name=ctx.name("storefront"), cluster=cluster.arn,
            task_definition=task_definition.arn, desired_count=self.desired_count, launch_type="FARGATE",
            platform_version="LATEST",
            network_configuration=aws.ecs.ServiceNetworkConfigurationArgs(
                subnets=network.private_subnet_ids, security_groups=[network.app_security_group_id],
                assign_public_ip=False),
            load_balancers=[aws.ecs.ServiceLoadBalancerArgs(target_group_arn=target_group.arn,
                                                            container_name=CONTAINER_NAME,
                                                            container_port=compute.container_port)],
            deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(enable=True, rollback=True),
            deployment_minimum_healthy_percent=100, deployment_maximum_percent=200,
            health_check_grace_period_seconds=compute.warm_up_seconds,
            propagate_tags="SERVICE", enable_ecs_managed_tags=True,
            opts=ctx.opts(
                self,
                # The target group must be attached to a listener first; the first tasks need their roles' grants.
                depends_on=[https_listener, exec_policy, app_policy],
                # Autoscaling and failover runbooks own the running count; a deploy must not reset it.
                ignore_changes=["desiredCount"]))
        self._autoscaling(args, cluster, service, alb, target_group)

        self.alb_arn, self.alb_arn_suffix = alb.arn, alb.arn_suffix
        self.alb_dns_name, self.alb_zone_id = alb.dns_name, alb.zone_id
        self.target_group_arn, self.target_group_arn_suffix = target_group.arn, target_group.arn_suffix
        self.https_listener_arn = https_listener.arn
        self.cluster_name, self.cluster_arn = cluster.name, cluster.arn
        self.service_name = service.name
        self.task_role_arn, self.execution_role_arn = app_role.arn, exec_role.arn
        self.register_outputs({
            "albArn": self.alb_arn, "albDnsName": self.alb_dns_name, "albZoneId": self.alb_zone_id,
            "targetGroupArn": self.target_group_arn, "httpsListenerArn": self.https_listener_arn,
            "clusterName": self.cluster_name, "serviceName": self.service_name,
            "desiredCount": self.desired_count, "minCount": self.min_count, "maxCount": self.max_count,
        })

    @staticmethod
    def _container_definitions(args: StorefrontArgs, log_group_name: pulumi.Output[str]) -> pulumi.Output[str]:
        ctx, compute = args.ctx, args.config.compute
        environment = {
            "AWS_REGION": ctx.region, "DR_ROLE": ctx.role, "PORT": str(compute.container_port),
            "DATABASE_HOST": args.database_endpoint, "DATABASE_PORT": str(POSTGRES_PORT),
            "DATABASE_NAME": args.config.database.database_name,
            # IAM database authentication: a token from rds.generate_db_auth_token, never a stored password.
            "DATABASE_USER": APP_DATABASE_USER, "DATABASE_AUTH": "iam",
            **{_env_key("TABLE", logical): name for logical, name in args.table_names.items()},
            **{_env_key("BUCKET", purpose): name for purpose, name in args.bucket_names.items()},
        }
        image = args.image
        container = {
            "name": CONTAINER_NAME, "image": image.image, "essential": True,
            **({"command": image.command} if image.command else {}), **({"user": image.user} if image.user else {}),
            "portMappings": [{"containerPort": compute.container_port, "protocol": "tcp"}],
            "readonlyRootFilesystem": True,
            "mountPoints": [{"sourceVolume": "tmp", "containerPath": "/tmp", "readOnly": False}],
            "environment": [{"name": key, "value": value} for key, value in sorted(environment.items())],
            # The whole JSON secret: the application reads the fields it needs, so a change to the secret's
            # layout never needs a task definition change.
            "secrets": [{"name": "APP_SECRET", "valueFrom": args.app_secret_arn}],
            "logConfiguration": {"logDriver": "awslogs", "options": {
                "awslogs-group": log_group_name, "awslogs-region": ctx.region,
                "awslogs-stream-prefix": CONTAINER_NAME}},
        }
        return pulumi.Output.from_input([container]).apply(json.dumps)

    def _load_balancer(self, args: StorefrontArgs) -> tuple[aws.lb.LoadBalancer, aws.lb.TargetGroup, aws.lb.Listener]:
        ctx, network, compute = args.ctx, args.network, args.config.compute
        alb = aws.lb.LoadBalancer(
            ctx.name("alb"), name=bounded_name(ctx.name("alb"), _ELB_NAME_LIMIT), load_balancer_type="application",
            internal=False, security_groups=[network.alb_security_group_id], subnets=network.public_subnet_ids,
            drop_invalid_header_fields=True, enable_deletion_protection=True,
            # Into the region's SSE-S3 load-balancer log bucket (the only encryption ELB delivers to), once its policy
            # lets Elastic Load Balancing write: AWS tests the delivery when access logs are switched on.
            access_logs=aws.lb.LoadBalancerAccessLogsArgs(bucket=args.access_logs.bucket_name,
                                                          prefix=LOAD_BALANCER_LOGS_PREFIX, enabled=True),
            opts=ctx.opts(self, depends_on=[args.access_logs.policy]))
        web_firewall(self, ctx, alb.arn, args.log_kms_key_arn, LOG_RETENTION_DAYS)
        target_group = aws.lb.TargetGroup(
            ctx.name("tg"), name=bounded_name(ctx.name("tg"), _ELB_NAME_LIMIT), target_type="ip",
            port=compute.container_port, protocol="HTTP", vpc_id=network.vpc_id,
            deregistration_delay=30,  # drain fast so deploys and failover drills stay inside the RTO
            health_check=aws.lb.TargetGroupHealthCheckArgs(
                # Liveness, not deep health: a database outage must fail the region over in DNS (Route 53 follows
                # healthCheckPath), not make the load balancer and ECS replace every task in it.
                enabled=True, path=compute.liveness_path, port="traffic-port", protocol="HTTP",
                interval=10, timeout=5, healthy_threshold=3, unhealthy_threshold=3, matcher="200"),
            opts=ctx.opts(self))
        https = aws.lb.Listener(
            ctx.name("listener", "https"), load_balancer_arn=alb.arn, port=443, protocol="HTTPS",
            ssl_policy=TLS_POLICY, certificate_arn=args.certificate_arn,
            default_actions=[aws.lb.ListenerDefaultActionArgs(type="forward", target_group_arn=target_group.arn)],
            opts=ctx.opts(self))
        return alb, target_group, https

    def _autoscaling(self, args: StorefrontArgs, cluster: aws.ecs.Cluster, service: aws.ecs.Service,
                     alb: aws.lb.LoadBalancer, target_group: aws.lb.TargetGroup) -> None:
        ctx = args.ctx
        target = aws.appautoscaling.Target(
            ctx.name("storefront-scaling"), service_namespace="ecs", scalable_dimension="ecs:service:DesiredCount",
            resource_id=pulumi.Output.concat("service/", cluster.name, "/", service.name),
            min_capacity=self.min_count, max_capacity=self.max_count,
            # The failover automation owns the floor: it raises the new primary's to full capacity and pins the
            # fenced old primary's to 0. A later `pulumi up` (even one run during the outage) must not undo that.
            opts=ctx.opts(self, ignore_changes=["minCapacity"]))
        metrics = {
            "cpu": ("ECSServiceAverageCPUUtilization", None, CPU_TARGET_PERCENT),
            "requests": ("ALBRequestCountPerTarget",
                         pulumi.Output.concat(alb.arn_suffix, "/", target_group.arn_suffix),
                         float(args.requests_per_target)),
        }
        for label, (metric, resource_label, target_value) in metrics.items():
            aws.appautoscaling.Policy(
                ctx.name("storefront-scale", label), name=ctx.name("storefront-scale", label),
                policy_type="TargetTrackingScaling", service_namespace=target.service_namespace,
                scalable_dimension=target.scalable_dimension, resource_id=target.resource_id,
                target_tracking_scaling_policy_configuration=_Tracking(
                    target_value=target_value, scale_out_cooldown=SCALE_OUT_COOLDOWN,
                    scale_in_cooldown=SCALE_IN_COOLDOWN,
                    predefined_metric_specification=_PredefinedMetric(
                        predefined_metric_type=metric, resource_label=resource_label)),
                opts=ctx.opts(self))
