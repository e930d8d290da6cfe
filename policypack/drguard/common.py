"""Helpers every policy area shares: tags as a resource resolves them, regions, references between resources.

Policies receive the engine's view of inputs: camelCase names, provider config as JSON text, and values
that are unknown during a preview. Reading an unknown value raises pulumi_policy's UnknownValueError,
which the policy SDK reports as "can't run policy during preview" instead of a false verdict; helpers
here never swallow it.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Iterable, Mapping, Optional

from pulumi_policy import PolicyResource, PolicyProviderResource

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def parse_json_text(value: Any) -> Any:
    """Provider config and policy documents may arrive as JSON text or as objects."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


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


def of_type(resources: Iterable[PolicyResource], *types: str) -> list[PolicyResource]:
    return [r for r in resources if r.resource_type in types]


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


def label(resource: PolicyResource) -> str:
    return f"{resource.name} ({resource.resource_type})"
