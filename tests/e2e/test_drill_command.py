"""`drkit drill --local` as a command (through its own parser until cli.py registers it): the records it writes
match their schema, the compliance report takes them as drill evidence, the HTML page stands alone, and the
exit code is the drill's verdict."""
from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timezone

import jsonschema
import pytest

from drcore.catalogue.reader import read_catalogue
from drcore.errors import UsageError
from drkit.cli import _OneLineParser
from drkit.commands import drill as command
from drkit.compliance.assessment import EvidenceResult, assess_controls
from drkit.compliance.evidence_records import DrillRule, drill_evidence
from drkit.drill import scenarios
from drkit.drill.html_page import render_html
from drkit.drill.record import load_schema
from drkit.emulation.postgres import missing_reason
from drkit.provenance import is_ancestor, source_state
from tests.support.cli import REPO

CONTINGENCY_TESTING = {("nist-800-53-r5", "CP-4"), ("soc2", "A1.3"), ("soc2", "CC7.5")}


def _args(*argv: str):
    parser = _OneLineParser(prog="drkit")
    command.register(parser.add_subparsers(dest="command"))
    return parser.parse_args(["drill", *argv])


@pytest.fixture(scope="module")
def default_drill(tmp_path_factory):
    """The default drill, as a person runs it: the program runs offline, then failover and failback."""
    reason = missing_reason()
    if reason:
        pytest.skip(f"drills need PostgreSQL: {reason}")
    out = tmp_path_factory.mktemp("drills")
    return command.run(_args("--local", "--stack", "dev", "--out", str(out))), out


def _records(out):
    return [json.loads(p.read_text()) for p in sorted(out.glob("*.json"))]


def test_the_default_drill_exits_0_and_writes_a_record_per_scenario_and_a_page(default_drill, capsys):
    code, out = default_drill
    assert code == 0
    records = _records(out)
    assert [r["scenario"] for r in records] == ["region-loss-failover", "failback"]
    assert all(r["passed"] and r["reasons"] == [] for r in records)
    assert len(list(out.glob("*-drill.html"))) == 1


def test_records_match_their_schema_and_the_evidence_shape_of_the_reports(default_drill):
    _, out = default_drill
    schema = load_schema()
    for record in _records(out):
        jsonschema.Draft202012Validator(schema).validate(record)
        assert record["achievedRtoSeconds"] > 0 and record["achievedRpoSeconds"] == 0
        assert record["rtoBudget"]["steps"][0]["name"] == "detect"  # drcore.recovery_model's regionLoss lines
        assert record["awsCalls"]["automation"] == sum(record["awsCalls"]["automationByOperation"].values())
        offsets = [e["offsetSeconds"] for e in record["timeline"]]
        assert offsets == sorted(offsets)


def test_a_record_missing_a_field_does_not_match_the_schema(default_drill):
    _, out = default_drill
    record = _records(out)[0]
    del record["achievedRpoSeconds"]
    with pytest.raises(jsonschema.ValidationError, match="achievedRpoSeconds"):
        jsonschema.Draft202012Validator(load_schema()).validate(record)


def test_the_compliance_report_takes_the_records_as_evidence_of_contingency_testing(default_drill):
    _, out = default_drill
    evidence = drill_evidence(out, _rule("dev"), REPO)
    assert {(e.id, e.status) for e in evidence} == {("region-loss-failover", "passed"), ("failback", "passed")}
    assert all(e.detail.startswith("emulated drill on stack dev") for e in evidence)
    controls = [c for c in read_catalogue(REPO / "compliance").controls if (c.framework, c.id) in CONTINGENCY_TESTING]
    assert len(controls) == len(CONTINGENCY_TESTING)
    assert {s.verdict for s in assess_controls(controls, [])} == {"not-verified"}
    # With these records in, each control passes once the rest of what it cites passes too (tests, policies,
    # checks, and the drills this default run does not include).
    produced = {("drill", e.id) for e in evidence}
    others = [EvidenceResult(kind, ident, "passed") for c in controls for kind, ident in c.evidence.items()
              if (kind, ident) not in produced]
    assert {s.verdict for s in assess_controls(controls, evidence + others)} == {"passed"}
    assert "not-verified" in {s.verdict for s in assess_controls(controls, others)}  # without these records
    # The same records judged for prod are another stack's: stale, never passed (the prod report used to take them).
    for_prod = drill_evidence(out, _rule("prod"), REPO)
    assert {e.status for e in for_prod} == {"stale"}
    assert {s.verdict for s in assess_controls(controls, for_prod + others)} == {"stale"}


