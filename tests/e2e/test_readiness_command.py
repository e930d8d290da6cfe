"""`drkit readiness` as a command (called through its own parser until cli.py registers it): the table, JSON,
the exit codes, and bad input as one line."""
from __future__ import annotations

import json

import pytest

from drcore.errors import UsageError
from drkit.cli import _OneLineParser
from drkit.commands import readiness as command


def _args(*argv: str):
    parser = _OneLineParser(prog="drkit")
    command.register(parser.add_subparsers(dest="command"))
    return parser.parse_args(["readiness", *argv])


@pytest.fixture
def files(dev_env, tmp_path):
    outputs, endpoints = tmp_path / "outputs.json", tmp_path / "endpoints.json"
    outputs.write_text(json.dumps(dev_env.outputs))
    endpoints.write_text(dev_env.endpoints_json())
    return ["--stack", "dev", "--outputs", str(outputs), "--endpoints", str(endpoints),
            "--probe", f"secondary={dev_env.probes['secondary']}", "--probe", f"primary={dev_env.probes['primary']}"]


def test_ready_prints_the_table_and_exits_0(files, capsys):
    assert command.run(_args(*files)) == 0
    out = capsys.readouterr()
    header = out.out.splitlines()[2].split()
    assert header == ["CHECK", "STATUS", "DETAIL", "SOURCE"]
    assert "READY: us-west-2 can take over from us-east-2" in out.out
    assert "drkit readiness: checking us-west-2" in out.err


def test_json_lists_every_check_with_its_status_and_source(files, capsys):
    assert command.run(_args(*files, "--json")) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["ready"] is True and document["stack"] == "dev"
    assert document["counts"]["READY"] == len(document["checks"])
    assert all(set(c) == {"check", "status", "detail", "source"} for c in document["checks"])
    assert document["awsCalls"]["calls"] > 0


def test_not_ready_exits_1_and_names_the_failing_check(dev_env, files, capsys):
    dev_env.endpoint_down("secondary")
    try:
        code = command.run(_args(*files))
    finally:
        dev_env.endpoint_up("secondary")
    assert code == 1
    assert "NOT READY: us-west-2 cannot take over safely" in capsys.readouterr().out.splitlines()[-2]


def test_without_outputs_it_says_how_to_get_them():
    with pytest.raises(UsageError, match="pass --outputs FILE, written by 'pulumi stack output --json"):
        command.run(_args("--stack", "dev"))


def test_outputs_of_an_older_deployment_name_the_missing_key(dev_env, tmp_path):
    outputs = json.loads(json.dumps(dev_env.outputs))
    del outputs["regions"]["secondary"]["backupVaultName"]
    stale = tmp_path / "stale.json"
    stale.write_text(json.dumps(outputs))
    with pytest.raises(UsageError, match=r"'regions\.secondary\.backupVaultName' is missing"):
        command.run(_args("--stack", "dev", "--outputs", str(stale), "--endpoints", str(tmp_path / "none.json")))


@pytest.mark.parametrize("probe", ["secondary", "record=http://127.0.0.1:1/health", "primary=ftp://x/health"])
def test_a_bad_probe_is_one_usage_error(files, probe):
    with pytest.raises(UsageError, match="must be ROLE=URL with ROLE one of primary, secondary"):
        command.run(_args(*files, "--probe", probe))


def test_an_unknown_stack_and_a_missing_stack_are_bad_input(capsys):
    with pytest.raises(UsageError, match="nope"):
        command.run(_args("--stack", "nope", "--outputs", "x.json"))
    with pytest.raises(SystemExit) as exit_info:
        _args("--outputs", "x.json")
    assert exit_info.value.code == 2
    assert "--stack" in capsys.readouterr().err
