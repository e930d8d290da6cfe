"""Recovery objectives: the worst-case recovery time and point the deployed settings allow, read off the graph
with the platform's recovery model (the generated copy in vendor/), against the recovery targets (rto-rpo-achievable)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi_policy import (PolicyConfigSchema, PolicyResource, ReportViolation, Severity, StackValidationArgs,
                           StackValidationPolicy)

from drguard.common import (PRIMARY, ROLES, SECONDARY, as_list, number, of_type, pitr_enabled, resource_region,
                            role_of_region, role_regions, status_enabled)
from drguard.frameworks import NIST, framework
from drguard.resilience import HEALTH_CHECK, failover_records, failover_type, health_check_of
from drguard.vendor.drcore.objectives import DATA_TIERS, DISRUPTIONS, SHAPE_HINT, read_recovery_targets
from drguard.vendor.drcore.platform import PROJECT
from drguard.vendor.drcore.recovery_model import RecoveryParameters, assess, format_duration

METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
ECS_SERVICE = "aws:ecs/service:Service"
CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
RDS_CLUSTER = "aws:rds/cluster:Cluster"
REPLICATION_CONFIG = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
DYNAMODB_TABLE = "aws:dynamodb/table:Table"
ROUTE53_ALIAS_TTL_S = 60  # an alias record answers with the TTL of its target (ALB: 60 s)


def _in_role(resource: PolicyResource, role: str, regions: Mapping[str, set[str]]) -> bool:
    return role_of_region(resource_region(resource), regions) == role


def _endpoint_checks(check: PolicyResource | None) -> list[PolicyResource]:
    """The endpoint checks that detect an outage: a CALCULATED check (endpoint AND not fenced) is followed to its
    children; CLOUDWATCH_METRIC children follow our own fence alarm and detect nothing."""
    if check is None:
        return []
    if check.props.get("type") != "CALCULATED":
        return [check]
    children = [c for c in check.property_dependencies.get("childHealthchecks", []) if c.resource_type == HEALTH_CHECK]
    return [c for child in children for c in _endpoint_checks(child) if c.props.get("type") != "CLOUDWATCH_METRIC"]


def recovery_parameters(resources: list[PolicyResource]):
    """The recovery model's RecoveryParameters read off the resource graph, each with the resource it came from."""
    regions = role_regions(resources)
    sources: dict[str, str] = {}
    health_checks = of_type(resources, HEALTH_CHECK)
    primaries = [r for r in failover_records(resources) if failover_type(r) == "PRIMARY"]

    # Detection: the slowest health check behind a PRIMARY failover record (AWS defaults 30 s x 3).
    interval, threshold = 30.0, 3
    sources["health_check_interval_s"] = "no health check on a PRIMARY failover record: AWS defaults 30 s x 3 assumed"
    primary_checks: list[PolicyResource] = []
    worst = -1.0
    for record in primaries:
        for check in _endpoint_checks(health_check_of(record, health_checks)):
            primary_checks.append(check)
            i = number(check.props.get("requestInterval"), 30.0)
            t = int(number(check.props.get("failureThreshold"), 3.0))
            if i * t > worst:
                worst, interval, threshold = i * t, i, t
                sources["health_check_interval_s"] = (f"aws:route53/healthCheck {check.name} requestInterval/"
                                                      f"failureThreshold, behind PRIMARY record {record.name}")
    sources["health_check_failure_threshold"] = sources["health_check_interval_s"]

    # Alarm: the Route 53 HealthCheckStatus alarm on those health checks (else any such alarm; else 60 s x 1).
    check_ids = {i for i in (r.props.get("healthCheckId") for r in primaries) if isinstance(i, str) and i}
    check_urns = {c.urn for c in primary_checks}
    status_alarms = [a for a in of_type(resources, METRIC_ALARM)
                     if a.props.get("namespace") == "AWS/Route53" and a.props.get("metricName") == "HealthCheckStatus"]

    def watches_primary(alarm: PolicyResource) -> bool:
        dimensions = alarm.props.get("dimensions")
        if isinstance(dimensions, Mapping) and str(dimensions.get("HealthCheckId")) in check_ids:
            return True
        return any(d.urn in check_urns for d in alarm.property_dependencies.get("dimensions", []))

    alarms = [a for a in status_alarms if watches_primary(a)] or status_alarms
    period, evaluations = 60.0, 1
    sources["alarm_period_s"] = "no AWS/Route53 HealthCheckStatus alarm: 60 s x 1 assumed"
    worst = -1.0
    for alarm in alarms:
        p = number(alarm.props.get("period"), 60.0)
        e = int(number(alarm.props.get("evaluationPeriods"), 1.0))
        if p * e > worst:
            worst, period, evaluations = p * e, p, e
            sources["alarm_period_s"] = f"aws:cloudwatch/metricAlarm {alarm.name} period/evaluationPeriods"
    sources["alarm_evaluation_periods"] = sources["alarm_period_s"]

    # DNS: what resolvers cache for the PRIMARY answer.
    ttl = float(ROUTE53_ALIAS_TTL_S)
    sources["dns_ttl_s"] = f"no PRIMARY failover record: {ROUTE53_ALIAS_TTL_S} s assumed"
    worst = -1.0
    for record in primaries:
        if as_list(record.props.get("aliases")):
            value, source = float(ROUTE53_ALIAS_TTL_S), f"alias record {record.name}: the target's 60 s TTL"
        else:
            value, source = number(record.props.get("ttl"), 0.0), f"aws:route53/record {record.name} ttl"
        if value > worst:
            worst, ttl, sources["dns_ttl_s"] = value, value, source

    # Compute: standby share and warm-up, from the ECS services of each region.
    services = of_type(resources, ECS_SERVICE)
    counts = {role: 0.0 for role in ROLES}
    names: dict[str, list[str]] = {role: [] for role in ROLES}
    warm_up = 0.0
    sources["warm_up_s"] = "no primary aws:ecs/service healthCheckGracePeriodSeconds: 0 s assumed"
    for service in services:
        role = role_of_region(resource_region(service), regions)
        if role is None:
            continue
        counts[role] += number(service.props.get("desiredCount"), 0.0)
        names[role].append(service.name)
        if role == PRIMARY:
            grace = number(service.props.get("healthCheckGracePeriodSeconds"))
            if grace is not None and grace >= warm_up:
                warm_up = grace
                sources["warm_up_s"] = f"aws:ecs/service {service.name} healthCheckGracePeriodSeconds"
    if counts[PRIMARY] > 0:
        fraction = counts[SECONDARY] / counts[PRIMARY]
        sources["standby_capacity_fraction"] = (f"desiredCount of secondary aws:ecs/service "
                                                f"{', '.join(names[SECONDARY]) or '(none)'} / primary "
                                                f"{', '.join(names[PRIMARY])}")
    else:
        fraction = 1.0
        sources["standby_capacity_fraction"] = "no primary aws:ecs/service with a desiredCount: nothing to scale"

    # Database: instances per region.
    instances = {role: [i for i in of_type(resources, CLUSTER_INSTANCE) if _in_role(i, role, regions)]
                 for role in ROLES}
    for role in ROLES:
        sources[f"{role}_db_instances"] = (f"{len(instances[role])} aws:rds/clusterInstance in the {role} region"
                                           + (f" ({', '.join(i.name for i in instances[role])})" if instances[role]
                                              else ""))

    # Objects: every replication rule with S3 Replication Time Control.
    configs = of_type(resources, REPLICATION_CONFIG)
    without_rtc = []
    for config in configs:
        for rule in as_list(config.props.get("rules")):
            destination = rule.get("destination") if isinstance(rule, Mapping) else None
            rtc = destination.get("replicationTime") if isinstance(destination, Mapping) else None
            if not status_enabled(rtc):
                without_rtc.append(f"{config.name} rule {rule.get('id') if isinstance(rule, Mapping) else '?'}")
    rtc_on = not without_rtc
    sources["s3_replication_time_control"] = (
        f"replicationTime not Enabled in {', '.join(without_rtc)}" if without_rtc else
        f"replicationTime Enabled in every rule of {len(configs)} aws:s3/bucketReplicationConfig")

    # Point-in-time recovery of every DynamoDB table.
    tables = of_type(resources, DYNAMODB_TABLE)
    without_pitr = [t.name for t in tables if not pitr_enabled(t.props)]
    sources["pitr_enabled"] = (f"pointInTimeRecovery not enabled on {', '.join(without_pitr)}" if without_pitr else
                               f"pointInTimeRecovery.enabled on all {len(tables)} aws:dynamodb/table")

    # Aurora point-in-time restore reaches back as far as the automated backups: the shortest window of any cluster
    # (AWS's default when backupRetentionPeriod is unset is 1 day).
    clusters = of_type(resources, RDS_CLUSTER)
    windows = {c.name: number(c.props.get("backupRetentionPeriod"), 1.0) for c in clusters}
    retention = min(windows.values()) if windows else 1.0
    shortest = min(windows, key=windows.get) if windows else None
    sources["database_backup_retention_days"] = (
        f"backupRetentionPeriod {retention:g} days on aws:rds/cluster {shortest} (the shortest of {len(windows)})"
        if shortest else "no aws:rds/cluster: AWS's default of 1 day")

    return RecoveryParameters(
        health_check_interval_s=interval, health_check_failure_threshold=threshold,
        alarm_period_s=period, alarm_evaluation_periods=evaluations, dns_ttl_s=ttl,
        standby_capacity_fraction=fraction, warm_up_s=warm_up,
        primary_db_instances=len(instances[PRIMARY]), secondary_db_instances=len(instances[SECONDARY]),
        s3_replication_time_control=rtc_on, pitr_enabled=not without_pitr,
        database_backup_retention_days=retention, sources=sources)


