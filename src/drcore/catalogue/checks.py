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
        "conformancePacks": {"type": "object", "additionalProperties": {
            "type": "object", "additionalProperties": False, "required": ["name", "deployed", "notDeployed"],
            "properties": {
                "name": _TEXT, "deployed": _ID_LIST,
                "notDeployed": {"type": "object", "additionalProperties": _TEXT},
            }}},
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

def conformance_pack_problem(entry: Mapping[str, Any], deployed: set[str], managed: set[str]) -> str | None:
    """Whether a pack's coverage agrees with the catalogue: deployed rules are named by controls, the others
    are not and say why."""
    for identifier in [*entry["deployed"], *entry["notDeployed"]]:
        if identifier not in managed:
            return f"'{identifier}' is not an AWS Config managed rule identifier; copy it from the pack's template"
    for identifier in entry["deployed"]:
        if identifier not in deployed:
            return (f"{identifier} is listed as deployed but no control names it; add it to a control's "
                    "configRules, or move it to notDeployed with the reason")
        if identifier in entry["notDeployed"]:
            return f"{identifier} is both deployed and not deployed; keep one"
    for identifier, reason in entry["notDeployed"].items():
        if identifier in deployed:
            return (f"{identifier} is listed as not deployed, but a control names it and so it is deployed; "
                    "move it to deployed")
        if len(reason.split()) < 3:
            return (f"notDeployed.{identifier} gives no real reason ('{reason}'); say in a sentence why the rule "
                    "does not apply")
    return None


def unknown(names: Iterable[str], known: Iterable[str]) -> list[str]:
    known_set = set(known)
    return [name for name in names if name not in known_set]
