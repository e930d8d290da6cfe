"""The compliance vocabulary every producer and report shares: controls, evidence, findings, verdicts.

Producers (the policy gate, checkov, AWS Config coverage, test and drill records, live Config
evidence) turn their results into `EvidenceResult`s keyed by (kind, id); `assess_controls` joins
them with the catalogue into one `ControlStatus` per control. Reports only render these objects.

A status says what was assessed, never more (docs/reports.md, "Statuses"):
- evidence is `passed`/`failed` only when it was assessed in this run, or is fresh by its kind's rule (tests: the
  same source as the gate judged; drills: the same stack, within the drill's cadence, on this line of history);
  `suppressed` when it ran and every finding is an accepted one; `configured` when it is deployed but nothing
  evaluated it (an AWS Config rule in the graph); `stale` when it exists but is from another source, stack or
  time; `waived` when a reviewed waiver (reason, owner, expiry) covers it; `not-run` when nothing produced it.
- a control fails on any failed evidence; else it is `waived` when every piece that did not pass is waived;
  `stale` when a piece is stale; `not-verified` when an assessing piece (policy, checkov, test, drill) did not
  run; `passed` when every assessing piece passed; `configured` when all it has is deployed Config rules.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Literal

from drcore.catalogue.model import Control

EvidenceStatus = Literal["passed", "failed", "suppressed", "configured", "stale", "waived", "not-run"]
ControlVerdict = Literal["passed", "failed", "stale", "not-verified", "configured", "waived"]
# Verdicts in the order the reports list them, with the words a reader sees.
VERDICTS: dict[str, str] = {"passed": "passed", "failed": "failed", "stale": "stale",
                            "not-verified": "not verified", "configured": "configured, not assessed",
                            "waived": "waived"}
# Evidence kinds that evaluate something (the graph, the code, a drill); a deployed Config rule alone does not.
ASSESSING_KINDS = ("policy", "checkov", "test", "drill", "producer")
ASSESSED_PASS = ("passed", "suppressed")


@dataclass(frozen=True)
class Finding:
    """One thing wrong: which rule, on which resource, why, and how to fix it."""

    source: str  # "policy", "checkov", "config-rule", "test", "drill", "producer"
    rule: str  # policy name, checkov id or Config rule identifier
    resource: str  # URN, Terraform address or AWS resource id
    message: str
    severity: str = ""
    fix: str = ""
    region: str = ""
    suppressed_reason: str = ""  # set when an accepted finding is suppressed in compliance/suppressions.yaml


@dataclass(frozen=True)
class Waiver:
    """A reviewed exception: this evidence need not pass (or its producer run) until `expires`."""

    evidence: str  # "<kind>:<id>", e.g. "producer:checkov", "drill:failback"
    reason: str
    owner: str
    expires: str  # YYYY-MM-DD, the last day it holds
    stacks: tuple[str, ...] = ()

    def describe(self) -> str:
        return f"waived until {self.expires} by {self.owner}: {self.reason}"


@dataclass
class EvidenceResult:
    kind: str  # one of EVIDENCE_KINDS, or "producer" (a producer that had to run)
    id: str
    status: str  # one of EvidenceStatus
    findings: list[Finding] = field(default_factory=list)
    checked_at: str = ""  # RFC 3339 UTC of when this evidence was produced
    detail: str = ""  # e.g. "mandatory, 0 violations over 346 resources" or "last drill 2026-11-20"
    source: str = ""  # where it came from: "policy gate", "checkov 3.3.30", "AWS Config (live)", a repository path
    waiver: Waiver | None = None  # set when status is "waived"

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"


@dataclass
class ControlStatus:
    control: Control
    verdict: str  # one of ControlVerdict
    evidence: list[EvidenceResult]

    @property
    def failures(self) -> list[Finding]:
        return [f for e in self.evidence if e.status == "failed" for f in e.findings if not f.suppressed_reason]


def verdict_of(evidence: list[EvidenceResult]) -> str:
    """The control's verdict from its evidence (the rules in this module's docstring)."""
    statuses = [e.status for e in evidence]
    if "failed" in statuses:
        return "failed"
    unsettled = [e for e in evidence if e.status not in (*ASSESSED_PASS, "configured")
                 and not (e.status == "not-run" and e.kind not in ASSESSING_KINDS)]
    if unsettled and all(e.status == "waived" for e in unsettled):
        return "waived"
    if "stale" in statuses:
        return "stale"
    if any(e.status == "not-run" and e.kind in ASSESSING_KINDS for e in evidence):
        return "not-verified"
    if any(e.status in ASSESSED_PASS for e in evidence):
        return "passed"
    if "configured" in statuses:
        return "configured"
    return "not-verified"


def assess_controls(controls: Iterable[Control], results: Iterable[EvidenceResult],
                    waivers: Iterable[Waiver] = ()) -> list[ControlStatus]:
    """One status per control from the evidence it cites; cited evidence nothing produced is `not-run`."""
    by_key = {(result.kind, result.id): result for result in results}
    waived = {w.evidence: w for w in waivers}
    statuses = []
    for control in controls:
        evidence = [waive(by_key.get((kind, evidence_id)) or EvidenceResult(kind, evidence_id, "not-run",
                                                                            detail="nothing produced it in this run"),
                          waived)
                    for kind, evidence_id in control.evidence.items()]
        statuses.append(ControlStatus(control, verdict_of(evidence), evidence))
    return statuses


def waive(result: EvidenceResult, waivers: dict[str, Waiver]) -> EvidenceResult:
    """`result` as `waived` when a waiver covers it and it did not pass; unchanged otherwise."""
    waiver = waivers.get(result.key)
    if waiver is None or result.status in ASSESSED_PASS:
        return result
    detail = f"{result.status}: {result.detail}" if result.detail else result.status
    return EvidenceResult(result.kind, result.id, "waived", result.findings, result.checked_at,
                          f"{detail}; {waiver.describe()}", result.source, waiver)
