"""Which AWS Config managed rules each region deploys: every rule the control catalogue names.

The catalogue (compliance/) is the single source of truth: a control that names a rule in its
`configRules` evidence gets that rule deployed in both regions, with the parameters and scope
compliance/config-rules.yaml gives it. Parameter values may name stack config values
({backup.retentionDays}, {tags.Owner}), resolved here from the stack's StackConfig so the rules
check the same numbers the program deploys.
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from drcore.catalogue.checks import REFERENCE, snake_case
from drcore.catalogue.managed_rules import value_problem
from drcore.catalogue.model import ConfigRuleDefinition
from drcore.catalogue.reader import CONFIG_RULES_FILE, CatalogueError, read_catalogue
from drcore.platform import PROJECT
from drcore.stack_config import StackConfig

# The repository's catalogue, found from this file so the program reads it whatever its working directory.
CATALOGUE_DIR = Path(__file__).resolve().parents[1] / "compliance"


@dataclass(frozen=True)
class ConfigRuleSpec:
    name: str                      # rule name, unique per region
    source_identifier: str         # AWS managed rule identifier, e.g. S3_BUCKET_VERSIONING_ENABLED
    parameters: Mapping[str, str] = field(default_factory=dict)
    resource_types: tuple[str, ...] = ()  # CloudFormation-style types for the rule scope, empty = rule default
    tag_scope: tuple[str, str] | None = None  # or: only resources with this tag key and value
    # Evaluates account-wide IAM / root-user settings, which one region already covers. Deployed in both
    # regions all the same, so config-rules-both-regions sees identical sets.
    global_scope: bool = False


def config_rules_for_stack(config: StackConfig, catalogue_dir: Path = CATALOGUE_DIR) -> list[ConfigRuleSpec]:
    """One spec per rule the catalogue names, parameters resolved from `config`, in identifier order."""
    catalogue = read_catalogue(catalogue_dir)
    return [_spec(rule, config) for rule in catalogue.config_rules.values()]


def _spec(rule: ConfigRuleDefinition, config: StackConfig) -> ConfigRuleSpec:
    parameters = {name: _resolve(rule, name, value, config) for name, value in rule.parameters.items()}
    return ConfigRuleSpec(name=rule.name, source_identifier=rule.identifier, parameters=parameters,
                          resource_types=rule.resource_types, tag_scope=rule.tag_scope, global_scope=rule.global_scope)


def _resolve(rule: ConfigRuleDefinition, parameter: str, template: str, config: StackConfig) -> str:
    def value_of(match: re.Match) -> str:
        return _as_text(_lookup(config, match.group(1), rule, parameter))

    value = REFERENCE.sub(value_of, template)
    problem = value_problem(rule.parameter_types[parameter], value)
    if problem:
        raise CatalogueError(f"{CONFIG_RULES_FILE}: rules.{rule.identifier} in stack '{config.stack}': {problem} "
                             f"(from '{template}'); change the stack value or the parameter")
    return value


def _lookup(config: StackConfig, reference: str, rule: ConfigRuleDefinition, parameter: str) -> Any:
    current: Any = config
    for part in reference.split("."):
        if isinstance(current, MappingABC):
            if part not in current:
                raise CatalogueError(
                    f"{CONFIG_RULES_FILE}: rules.{rule.identifier} parameter {parameter} names {{{reference}}}, "
                    f"which stack '{config.stack}' does not set; set '{PROJECT}:{reference}' in "
                    f"Pulumi.{config.stack}.yaml or change the parameter")
            current = current[part]
        elif dataclasses.is_dataclass(current):
            current = getattr(current, snake_case(part))
    return current


def _as_text(value: Any) -> str:
    """Config rule parameters are text; whole numbers read from YAML as 120.0 must still say 120."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
