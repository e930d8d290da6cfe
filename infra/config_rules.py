"""The seam for AWS Config rules: which managed rules each region deploys.

The compliance catalogue (compliance/) becomes the single source of truth for this
list in a later change; until then the platform deploys no rules, only the recorder
and delivery channel that rules need.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from infra.config import StackConfig


@dataclass(frozen=True)
class ConfigRuleSpec:
    name: str                      # rule name, unique per region
    source_identifier: str         # AWS managed rule identifier, e.g. S3_BUCKET_VERSIONING_ENABLED
    parameters: Mapping[str, str] = field(default_factory=dict)
    resource_types: tuple[str, ...] = ()  # CloudFormation-style types for the rule scope, empty = rule default


def config_rules_for_stack(config: StackConfig) -> list[ConfigRuleSpec]:
    return []
