"""Resilience: DNS failover between the regions, the regions themselves, and whether the recovery objectives hold.

Besides its policies this module holds the DR-topology helpers the audit and guardrail areas share
(which regions are primary and secondary, numbers, Route 53 failover records and the health checks they
name).
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Iterable, Optional, Union

import pulumi
from pulumi_policy import (PolicyComplianceFramework, PolicyConfigSchema, PolicyProviderResource, PolicyResource,
                           ReportViolation, Severity, StackValidationArgs, StackValidationPolicy)

from drguard.common import as_list, label, of_type, provider_default_tags, resource_region

AWS_PROVIDER = "pulumi:providers:aws"
PRIMARY, SECONDARY = "primary", "secondary"
ROLES = (PRIMARY, SECONDARY)
RECORD = "aws:route53/record:Record"
HEALTH_CHECK = "aws:route53/healthCheck:HealthCheck"
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
ECS_SERVICE = "aws:ecs/service:Service"
CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
REPLICATION_CONFIG = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
DYNAMODB_TABLE = "aws:dynamodb/table:Table"
PROJECT = "ecommerce-dr"

Provider = Union[PolicyResource, PolicyProviderResource]


# -- shared helpers ---------------------------------------------------------------------------------------------

def number(value: Any, default: Optional[float] = None) -> Optional[float]:
    """Numbers arrive as floats; booleans and text are not numbers."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return default
    return float(value)


def aws_providers(resources: Iterable[PolicyResource]) -> dict[str, Provider]:
    """Every AWS provider, by URN: the provider resources in the stack and those resources point at."""
    found: dict[str, Provider] = {}
    for resource in resources:
        if resource.resource_type == AWS_PROVIDER:
            found.setdefault(resource.urn, resource)
        provider = resource.provider
        if provider is not None and provider.resource_type == AWS_PROVIDER:
            found.setdefault(provider.urn, provider)
    return found


def dr_role(provider: Optional[Provider]) -> Optional[str]:
    """The DRRole default tag of a provider ("primary", "secondary"), if any."""
    return provider_default_tags(provider).get("DRRole") if provider is not None else None


def provider_region(provider: Provider) -> Optional[str]:
    region = provider.props.get("region")
    return region if isinstance(region, str) and region else None


def role_providers(resources: Iterable[PolicyResource]) -> dict[str, list[Provider]]:
    """DR role -> the AWS providers tagged with it (DRRole default tag)."""
    result: dict[str, list[Provider]] = {role: [] for role in ROLES}
    for provider in aws_providers(resources).values():
        role = dr_role(provider)
        if role in result:
            result[role].append(provider)
    return result


def role_regions(resources: Iterable[PolicyResource]) -> dict[str, set[str]]:
    """DR role -> the regions of the providers tagged with it: where the stack's resources are managed."""
    return {role: {r for r in map(provider_region, providers) if r}
            for role, providers in role_providers(resources).items()}


def role_of_region(region: Optional[str], regions: Mapping[str, set[str]]) -> Optional[str]:
    for role in ROLES:
        if region in regions.get(role, ()):
            return role
    return None


def failover_type(record: PolicyResource) -> Optional[str]:
    """PRIMARY / SECONDARY for a failover record, None for any other record."""
    for policy in as_list(record.props.get("failoverRoutingPolicies")):
        if isinstance(policy, Mapping) and isinstance(policy.get("type"), str):
            return policy["type"].upper()
    return None


def failover_records(resources: Iterable[PolicyResource]) -> list[PolicyResource]:
    return [r for r in of_type(resources, RECORD) if as_list(r.props.get("failoverRoutingPolicies"))]


def health_check_of(record: PolicyResource, health_checks: list[PolicyResource]) -> Optional[PolicyResource]:
    """The stack's aws:route53/healthCheck:HealthCheck a record's healthCheckId names, if any."""
    health_check_id = record.props.get("healthCheckId")
    if not health_check_id:
        return None
    for dependency in record.property_dependencies.get("healthCheckId", []):
        if dependency.resource_type == HEALTH_CHECK:
            return dependency
    for health_check in health_checks:
        if health_check.props.get("id") == health_check_id:
            return health_check
    return None


def _record_key(record: PolicyResource) -> tuple[str, str, str]:
    name = record.props.get("name")
    name = name.lower().rstrip(".") if isinstance(name, str) else ""
    zone = record.props.get("zoneId")
    kind = record.props.get("type")
    return (zone if isinstance(zone, str) else "", name, kind if isinstance(kind, str) else "")


