"""`drkit failover | switchover | failback` as a user runs them: exit codes, one-line errors, JSON, loss report."""
from __future__ import annotations

import json

import pytest

from drkit import cli


@pytest.fixture
def drkit(capsys):
    """The real CLI entry point, in this process."""

    def run(*argv: str) -> tuple[int, str, str]:
        try:
            code = cli.main(list(argv))
        except SystemExit as exc:  # argparse's own errors
            code = exc.code
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def files(tmp_path, platform):
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps(platform.outputs))
    endpoints = tmp_path / "endpoints.json"
    endpoints.write_text(json.dumps(platform.aws.endpoints))
    probes = [arg for role, url in platform.probes.items() for arg in ("--probe", f"{role}={url}")]
    return outputs, endpoints, probes


def _one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_failover_then_no_op_then_failback_through_the_cli(drkit, files, platform, tmp_path):
    outputs, endpoints, probes = files
    common = ["--outputs", str(outputs), "--endpoints", str(endpoints), *probes]
    platform.primary_endpoint_down()
    loss = tmp_path / "loss.json"
    code, out, err = drkit("failover", *common, "--confirm-interval", "0", "--json", "--loss-report", str(loss))
    assert code == 0, err
    document = json.loads(out)
    assert document["outcome"] == "done" and document["targetRegion"] == platform.deployment.secondary_region
    assert [s["name"] for s in document["steps"]][-1] == "release-lock"
    assert document["awsCalls"]["calls"] < 40
    assert "[ 7/13] promote-database-secondary" in err  # progress, step by step, on stderr
    report = json.loads(loss.read_text())
    assert report == document["rpoExposure"]
    assert {s["store"] for s in report["stores"]} >= {"aurora", "dynamodb:carts"}

    code, out, _ = drkit("failover", *common, "--confirm-interval", "0")
    assert code == 0 and "nothing to do" in out

    platform.primary_back()
    code, out, err = drkit("failback", *common, "--stack", "prod")  # the stack's config gives the RTO budget
    assert code == 0, err
    assert "failback us-west-2 -> us-east-1: done" in out
    assert "regionLoss RTO budget" in out and "shift traffic" in out


def test_refusal_exits_1(drkit, files):
    outputs, endpoints, probes = files
    code, out, _ = drkit("failover", "--outputs", str(outputs), "--endpoints", str(endpoints), *probes,
                         "--confirm-interval", "0")
    assert code == 1
    assert "refused" in out and "not confirmed down" in out


def test_dry_run_from_the_outputs_touches_no_aws(drkit, files):
    outputs, _, _ = files
    code, out, err = drkit("switchover", "--outputs", str(outputs), "--dry-run", "--json")
    assert code == 0, err
    plan = json.loads(out)
    assert plan["outcome"] == "dry-run"
    assert [s["kind"] for s in plan["stages"][0]] == ["CheckTargetCanServe"]
    assert [s["kind"] for s in plan["stages"][1]] == ["AcquireLock"]


def test_resuming_an_unknown_run_is_exit_2(drkit, files):
    outputs, endpoints, probes = files
    code, _, err = drkit("failover", "--outputs", str(outputs), "--endpoints", str(endpoints), *probes,
                         "--journal-run", "19700101T000000Z-000000")
    assert code == 2
    assert "run '19700101T000000Z-000000' is not in" in _one_line(err)


@pytest.mark.parametrize("args, fragment", [
    ((), "say which deployment"),
    (("--outputs", "/nonexistent/outputs.json"), "does not exist"),
    (("--stack", "prod"), "placeholder ids"),
    (("--outputs", "{outputs}", "--probe", "primary"), "must be ROLE=URL"),
    (("--outputs", "{outputs}", "--probe", "elsewhere=http://x"), "must be ROLE=URL"),
    (("--outputs", "{outputs}", "--confirm-count", "0"), "give at least 1"),
    (("--outputs", "{outputs}", "--endpoints", "/nonexistent/endpoints.json"), "cannot be read"),
    (("--outputs", "{outputs}", "--bogus"), "unrecognized arguments"),
])
def test_bad_input_is_one_line_and_exit_2(drkit, tmp_path, args, fragment, prod_outputs):
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps(prod_outputs))
    code, _, err = drkit("failover", *(a.format(outputs=outputs) for a in args))
    assert code == 2
    assert fragment in _one_line(err)


def test_an_outputs_file_without_the_control_section_names_the_key(drkit, tmp_path, prod_outputs):
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({k: v for k, v in prod_outputs.items() if k != "control"}))
    code, _, err = drkit("failback", "--outputs", str(outputs), "--dry-run")
    assert code == 2
    assert "stack output 'control." in _one_line(err)
