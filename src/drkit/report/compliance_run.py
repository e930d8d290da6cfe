"""One compliance run: everything the five report formats render, and the verdict they all agree on.

Formats only read a ComplianceRun; they never rerun a producer or recompute a verdict.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from drkit.compliance.assessment import VERDICTS, ControlStatus, EvidenceResult, Finding, Waiver
from drkit.provenance import SourceState

# Evidence whose failure fails the gate even where no control cites it; "producer" is a producer that had to run
# and did not (checkov missing): the gate fails closed unless a waiver covers it.
GATING_KINDS = ("policy", "checkov", "config-rule", "producer")


@dataclass(frozen=True)
class Provenance:
    """What the run judged and with what (gate/run_provenance.py builds it)."""

    generated_at: str  # RFC 3339, UTC
    source: SourceState  # the checkout the gate judged
    stack_file: str  # Pulumi.<stack>.yaml
    stack_file_digest: str
    graph_digest: str
    resources: int
    tools: dict[str, str]  # pulumi, pulumi-aws, pulumi-policy, checkov -> version ("not run" for checkov)

    def facts(self) -> list[tuple[str, str]]:
        """(label, value) pairs every human-readable format prints the same way."""
        return [("generated", self.generated_at), ("source", self.source.label),
                ("stack file", f"{self.stack_file} {self.stack_file_digest}"),
                ("resource graph", f"{self.resources} resources {self.graph_digest}"),
                ("tools", ", ".join(f"{name} {version or 'unknown'}" for name, version in self.tools.items()))]

    def as_dict(self) -> dict[str, object]:
        return {"generatedAt": self.generated_at, "source": self.source.as_dict(), "stackFile": self.stack_file,
                "stackFileDigest": self.stack_file_digest, "graphDigest": self.graph_digest,
                "resources": self.resources, "tools": dict(self.tools)}


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
    scanned: dict[str, str] = field(default_factory=dict)  # each scan -> what it read ("secrets: 464 files ...")


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
    counts: dict[str, int]  # verdict -> controls, every verdict of VERDICTS present

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def passed(self) -> int:
        return self.counts["passed"]

    @property
    def failed(self) -> int:
        return self.counts["failed"]


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
    provenance: Provenance | None = None  # None only for runs built without a gate (tests of the formats)
    waivers: list[Waiver] = field(default_factory=list)  # the active waivers this run applied

    @property
    def failed_controls(self) -> list[ControlStatus]:
        return [c for c in self.controls if c.verdict == "failed"]

    @property
    def passed(self) -> bool:
        """The gate's verdict: no mandatory policy violation, no unsuppressed checkov finding, no failed control,
        no failed policy, checkov check or Config rule even where no control cites it, and no producer that had to
        run and did not (unless waived). A failing test or drill no control cites is reported but does not decide
        the verdict; stale, not verified and configured controls are reported as such and do not fail it."""
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
            summaries.append(FrameworkSummary(key, name, verdict_counts(statuses)))
        return summaries

    def verdict_counts(self) -> dict[str, int]:
        return verdict_counts(self.controls)

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


def verdict_counts(statuses: list[ControlStatus]) -> dict[str, int]:
    """Controls per verdict, every verdict present (0 when none), in VERDICTS order."""
    return {verdict: sum(s.verdict == verdict for s in statuses) for verdict in VERDICTS}
