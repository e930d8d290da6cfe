"""One compliance run: everything the five report formats render, and the verdict they all agree on.

Formats only read a ComplianceRun; they never rerun a producer or recompute a verdict.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from drkit.compliance.assessment import ControlStatus, EvidenceResult, Finding

GATING_KINDS = ("policy", "checkov", "config-rule")


@dataclass(frozen=True)
class PolicyRule:
    """A policy the pack can report, as code-scanning rules and the report's legend need it."""

    name: str
    description: str
    severity: str
    enforcement_level: str
    remediation: str


@dataclass
class GateSummary:
    pack: str  # name@vVERSION
    policies: list[PolicyRule]
    mandatory_violations: int
    advisory_violations: int
    resources_analyzed: int

    @property
    def passed(self) -> bool:
        return self.mandatory_violations == 0


@dataclass
class CheckovSummary:
    ran: bool
    checks_run: int = 0  # distinct checks that ran, summed over checkov's frameworks
    results: int = 0  # check x resource evaluations; passed + failed + suppressed
    passed: int = 0
    failed: int = 0  # unsuppressed failing evaluations: each one fails the gate
    suppressed: int = 0
    version: str = ""
    note: str = ""  # why it did not run, when it did not
    by_framework: dict[str, dict[str, int]] = field(default_factory=dict)  # checkov framework -> the same counts


@dataclass
class ConfigCoverage:
    primary_region: str
    secondary_region: str
    rules_named: int
    rules_in_both_regions: int
    live: bool  # live AWS Config results were merged in


@dataclass
class FrameworkSummary:
    key: str
    name: str
    passed: int
    failed: int
    not_covered: int

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.not_covered


@dataclass
class ComplianceRun:
    stack: str
    project: str
    generated_at: str  # ISO 8601 UTC
    controls: list[ControlStatus]  # from assess_controls
    evidence: list[EvidenceResult]  # everything gathered, including evidence no control cites
    gate: GateSummary | None  # None only when the policy gate was not run
    checkov: CheckovSummary
    config: ConfigCoverage | None
    frameworks: dict[str, str] = field(default_factory=dict)  # catalogue key -> display name, in catalogue order
    warnings: list[str] = field(default_factory=list)  # e.g. "checkov not installed: run scripts/setup-checkov.sh"

    @property
    def failed_controls(self) -> list[ControlStatus]:
        return [c for c in self.controls if c.verdict == "failed"]

    @property
    def passed(self) -> bool:
        """The gate's verdict: no mandatory policy violation, no unsuppressed checkov finding, no failed control,
        and no failed policy, checkov check or Config rule even where no control cites it. A failing test or drill
        no control cites is reported but does not decide the verdict."""
        return (self.gate is not None and self.gate.passed and self.checkov.failed == 0
                and not self.failed_controls
                and not any(e.kind in GATING_KINDS for e in self.unmapped_failures()))

    def framework_summaries(self) -> list[FrameworkSummary]:
        order = list(self.frameworks) + [c.control.framework for c in self.controls
                                         if c.control.framework not in self.frameworks]
        summaries = []
        for key in dict.fromkeys(order):
            statuses = [c for c in self.controls if c.control.framework == key]
            if not statuses:
                continue
            name = self.frameworks.get(key) or statuses[0].control.framework_name
            summaries.append(FrameworkSummary(
                key, name, passed=sum(c.verdict == "passed" for c in statuses),
                failed=sum(c.verdict == "failed" for c in statuses),
                not_covered=sum(c.verdict == "not-covered" for c in statuses)))
        return summaries

    def controls_of(self, framework: str) -> list[ControlStatus]:
        return [c for c in self.controls if c.control.framework == framework]

    def unmapped_failures(self) -> list[EvidenceResult]:
        """Failed evidence no control cites: it still fails the gate (a mandatory policy, a checkov finding)."""
        cited = {(e.kind, e.id) for c in self.controls for e in c.evidence}
        return [e for e in self.evidence if e.status == "failed" and (e.kind, e.id) not in cited]

    def all_failures(self) -> list[Finding]:
        seen: dict[tuple, Finding] = {}
        for result in self.evidence:
            if result.status == "failed":
                for finding in result.findings:
                    if not finding.suppressed_reason:
                        seen.setdefault((finding.source, finding.rule, finding.resource, finding.message), finding)
        return list(seen.values())
