"""checkov's JSON reports as check results, each traced back to its Pulumi resource or repository file."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable

PLAN_FRAMEWORK = "terraform_plan"
FRAMEWORK_TITLES = {PLAN_FRAMEWORK: "Terraform plan", "secrets": "secrets", "github_actions": "GitHub Actions"}


@dataclass(frozen=True)
class CheckResult:
    framework: str  # terraform_plan, secrets or github_actions
    check_id: str
    check_name: str
    passed: bool
    resource: str  # Terraform address for the plan; file:line for secrets; workflow job for GitHub Actions
    urn: str = ""  # the Pulumi resource behind a plan result
    file: str = ""
    guideline: str = ""
    suppressed_reason: str = ""

    @property
    def target(self) -> str:
        """What a person should look at: the Pulumi URN when there is one, else the resource."""
        return self.urn or self.resource

    @property
    def fix(self) -> str:
        # Offline, checkov has no guideline links (they come from the platform); its check names are imperative.
        return self.guideline or f"{self.check_name} (checkov {self.check_id})"


@dataclass
class CheckovResult:
    version: str
    stack: str | None
    plan_path: Path | None
    frameworks: tuple[str, ...]
    results: list[CheckResult]
    checked_at: str
    timings: dict[str, float] = field(default_factory=dict)
    scanned: dict[str, str] = field(default_factory=dict)  # scan (its frameworks) -> what it read, in words

    @property
    def failed(self) -> list[CheckResult]:
        return [r for r in self.results if not r.passed]

    @property
    def unsuppressed(self) -> list[CheckResult]:
        return [r for r in self.failed if not r.suppressed_reason]

    @property
    def suppressed(self) -> list[CheckResult]:
        return [r for r in self.failed if r.suppressed_reason]

    @property
    def passed(self) -> bool:
        return not self.unsuppressed

    def check_ids(self, framework: str | None = None) -> list[str]:
        return sorted({r.check_id for r in self.results if framework is None or r.framework == framework})

    def summary(self, framework: str) -> dict[str, int]:
        """Per framework: distinct checks that ran and results passed, failed (unsuppressed) and suppressed."""
        rows = [r for r in self.results if r.framework == framework]
        return {"checks": len({r.check_id for r in rows}), "results": len(rows),
                "passed": sum(r.passed for r in rows),
                "failed": sum(not r.passed and not r.suppressed_reason for r in rows),
                "suppressed": sum(not r.passed and bool(r.suppressed_reason) for r in rows)}


def parse_reports(reports: Iterable[dict[str, Any]], urns: dict[str, str]) -> list[CheckResult]:
    results = []
    for report in reports:
        framework = str(report.get("check_type", ""))
        outcome = report.get("results") or {}
        for key, passed in (("passed_checks", True), ("failed_checks", False)):
            for item in outcome.get(key) or []:
                results.append(_result(framework, item, passed, urns))
    return results


def with_suppression(result: CheckResult, reason: str) -> CheckResult:
    return replace(result, suppressed_reason=reason)


def _result(framework: str, item: dict[str, Any], passed: bool, urns: dict[str, str]) -> CheckResult:
    file_path = str(item.get("file_path") or "").lstrip("/")
    lines = item.get("file_line_range") or []
    if framework == PLAN_FRAMEWORK:
        resource = str(item.get("resource_address") or item.get("resource") or "")
    elif framework == "secrets":
        # checkov names a secret by a hash of it; the place is what a reviewer can find and suppress.
        resource = f"{file_path}:{lines[0]}" if lines else file_path
    else:
        resource = f"{file_path}:{item.get('resource') or ''}"
    return CheckResult(framework=framework, check_id=str(item.get("check_id") or ""),
                       check_name=str(item.get("check_name") or ""), passed=passed, resource=resource,
                       urn=urns.get(resource, "") if framework == PLAN_FRAMEWORK else "",
                       file=file_path, guideline=str(item.get("guideline") or ""))
