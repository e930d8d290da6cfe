"""The per-region CloudWatch dashboard body: what an operator deciding on a failover looks at.

Kept as a pure function of resolved names so the layout can be read and tested without a
deployment. Each region's dashboard shows its own serving path and backups, plus the
replication metrics that say how current the standby is, read from the region that
publishes them (widgets may point at another region), so one screen answers "can we fail over?".
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from drcore.platform import PRIMARY, SECONDARY

_WIDTH, _HEIGHT, _COLUMNS = 12, 6, 2  # two widgets per row on the 24-unit dashboard grid


@dataclass(frozen=True)
class DashboardInputs:
    """Everything the body needs that is known before deployment; names arrive resolved separately."""

    role: str
    region: str
    regions: dict[str, str]  # role -> region
    metrics_region: str  # where Route 53 health-check metrics live
    tables: tuple[str, ...]  # logical table names
    replicated_buckets: tuple[str, ...]  # bucket purposes replicated to the secondary
    health_check_roles: tuple[str, ...]
    s3_rule_id: str
    aurora_lag_threshold_ms: int
    dynamodb_latency_threshold_ms: int
    s3_latency_threshold_seconds: int
    period: int


def _widget(title: str, region: str, metrics: list[list[Any]], period: int, stat: str,
            threshold: tuple[str, float] | None = None) -> dict[str, Any]:
    properties: dict[str, Any] = {"title": title, "region": region, "metrics": metrics, "view": "timeSeries",
                                  "stat": stat, "period": period}
    if threshold is not None:
        label, value = threshold
        properties["annotations"] = {"horizontal": [{"label": label, "value": value}]}
    return {"type": "metric", "properties": properties}


def _widgets(s: DashboardInputs, v: dict[str, str]) -> list[dict[str, Any]]:
    primary, secondary = s.regions[PRIMARY], s.regions[SECONDARY]
    other = secondary if s.role == PRIMARY else primary
    lb = ["LoadBalancer", v["alb"]]
    ecs = ["ClusterName", v["cluster"], "ServiceName", v["service"]]
    widgets = [
        _widget("Load balancer: requests and 5xx", s.region, [
            ["AWS/ApplicationELB", "RequestCount", *lb],
            ["AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", *lb],
            ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", *lb],
        ], s.period, "Sum"),
        _widget("Load balancer: targets", s.region, [
            ["AWS/ApplicationELB", "HealthyHostCount", *lb, "TargetGroup", v["target_group"], {"stat": "Minimum"}],
            ["AWS/ApplicationELB", "UnHealthyHostCount", *lb, "TargetGroup", v["target_group"]],
        ], s.period, "Maximum"),
        _widget("Load balancer: target response time (p99)", s.region, [
            ["AWS/ApplicationELB", "TargetResponseTime", *lb],
        ], s.period, "p99"),
        _widget("ECS service: CPU and memory", s.region, [
            ["AWS/ECS", "CPUUtilization", *ecs],
            ["AWS/ECS", "MemoryUtilization", *ecs],
        ], s.period, "Average"),
        # Always read in the secondary region: that is where the global database reports lag.
        _widget(f"Aurora global database {v['global_cluster']}: secondary lag (ms)", secondary, [
            ["AWS/RDS", "AuroraGlobalDBReplicationLag", "DBClusterIdentifier", v["secondary_cluster"]],
        ], s.period, "Maximum", ("transactional RPO", s.aurora_lag_threshold_ms)),
    ]
    if s.tables:
        widgets.append(_widget(f"DynamoDB replication latency to {other} (ms)", s.region, [
            ["AWS/DynamoDB", "ReplicationLatency", "TableName", v[f"table:{t}"], "ReceivingRegion", other]
            for t in s.tables
        ], s.period, "Average", ("sessions RPO", s.dynamodb_latency_threshold_ms)))
    if s.replicated_buckets:
        # S3 reports replication in the source (primary) region.
        s3 = {t: ["SourceBucket", v[f"bucket:{t}:{PRIMARY}"], "DestinationBucket", v[f"bucket:{t}:{SECONDARY}"],
                  "RuleId", s.s3_rule_id] for t in s.replicated_buckets}
        widgets.append(_widget("S3 replication latency (s)", primary, [
            ["AWS/S3", "ReplicationLatency", *dims] for dims in s3.values()
        ], s.period, "Maximum", ("RTC threshold", s.s3_latency_threshold_seconds)))
        widgets.append(_widget("S3 replication: failed and pending operations", primary, [
            metric for dims in s3.values() for metric in (
                ["AWS/S3", "OperationsFailedReplication", *dims, {"stat": "Sum"}],
                ["AWS/S3", "OperationsPendingReplication", *dims],
            )
        ], s.period, "Maximum"))
    vault = ["BackupVaultName", v["vault"]]
    widgets.append(_widget("AWS Backup jobs", s.region, [
        ["AWS/Backup", "NumberOfBackupJobsCompleted", *vault],
        ["AWS/Backup", "NumberOfBackupJobsFailed", *vault],
        ["AWS/Backup", "NumberOfCopyJobsCompleted", *vault],
        ["AWS/Backup", "NumberOfCopyJobsFailed", *vault],
    ], max(s.period, 300), "Sum"))  # jobs finish a few times a day: per-minute bars would be mostly empty
    if s.health_check_roles:
        widgets.append(_widget("Route 53 endpoint health (1 = healthy)", s.metrics_region, [
            ["AWS/Route53", "HealthCheckStatus", "HealthCheckId", v[f"check:{role}"], {"label": role}]
            for role in s.health_check_roles
        ], 60, "Minimum"))
    return widgets


def dashboard_body(static: DashboardInputs, resolved: dict[str, str]) -> str:
    """The dashboard JSON, widgets laid out left to right, top to bottom."""
    widgets = _widgets(static, resolved)
    for index, widget in enumerate(widgets):
        widget.update(x=(index % _COLUMNS) * _WIDTH, y=(index // _COLUMNS) * _HEIGHT, width=_WIDTH, height=_HEIGHT)
    return json.dumps({"widgets": widgets}, sort_keys=True)
