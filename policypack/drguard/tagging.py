"""Tagging: every taggable resource carries the tags cost allocation, ownership and DR runbooks rely on."""
from __future__ import annotations

from typing import Any, Mapping

from pulumi_policy import (PolicyConfigSchema, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy,
                           Severity)

from drguard.common import label, resolved_tags
from drguard.frameworks import NIST, framework
from drguard.taggable_types import TAGGABLE_TYPES
from drguard.vendor.drcore.tags import ALLOWED_TAG_VALUES, REQUIRED_TAG_KEYS

# Every required tag key -> the values it may take (empty: any non-empty value).
DEFAULT_REQUIRED_TAGS: dict[str, list[str]] = {key: list(ALLOWED_TAG_VALUES.get(key, ())) for key in REQUIRED_TAG_KEYS}


def _required_tags(config: Mapping[str, Any]) -> dict[str, list[str]]:
    required = config.get("requiredTags")
    if not isinstance(required, Mapping):
        required = DEFAULT_REQUIRED_TAGS
    return {str(key): [str(v) for v in (allowed or [])] for key, allowed in required.items()}


def _validate_required_tags(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    # Providers and component resources are not in TAGGABLE_TYPES, so they never match.
    if args.resource_type not in TAGGABLE_TYPES:
        return
    tags = resolved_tags(args.props, args.provider)
    for key, allowed in _required_tags(args.get_config()).items():
        value = tags.get(key)
        if value is None or not value.strip():
            state = "is missing" if value is None else "is empty"
            hint = f"one of {', '.join(allowed)}" if allowed else "a non-empty value"
            report_violation(
                f"{label(args)}: required tag '{key}' {state}; set tags.{key} on the resource "
                f"or defaultTags.tags.{key} on its AWS provider to {hint}.", None)
        elif allowed and value not in allowed:
            report_violation(
                f"{label(args)}: tag {key}='{value}' is not an allowed value; set tags.{key} "
                f"to one of {', '.join(allowed)}.", None)


required_tags = ResourceValidationPolicy(
    name="required-tags",
    description="Every taggable AWS resource resolves each required tag, from its own tags or its provider's "
                "default tags, to a non-empty, allowed value.",
    validate=_validate_required_tags,
    severity=Severity.MEDIUM,
    framework=framework(NIST, "CM-8"),
    remediation_steps="Set the missing tags in the AWS provider's defaultTags.tags (preferred, one place per region) "
                      "or in the resource's own `tags`; give DataClassification one of public, internal, confidential, "
                      "restricted and DRRole one of primary, secondary, global (or the values configured in "
                      "requiredTags).",
    config_schema=PolicyConfigSchema(properties={
        "requiredTags": {
            "type": "object",
            "description": "Tag key -> allowed values; an empty list accepts any non-empty value.",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "default": DEFAULT_REQUIRED_TAGS,
        },
    }),
)

POLICIES = [required_tags]
