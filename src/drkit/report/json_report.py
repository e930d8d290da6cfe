"""The machine-readable report: a stable, versioned JSON shape (schema/compliance-report.schema.json, docs/reports.md).

Bump SCHEMA_VERSION on any change a consumer could notice (renamed or removed field, changed meaning); adding
a field does not need a bump.
"""
from __future__ import annotations

import json
from importlib import resources
from typing import Any

from drkit import __version__
from drkit.compliance.assessment import ControlStatus, EvidenceResult, Finding, Waiver
from drkit.report.compliance_run import ComplianceRun

_COUNT_KEYS = {"passed": "passed", "failed": "failed", "stale": "stale", "not-verified": "notVerified",
               "configured": "configured", "waived": "waived"}

SCHEMA_VERSION = 2  # 2: verdicts stale/not-verified/configured/waived, provenance, waivers


def load_schema() -> dict[str, Any]:
    return json.loads((resources.files("drkit.report") / "schema" / "compliance-report.schema.json").read_text())


def finding_json(finding: Finding) -> dict[str, Any]:
    return {"source": finding.source, "rule": finding.rule, "resource": finding.resource, "message": finding.message,
            "severity": finding.severity, "fix": finding.fix, "region": finding.region,
            "suppressedReason": finding.suppressed_reason}


def waiver_json(waiver: Waiver) -> dict[str, Any]:
    return {"evidence": waiver.evidence, "reason": waiver.reason, "owner": waiver.owner, "expires": waiver.expires}


def evidence_json(result: EvidenceResult) -> dict[str, Any]:
    return {"kind": result.kind, "id": result.id, "status": result.status, "checkedAt": result.checked_at,
            "detail": result.detail, "source": result.source, "findings": [finding_json(f) for f in result.findings],
            "waiver": waiver_json(result.waiver) if result.waiver else None}


def counts_json(counts: dict[str, int]) -> dict[str, int]:
    return {"total": sum(counts.values()), **{_COUNT_KEYS[verdict]: n for verdict, n in counts.items()}}


def control_json(status: ControlStatus) -> dict[str, Any]:
    control = status.control
    return {"framework": control.framework, "frameworkName": control.framework_name, "id": control.id,
            "key": control.key, "title": control.title, "verdict": status.verdict,
            "evidence": [evidence_json(e) for e in status.evidence]}


def to_json(run: ComplianceRun) -> dict[str, Any]:
    frameworks = run.framework_summaries()
    gate, checkov, config = run.gate, run.checkov, run.config
    return {
        "schemaVersion": SCHEMA_VERSION,
        "tool": {"name": "drkit", "version": __version__},
        "project": run.project,
        "stack": run.stack,
        "generatedAt": run.generated_at,
        "passed": run.passed,
        "summary": {
            "controls": counts_json(run.verdict_counts()),
            "frameworks": [{"key": f.key, "name": f.name, **counts_json(f.counts)} for f in frameworks],
        },
        "policyGate": None if gate is None else {
            "pack": gate.pack, "passed": gate.passed, "policies": len(gate.policies),
            "mandatoryViolations": gate.mandatory_violations, "advisoryViolations": gate.advisory_violations,
            "resourcesAnalyzed": gate.resources_analyzed},
        "checkov": {"ran": checkov.ran, "checksRun": checkov.checks_run, "results": checkov.results,
                    "passed": checkov.passed, "failed": checkov.failed, "suppressed": checkov.suppressed,
                    "version": checkov.version, "note": checkov.note, "scanned": checkov.scanned,
                    "frameworks": {name: {"checks": c["checks"], "results": c["results"], "passed": c["passed"],
                                          "failed": c["failed"], "suppressed": c["suppressed"]}
                                   for name, c in checkov.by_framework.items()}},
        "configRules": None if config is None else {
            "primaryRegion": config.primary_region, "secondaryRegion": config.secondary_region,
            "rulesNamed": config.rules_named, "rulesInBothRegions": config.rules_in_both_regions, "live": config.live},
        "controls": [control_json(c) for c in run.controls],
        "evidence": [evidence_json(e) for e in run.evidence],
        "warnings": list(run.warnings),
        "provenance": run.provenance.as_dict() if run.provenance else None,
        "waivers": [waiver_json(w) for w in run.waivers],
    }


def render_json(run: ComplianceRun) -> str:
    return json.dumps(to_json(run), indent=2) + "\n"
