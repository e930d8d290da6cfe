"""Turns what each producer found into EvidenceResults: the policy gate, Config-rule coverage in the graph,
pytest's JUnit XML, DR drill records and live AWS Config compliance.

The file shapes read here (drill records, live Config results) are documented in docs/reports.md.
"""
from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

import jsonschema

from drcore.errors import UsageError
from drcore.platform import ROLES
from drcore.tags import DR_ROLE_TAG
from drkit.compliance.assessment import EvidenceResult, Finding
from drkit.graph.resource_graph import Graph
from drkit.policy_host.evaluation import GateResult

CONFIG_RULE_TYPE = "aws:cfg/rule:Rule"
_BLOCKING_LEVELS = ("mandatory", "remediate")


def utc_now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# --- policy gate ---------------------------------------------------------------------------------------------

def policy_evidence(gate: GateResult, graph: Graph | None = None, checked_at: str = "") -> list[EvidenceResult]:
    """One result per policy of the pack: failed when it has a mandatory violation, passed otherwise (advisory
    violations are listed as findings on a passed result), not-run when disabled or not applicable."""
    checked_at = checked_at or utc_now()
    by_policy: dict[str, list] = defaultdict(list)
    for diagnostic in gate.diagnostics:
        by_policy[diagnostic.policy].append(diagnostic)
    not_applicable = dict(gate.not_applicable)
    source = f"policy gate ({gate.pack_name}@v{gate.pack_version})"
    results = []
    for policy in gate.info.policies:
        level = gate.resolved_config.get(policy.name, {}).get("enforcementLevel", policy.level)
        diagnostics = by_policy.get(policy.name, [])
        findings = [Finding(source="policy", rule=policy.name, resource=d.urn, message=_strip_description(
                        d.message, policy.description), severity=d.severity or policy.severity,
                        fix=policy.remediation_steps, region=_region(graph, d.urn)) for d in diagnostics]
        blocking = sum(1 for d in diagnostics if d.level in _BLOCKING_LEVELS)
        if level == "disabled":
            status, detail = "not-run", "disabled in the policy config"
        elif policy.name in not_applicable and not diagnostics:
            status, detail = "not-run", f"not applicable: {not_applicable[policy.name]}"
        else:
            status = "failed" if blocking else "passed"
            detail = (f"{level}, {len(diagnostics)} violation{'s' * (len(diagnostics) != 1)} over "
                      f"{gate.resources_analyzed} resources")
        results.append(EvidenceResult("policy", policy.name, status, findings, checked_at, detail, source))
    return results


def _strip_description(message: str, description: str) -> str:
    # pulumi-policy prefixes every violation message with the policy's description; the report shows it once.
    return message[len(description) + 1:] if message.startswith(description + "\n") else message


def _region(graph: Graph | None, urn: str) -> str:
    resource = graph.by_urn().get(urn) if graph is not None and urn else None
    return (graph.region_of(resource) or "") if resource is not None else ""


# --- AWS Config rules: deployed coverage in the graph, and live compliance ---------------------------------

def config_rule_coverage(graph: Graph, catalogue: Any, checked_at: str = "") -> list[EvidenceResult]:
    """Per Config rule the catalogue names: passed when a rule with that source identifier is deployed in both
    the primary and the secondary region of the graph, failed naming the region(s) it is missing from.
    This is what the program deploys, not whether AWS finds the resources compliant (see live_config_evidence)."""
    checked_at = checked_at or utc_now()
    regions = dr_regions(graph)
    deployed: dict[str, set[str]] = defaultdict(set)
    for rule in graph.of_type(CONFIG_RULE_TYPE):
        source = rule.inputs.get("source") or {}
        identifier = source.get("sourceIdentifier") if isinstance(source, dict) else None
        if isinstance(identifier, str):
            deployed[identifier].add(graph.region_of(rule) or "")
    results = []
    for identifier in catalogue_config_rules(catalogue):
        missing = [(role, region) for role, region in regions.items() if region not in deployed[identifier]]
        where = " and ".join(regions.values())
        if not missing:
            results.append(EvidenceResult("config-rule", identifier, "passed", [], checked_at,
                                          f"deployed in {where} (coverage, not live compliance)", "resource graph"))
            continue
        findings = [Finding(source="config-rule", rule=identifier, resource=f"AWS Config rule {identifier}",
                            message=f"no {CONFIG_RULE_TYPE} with source identifier {identifier} is deployed in "
                                    f"the {role} region {region}",
                            severity="high", region=region,
                            fix="deploy the rule in both regions: infra/config_rules.py deploys every Config rule "
                                "the catalogue (compliance/) names, so check the rule is listed there")
                    for role, region in missing]
        results.append(EvidenceResult("config-rule", identifier, "failed", findings, checked_at,
                                      f"missing in {', '.join(r for _, r in missing)}", "resource graph"))
    return results


