"""Resilience: DNS failover between the regions, and the regions themselves.

Besides its policies this module holds the Route 53 failover helpers recovery.py (rto-rpo-achievable) reads the
detection chain with: failover records and the health checks they name. The DR-topology helpers (which regions
are primary and secondary) are in common.py.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Iterable, Optional

from pulumi_policy import (PolicyConfigSchema, PolicyResource, ReportViolation, Severity, StackValidationArgs,
                           StackValidationPolicy)

from drguard.common import (PRIMARY, ROLES, SECONDARY, as_list, aws_providers, label, of_type, provider_region,
                            role_providers)
from drguard.frameworks import NIST, framework
from drguard.vendor.drcore.regions import AWS_REGIONS

RECORD = "aws:route53/record:Record"
HEALTH_CHECK = "aws:route53/healthCheck:HealthCheck"


# -- Route 53 failover records and their health checks ----------------------------------------------------------

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
    framework=framework(NIST, "CP-7"),
)


# -- allowed-regions --------------------------------------------------------------------------------------------

COMMERCIAL_REGIONS = sorted(AWS_REGIONS)


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
    framework=framework(NIST, "CP-7(1)"),
    config_schema=PolicyConfigSchema(properties={
        "allowedRegions": {
            "type": "array", "items": {"type": "string"}, "uniqueItems": True, "default": COMMERCIAL_REGIONS,
            "description": "Regions providers and per-resource region overrides may use.",
        },
    }),
)

POLICIES = [route53_failover_pair, allowed_regions]
