"""The machine-readable report: a stable, versioned JSON shape (schema/compliance-report.schema.json, docs/reports.md).

Bump SCHEMA_VERSION on any change a consumer could notice (renamed or removed field, changed meaning); adding
a field does not need a bump.
"""
from __future__ import annotations

import json
from importlib import resources
from typing import Any

from drkit import __version__
from drkit.compliance.assessment import ControlStatus, EvidenceResult, Finding
from drkit.report.compliance_run import ComplianceRun

SCHEMA_VERSION = 1


def load_schema() -> dict[str, Any]:
    return json.loads((resources.files("drkit.report") / "schema" / "compliance-report.schema.json").read_text())


def finding_json(finding: Finding) -> dict[str, Any]:
    return {"source": finding.source, "rule": finding.rule, "resource": finding.resource, "message": finding.message,
            "severity": finding.severity, "fix": finding.fix, "region": finding.region,
            "suppressedReason": finding.suppressed_reason}


def evidence_json(result: EvidenceResult) -> dict[str, Any]:
    return {"kind": result.kind, "id": result.id, "status": result.status, "checkedAt": result.checked_at,
            "detail": result.detail, "source": result.source, "findings": [finding_json(f) for f in result.findings]}


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
            "controls": {"total": len(run.controls), "passed": sum(f.passed for f in frameworks),
                         "failed": sum(f.failed for f in frameworks),
                         "notCovered": sum(f.not_covered for f in frameworks)},
            "frameworks": [{"key": f.key, "name": f.name, "total": f.total, "passed": f.passed, "failed": f.failed,
                            "notCovered": f.not_covered} for f in frameworks],
        },
        "policyGate": None if gate is None else {
            "pack": gate.pack, "passed": gate.passed, "policies": len(gate.policies),
            "mandatoryViolations": gate.mandatory_violations, "advisoryViolations": gate.advisory_violations,
            "resourcesAnalyzed": gate.resources_analyzed},
        "checkov": {"ran": checkov.ran, "checksRun": checkov.checks_run, "results": checkov.results,
                    "passed": checkov.passed, "failed": checkov.failed, "suppressed": checkov.suppressed,
                    "version": checkov.version, "note": checkov.note,
                    "frameworks": {name: {"checks": c["checks"], "results": c["results"], "passed": c["passed"],
                                          "failed": c["failed"], "suppressed": c["suppressed"]}
                                   for name, c in checkov.by_framework.items()}},
        "configRules": None if config is None else {
            "primaryRegion": config.primary_region, "secondaryRegion": config.secondary_region,
            "rulesNamed": config.rules_named, "rulesInBothRegions": config.rules_in_both_regions, "live": config.live},
        "controls": [control_json(c) for c in run.controls],
        "evidence": [evidence_json(e) for e in run.evidence],
        "warnings": list(run.warnings),
    }


def render_json(run: ComplianceRun) -> str:
    return json.dumps(to_json(run), indent=2) + "\n"
