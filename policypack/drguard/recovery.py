"""Recovery objectives: the worst-case recovery time and point the deployed settings allow, read off the graph
with drkit's recovery model, against the recovery targets (rto-rpo-achievable)."""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi_policy import (PolicyConfigSchema, PolicyResource, ReportViolation, Severity, StackValidationArgs,
                           StackValidationPolicy)

from drguard.common import (PRIMARY, ROLES, SECONDARY, as_list, number, of_type, pitr_enabled, resource_region,
                            role_of_region, role_regions, status_enabled)
from drguard.frameworks import NIST, framework
from drguard.resilience import HEALTH_CHECK, failover_records, failover_type, health_check_of

METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
ECS_SERVICE = "aws:ecs/service:Service"
CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
REPLICATION_CONFIG = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
DYNAMODB_TABLE = "aws:dynamodb/table:Table"
PROJECT = "ecommerce-dr"

DISRUPTIONS = ("azLoss", "regionLoss", "dataCorruption")
TIERS = ("transactional", "sessions", "objects")
ROUTE53_ALIAS_TTL_S = 60  # an alias record answers with the TTL of its target (ALB: 60 s)


@dataclass(frozen=True)
class Target:
    """What drkit.recovery.model.assess reads from a target: rto_minutes and rpo_seconds per tier."""
    rto_minutes: float
    rpo_seconds: Mapping[str, float]


def _parse_targets(raw: Any, where: str) -> tuple[dict[str, Target], list[str]]:
    """Targets for every disruption (missing ones unbounded, so never reported) and the defects found."""
    problems: list[str] = []
    targets = {d: Target(math.inf, {t: math.inf for t in TIERS}) for d in DISRUPTIONS}
    if not isinstance(raw, Mapping):
        return targets, [f"{where} is not an object of disruption -> {{rtoMinutes, rpoSeconds}}"]
    for disruption, entry in raw.items():
        if disruption not in DISRUPTIONS:
            problems.append(f"{where}.{disruption} is not a disruption the recovery model knows "
                            f"({', '.join(DISRUPTIONS)})")
            continue
        if not isinstance(entry, Mapping):
            problems.append(f"{where}.{disruption} is not an object with rtoMinutes and rpoSeconds")
            continue
        rto = number(entry.get("rtoMinutes"), math.inf if entry.get("rtoMinutes") is None else None)
        if rto is None:
            problems.append(f"{where}.{disruption}.rtoMinutes is {entry.get('rtoMinutes')!r}, not a number")
            rto = math.inf
        rpo = {t: math.inf for t in TIERS}
        raw_rpo = entry.get("rpoSeconds")
        if raw_rpo is not None and not isinstance(raw_rpo, Mapping):
            problems.append(f"{where}.{disruption}.rpoSeconds is not an object of tier -> seconds")
        elif raw_rpo is not None:
            for tier, value in raw_rpo.items():
                seconds = number(value)
                if tier not in TIERS:
                    problems.append(f"{where}.{disruption}.rpoSeconds.{tier} is not a data tier ({', '.join(TIERS)})")
                elif seconds is None:
                    problems.append(f"{where}.{disruption}.rpoSeconds.{tier} is {value!r}, not a number")
                else:
                    rpo[tier] = seconds
        targets[disruption] = Target(rto, rpo)
    return targets, problems


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
    """drkit's RecoveryParameters read off the resource graph, each with the resource it came from."""
    from drkit.recovery.model import RecoveryParameters  # the pack runs in the repository's venv

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

    return RecoveryParameters(
        health_check_interval_s=interval, health_check_failure_threshold=threshold,
        alarm_period_s=period, alarm_evaluation_periods=evaluations, dns_ttl_s=ttl,
        standby_capacity_fraction=fraction, warm_up_s=warm_up,
        primary_db_instances=len(instances[PRIMARY]), secondary_db_instances=len(instances[SECONDARY]),
        s3_replication_time_control=rtc_on, pitr_enabled=not without_pitr, sources=sources)


# Parameters an estimate depends on whose source its steps do not already name.
_ESTIMATE_INPUTS = {
    ("azLoss", "RTO"): ("primary_db_instances",),
    ("regionLoss", "RTO"): ("standby_capacity_fraction", "secondary_db_instances"),
    ("regionLoss", "RPO objects"): ("s3_replication_time_control",),
    ("dataCorruption", "RPO transactional"): ("pitr_enabled",),
    ("dataCorruption", "RPO sessions"): ("pitr_enabled",),
}


def _stack_targets() -> Any:
    return pulumi.Config(PROJECT).get_object("recoveryTargets")


def _rto_rpo(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    from drkit.recovery.model import assess, format_duration

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
    targets, problems = _parse_targets(raw, where)
    for problem in problems:
        report_violation(f"Recovery targets cannot be checked as given: {problem}; fix it to an object of "
                         "disruption -> {rtoMinutes, rpoSeconds: {transactional, sessions, objects}}.", None)
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
                                   "properties": {tier: {"type": "number", "minimum": 0} for tier in TIERS}},
                },
            } for disruption in DISRUPTIONS},
            "additionalProperties": False,
        },
    }),
)

POLICIES = [rto_rpo_achievable]
