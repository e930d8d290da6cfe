"""Stack outputs: everything failover automation and drills need, read from components, never recomputed."""
from __future__ import annotations

from typing import Any

import pulumi

from drcore.platform import PRIMARY
from drcore.regions import ROUTE53_HOME_REGION
from drcore.stack_config import StackConfig
from infra.context import RegionContext


def control_outputs(*, ctx: RegionContext, table_name: pulumi.Input[str], fence, traffic,
                    function_name: str) -> dict[str, Any]:
    """The `control` section (docs/failover-design.md): where the automation locks, journals and moves traffic."""
    return {
        "region": ctx.region,
        "tableName": table_name,
        "metricNamespace": fence.namespace,
        "metricName": fence.metric_name,
        "metricDimensions": dict(fence.dimensions),
        "alarmName": fence.alarm_name,
        "controlHealthCheckId": traffic.control_health_check_id,
        "primaryCalculatedHealthCheckId": traffic.primary_calculated_health_check_id,
        "functionName": function_name,
    }


def stack_outputs(*, config: StackConfig, contexts: dict[str, RegionContext], keys, zone, alerting, secrets,
                  database, database_bootstrap, tables, storage, storefronts, traffic, audit, backup,
                  monitoring) -> dict[str, Any]:
    """Every output but `control`, which the failover component adds: it bundles these for its function."""
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
        # A headless secondary (0 instances) needs a writer added before it can serve after promotion.
        "databaseInstanceCount": (config.database.primary_instances if role == PRIMARY
                                  else config.database.secondary_instances),
        "databaseInstanceClass": config.database.instance_class,
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
        "dns": {"zoneId": zone.zone_id, "nameServers": zone.name_servers, "recordName": config.dns.record_name,
                "ttlSeconds": config.dns.ttl_seconds,
                "healthCheckPath": config.compute.health_check_path,
                "healthCheckIntervalSeconds": config.dns.health_check_interval_seconds,
                "healthCheckFailureThreshold": config.dns.health_check_failure_threshold,
                "healthCheckAlarmNames": monitoring.health_check_alarm_names,
                "healthCheckAlarmRegion": ROUTE53_HOME_REGION,
                "healthCheckAlarmTopicArn": alerting.metrics_topic_arn},
        "globalClusterIdentifier": database.global_cluster_id,
        # `aws ecs run-task` arguments for the one-shot task that creates the app's database role.
        "databaseBootstrap": database_bootstrap.run_task,
        "tableNames": tables.table_names,
        "trailArn": audit.trail_arn,
        "backupPlanId": backup.plan_id,
        # Who decides an unplanned failover, and how many independent signals confirm an outage (the function reads it).
        "automation": {"unplannedFailover": config.automation.unplanned_failover,
                       "outageQuorum": config.automation.outage_quorum},
        "recoveryTargets": {d: {"rtoMinutes": t.rto_minutes, "rpoSeconds": dict(t.rpo_seconds)}
                            for d, t in config.recovery_targets.items()},
    }