def catalogue_config_rules(catalogue: Any) -> list[str]:
    """Every Config rule identifier the catalogue names: its rule table (keyed by identifier), then any a control
    cites."""
    cited = (identifier for control in catalogue.controls for identifier in control.evidence.config_rules)
    return list(dict.fromkeys([*(getattr(catalogue, "config_rules", None) or ()), *cited]))


def dr_regions(graph: Graph) -> dict[str, str]:
    """{"primary": region, "secondary": region}: from the stack outputs, else the providers' DRRole tags."""
    outputs = graph.outputs
    if isinstance(outputs.get("primaryRegion"), str) and isinstance(outputs.get("secondaryRegion"), str):
        return {"primary": outputs["primaryRegion"], "secondary": outputs["secondaryRegion"]}
    regions: dict[str, str] = {}
    for provider in (r for r in graph if r.type == "pulumi:providers:aws"):
        try:
            tags = json.loads(provider.inputs.get("defaultTags") or "{}").get("tags") or {}
        except (TypeError, ValueError, AttributeError):
            tags = {}
        role, region = tags.get(DR_ROLE_TAG), provider.inputs.get("region")
        if role in ROLES and isinstance(region, str):
            regions.setdefault(role, region)
    if set(regions) != {"primary", "secondary"}:
        raise UsageError(f"graph of stack '{graph.stack}' names no primary and secondary region (no primaryRegion/"
                         "secondaryRegion outputs, no providers tagged DRRole); Config-rule coverage needs both")
    return {"primary": regions["primary"], "secondary": regions["secondary"]}


_LIVE_VERDICTS = ("COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE", "INSUFFICIENT_DATA", "NOT_DEPLOYED", "UNREACHABLE")
_LIVE_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["identifier", "region", "compliance", "checkedAt"],
        "properties": {
            "identifier": {"type": "string", "minLength": 1},
            "region": {"type": "string", "minLength": 1},
            "compliance": {"enum": list(_LIVE_VERDICTS)},
            "nonCompliant": {"type": "array", "items": {
                "type": "object", "required": ["resourceType", "resourceId"],
                "properties": {"resourceType": {"type": "string"}, "resourceId": {"type": "string"},
                               "annotation": {"type": "string"}}}},
            "checkedAt": {"type": "string", "minLength": 1},
            "error": {"type": "string"},
        },
    },
}


def live_config_evidence(path: Path) -> list[EvidenceResult]:
    """Live AWS Config compliance per rule identifier over the regions the file reports (the shape `drkit evidence
    --live` writes): failed when a region finds a resource NON_COMPLIANT or has no such rule (NOT_DEPLOYED), passed
    when every region is COMPLIANT or NOT_APPLICABLE, else not-run (AWS has no verdict yet, or a region did not
    answer), which leaves coverage in place. A missing file gives nothing."""
    records = _read_json(path, _LIVE_SCHEMA, "live AWS Config results")
    by_identifier: dict[str, list[dict]] = defaultdict(list)
    for record in records or ():
        by_identifier[record["identifier"]].append(record)
    return [_live_result(identifier, items, path) for identifier, items in by_identifier.items()]


def _live_result(identifier: str, records: list[dict], path: Path) -> EvidenceResult:
    findings = []
    for record in records:
        region = record["region"]
        if record["compliance"] == "NOT_DEPLOYED":
            findings.append(Finding(
                source="config-rule", rule=identifier, resource=f"AWS Config rule {identifier}", severity="high",
                region=region, message=f"AWS Config in {region} has no active rule with identifier {identifier}",
                fix="deploy the stack to that region (pulumi up): the program deploys every rule the catalogue names"))
        listed = (record.get("nonCompliant") or []) if record["compliance"] == "NON_COMPLIANT" else []
        for item in listed:
            note = f": {item['annotation']}" if item.get("annotation") else ""
            findings.append(Finding(
                source="config-rule", rule=identifier, resource=f"{item['resourceType']} {item['resourceId']}",
                severity="high", region=region,
                message=f"AWS Config evaluates this resource NON_COMPLIANT with {identifier} in {region}{note}",
                fix=f"change the resource so it satisfies {identifier}, then re-evaluate the rule in AWS Config"))
    verdicts = {record["compliance"] for record in records}
    if verdicts & {"NON_COMPLIANT", "NOT_DEPLOYED"}:
        status = "failed"
        if not findings:  # NON_COMPLIANT with no resource listed
            findings.append(Finding(source="config-rule", rule=identifier, resource=f"AWS Config rule {identifier}",
                                    severity="high", message=f"AWS Config reports {identifier} NON_COMPLIANT",
                                    fix=f"list the non-compliant resources in the AWS Config console for {identifier}"))
    elif verdicts <= {"COMPLIANT", "NOT_APPLICABLE"}:
        status = "passed"
    else:
        status = "not-run"
    detail = ", ".join(f"{r['region']} {r['compliance']}" for r in sorted(records, key=lambda r: r["region"]))
    return EvidenceResult("config-rule", identifier, status, findings, max(r["checkedAt"] for r in records),
                          f"live: {detail}", f"AWS Config (live, {Path(path).name})")


