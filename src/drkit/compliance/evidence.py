"""Turns what each producer found into EvidenceResults: the policy gate, Config-rule coverage in the graph and
live AWS Config compliance (records other runs left behind, tests and drills: evidence_records.py).

The file shapes read here (drill records, live Config results) are documented in docs/reports.md.
"""
from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterable

from drcore.errors import UsageError
from drcore.platform import ROLES
from drcore.tags import DR_ROLE_TAG
from drkit.compliance.assessment import EvidenceResult, Finding
from drkit.compliance.evidence_records import read_json
from drkit.compliance.timestamps import utc_now
from drkit.graph.resource_graph import Graph
from drkit.policy_host.evaluation import GateResult

CONFIG_RULE_TYPE = "aws:cfg/rule:Rule"
_BLOCKING_LEVELS = ("mandatory", "remediate")


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
    """Per Config rule the catalogue names: `configured` when a rule with that source identifier is deployed in
    both the primary and the secondary region of the graph, failed naming the region(s) it is missing from.
    Deployed is not assessed: only AWS Config's own evaluation says whether resources comply (live_config_evidence)."""
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
            results.append(EvidenceResult("config-rule", identifier, "configured", [], checked_at,
                                          f"deployed in {where}; no AWS Config evaluation in this run "
                                          "(drkit evidence --live)", "resource graph"))
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
    records = read_json(path, _LIVE_SCHEMA, "live AWS Config results")
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
