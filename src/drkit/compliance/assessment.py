"""The compliance vocabulary every producer and report shares: controls, evidence, findings, verdicts.

Producers (the policy gate, checkov, AWS Config coverage, test and drill records, live Config
evidence) turn their results into `EvidenceResult`s keyed by (kind, id); `assess_controls` joins
them with the catalogue into one `ControlStatus` per control. Reports only render these objects.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Literal

from drcore.catalogue.model import Control

# What one piece of evidence says: it ran and held, ran and failed, ran but every finding is an accepted
# (suppressed) one, or did not run in this report (e.g. no live AWS, no drill record yet).
EvidenceStatus = Literal["passed", "failed", "suppressed", "not-run"]
ControlVerdict = Literal["passed", "failed", "not-covered"]


@dataclass(frozen=True)
class Finding:
    """One thing wrong: which rule, on which resource, why, and how to fix it."""

    source: str  # "policy", "checkov", "config-rule"
    rule: str  # policy name, checkov id or Config rule identifier
    resource: str  # URN, Terraform address or AWS resource id
    message: str
    severity: str = ""
    fix: str = ""
    region: str = ""
    suppressed_reason: str = ""  # set when an accepted finding is suppressed in compliance/suppressions.yaml


@dataclass
class EvidenceResult:
    kind: str  # one of EVIDENCE_KINDS
    id: str
    status: str  # one of EvidenceStatus
    findings: list[Finding] = field(default_factory=list)
    checked_at: str = ""  # ISO 8601 UTC of when this evidence was produced
    detail: str = ""  # e.g. "mandatory, 0 violations over 346 resources" or "last drill 2026-11-20"
    source: str = ""  # where it came from: "policy gate", "checkov 3.3.30", "AWS Config (live)", a file path


@dataclass
class ControlStatus:
    control: Control
    verdict: str  # one of ControlVerdict
    evidence: list[EvidenceResult]

    @property
    def failures(self) -> list[Finding]:
        return [f for e in self.evidence if e.status == "failed" for f in e.findings if not f.suppressed_reason]


def assess_controls(controls: Iterable[Control], results: Iterable[EvidenceResult]) -> list[ControlStatus]:
    """A control fails if any of its evidence failed, passes if some ran and none failed, else is not covered."""
    by_key: dict[tuple[str, str], EvidenceResult] = {}
    for result in results:
        by_key[(result.kind, result.id)] = result
    statuses = []
    for control in controls:
        evidence = [by_key.get((kind, evidence_id), EvidenceResult(kind, evidence_id, "not-run"))
                    for kind, evidence_id in control.evidence.items()]
        if any(e.status == "failed" for e in evidence):
            verdict = "failed"
        elif any(e.status in ("passed", "suppressed") for e in evidence):
            verdict = "passed"
        else:
            verdict = "not-covered"
        statuses.append(ControlStatus(control, verdict, evidence))
    return statuses
