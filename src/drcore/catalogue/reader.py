"""The control catalogue (compliance/): controls per framework, the evidence that proves each, and the AWS
Config rules, drills and conformance-pack coverage that evidence refers to.

`read_catalogue` checks everything inside compliance/ (the shape of every file, Config rule identifiers,
parameters and scopes, drill names, conformance-pack coverage). The CLI's `load_catalogue`
(drkit.compliance.catalogue) also checks the evidence against the rest of the repository; deploying the Config
rules needs only this reader, so the Pulumi program never imports the CLI or the test suite.
Any problem is one CatalogueError line naming the file, the control and the fix.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import yaml

from ..errors import UsageError
from . import checks
from .managed_rules import ACCOUNT_TYPE, ManagedRule, parse_managed_rules, value_problem
from .model import Catalogue, ConfigRuleDefinition, ConformancePack, Control, Drill, Evidence, PackCoverage

CONTROLS_DIR = "controls"
CONFIG_RULES_FILE = "config-rules.yaml"
CONFORMANCE_PACKS_FILE = "conformance-packs.yaml"
MANAGED_RULES_FILE = "aws-config-managed-rules.txt"
DRILLS_FILE = "drills.yaml"
_REGENERATE = ("regenerate it with "
               f"'.venv/bin/python -m drkit.compliance.managed_rules_source > compliance/{MANAGED_RULES_FILE}'")
_EVIDENCE_KEYS = {"policies": "policies", "configRules": "config_rules", "checkov": "checkov", "tests": "tests",
                  "drills": "drills"}


# libyaml's loader when PyYAML has it: the catalogue is read on every program run and gate.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class CatalogueError(UsageError):
    """The catalogue is invalid; the message names the file, the control and the fix."""


def read_catalogue(root: Path) -> Catalogue:
    """Everything in the catalogue directory `root` (the repository's compliance/), checked on its own."""
    if not (root / CONTROLS_DIR).is_dir():
        raise CatalogueError(f"{root / CONTROLS_DIR}: no such directory; the control catalogue lives in "
                             "compliance/controls/<framework>.yaml")
    managed = _managed_rules(root / MANAGED_RULES_FILE)
    drills = _drills(root / DRILLS_FILE)
    frameworks, controls = _controls(root / CONTROLS_DIR, set(managed), drills)
    settings = _yaml(root / CONFIG_RULES_FILE, checks.CONFIG_RULES_SCHEMA)
    rules = _config_rules(settings.get("rules", {}), controls, managed)
    coverage = _conformance(_yaml(root / CONFORMANCE_PACKS_FILE, checks.CONFORMANCE_PACKS_SCHEMA), rules, managed)
    return Catalogue(tuple(controls), frameworks, rules, drills, coverage)


def required_config_rule_identifiers(root: Path) -> list[str]:
    """The AWS managed rule identifiers each DR region must run: every one the catalogue names, sorted."""
    return sorted(read_catalogue(root).config_rules)


# -- reading -----------------------------------------------------------------------------------------------------

def _yaml(path: Path, schema: dict) -> dict:
    try:
        document = yaml.load(path.read_text(), Loader=_LOADER)
    except FileNotFoundError:
        raise CatalogueError(f"{_name(path)}: missing; the catalogue needs it (see docs/compliance.md)") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark else ""
        raise CatalogueError(f"{_name(path)}:{line} is not valid YAML "
                             f"({getattr(exc, 'problem', None) or exc}); fix the syntax") from None
    problem = checks.shape_problem(document, schema)
    if problem:
        control = checks.control_of(document, problem)
        raise CatalogueError(f"{_name(path)}: {control + ': ' if control else ''}{problem}")
    return document


def _name(path: Path) -> str:
    return f"{path.parent.name}/{path.name}" if path.parent.name == CONTROLS_DIR else path.name


def _managed_rules(path: Path) -> dict[str, ManagedRule]:
    try:
        return parse_managed_rules(path.read_text())
    except FileNotFoundError:
        raise CatalogueError(f"{path.name}: missing; {_REGENERATE}") from None
    except ValueError as exc:
        raise CatalogueError(f"{path.name}: {exc}; {_REGENERATE}") from None


def _drills(path: Path) -> dict[str, Drill]:
    drills: dict[str, Drill] = {}
    for entry in _yaml(path, checks.DRILLS_SCHEMA)["drills"]:
        if entry["name"] in drills:
            raise CatalogueError(f"{path.name}: drill '{entry['name']}' is defined twice; give each drill one entry")
        drills[entry["name"]] = Drill(entry["name"], entry["title"], entry["disruption"], entry["cadence"],
                                      entry["proves"])
    return drills


def _controls(directory: Path, managed: set[str], drills: Mapping[str, Drill]) -> tuple[dict[str, str], list[Control]]:
    frameworks: dict[str, str] = {}
    controls: list[Control] = []
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise CatalogueError(f"{CONTROLS_DIR}/: holds no <framework>.yaml; add one file per framework")
    for path in files:
        document = _yaml(path, checks.CONTROLS_SCHEMA)
        key, where = document["framework"], _name(path)
        if key != path.stem:
            raise CatalogueError(f"{where}: framework '{key}' differs from the file name; name the file {key}.yaml "
                                 f"or set framework: {path.stem}")
        frameworks[key] = document["name"]
        seen: set[str] = set()
        for entry in document["controls"]:
            control_id = str(entry["id"])
            if control_id in seen:
                raise CatalogueError(f"{where}: control {control_id} is listed twice; merge the two entries")
            seen.add(control_id)
            evidence = Evidence(**{field: tuple(entry["evidence"].get(key, ())) for key, field in _EVIDENCE_KEYS.items()})
            control = Control(key, document["name"], control_id, entry["title"], evidence)
            _check_evidence(where, control, managed, drills)
            controls.append(control)
    return frameworks, controls


def _check_evidence(where: str, control: Control, managed: set[str], drills: Mapping[str, Drill]) -> None:
    where = f"{where}: control {control.id}"
    if not control.evidence.automated:
        raise CatalogueError(f"{where}: has no automated evidence; add at least one policy, Config rule, checkov "
                             "check, test or drill that proves it")
    for kind, ids in _EVIDENCE_KEYS.items():
        values = getattr(control.evidence, ids)
        if len(set(values)) != len(values):
            raise CatalogueError(f"{where}: {kind} lists the same id twice; list each once")
    for identifier in checks.unknown(control.evidence.config_rules, managed):
        raise CatalogueError(f"{where}: '{identifier}' is not an AWS Config managed rule identifier (see "
                             f"compliance/{MANAGED_RULES_FILE}); use the identifier, e.g. S3_BUCKET_VERSIONING_ENABLED")
    for name in checks.unknown(control.evidence.drills, drills):
        raise CatalogueError(f"{where}: drill '{name}' is not defined in compliance/{DRILLS_FILE}; use one of: "
                             f"{', '.join(drills)}")


def _config_rules(settings: Mapping[str, Any], controls: list[Control],
                  managed: Mapping[str, ManagedRule]) -> dict[str, ConfigRuleDefinition]:
    named_by: dict[str, list[str]] = {}
    for control in controls:
        for identifier in control.evidence.config_rules:
            named_by.setdefault(identifier, []).append(control.key)
    for identifier in settings:
        if identifier not in named_by:
            raise CatalogueError(f"{CONFIG_RULES_FILE}: rules.{identifier} is set up but no control names it; add it "
                                 "to a control's configRules (the catalogue decides what is deployed) or remove it")
    rules = {}
    for identifier in sorted(named_by):
        rule, setting = managed[identifier], settings.get(identifier, {})
        where = f"{CONFIG_RULES_FILE}: rules.{identifier}"
        parameters = {name: _text(value) for name, value in setting.get("parameters", {}).items()}
        _check_parameters(where, rule, parameters)
        rules[identifier] = ConfigRuleDefinition(
            identifier=identifier, name=setting.get("name", identifier.lower().replace("_", "-")),
            parameters=parameters, parameter_types={name: rule.parameters[name] for name in parameters},
            resource_types=_scope(where, rule, setting.get("resourceTypes")),
            tag_scope=_tag_scope(where, setting),
            global_scope=setting.get("global", False), controls=tuple(named_by[identifier]))
    names = [r.name for r in rules.values()]
    for name in {n for n in names if names.count(n) > 1}:
        raise CatalogueError(f"{CONFIG_RULES_FILE}: two rules are named '{name}'; give each rule its own name")
    return rules


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _tag_scope(where: str, setting: Mapping[str, Any]) -> tuple[str, str] | None:
    """AWS Config scopes a rule by resource types or by one tag key and value, never both (PutConfigRule, Scope)."""
    tags = setting.get("tagScope")
    if tags is None:
        return None
    if "resourceTypes" in setting:
        raise CatalogueError(f"{where}: has both resourceTypes and tagScope; AWS Config scopes a rule by one or the "
                             "other, so keep one")
    (key, value), = tags.items()
    return key, str(value)


def _check_parameters(where: str, rule: ManagedRule, parameters: Mapping[str, str]) -> None:
    for name, value in parameters.items():
        parameter = rule.parameters.get(name)
        if parameter is None:
            known = ", ".join(rule.parameters) or "none"
            raise CatalogueError(f"{where}: {rule.identifier} has no parameter '{name}' (it takes: {known}); "
                                 "remove it or fix its spelling")
        references = checks.REFERENCE.findall(value)
        for reference in references:
            problem = checks.reference_problem(reference)
            if problem:
                raise CatalogueError(f"{where}: parameter {name}: {problem}; reference a stack config value "
                                     "as written in Pulumi.<stack>.yaml, e.g. {backup.retentionDays}")
        problem = None if references else value_problem(parameter, value)
        if problem:
            raise CatalogueError(f"{where}: {problem}; write a value of that type")
    missing = [p.name for p in rule.parameters.values() if p.required and p.name not in parameters]
    if missing:
        raise CatalogueError(f"{where}: {rule.identifier} requires parameter(s) {', '.join(missing)}; add them "
                             "under parameters")


def _scope(where: str, rule: ManagedRule, requested: list[str] | None) -> tuple[str, ...]:
    evaluated = tuple(t for t in rule.resource_types if t != ACCOUNT_TYPE)
    if requested is None:
        return evaluated
    outside = [t for t in requested if t not in evaluated]
    if outside:
        allowed = ", ".join(evaluated) or "none: it evaluates the account"
        raise CatalogueError(f"{where}: resourceTypes {', '.join(outside)} are not types {rule.identifier} "
                             f"evaluates ({allowed}); narrow the scope to those")
    return tuple(requested)


def _conformance(document: Mapping[str, Any], rules: Mapping[str, ConfigRuleDefinition],
                 managed: Mapping[str, ManagedRule]) -> PackCoverage:
    problem = checks.conformance_coverage_problem(document, set(rules), managed)
    if problem:
        raise CatalogueError(f"{CONFORMANCE_PACKS_FILE}: {problem}")
    packs = {key: ConformancePack(key, entry["name"], entry["template"], tuple(entry["rules"]),
                                  tuple(entry.get("processChecks", ())))
             for key, entry in document["packs"].items()}
    return PackCoverage(packs, tuple(document["nothingToEvaluate"]), dict(document["notDeployed"]),
                        dict(document["processChecks"]))
