"""drkit checkov as a command: scan selection, text and JSON output, exit codes, one-line errors."""
import argparse
import json

import pytest

from drcore.errors import UsageError
from drkit.checkov.results import CheckovResult, CheckResult
from drkit.commands import checkov as command

URN = "urn:pulumi:prod::ecommerce-dr::aws:lb/loadBalancer:LoadBalancer::alb"


def _parse(*argv):
    parser = argparse.ArgumentParser()
    command.register(parser.add_subparsers(dest="command"))
    return parser.parse_args(["checkov", *argv])


def _result(*rows):
    return CheckovResult(version="3.3.30", stack="prod", plan_path=None,
                         frameworks=("terraform_plan", "secrets", "github_actions"), results=list(rows),
                         checked_at="2026-11-24T08:00:00+00:00")


def _row(check, passed, reason=""):
    return CheckResult("terraform_plan", check, f"Ensure {check}", passed, "aws_lb.alb", URN, suppressed_reason=reason)


@pytest.fixture
def captured(monkeypatch, tmp_path):
    calls = {}

    def fake_run(root, **kwargs):
        calls.update(kwargs)
        return calls.pop("result")

    monkeypatch.setattr(command, "run_checkov", fake_run)
    (tmp_path / "Pulumi.yaml").write_text("name: ecommerce-dr\n")
    monkeypatch.setenv("DRKIT_PROJECT_DIR", str(tmp_path))
    return calls


@pytest.mark.parametrize("argv, scans", [
    ([], ("plan", "secrets", "github-actions")), (["--secrets"], ["secrets"]),
    (["--github-actions", "--plan"], ["plan", "github-actions"])])
def test_flags_choose_the_scans_and_none_means_all(captured, argv, scans, capsys):
    captured["result"] = _result()
    assert command.run(_parse("--stack", "prod", *argv)) == 0
    assert tuple(captured["scans"]) == tuple(scans) and captured["stack"] == "prod"


def test_an_unsuppressed_failure_exits_1_and_is_listed_with_its_urn(captured, capsys):
    captured["result"] = _result(_row("CKV_AWS_91", False), _row("CKV2_AWS_28", False, "WAF is replaced by X here."),
                                 _row("CKV_AWS_2", True))
    assert command.run(_parse("--stack", "prod")) == 1
    out = capsys.readouterr().out
    assert "3 checks ran: 1 passed, 1 failed, 1 suppressed" in out
    assert "CKV_AWS_91" in out and URN in out and "CKV2_AWS_28  " not in out
    assert out.rstrip().endswith("Verdict: FAILED")


def test_json_output_has_the_summary_and_each_result(captured, capsys):
    captured["result"] = _result(_row("CKV_AWS_2", True), _row("CKV2_AWS_28", False, "WAF is replaced by X here."))
    assert command.run(_parse("--stack", "prod", "--json")) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["passed"] is True
    assert document["summary"]["terraform_plan"] == {"checks": 2, "results": 2, "passed": 1, "failed": 0,
                                                     "suppressed": 1}
    assert {r["checkId"]: r["status"] for r in document["results"]} == {"CKV_AWS_2": "passed",
                                                                        "CKV2_AWS_28": "suppressed"}


def test_a_missing_checkov_venv_is_one_usage_error(monkeypatch, tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: ecommerce-dr\n")
    monkeypatch.setenv("DRKIT_PROJECT_DIR", str(tmp_path))
    with pytest.raises(UsageError, match="run scripts/setup-checkov.sh"):
        command.run(_parse("--secrets"))
