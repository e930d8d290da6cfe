"""checkov results as compliance evidence: one EvidenceResult per check id that ran."""
from __future__ import annotations

from drkit.checkov.results import FRAMEWORK_TITLES, CheckovResult, CheckResult
from drkit.compliance.assessment import EvidenceResult, Finding


def checkov_evidence(result: CheckovResult) -> list[EvidenceResult]:
    """passed: every resource passed; failed: some failure is not suppressed; suppressed: every failure is an
    accepted one (its findings carry the suppression's reason)."""
    by_check: dict[str, list[CheckResult]] = {}
    for check in result.results:
        by_check.setdefault(check.check_id, []).append(check)
    evidence = []
    for check_id in sorted(by_check):
        rows = by_check[check_id]
        failures = [r for r in rows if not r.passed]
        unsuppressed = [r for r in failures if not r.suppressed_reason]
        status = "failed" if unsuppressed else "suppressed" if failures else "passed"
        findings = [Finding(source="checkov", rule=check_id, resource=r.target, message=r.check_name,
                            fix=r.fix, suppressed_reason=r.suppressed_reason) for r in failures]
        evidence.append(EvidenceResult(kind="checkov", id=check_id, status=status, findings=findings,
                                       checked_at=result.checked_at, detail=_detail(result, rows, failures),
                                       source=f"checkov {result.version}"))
    return evidence


def _detail(result: CheckovResult, rows: list[CheckResult], failures: list[CheckResult]) -> str:
    framework = FRAMEWORK_TITLES.get(rows[0].framework, rows[0].framework)
    where = f" of stack '{result.stack}'" if rows[0].framework == "terraform_plan" and result.stack else ""
    suppressed = sum(bool(r.suppressed_reason) for r in failures)
    text = f"{rows[0].check_name} — {framework}{where}: {len(rows) - len(failures)} passed, {len(failures) - suppressed} failed"
    return text + (f", {suppressed} suppressed" if suppressed else "")