# Parameters an estimate depends on whose source its steps do not already name.
_ESTIMATE_INPUTS = {
    ("azLoss", "RTO"): ("primary_db_instances",),
    ("regionLoss", "RTO"): ("standby_capacity_fraction", "secondary_db_instances"),
    ("regionLoss", "RPO objects"): ("s3_replication_time_control",),
    ("dataCorruption", "RPO transactional"): ("database_backup_retention_days",),
    ("dataCorruption", "RPO sessions"): ("pitr_enabled",),
}


def _stack_targets() -> Any:
    return pulumi.Config(PROJECT).get_object("recoveryTargets")


def _rto_rpo(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    setting = args.get_config().get("targets")
    if setting:
        raw, where = setting, "policy setting targets"
    else:
        where = f"stack config {PROJECT}:recoveryTargets"
        try:
            raw = _stack_targets()
        except (pulumi.ConfigTypeError, ValueError):
            report_violation(f"{where} is not valid JSON: set it to an object of disruption -> "
                             "{rtoMinutes, rpoSeconds: {transactional, sessions, objects}}.", None)
            return
    if not raw:
        args.not_applicable(f"no recovery targets: set this policy's setting `targets` or the {where}")
    # Missing disruptions and tiers are unbounded: a policy setting may name only the targets it cares about.
    targets, problems = read_recovery_targets(raw, where, complete=False)
    for problem in problems:
        report_violation(f"Recovery targets cannot be checked as given: {problem}; targets are {SHAPE_HINT}.", None)
    params = recovery_parameters(list(args.resources))
    for estimate in assess(params, targets):
        if estimate.meets_target:
            continue
        steps = "; ".join(f"{s.name} {format_duration(s.seconds)} ({s.source})" for s in estimate.steps)
        inputs = "; ".join(f"{key} = {getattr(params, key)!r} ({params.sources.get(key, 'default')})"
                           for key in _ESTIMATE_INPUTS.get((estimate.disruption, estimate.measure), ()))
        report_violation(f"{estimate.summary()} ({where}.{estimate.config_key.split('.', 1)[1]}). "
                         f"Steps: {steps}." + (f" Read from the graph: {inputs}." if inputs else "")
                         + f" Fix: {estimate.fix}.", None)


rto_rpo_achievable = StackValidationPolicy(
    name="rto-rpo-achievable",
    description="The worst-case recovery time and recovery point the deployed settings allow meet the recovery "
                "targets for every disruption.",
    validate=_rto_rpo,
    severity=Severity.HIGH,
    remediation_steps="Read the failing estimate's steps: lower the PRIMARY health check's requestInterval or "
                      "failureThreshold, the HealthCheckStatus alarm's period/evaluationPeriods or the record ttl; "
                      "raise the secondary aws:ecs/service desiredCount; keep at least 2 primary and 1 secondary "
                      "aws:rds/clusterInstance; enable replicationTime in every S3 replication rule and "
                      "pointInTimeRecovery on every DynamoDB table; or raise the target in recoveryTargets.",
    framework=framework(NIST, "CP-2(3)"),
    config_schema=PolicyConfigSchema(properties={
        "targets": {
            "type": "object", "default": {},
            "description": "Recovery targets per disruption; empty means the stack config "
                           "ecommerce-dr:recoveryTargets.",
            "properties": {disruption: {
                "type": "object", "additionalProperties": False,
                "properties": {
                    "rtoMinutes": {"type": "number", "minimum": 0},
                    "rpoSeconds": {"type": "object", "additionalProperties": False,
                                   "properties": {tier: {"type": "number", "minimum": 0} for tier in DATA_TIERS}},
                },
            } for disruption in DISRUPTIONS},
            "additionalProperties": False,
        },
    }),
)

POLICIES = [rto_rpo_achievable]
