"""Stack outputs: everything failover automation and drills need, read from components, never recomputed."""
from __future__ import annotations

from typing import Any

from infra.config import StackConfig
from infra.context import RegionContext


def stack_outputs(*, config: StackConfig, contexts: dict[str, RegionContext], keys, zone, alerting, secrets,
                  database, tables, storage, storefronts, traffic, audit, backup, monitoring) -> dict[str, Any]:
    regions = {role: {
        "region": ctx.region,
        "albDnsName": storefronts[role].alb_dns_name,
        "albArn": storefronts[role].alb_arn,
        "clusterName": storefronts[role].cluster_name,
        "serviceName": storefronts[role].service_name,
        "desiredCount": storefronts[role].desired_count,
        "minCount": storefronts[role].min_count,
        "maxCount": storefronts[role].max_count,
        "databaseClusterIdentifier": database.cluster_identifiers[role],
        "databaseClusterArn": database.cluster_arns[role],
        "databaseWriterEndpoint": database.writer_endpoints[role],
        "healthCheckId": traffic.health_check_ids[role],
        "alertTopicArn": alerting.topic_arns[role],
        "backupVaultName": backup.vault_names[role],
        "databaseSecretArn": secrets.database_secret_arns[role],
        "dataKeyArns": {c: keys.key_arn(c, role) for c in ("database", "sessions", "objects", "platform")},
        "bucketNames": {purpose: names[role] for purpose, names in storage.bucket_names.items()},
        "dashboardName": monitoring.dashboard_names[role],
    } for role, ctx in contexts.items()}
    return {
        "environment": config.environment,
        "primaryRegion": config.primary_region,
        "secondaryRegion": config.secondary_region,
        "standbyCapacityFraction": config.standby_capacity_fraction,
        "regions": regions,
        "dns": {"zoneId": zone.zone_id, "recordName": config.dns.record_name,
                "ttlSeconds": config.dns.ttl_seconds,
                "healthCheckIntervalSeconds": config.dns.health_check_interval_seconds,
                "healthCheckFailureThreshold": config.dns.health_check_failure_threshold,
                "healthCheckAlarmNames": monitoring.health_check_alarm_names,
                # Route 53 health-check metrics and their alarms live in us-east-1 whatever the regions are.
                "healthCheckAlarmRegion": "us-east-1",
                "healthCheckAlarmTopicArn": alerting.metrics_topic_arn},
        "globalClusterIdentifier": database.global_cluster_id,
        "tableNames": tables.table_names,
        "trailArn": audit.trail_arn,
        "backupPlanId": backup.plan_id,
        "recoveryTargets": {d: {"rtoMinutes": t.rto_minutes, "rpoSeconds": dict(t.rpo_seconds)}
                            for d, t in config.recovery_targets.items()},
    }
