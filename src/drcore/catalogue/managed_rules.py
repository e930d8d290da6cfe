"""The AWS Config managed rules that exist: identifiers, their parameters and the resource types they evaluate.

compliance/aws-config-managed-rules.txt is the reference the catalogue is checked against. It is generated
(drkit.compliance.managed_rules_source) from the managed-rule list that moto ships, so it stays a file in the
repository and neither the program nor the gate needs moto at run time.

A line reads `IDENTIFIER | name:type name!:type ... | AWS::Service::Type, ... | trigger`, where `!` marks a
parameter the rule requires.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Mapping

IDENTIFIER = re.compile(r"^[A-Z0-9][A-Z0-9_]*$")
RESOURCE_TYPE = re.compile(r"^AWS::[A-Za-z0-9]*::[A-Za-z0-9]+$")
ACCOUNT_TYPE = "AWS::::Account"  # account-level rules: not a type a rule's scope can name
PARAMETER_TYPES = ("String", "CSV", "int", "double", "boolean", "StringMap")
PERIODIC = "periodic"
ON_CHANGE = "change"
BOTH = "change+periodic"


@dataclass(frozen=True)
class RuleParameter:
    name: str
    type: str  # one of PARAMETER_TYPES
    required: bool


@dataclass(frozen=True)
class ManagedRule:
    identifier: str
    parameters: Mapping[str, RuleParameter] = field(default_factory=dict)
    resource_types: tuple[str, ...] = ()  # what the rule evaluates; empty for account-level rules
    trigger: str = ON_CHANGE


def parse_managed_rules(text: str) -> dict[str, ManagedRule]:
    """Rules by identifier; ValueError naming the line for anything malformed."""
    rules: dict[str, ManagedRule] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            rule = _parse_line(line)
        except ValueError as exc:
            raise ValueError(f"line {number}: {exc}") from None
        if rule.identifier in rules:
            raise ValueError(f"line {number}: {rule.identifier} is listed twice")
        rules[rule.identifier] = rule
    return rules


def _parse_line(line: str) -> ManagedRule:
    columns = [c.strip() for c in line.split("|")]
    columns += [""] * (4 - len(columns))
    identifier, parameter_text, types_text, trigger = columns[:4]
    if len(columns) > 4 or not IDENTIFIER.match(identifier):
        raise ValueError(f"'{line}' is not 'IDENTIFIER | parameters | resource types | trigger'")
    parameters = {}
    for token in parameter_text.split():
        name, _, kind = token.partition(":")
        required = name.endswith("!")
        name = name.rstrip("!")
        if not name or kind not in PARAMETER_TYPES:
            raise ValueError(f"parameter '{token}' of {identifier} is not name:type with a type in "
                             f"{', '.join(PARAMETER_TYPES)}")
        parameters[name] = RuleParameter(name, kind, required)
    types = tuple(t.strip() for t in types_text.split(",") if t.strip())
    for resource_type in types:
        if resource_type != ACCOUNT_TYPE and not RESOURCE_TYPE.match(resource_type):
            raise ValueError(f"resource type '{resource_type}' of {identifier} is not like AWS::S3::Bucket")
    if trigger not in ("", PERIODIC, ON_CHANGE, BOTH):
        raise ValueError(f"trigger '{trigger}' of {identifier} is not {PERIODIC}, {ON_CHANGE} or {BOTH}")
    return ManagedRule(identifier, parameters, types, trigger or ON_CHANGE)


def value_problem(parameter: RuleParameter, value: str) -> str | None:
    """Whether `value` (parameters always travel as text) is acceptable for the parameter's type."""
    if parameter.type == "int" and not re.fullmatch(r"-?[0-9]+", value):
        return f"{parameter.name} takes a whole number, not '{value}'"
    if parameter.type == "double" and not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", value):
        return f"{parameter.name} takes a number, not '{value}'"
    if parameter.type == "boolean" and value.lower() not in ("true", "false"):
        return f"{parameter.name} takes true or false, not '{value}'"
    if not value.strip():
        return f"{parameter.name} is empty"
    return None


def render_managed_rules(rules: Iterable[ManagedRule], source: str) -> str:
    lines = ["# AWS Config managed rules: identifier | parameters (name!:type = required) | resource types | trigger.",
             f"# Generated from {source}; regenerate with:",
             "#   .venv/bin/python -m drkit.compliance.managed_rules_source > compliance/aws-config-managed-rules.txt"]
    for rule in sorted(rules, key=lambda r: r.identifier):
        parameters = " ".join(f"{p.name}{'!' if p.required else ''}:{p.type}" for p in rule.parameters.values())
        lines.append(" | ".join((rule.identifier, parameters, ", ".join(rule.resource_types), rule.trigger)))
    return "\n".join(lines) + "\n"