# -- route53-failover-pair --------------------------------------------------------------------------------------

def _failover_pair(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    records = failover_records(args.resources)
    if not records:
        report_violation("The stack has no aws:route53/record:Record with failoverRoutingPolicies: add a PRIMARY "
                         "record for the primary region's endpoint and a SECONDARY record for the secondary's, "
                         "each with the healthCheckId of an aws:route53/healthCheck:HealthCheck.", None)
        return
    health_checks = of_type(args.resources, HEALTH_CHECK)
    groups: dict[tuple[str, str, str], list[PolicyResource]] = {}
    for record in records:
        groups.setdefault(_record_key(record), []).append(record)
        kind = failover_type(record)
        if kind not in ("PRIMARY", "SECONDARY"):
            report_violation(f"Failover record {label(record)} has failoverRoutingPolicies type {kind!r}; set "
                             "failoverRoutingPolicies: [{type: PRIMARY}] or [{type: SECONDARY}].", record.urn)
        health_check_id = record.props.get("healthCheckId")
        if not health_check_id:
            report_violation(f"{kind or 'Failover'} record {label(record)} has no healthCheckId, so Route 53 cannot "
                             "tell when its endpoint is down: set healthCheckId to the id of an "
                             "aws:route53/healthCheck:HealthCheck that probes the region's endpoint.", record.urn)
        elif health_check_of(record, health_checks) is None:
            report_violation(f"{kind or 'Failover'} record {label(record)} has healthCheckId {health_check_id!r}, "
                             "which is not the id of any aws:route53/healthCheck:HealthCheck in the stack: set "
                             "healthCheckId to the id output of the stack's health check for that endpoint.",
                             record.urn)
    for (_zone, name, kind), group in groups.items():
        by_type: dict[str, list[PolicyResource]] = {"PRIMARY": [], "SECONDARY": []}
        for record in group:
            by_type.setdefault(failover_type(record) or "", []).append(record)
        for wanted, other in (("PRIMARY", "SECONDARY"), ("SECONDARY", "PRIMARY")):
            count = len(by_type[wanted])
            if count == 1:
                continue
            if count == 0:
                for record in by_type[other]:
                    report_violation(f"{other} failover record {label(record)} for {name} ({kind}) has no {wanted} "
                                     f"counterpart: add an aws:route53/record:Record with the same zoneId, name and "
                                     f"type and failoverRoutingPolicies: [{{type: {wanted}}}] with its own "
                                     "healthCheckId.", record.urn)
            else:
                names = ", ".join(r.name for r in by_type[wanted])
                for record in by_type[wanted]:
                    report_violation(f"{name} ({kind}) has {count} {wanted} failover records ({names}); keep exactly "
                                     f"one {wanted} and one {other} record per name.", record.urn)


route53_failover_pair = StackValidationPolicy(
    name="route53-failover-pair",
    description="Every Route 53 failover name has exactly one PRIMARY and one SECONDARY record, each tied to a "
                "health check in the stack.",
    validate=_failover_pair,
    severity=Severity.CRITICAL,
    remediation_steps="For the storefront name create two aws:route53/record:Record resources with the same zoneId, "
                      "name and type: one with failoverRoutingPolicies [{type: PRIMARY}] and setIdentifier 'primary', "
                      "one with [{type: SECONDARY}] and setIdentifier 'secondary'; set each record's healthCheckId to "
                      "the id of an aws:route53/healthCheck:HealthCheck that probes that region's endpoint.",
    framework=PolicyComplianceFramework(name="NIST SP 800-53", version="Rev. 5", reference="CP-7"),
)


# -- allowed-regions --------------------------------------------------------------------------------------------

# Copy of infra/regions.py AWS_REGIONS (the pack does not import the program).
COMMERCIAL_REGIONS = sorted({
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "ca-west-1",
    "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2",
    "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3",
    "ap-southeast-4", "ap-south-1", "ap-south-2", "ap-east-1", "sa-east-1", "me-south-1", "me-central-1",
    "af-south-1", "il-central-1", "mx-central-1",
})


def _allowed_regions(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    allowed = set(args.get_config().get("allowedRegions", COMMERCIAL_REGIONS))
    shown = ", ".join(sorted(allowed)) or "none"
    providers = aws_providers(args.resources)
    for provider in providers.values():
        region = provider_region(provider)
        if region is None:
            report_violation(f"AWS provider {provider.name} sets no region, so its resources land wherever the "
                             f"environment points: set region to one of the allowed regions ({shown}).", provider.urn)
        elif region not in allowed:
            report_violation(f"AWS provider {provider.name} uses region {region}, which is not allowed: set region to "
                             f"one of {shown}, or add {region} to the setting allowedRegions.", provider.urn)
    for resource in args.resources:
        if resource.resource_type.startswith("aws:"):
            own = resource.props.get("region")
            if isinstance(own, str) and own and own not in allowed:
                report_violation(f"{label(resource)} overrides its provider's region with {own}, which is not "
                                 f"allowed: remove region or set it to one of {shown}.", resource.urn)
    by_role = role_providers(args.resources)
    for role in ROLES:
        if not by_role[role]:
            report_violation(f"No AWS provider carries the default tag DRRole={role}: create the {role} region's "
                             f"provider with defaultTags.tags.DRRole = '{role}' and its own region.", None)
    primary_regions = {provider_region(p) for p in by_role[PRIMARY]} - {None}
    for provider in by_role[SECONDARY]:
        region = provider_region(provider)
        if region is not None and region in primary_regions:
            report_violation(f"Secondary provider {provider.name} uses {region}, the primary region too, so one "
                             "regional outage takes down both: set its region to a different allowed region.",
                             provider.urn)


allowed_regions = StackValidationPolicy(
    name="allowed-regions",
    description="AWS providers use only allowed regions, and the primary and secondary roles use distinct regions.",
    validate=_allowed_regions,
    severity=Severity.HIGH,
    remediation_steps="Set each pulumi:providers:aws region to a region listed in the setting allowedRegions; give "
                      "the provider tagged DRRole=primary and the one tagged DRRole=secondary different regions "
                      "(e.g. us-east-1 and us-west-2).",
    framework=PolicyComplianceFramework(name="NIST SP 800-53", version="Rev. 5", reference="CP-7(1)"),
    config_schema=PolicyConfigSchema(properties={
        "allowedRegions": {
            "type": "array", "items": {"type": "string"}, "uniqueItems": True, "default": COMMERCIAL_REGIONS,
            "description": "Regions providers and per-resource region overrides may use.",
        },
    }),
)


# -- rto-rpo-achievable -----------------------------------------------------------------------------------------

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
        check = health_check_of(record, health_checks)
        if check is None:
            continue
        primary_checks.append(check)
        i = number(check.props.get("requestInterval"), 30.0)
        t = int(number(check.props.get("failureThreshold"), 3.0))
        if i * t > worst:
            worst, interval, threshold = i * t, i, t
            sources["health_check_interval_s"] = (f"aws:route53/healthCheck {check.name} requestInterval/"
                                                  f"failureThreshold, used by PRIMARY record {record.name}")
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
            if not (isinstance(rtc, Mapping) and rtc.get("status") == "Enabled"):
                without_rtc.append(f"{config.name} rule {rule.get('id') if isinstance(rule, Mapping) else '?'}")
    rtc_on = not without_rtc
    sources["s3_replication_time_control"] = (
        f"replicationTime not Enabled in {', '.join(without_rtc)}" if without_rtc else
        f"replicationTime Enabled in every rule of {len(configs)} aws:s3/bucketReplicationConfig")

    # Point-in-time recovery of every DynamoDB table.
    tables = of_type(resources, DYNAMODB_TABLE)
    without_pitr = [t.name for t in tables if not _pitr_enabled(t.props)]
    sources["pitr_enabled"] = (f"pointInTimeRecovery not enabled on {', '.join(without_pitr)}" if without_pitr else
                               f"pointInTimeRecovery.enabled on all {len(tables)} aws:dynamodb/table")

    return RecoveryParameters(
        health_check_interval_s=interval, health_check_failure_threshold=threshold,
        alarm_period_s=period, alarm_evaluation_periods=evaluations, dns_ttl_s=ttl,
        standby_capacity_fraction=fraction, warm_up_s=warm_up,
        primary_db_instances=len(instances[PRIMARY]), secondary_db_instances=len(instances[SECONDARY]),
        s3_replication_time_control=rtc_on, pitr_enabled=not without_pitr, sources=sources)


def _pitr_enabled(props: Mapping[str, Any]) -> bool:
    pitr = props.get("pointInTimeRecovery")
    return isinstance(pitr, Mapping) and pitr.get("enabled") is True


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
    framework=PolicyComplianceFramework(name="NIST SP 800-53", version="Rev. 5", reference="CP-2(3)"),
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

POLICIES = [route53_failover_pair, allowed_regions, rto_rpo_achievable]