def _rule(stack: str) -> DrillRule:
    judged = source_state(REPO)
    return DrillRule(stack=stack, judged=judged, max_age_days={}, now=datetime.now(timezone.utc),
                     is_ancestor=lambda commit, of: is_ancestor(REPO, commit, of))


def test_the_page_stands_alone_and_escapes_what_it_shows(default_drill):
    _, out = default_drill
    page = next(out.glob("*-drill.html")).read_text()
    assert "<script" not in page and "src=" not in page and "http://" not in page.replace("http://127.0.0.1", "")
    assert "region-loss-failover" in page and "PASSED" in page
    record = _records(out)[0]
    # The headline is what customers saw; the emulation's instant steps say so; a best-effort failure is not red.
    assert "What customers saw: RTO" in page and record["clientObserved"]["ordersAcknowledged"] > 0
    automation = {e["step"]: e for e in record["timeline"] if e["kind"] == "automation"}
    assert automation["promote-database-secondary"]["emulated"] and not automation["confirm-outage"]["emulated"]
    fence = automation["fence-primary"]
    assert fence["optional"] and fence["status"] == "failed"  # the lost region cannot be fenced
    assert "failed, best effort" in page
    assert record["commit"] and len(record["commit"].split("+")[0]) == 40
    hostile = {**record, "passed": False, "reasons": ["<script>alert(1)</script>"]}
    rendered = render_html([hostile], stack="dev", passed=False, environment_seconds=[1.0],
                           record_paths=[next(out.glob("*.json"))])
    assert "<script>alert(1)" not in rendered and "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered


def test_a_drill_whose_failover_cannot_verify_exits_1_with_a_report_that_says_why(dev, tmp_path, monkeypatch, capsys):
    def both_down(env, settings):
        env.region_outage("primary")
        env.endpoint_down("secondary")

    broken = dataclasses.replace(scenarios.SCENARIOS["region-loss-failover"], inject=both_down)
    monkeypatch.setitem(scenarios.SCENARIOS, "region-loss-failover", broken)
    monkeypatch.setattr("drkit.graph.capture.run_program", lambda *_: dev[1])  # the cached graph: same program
    code = command.run(_args("--local", "--stack", "dev", "--out", str(tmp_path), "--scenario", "region-loss-failover"))
    assert code == 1
    (record,) = _records(tmp_path)
    assert record["passed"] is False and record["recoveredAt"] is None
    assert "cannot take over, so nothing was changed" in record["reasons"][0]
    assert "Why it failed" in next(tmp_path.glob("*-drill.html")).read_text()
    out = capsys.readouterr().out
    assert "FAILED" in out and "why: drkit failover refused" in out
    assert drill_evidence(tmp_path, _rule("dev"), REPO)[0].status == "failed"


def test_bad_input_is_one_usage_error_before_anything_starts(tmp_path, capsys):
    with pytest.raises(UsageError, match="pass --local"):
        command.run(_args("--stack", "dev"))
    with pytest.raises(UsageError, match="nope"):
        command.run(_args("--local", "--stack", "nope"))
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(UsageError, match="pass a writable --out"):
        command.run(_args("--local", "--stack", "dev", "--out", str(blocker / "drills")))
    with pytest.raises(SystemExit) as exit_info:
        _args("--local", "--stack", "dev", "--scenario", "meteor-strike")
    assert exit_info.value.code == 2 and "invalid choice: 'meteor-strike'" in capsys.readouterr().err


def test_without_postgresql_the_drill_says_how_to_go_on(monkeypatch):
    import drkit.emulation.postgres as postgres

    monkeypatch.setattr(postgres, "missing_reason", lambda: "PostgreSQL is not installed")
    with pytest.raises(UsageError, match="PostgreSQL is not installed; install Debian's postgresql package, or "
                                         "pass --database emulated"):
        command.run(_args("--local", "--stack", "dev"))
