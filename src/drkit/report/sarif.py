"""The report for code scanning: SARIF 2.1.0, as GitHub's upload-sarif action reads it.

One rule per policy, checkov check and Config rule that can fail; one result per finding, at the program file
and line that declares the resource (logical location: its URN). Suppressed checkov findings are results with an
external suppression and its reason; advisory policy violations are notes.

What GitHub code scanning does with it (docs.github.com, "SARIF support for code scanning"):
- an alert's severity comes from its rule's `security-severity` (high is 7.0-8.9, critical 9.0+), and a branch
  protection "High or higher" blocks on it: every rule whose finding fails the gate (a mandatory policy, a checkov
  check, a Config rule) is at least 7.0, so code scanning blocks what the gate blocks; advisory ones keep theirs;
- alerts are told apart by `partialFingerprints.primaryLocationLineHash`, which it computes from the source line
  when absent: several resources declared on one line would collapse into one alert, so each result carries its
  own, from rule, resource and region;
- results with `suppressions` are closed alerts with the justification, not open ones.
"""
from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from drkit import __version__
from drkit.compliance.assessment import EvidenceResult, Finding
from drkit.report.compliance_run import ComplianceRun
from drkit.report.html import resource_name
from drkit.report.locations import SourceLocation, SourceLocator

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_SCANNED_KINDS = ("policy", "checkov", "config-rule")
_LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
# GitHub ranks code-scanning alerts by this CVSS-like score (critical > 9, high 7-8.9, medium 4-6.9, low < 4).
_SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}
_CONFIG_REFERENCE = re.compile(r"stack config ([\w.-]+:[\w.]+)")  # how policies name the value they judge
BLOCKING_SECURITY_SEVERITY = 7.0  # "high": the lowest score a "High or higher" protection rule blocks on
_DEFAULT_HELP = ("Change the resource so the check passes, or accept the finding with a reason in "
                 "compliance/suppressions.yaml (docs/checkov.md); the compliance report lists the controls it affects.")


def rule_id(kind: str, identifier: str) -> str:
    return f"{kind}/{identifier}"


def to_sarif(run: ComplianceRun, locator: SourceLocator | None = None) -> dict[str, Any]:
    rules, index = _rules(run)
    results = []
    for result in run.evidence:
        if result.kind not in _SCANNED_KINDS:
            continue
        for finding in result.findings:
            level = _level(result, finding)
            if level is None:
                continue
            identifier = rule_id(result.kind, result.id)
            results.append(_result(identifier, index[identifier], level, finding, locator, run.stack,
                                   _acceptance(result, finding)))
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "drkit", "version": __version__, "semanticVersion": __version__,
                                "rules": rules}},
            "automationDetails": {"id": f"drkit/compliance/{run.stack}/"},
            "invocations": [{"executionSuccessful": True, "endTimeUtc": run.generated_at}],
            "results": results,
            "properties": {"project": run.project, "stack": run.stack, "passed": run.passed,
                           "provenance": run.provenance.as_dict() if run.provenance else None},
        }],
    }


def render_sarif(run: ComplianceRun, locator: SourceLocator | None = None) -> str:
    return json.dumps(to_sarif(run, locator), indent=2) + "\n"


def _acceptance(result: EvidenceResult, finding: Finding) -> str:
    """Why a finding is accepted, if it is: suppressed in compliance/suppressions.yaml, or its whole evidence waived
    there. An accepted finding travels as a SARIF suppression, a closed alert with the justification."""
    if finding.suppressed_reason:
        return finding.suppressed_reason
    if result.status == "waived" and result.waiver:
        return f"{result.waiver.describe()} (waiver for {result.key})"
    return ""


def _level(result: EvidenceResult, finding: Finding) -> str | None:
    """The SARIF level for a finding: `error` for every one that fails the gate, whatever its severity."""
    if _acceptance(result, finding):
        return "note"
    if result.kind == "policy" and result.status != "failed":
        return "note"  # an advisory violation: shown, never blocking
    return "error"


