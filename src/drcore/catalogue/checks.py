"""The catalogue's checks, each returning the problem as text (None when fine) for the loader to raise.

Kept apart from the loader so each rule about what a valid catalogue is can be read on its own: the shape of
the YAML files, stack-config references in Config rule parameters, conformance-pack coverage. Whether each
piece of evidence names something that exists (a policy of the pack, a checkov check, a test function) is the
CLI's check (drkit.compliance.catalogue): it needs the rest of the repository.
"""
from __future__ import annotations

import dataclasses
import re
import typing
from collections.abc import Mapping
from typing import Any, Iterable

import jsonschema

from ..objectives import DISRUPTIONS
from ..stack_config import StackConfig

KEBAB = r"^[a-z0-9]+(-[a-z0-9]+)*$"
FRAMEWORK_KEY = r"^[a-z0-9.]+(-[a-z0-9.]+)*$"  # file stems like pci-dss-4.0
# A stack-config reference inside a parameter value: {backup.retentionDays}, {tags.Owner}.
REFERENCE = re.compile(r"\{([A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z0-9]+)*)\}")

_ID_LIST = {"type": "array", "items": {"type": "string", "minLength": 1}}
_TEXT = {"type": "string", "minLength": 1}

CONTROLS_SCHEMA = {
    "type": "object", "additionalProperties": False, "required": ["framework", "name", "controls"],
    "properties": {
        "framework": {"type": "string", "pattern": FRAMEWORK_KEY},
        "name": _TEXT,
        "controls": {"type": "array", "minItems": 1, "items": {
            "type": "object", "additionalProperties": False, "required": ["id", "title", "evidence"],
            "properties": {
                "id": _TEXT, "title": _TEXT,
                "evidence": {"type": "object", "additionalProperties": False, "properties": {
                    "policies": _ID_LIST, "configRules": _ID_LIST, "checkov": _ID_LIST, "tests": _ID_LIST,
                    "drills": _ID_LIST}},
            }}},
    },
}

CONFIG_RULES_SCHEMA = {
    "type": "object", "additionalProperties": False, "required": ["rules"],
    "properties": {
        "rules": {"type": "object", "additionalProperties": {
            "type": "object", "additionalProperties": False, "properties": {
                "name": {"type": "string", "pattern": KEBAB},
                "parameters": {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}},
                "resourceTypes": {"type": "array", "minItems": 1, "items": _TEXT},
                "tagScope": {"type": "object", "minProperties": 1, "maxProperties": 1,
                             "additionalProperties": _TEXT},
                "global": {"type": "boolean"},
            }}},
    },
}

CONFORMANCE_PACKS_SCHEMA = {
    "type": "object", "additionalProperties": False,
    "required": ["packs", "nothingToEvaluate", "notDeployed", "processChecks"],
    "properties": {
        "packs": {"type": "object", "minProperties": 1, "additionalProperties": {
            "type": "object", "additionalProperties": False, "required": ["name", "template", "rules"],
            "properties": {"name": _TEXT, "template": _TEXT, "rules": _ID_LIST, "processChecks": _ID_LIST}}},
        "nothingToEvaluate": _ID_LIST,
        "notDeployed": {"type": "object", "additionalProperties": _TEXT},
        "processChecks": {"type": "object", "additionalProperties": _TEXT},
    },
}

DRILLS_SCHEMA = {
    "type": "object", "additionalProperties": False, "required": ["drills"],
    "properties": {"drills": {"type": "array", "items": {
        "type": "object", "additionalProperties": False,
        "required": ["name", "title", "disruption", "cadence", "proves"],
        "properties": {
            "name": {"type": "string", "pattern": KEBAB}, "title": _TEXT, "proves": _TEXT,
            "disruption": {"enum": list(DISRUPTIONS)},
            "cadence": {"enum": ["monthly", "quarterly", "semiannual", "annual"]},
        }}}},
}


_SHAPE_FIXES = {"additionalProperties": "remove it or fix its spelling", "required": "add it",
                "enum": "use one of those", "type": "write the value in that form", "pattern": "write it in that form",
                "minLength": "write a value", "minItems": "list at least one"}


def shape_problem(document: Any, schema: dict) -> str | None:
    """The first place where `document` breaks `schema`, as 'where: what'."""
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(document))
    if error is None:
        return None
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path).lstrip(".")
    fix = _SHAPE_FIXES.get(str(error.validator), "see the comment at the top of the file for the format")
    return f"{where or 'top level'}: {error.message}; {fix}"