def with_overrides(base: Iterable[EvidenceResult], overrides: Iterable[EvidenceResult]) -> list[EvidenceResult]:
    """`base` with each result replaced by an override for the same (kind, id) that has a verdict; live results
    without one (AWS has insufficient data) leave the coverage result in place."""
    merged = {(r.kind, r.id): r for r in base}
    for result in overrides:
        if result.status != "not-run" or (result.kind, result.id) not in merged:
            merged[(result.kind, result.id)] = result
    return list(merged.values())


# --- tests and drills ---------------------------------------------------------------------------------------

def test_evidence(junit_xml_path: Path) -> list[EvidenceResult]:
    """pytest's JUnit XML as evidence keyed by node id (tests/x/test_y.py::test_z). Parametrized cases also count
    towards their function's id (failed if any case failed). A missing file gives nothing."""
    path = Path(junit_xml_path)
    if not path.is_file():
        return []
    try:
        root = ElementTree.parse(path).getroot()
    except (ElementTree.ParseError, OSError) as exc:
        raise UsageError(f"{path} is not JUnit XML ({exc}); pass the file written by 'pytest --junitxml=FILE'") from None
    cases: dict[str, EvidenceResult] = {}
    by_function: dict[str, list[EvidenceResult]] = defaultdict(list)
    for suite in root.iter("testsuite"):
        for case in suite.iter("testcase"):
            result = _case_result(case, suite.get("timestamp", ""), path)
            cases[result.id] = result
            if "[" in result.id:
                by_function[result.id.split("[", 1)[0]].append(result)
    for function, results in by_function.items():
        statuses = {r.status for r in results}
        status = "failed" if "failed" in statuses else "passed" if "passed" in statuses else "not-run"
        cases.setdefault(function, EvidenceResult("test", function, status, [f for r in results for f in r.findings],
                                                  results[0].checked_at, f"{len(results)} cases", str(path)))
    return list(cases.values())


def _case_result(case: ElementTree.Element, checked_at: str, path: Path) -> EvidenceResult:
    parts = [p for p in case.get("classname", "").split(".") if p]
    # House style is flat test functions; a capitalised last part is a test class, not a module.
    klass = [parts.pop()] if parts and parts[-1][:1].isupper() else []
    node_id = "::".join(["/".join(parts) + ".py", *klass, case.get("name", "")])
    problem = case.find("failure")
    problem = case.find("error") if problem is None else problem
    findings = [] if problem is None else [Finding(
        source="test", rule=node_id, resource=node_id, severity="high",
        message=((problem.get("message") or problem.tag).splitlines() or [problem.tag])[0][:500],
        fix=f"run .venv/bin/pytest '{node_id}' and fix what it reports")]
    status = "failed" if findings else "not-run" if case.find("skipped") is not None else "passed"
    return EvidenceResult("test", node_id, status, findings, checked_at, f"{case.get('time', '?')} s", str(path))


_DRILL_SCHEMA = {
    "type": "object",
    "required": ["scenario", "passed", "finishedAt", "achievedRtoSeconds", "achievedRpoSeconds"],
    "properties": {
        "scenario": {"type": "string", "minLength": 1},
        "passed": {"type": "boolean"},
        "finishedAt": {"type": "string", "minLength": 1},
        "achievedRtoSeconds": {"type": "number", "minimum": 0},
        "achievedRpoSeconds": {"type": "number", "minimum": 0},
    },
}


def drill_evidence(directory: Path) -> list[EvidenceResult]:
    """The latest drill record per scenario from the *.json files in `directory`; a missing directory gives
    nothing. A failed latest drill fails its evidence, whatever earlier drills did."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    latest: dict[str, tuple[dict, Path]] = {}
    for path in sorted(directory.glob("*.json")):
        record = _read_json(path, _DRILL_SCHEMA, "drill record")
        known = latest.get(record["scenario"])
        if known is None or record["finishedAt"] > known[0]["finishedAt"]:
            latest[record["scenario"]] = (record, path)
    results = []
    for scenario, (record, path) in sorted(latest.items()):
        detail = (f"RTO {record['achievedRtoSeconds']:g} s, RPO {record['achievedRpoSeconds']:g} s, "
                  f"finished {record['finishedAt']}")
        findings = [] if record["passed"] else [Finding(
            source="drill", rule=scenario, resource=f"drill {scenario}", severity="high",
            message=f"the last '{scenario}' drill failed ({detail})",
            fix=f"see {path.name} for the failed step, fix it, and run the drill again")]
        results.append(EvidenceResult("drill", scenario, "passed" if record["passed"] else "failed", findings,
                                      record["finishedAt"], detail, str(path)))
    return results


def _read_json(path: Path, schema: dict, what: str) -> Any:
    path = Path(path)
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UsageError(f"{path}: {what} is not readable JSON ({exc}); see docs/reports.md for the format") from None
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(data))
    if error is not None:
        place = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path).lstrip(".")
        raise UsageError(f"{path}: {what}{' ' + place if place else ''}: {error.message}; "
                         "see docs/reports.md for the format")
    return data