def _rules(run: ComplianceRun) -> tuple[list[dict[str, Any]], dict[str, int]]:
    cited: dict[str, list[str]] = {}
    for status in run.controls:
        for evidence in status.evidence:
            cited.setdefault(rule_id(evidence.kind, evidence.id), []).append(status.control.key)
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}

    def add(identifier: str, name: str, description: str, severity: str, help_text: str, blocking: bool) -> None:
        if identifier in index:
            return
        index[identifier] = len(rules)
        controls = sorted(set(cited.get(identifier, [])))
        score = float(_SECURITY_SEVERITY.get(severity.lower(), _SECURITY_SEVERITY["medium"]))
        if blocking:
            score = max(score, BLOCKING_SECURITY_SEVERITY)
        rules.append({
            "id": identifier, "name": name,
            "shortDescription": {"text": _first_sentence(description) or name},
            "fullDescription": {"text": description or name},
            "help": {"text": help_text or _DEFAULT_HELP},
            "defaultConfiguration": {"level": "error" if blocking else _LEVELS.get(severity.lower(), "warning")},
            "properties": {"tags": ["security", "compliance", *controls], "controls": controls,
                           "security-severity": f"{score:.1f}"},
        })

    for policy in run.gate.policies if run.gate else ():
        add(rule_id("policy", policy.name), policy.name, policy.description, policy.severity, policy.remediation,
            blocking=policy.enforcement_level in ("mandatory", "remediate"))
    for result in run.evidence:
        if result.kind in _SCANNED_KINDS:
            severity = next((f.severity for f in result.findings if f.severity), "")
            fix = next((f.fix for f in result.findings if f.fix), "")
            add(rule_id(result.kind, result.id), result.id, _describe(result), severity or "medium", fix,
                blocking=True)  # an unsuppressed checkov finding or a missing Config rule fails the gate
    for status in run.controls:  # cited checks that did not run here (checkov absent) can still fail in CI
        for evidence in status.evidence:
            if evidence.kind in _SCANNED_KINDS:
                add(rule_id(evidence.kind, evidence.id), evidence.id, _describe(evidence), "medium", "",
                    blocking=True)
    return rules, index


def _describe(result: EvidenceResult) -> str:
    labels = {"checkov": "checkov check", "config-rule": "AWS Config managed rule", "policy": "policy"}
    return f"{labels.get(result.kind, result.kind)} {result.id}"


def _first_sentence(text: str) -> str:
    head = text.split(". ", 1)[0].strip()
    return head if head.endswith(".") else head + "." if head else ""


def _result(identifier: str, rule_index: int, level: str, finding: Finding,
            locator: SourceLocator | None, stack: str = "", accepted_because: str = "") -> dict[str, Any]:
    location = locator.locate(finding.resource) if locator else SourceLocation("infra/__main__.py", 1)
    # A finding about a stack config value points at the line that sets it, not at the program.
    config_reference = _CONFIG_REFERENCE.search(finding.message)
    if locator and config_reference and stack:
        location = locator.config_key(stack, config_reference.group(1)) or location
    where = f" in {finding.region}" if finding.region else ""
    message = f"{resource_name(finding.resource)}{where}: {finding.message}" + (f" Fix: {finding.fix}" if finding.fix else "")
    identity = hashlib.sha256(f"{identifier}\0{finding.resource}\0{finding.region}".encode()).hexdigest()
    result: dict[str, Any] = {
        "ruleId": identifier,
        "ruleIndex": rule_index,
        "level": level,
        "message": {"text": message or identifier},
        "locations": [{
            "physicalLocation": {"artifactLocation": {"uri": location.path, "uriBaseId": "%SRCROOT%"},
                                 "region": {"startLine": location.line}},
            "logicalLocations": [{"fullyQualifiedName": finding.resource or "stack", "kind": "resource"}],
        }],
        # Stable across runs and line moves, one per rule, resource and region: code scanning keys alerts on
        # primaryLocationLineHash, which it would otherwise compute from the (shared) source line.
        "partialFingerprints": {"drkitFinding/v1": identity, "primaryLocationLineHash": f"{identity[:16]}:1"},
    }
    if finding.region:
        result["properties"] = {"region": finding.region}
    if accepted_because:
        result["suppressions"] = [{"kind": "external", "status": "accepted", "justification": accepted_because}]
    return result
