"""Helpers every policy area shares: values, tags as a resource resolves them, regions and the DR roles of the
providers, references between resources, and the builder of check-based resource policies.

Policies receive the engine's view of inputs: camelCase names, provider config as JSON text, and values
that are unknown during a preview. Reading an unknown value raises pulumi_policy's UnknownValueError,
which the policy SDK reports as "can't run policy during preview" instead of a false verdict; helpers
here never swallow it.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Callable, Iterable, Mapping, Optional, Union

from pulumi_policy import (PolicyComplianceFramework, PolicyConfigSchema, PolicyProviderResource, PolicyResource,
                           ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity)

from drguard.vendor.drcore.platform import PRIMARY, ROLES, SECONDARY  # noqa: F401 - the areas take roles from here
from drguard.vendor.drcore.tags import DR_ROLE_TAG

AWS_PROVIDER = "pulumi:providers:aws"

Provider = Union[PolicyResource, PolicyProviderResource]


# -- values ---------------------------------------------------------------------------------------------------

def parse_json_text(value: Any) -> Any:
    """Provider config and policy documents may arrive as JSON text or as objects."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def as_list(value: Any) -> list:
    """A list input as a list. Policies receive lists as the SDK's read-only proxy: a Sequence, not a list."""
    if value is None:
        return []
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return list(value)
    return [value]


def statements(policy_document: Any) -> list[Mapping[str, Any]]:
    """The statements of an IAM/KMS/bucket policy given as JSON text or an object."""
    document = parse_json_text(policy_document)
    if not isinstance(document, Mapping):
        return []
    return [s for s in as_list(document.get("Statement")) if isinstance(s, Mapping)]


def is_true(value: Any) -> bool:
    """Booleans; some provider inputs (launch template EBS mappings) carry them as the strings "true"/"false"."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def number(value: Any, default: Optional[float] = None) -> Optional[float]:
    """Numbers arrive as floats; booleans and text are not numbers."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return default
    return float(value)


def status_enabled(block: Any) -> bool:
    """A {status: "Enabled"} block (S3 replication time, delete-marker replication, ...)."""
    return isinstance(block, Mapping) and block.get("status") == "Enabled"


def pitr_enabled(props: Mapping[str, Any]) -> bool:
    """A DynamoDB table's pointInTimeRecovery.enabled is true."""
    pitr = props.get("pointInTimeRecovery")
    return isinstance(pitr, Mapping) and pitr.get("enabled") is True


# -- tags and regions -----------------------------------------------------------------------------------------

def provider_default_tags(provider: Optional[PolicyProviderResource]) -> dict[str, str]:
    if provider is None:
        return {}
    default_tags = parse_json_text(provider.props.get("defaultTags"))
    if isinstance(default_tags, Mapping):
        tags = default_tags.get("tags")
        if isinstance(tags, Mapping):
            return {str(k): str(v) for k, v in tags.items()}
    return {}


def resolved_tags(props: Mapping[str, Any], provider: Optional[PolicyProviderResource]) -> dict[str, str]:
    """The tags AWS will apply: the provider's default tags overridden by the resource's own."""
    tags = provider_default_tags(provider)
    own = props.get("tags")
    if isinstance(own, Mapping):
        tags.update({str(k): str(v) for k, v in own.items()})
    return tags


def region_of(props: Mapping[str, Any], provider: Optional[PolicyProviderResource]) -> Optional[str]:
    own = props.get("region")
    if isinstance(own, str) and own:
        return own
    if provider is not None:
        region = provider.props.get("region")
        if isinstance(region, str) and region:
            return region
    return None


def resource_region(resource: PolicyResource) -> Optional[str]:
    return region_of(resource.props, resource.provider)


# -- the DR topology: AWS providers, their DRRole default tags and regions ---------------------------------------

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
    return provider_default_tags(provider).get(DR_ROLE_TAG) if provider is not None else None


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


# -- resources and references between them ----------------------------------------------------------------------

def of_type(resources: Iterable[PolicyResource], *types: str) -> list[PolicyResource]:
    return [r for r in resources if r.resource_type in types]


def depends_through(resource: PolicyResource, prop: str, target: PolicyResource) -> bool:
    """True when the engine recorded that input `prop` of `resource` was computed from `target`."""
    return any(dep.urn == target.urn for dep in resource.property_dependencies.get(prop, []))


def refers_to(resource: PolicyResource, prop: str, target: PolicyResource, name: Any) -> bool:
    """Input `prop` of `resource` names `target`: it equals `name` (the target's own name, None when it has none),
    or the engine recorded that it was computed from `target` (which also links targets with generated names)."""
    if name is not None and resource.props.get(prop) == name:
        return True
    return depends_through(resource, prop, target)


def arn_region(arn: Any) -> Optional[str]:
    """arn:aws:<service>:<region>:<account>:<resource> -> region ('' for global services such as S3)."""
    if not isinstance(arn, str) or not arn.startswith("arn:"):
        return None
    parts = arn.split(":")
    return parts[3] if len(parts) > 5 else None


def bucket_name_from_arn(arn: Any) -> Optional[str]:
    if isinstance(arn, str) and arn.startswith("arn:aws:s3:::"):
        return arn[len("arn:aws:s3:::"):].split("/")[0]
    return None


def label(resource: Union[PolicyResource, ResourceValidationArgs]) -> str:
    """How a finding names a resource (in the stack, or the one a resource policy is validating)."""
    return f"{resource.name} ({resource.resource_type})"


# -- policies ---------------------------------------------------------------------------------------------------

def resource_policy(*, name: str, description: str, types: Iterable[str],
                    check: Callable[[ResourceValidationArgs], list[str]], severity: Severity,
                    framework: PolicyComplianceFramework, remediation: str,
                    config_schema: Optional[PolicyConfigSchema] = None) -> ResourceValidationPolicy:
    """A resource policy that looks only at `types` and reports each problem `check` returns."""
    wanted = tuple(types)

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if args.resource_type not in wanted:
            return
        for message in check(args):
            report_violation(message, None)

    return ResourceValidationPolicy(name=name, description=description, validate=validate, severity=severity,
                                    framework=framework, remediation_steps=remediation, config_schema=config_schema)
