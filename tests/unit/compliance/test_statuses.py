"""What a control's status may claim: one test per verdict, waivers that hold and lapse, and a producer that did
not run failing the run closed."""
from datetime import date
from types import SimpleNamespace

import pytest

from drcore.catalogue.model import Control, Evidence
from drcore.errors import UsageError
from drkit.compliance.assessment import EvidenceResult, Waiver, assess_controls, verdict_of
from drkit.compliance.waivers import load_waivers
from drkit.gate.pipeline import build_run
from drkit.report.compliance_run import CheckovSummary
from tests.support.graphs import GraphBuilder


def ev(kind: str, status: str, ident: str = "x") -> EvidenceResult:
    return EvidenceResult(kind, ident, status)


@pytest.mark.parametrize("evidence, verdict", [
    ([ev("policy", "passed"), ev("drill", "failed")], "failed"),
    ([ev("policy", "passed"), ev("test", "passed")], "passed"),
    ([ev("policy", "passed"), ev("config-rule", "configured")], "passed"),  # the policy assessed it
    ([ev("checkov", "suppressed")], "passed"),  # every finding accepted with a reviewed reason
    ([ev("config-rule", "configured"), ev("config-rule", "configured", "y")], "configured"),  # deployed, nothing evaluated
    ([ev("config-rule", "configured"), ev("drill", "not-run")], "not-verified"),  # CP-4 with no drill run
    ([ev("policy", "passed"), ev("test", "not-run")], "not-verified"),
    ([ev("policy", "passed"), ev("drill", "stale")], "stale"),  # a drill of another stack is not a pass
    ([ev("policy", "passed"), ev("drill", "waived")], "waived"),
    ([ev("drill", "waived"), ev("test", "stale")], "stale"),  # a waiver covers only what it names
    ([], "not-verified"),
])
def test_a_controls_verdict_claims_no_more_than_its_evidence(evidence, verdict):
    assert verdict_of(evidence) == verdict


def test_a_waiver_covers_cited_evidence_that_did_not_pass_even_when_nothing_produced_it():
    control = Control("nist", "NIST", "CP-4", "exercised", Evidence(drills=("failback",), tests=("tests/a.py::test_b",)))
    waiver = Waiver("drill:failback", "reason " * 8, "owner@example.com", "2027-01-31")
    [status] = assess_controls([control], [ev("test", "passed", "tests/a.py::test_b")], [waiver])
    drill = next(e for e in status.evidence if e.kind == "drill")
    assert status.verdict == "waived" and drill.waiver == waiver
    assert "not-run: nothing produced it in this run; waived until 2027-01-31 by owner@example.com" in drill.detail
    passing = assess_controls([control], [ev("test", "passed", "tests/a.py::test_b"), ev("drill", "passed", "failback")],
                              [waiver])[0]
    assert passing.verdict == "passed"  # a waiver never turns a pass into anything else


def _waivers_file(tmp_path, body: str):
    path = tmp_path / "suppressions.yaml"
    path.write_text("suppressions: []\nwaivers:\n" + body)
    return path


REASON = "reason: The region is rebuilt next quarter; the switchover drill stands in for it meanwhile."


def test_waivers_hold_until_their_date_and_only_for_their_stacks(tmp_path):
    path = _waivers_file(tmp_path, f"""
  - evidence: drill:failback
    owner: security@example.com
    expires: 2027-01-31
    {REASON}
  - evidence: producer:checkov
    stacks: [dev]
    owner: platform@example.com
    expires: 2026-12-01
    {REASON}
""")
    prod = load_waivers(path, "prod", date(2026, 12, 3))
    assert [w.evidence for w in prod.active] == ["drill:failback"] and prod.lapsed == ()
    dev = load_waivers(path, "dev", date(2026, 12, 3))
    assert [w.evidence for w in dev.lapsed] == ["producer:checkov"]
    assert dev.warnings() == ["waiver of producer:checkov (owner platform@example.com) expired on 2026-12-01: the "
                              "evidence counts again"]


@pytest.mark.parametrize("entry, message", [
    ("  - evidence: checkov\n    owner: a\n    expires: 2027-01-01\n    " + REASON, "is not '<kind>:<id>'"),
    ("  - evidence: producer:trivy\n    owner: a\n    expires: 2027-01-01\n    " + REASON, "names no producer"),
    ("  - evidence: drill:failback\n    expires: 2027-01-01\n    " + REASON, "has no owner"),
    ("  - evidence: drill:failback\n    owner: a\n    " + REASON, "every waiver ends"),
    ("  - evidence: drill:failback\n    owner: a\n    expires: 2027-02-30\n    " + REASON, "every waiver ends"),
    ("  - evidence: drill:failback\n    owner: a\n    expires: 2027-01-01\n    reason: later", "too short"),
])
def test_a_bad_waiver_is_one_line_naming_the_entry(tmp_path, entry, message):
    with pytest.raises(UsageError, match=r"suppressions.yaml: waivers\[0\].*" + message):
        load_waivers(_waivers_file(tmp_path, entry + "\n"), "prod", date(2026, 12, 3))


def _run(checkov: CheckovSummary, waivers=()):
    return build_run(graph=GraphBuilder().build(), gate=None, controls=[], frameworks={},
                     config_rules=SimpleNamespace(controls=[], config_rules=[]),
                     checkov=checkov, checkov_results=[], extra=[], live=[], warnings=[], waivers=waivers)


def test_checkov_missing_fails_the_run_closed_unless_waived():
    absent = CheckovSummary(ran=False, note="checkov is not installed")
    [producer] = [e for e in _run(absent).evidence if e.kind == "producer"]
    assert producer.status == "failed" and "checkov did not run" in producer.findings[0].message
    assert [e.key for e in _run(absent).unmapped_failures()] == ["producer:checkov"]  # it fails the gate
    waiver = Waiver("producer:checkov", "reason " * 8, "owner@example.com", "2027-01-31")
    waived = _run(absent, (waiver,))
    assert [e.status for e in waived.evidence if e.kind == "producer"] == ["waived"]
    assert waived.unmapped_failures() == []
    assert [e.status for e in _run(CheckovSummary(ran=True, version="3.3.30")).evidence if e.kind == "producer"] == [
        "passed"]