def control_of(document: Any, problem_where: str) -> str:
    """'control 3.5.1' for a problem inside controls[i], so a message names the control, not an index."""
    match = re.match(r"controls\[(\d+)\]", problem_where)
    if match and isinstance(document, Mapping):
        controls = document.get("controls") or []
        index = int(match.group(1))
        if index < len(controls) and isinstance(controls[index], Mapping) and controls[index].get("id"):
            return f"control {controls[index]['id']}"
    return ""


# -- stack-config references ------------------------------------------------------------------------------------

def snake_case(name: str) -> str:
    """A stack config key as its StackConfig attribute: retentionDays -> retention_days."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def reference_problem(reference: str) -> str | None:
    """Whether {reference} names a single value of the stack config: keys as written in Pulumi.<stack>.yaml, or a
    value the typed config derives from them (a property, e.g. {backup.shortestKeptDays})."""
    current: Any = StackConfig
    walked = []
    for part in reference.split("."):
        walked.append(part)
        if dataclasses.is_dataclass(current):
            hints = typing.get_type_hints(current)
            field = snake_case(part)
            derived = getattr(current, field, None)
            if field not in hints and isinstance(derived, property) and derived.fget is not None:
                current = typing.get_type_hints(derived.fget).get("return", str)  # a value derived from the keys
                continue
            if field not in hints or field == "extras":
                known = ", ".join(_camel(f) for f in hints if f != "extras")
                return f"'{'.'.join(walked)}' is not a stack config key (at this level: {known})"
            current = hints[field]
        elif typing.get_origin(current) is Mapping:
            current = typing.get_args(current)[1]
        else:
            return f"'{'.'.join(walked[:-1])}' is a single value, it has no '{part}'"
    if dataclasses.is_dataclass(current) or typing.get_origin(current) in (Mapping, tuple):
        return f"'{reference}' is a section, not a single value; name one of its keys"
    return None


def _camel(field: str) -> str:
    head, *rest = field.split("_")
    return head + "".join(word.capitalize() for word in rest)


# -- conformance packs ------------------------------------------------------------------------------------------

def conformance_coverage_problem(document: Mapping[str, Any], deployed: set[str],
                                 managed: Mapping[str, Any]) -> str | None:
    """Whether the packs' coverage agrees with the catalogue: every rule of every pack is exactly one of deployed
    (a control names it), nothing to evaluate (it evaluates resource types, not the account), or not deployed with
    a sentence of reason; reasons cite only deployed rules; nothing is listed that no pack holds."""
    in_packs = {rule for pack in document["packs"].values() for rule in pack["rules"]}
    nothing, not_deployed = document["nothingToEvaluate"], document["notDeployed"]
    for key, pack in document["packs"].items():
        for identifier in pack["rules"]:
            if identifier not in managed:
                return (f"packs.{key}: '{identifier}' is not an AWS Config managed rule identifier; copy it from "
                        "the pack's template")
            places = [name for name, held in (("deployed", identifier in deployed), ("nothingToEvaluate",
                      identifier in nothing), ("notDeployed", identifier in not_deployed)) if held]
            if len(places) != 1:
                where = " and ".join(places) or "none of deployed (named by a control), nothingToEvaluate, notDeployed"
                return f"packs.{key}: {identifier} is in {where}; it must be in exactly one"
        for name in pack.get("processChecks", []):
            if name not in document["processChecks"]:
                return f"packs.{key}: process check {name} says nowhere what it would take; add it to processChecks"
    for section, names in (("nothingToEvaluate", nothing), ("notDeployed", not_deployed)):
        stale = [name for name in names if name not in in_packs]
        if stale:
            return f"{section}: {', '.join(stale)} is in no pack; remove it"
    for identifier in nothing:
        types = managed[identifier].resource_types
        if not types or "AWS::::Account" in types:
            return (f"nothingToEvaluate: {identifier} evaluates the account, which always exists; move it to "
                    "notDeployed with the reason")
    for identifier, reason in not_deployed.items():
        if len(reason.split()) < 8:
            return (f"notDeployed.{identifier} gives no real reason ('{reason}'); say in a sentence why the rule "
                    "is not deployed")
        cited = [word for word in re.findall(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b", reason)
                 if word in managed and word not in deployed]
        if cited:
            return (f"notDeployed.{identifier} cites {', '.join(cited)}, which is not deployed; a reason may rely "
                    "only on rules a control names")
    return None


def unknown(names: Iterable[str], known: Iterable[str]) -> list[str]:
    known_set = set(known)
    return [name for name in names if name not in known_set]
