"""Alarms and dashboards that tell on-call whether the standby can take over, and when it must.

Two questions matter in an active-passive deployment: is the serving region healthy, and is
the standby current enough to fail over to within the recovery point objective? So next to
the usual load-balancer alarms, every replication path (Aurora global database, DynamoDB
global tables, S3 replication, AWS Backup copies) has an alarm whose threshold comes from
the stack's regionLoss RPO targets. Each alarm notifies the topic in its own region, so
alarms raised in a surviving region still reach on-call when the other region is gone.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from drcore.platform import PRIMARY, SECONDARY
from drcore.stack_config import StackConfig
from infra.components.dashboards import DashboardInputs, dashboard_body
from infra.components.storage_replication import RULE_ID as S3_REPLICATION_RULE_ID
from infra.context import RegionContext

# 5xx counts per alarm period that page. Load-balancer errors (no healthy target, overload) are
# rarer and more serious than application errors, so they page sooner.
ELB_5XX_THRESHOLD = 5
TARGET_5XX_THRESHOLD = 10
# S3 Replication Time Control replicates 99.99% of objects within 15 minutes; later means RPO at risk.
S3_REPLICATION_LATENCY_SECONDS = 900
# Route 53 publishes health-check status once a minute; a longer period would delay failover.
HEALTH_CHECK_PERIOD_SECONDS = 60


@dataclass
class MonitoringArgs:
    config: StackConfig
    contexts: dict[str, RegionContext]  # role -> context; both deployment regions
    metrics: RegionContext  # us-east-1, where Route 53 metrics live; may be one of `contexts`
    topic_arns: dict[str, pulumi.Input[str]]  # role -> alarm topic in that region
    metrics_topic_arn: pulumi.Input[str]  # alarm topic in the metrics region
    global_cluster_id: pulumi.Input[str]
    cluster_identifiers: dict[str, pulumi.Input[str]]  # role -> Aurora cluster identifier
    storefronts: dict[str, Any]  # role -> object with alb_arn_suffix, target_group_arn_suffix, cluster_name, service_name
    bucket_names: dict[str, dict[str, pulumi.Input[str]]]  # purpose -> role -> bucket name
    table_names: dict[str, pulumi.Input[str]]  # logical -> table name (the same in both regions)
    health_check_ids: dict[str, pulumi.Input[str]]  # role -> Route 53 health check id
    vault_names: dict[str, pulumi.Input[str]]  # role -> backup vault name


def aurora_lag_threshold_ms(config: StackConfig) -> int:
    """Replication lag beyond the transactional RPO for a region loss means a failover now would lose too much."""
    return max(1000, int(config.recovery_targets["regionLoss"].rpo_seconds["transactional"] * 1000))


def dynamodb_latency_threshold_ms(config: StackConfig) -> int:
    return max(1000, int(config.recovery_targets["regionLoss"].rpo_seconds["sessions"] * 1000))


def replicated_purposes(config: StackConfig, bucket_names: dict[str, Any]) -> list[str]:
    """The bucket purposes the storage component replicates to the secondary region."""
    return [purpose for purpose in bucket_names
            if config.data.buckets.get(purpose) in config.data.replicated_classifications]


class Monitoring(pulumi.ComponentResource):
    """CloudWatch alarms per region and for the Route 53 health checks, and a dashboard per region."""

    alarm_names: dict[str, pulumi.Output[str]]
    dashboard_names: dict[str, pulumi.Output[str]]
    health_check_alarm_names: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: MonitoringArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ecommerce:monitoring:Monitoring", name, None, opts)
        self._args = args
        self._period = args.config.monitoring.alarm_period_seconds
        self._evaluation_periods = args.config.monitoring.alarm_evaluation_periods
        self.alarm_names = {}
        regions = {role: ctx.region for role, ctx in args.contexts.items()}
        for role, ctx in args.contexts.items():
            other = SECONDARY if role == PRIMARY else PRIMARY
            self._load_balancer_alarms(ctx, args.storefronts[role])
            self._dynamodb_alarms(ctx, receiving_region=regions[other])
            self._backup_alarms(ctx, args.vault_names[role])
        self._aurora_alarm(args.contexts[SECONDARY])
        self._s3_alarms(args.contexts[PRIMARY])
        self.health_check_alarm_names = {role: self._health_check_alarm(role, check_id)
                                         for role, check_id in args.health_check_ids.items()}
        self.dashboard_names = {role: self._dashboard(ctx, regions) for role, ctx in args.contexts.items()}
        self.register_outputs({"alarmNames": self.alarm_names, "dashboardNames": self.dashboard_names,
                               "healthCheckAlarmNames": self.health_check_alarm_names})

    # -- alarms ------------------------------------------------------------------------------------
    def _alarm(self, ctx: RegionContext, parts: tuple[str, ...], *, description: pulumi.Input[str],
               namespace: str, metric: str, dimensions: dict[str, pulumi.Input[str]], statistic: str,
               comparison: str, threshold: float, treat_missing_data: str, topic_arn: pulumi.Input[str] | None = None,
               period: int | None = None) -> pulumi.Output[str]:
        """One alarm that notifies on-call when it fires and when it clears (so nobody chases a resolved page)."""
        name = ctx.name(*parts)
        topic = topic_arn if topic_arn is not None else self._args.topic_arns[ctx.role]
        alarm = aws.cloudwatch.MetricAlarm(
            name,
            name=name,
            alarm_description=description,
            namespace=namespace,
            metric_name=metric,
            dimensions=dimensions,
            statistic=statistic,
            comparison_operator=comparison,
            threshold=threshold,
            period=period or self._period,
            evaluation_periods=self._evaluation_periods,
            treat_missing_data=treat_missing_data,
            alarm_actions=[topic],
            ok_actions=[topic],
            opts=ctx.opts(self),
        )
        self.alarm_names["-".join((*parts, ctx.role))] = alarm.name
        return alarm.name

    def _load_balancer_alarms(self, ctx: RegionContext, front: Any) -> None:
        lb = {"LoadBalancer": front.alb_arn_suffix}
        # ALBs publish 5xx counts only when there are some: no data means no errors, even in the idle standby.
        self._alarm(ctx, ("alb-elb-5xx",), description="The load balancer itself returned 5xx (no healthy "
                    "target, overload or misconfiguration)", namespace="AWS/ApplicationELB",
                    metric="HTTPCode_ELB_5XX_Count", dimensions=lb, statistic="Sum",
                    comparison="GreaterThanThreshold", threshold=ELB_5XX_THRESHOLD, treat_missing_data="notBreaching")
        self._alarm(ctx, ("alb-target-5xx",), description="Storefront tasks returned 5xx",
                    namespace="AWS/ApplicationELB", metric="HTTPCode_Target_5XX_Count", dimensions=lb,
                    statistic="Sum", comparison="GreaterThanThreshold", threshold=TARGET_5XX_THRESHOLD,
                    treat_missing_data="notBreaching")
        # Host counts are reported every minute for a target group in use, so silence means the load
        # balancer or its targets stopped reporting: for a warm standby that is as bad as an unhealthy host.
        self._alarm(ctx, ("alb-unhealthy-hosts",), description="A storefront task fails the load balancer's "
                    "health check", namespace="AWS/ApplicationELB", metric="UnHealthyHostCount",
                    dimensions={**lb, "TargetGroup": front.target_group_arn_suffix}, statistic="Maximum",
                    comparison="GreaterThanThreshold", threshold=0, treat_missing_data="breaching")

    def _aurora_alarm(self, ctx: RegionContext) -> None:
        threshold = aurora_lag_threshold_ms(self._args.config)
        headless = self._args.config.database.secondary_instances == 0
        # Storage replication lag, and the RPO lag (time for the newest commit to reach the secondary): the second
        # is what a failover would lose, and it can grow while storage lag looks fine. Aurora PostgreSQL publishes
        # both per secondary cluster.
        for name, metric, what in (
                ("aurora-replication-lag", "AuroraGlobalDBReplicationLag", "the secondary's storage lags more than"),
                ("aurora-rpo-lag", "AuroraGlobalDBRPOLag", "committed transactions take longer than")):
            self._alarm(ctx, (name,),
                        description=pulumi.Output.from_input(self._args.global_cluster_id).apply(
                            lambda gid, what=what: f"Global database {gid}: {what} the regionLoss transactional RPO "
                                                   f"({threshold} ms); failing over now would lose more data"),
                        namespace="AWS/RDS", metric=metric,
                        dimensions={"DBClusterIdentifier": self._args.cluster_identifiers[SECONDARY]},
                        statistic="Maximum", comparison="GreaterThanThreshold", threshold=threshold,
                        # A replicating secondary reports lag continuously, so silence means replication stopped.
                        # A headless secondary (no instances) may not publish it: show a gap there as insufficient
                        # data instead of paging forever.
                        treat_missing_data="missing" if headless else "breaching")

    def _s3_alarms(self, ctx: RegionContext) -> None:
        # Replication metrics are published in the source region, and only while objects replicate.
        for purpose in replicated_purposes(self._args.config, self._args.bucket_names):
            names = self._args.bucket_names[purpose]
            dims = {"SourceBucket": names[PRIMARY], "DestinationBucket": names[SECONDARY],
                    "RuleId": S3_REPLICATION_RULE_ID}
            self._alarm(ctx, ("s3-replication-latency", purpose), description=f"{purpose} objects take longer than "
                        f"{S3_REPLICATION_LATENCY_SECONDS} s to reach the secondary region", namespace="AWS/S3",
                        metric="ReplicationLatency", dimensions=dims, statistic="Maximum",
                        comparison="GreaterThanThreshold", threshold=S3_REPLICATION_LATENCY_SECONDS,
                        treat_missing_data="notBreaching")
            self._alarm(ctx, ("s3-replication-failed", purpose), description=f"{purpose} objects failed to "
                        "replicate to the secondary region and are missing there", namespace="AWS/S3",
                        metric="OperationsFailedReplication", dimensions=dims, statistic="Sum",
                        comparison="GreaterThanThreshold", threshold=0, treat_missing_data="notBreaching")

    def _dynamodb_alarms(self, ctx: RegionContext, receiving_region: str) -> None:
        threshold = dynamodb_latency_threshold_ms(self._args.config)
        for logical, table_name in self._args.table_names.items():
            # Emitted by the writing region per receiving replica, and only while writes replicate: the
            # idle standby has no data. Average, because single slow items are normal; a sustained
            # average above the RPO means recent writes would be lost in a failover.
            self._alarm(ctx, ("dynamodb-replication-latency", logical), description=f"{logical} writes take more "
                        f"than the regionLoss sessions RPO ({threshold} ms) to reach {receiving_region}",
                        namespace="AWS/DynamoDB", metric="ReplicationLatency",
                        dimensions={"TableName": table_name, "ReceivingRegion": receiving_region},
                        statistic="Average", comparison="GreaterThanThreshold", threshold=threshold,
                        treat_missing_data="notBreaching")

    def _backup_alarms(self, ctx: RegionContext, vault_name: pulumi.Input[str]) -> None:
        # AWS Backup publishes job counts only when jobs finish, so no data between scheduled runs is normal.
        for metric, parts, what in (("NumberOfBackupJobsFailed", ("backup-jobs-failed",), "backup"),
                                    ("NumberOfCopyJobsFailed", ("backup-copy-jobs-failed",), "cross-region copy")):
            self._alarm(ctx, parts, description=f"An AWS Backup {what} job failed: the latest recovery point "
                        "for point-in-time or region recovery may be missing", namespace="AWS/Backup",
                        metric=metric, dimensions={"BackupVaultName": vault_name}, statistic="Sum",
                        comparison="GreaterThanThreshold", threshold=0, treat_missing_data="notBreaching")

    def _health_check_alarm(self, role: str, check_id: pulumi.Input[str]) -> pulumi.Output[str]:
        # Named for the endpoint it watches: failover automation will subscribe to the primary's alarm.
        # Route 53 reports every minute, so a gap is a monitoring problem, not an outage: it must never
        # trigger a failover, and it shows as insufficient data rather than a healthy endpoint.
        return self._alarm(self._args.metrics, (role, "endpoint-unhealthy"),
                           description=f"The {role} region's storefront fails its Route 53 HTTPS health check; "
                           "DNS already answers with the other region if it is healthy",
                           namespace="AWS/Route53", metric="HealthCheckStatus", dimensions={"HealthCheckId": check_id},
                           statistic="Minimum", comparison="LessThanThreshold", threshold=1,
                           treat_missing_data="missing", topic_arn=self._args.metrics_topic_arn,
                           period=HEALTH_CHECK_PERIOD_SECONDS)

    # -- dashboards --------------------------------------------------------------------------------
    def _dashboard(self, ctx: RegionContext, regions: dict[str, str]) -> pulumi.Output[str]:
        args = self._args
        front = args.storefronts[ctx.role]
        replicated = replicated_purposes(args.config, args.bucket_names)
        values = {
            "alb": front.alb_arn_suffix, "target_group": front.target_group_arn_suffix,
            "cluster": front.cluster_name, "service": front.service_name,
            "secondary_cluster": args.cluster_identifiers[SECONDARY], "global_cluster": args.global_cluster_id,
            "vault": args.vault_names[ctx.role],
            **{f"table:{logical}": table for logical, table in args.table_names.items()},
            **{f"bucket:{purpose}:{role}": args.bucket_names[purpose][role]
               for purpose in replicated for role in (PRIMARY, SECONDARY)},
            **{f"check:{role}": check_id for role, check_id in args.health_check_ids.items()},
        }
        static = DashboardInputs(
            role=ctx.role, region=ctx.region, regions=regions, metrics_region=args.metrics.region,
            tables=tuple(args.table_names), replicated_buckets=tuple(replicated),
            health_check_roles=tuple(args.health_check_ids), s3_rule_id=S3_REPLICATION_RULE_ID,
            aurora_lag_threshold_ms=aurora_lag_threshold_ms(args.config),
            dynamodb_latency_threshold_ms=dynamodb_latency_threshold_ms(args.config),
            s3_latency_threshold_seconds=S3_REPLICATION_LATENCY_SECONDS,
            period=self._period)
        dashboard = aws.cloudwatch.Dashboard(
            ctx.name("dashboard"),
            dashboard_name=ctx.name("dashboard"),
            dashboard_body=pulumi.Output.all(**values).apply(lambda resolved: dashboard_body(static, resolved)),
            opts=ctx.opts(self),
        )
        return dashboard.dashboard_name
