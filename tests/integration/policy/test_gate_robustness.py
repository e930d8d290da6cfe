"""The gate against packs and configs that misbehave: one clear error, exit 2, no process left behind."""
import json

import pytest

from drcore.errors import UsageError
from drkit.cli import main
from drkit.policy_host.evaluation import run_gate
from tests.support.graphs import GraphBuilder
from tests.support.packs import pack_with_policy, processes_running, write_pack


def small_graph():
    builder = GraphBuilder()
    builder.add("aws:sns/topic:Topic", "alerts", {"kmsMasterKeyId": "arn:aws:kms:us-east-1:111122223333:key/mrk-1"})
    return builder.build()


def test_a_working_probe_pack_reports_through_grpc(tmp_path):
    pack = pack_with_policy(tmp_path / "pack", 'report_violation("seen " + args.resource_type, None)')
    result = run_gate(small_graph(), pack, stack_config={})
    assert [d.message.splitlines()[-1] for d in result.diagnostics] == ["seen aws:sns/topic:Topic"]
    assert result.diagnostics[0].urn.endswith("::alerts") and result.diagnostics[0].level == "mandatory"
    assert not processes_running(str(pack))


def test_pack_that_crashes_at_start(tmp_path):
    pack = write_pack(tmp_path / "pack", "raise RuntimeError('cannot load the catalogue')\n")
    with pytest.raises(UsageError, match="failed to start: .*RuntimeError: cannot load the catalogue"):
        run_gate(small_graph(), pack, stack_config={})
    assert not processes_running(str(pack))


def test_pack_that_crashes_mid_analysis(tmp_path):
    pack = pack_with_policy(tmp_path / "pack", "raise KeyError('boom')")
    with pytest.raises(UsageError, match=r"policy pack failed during Analyze \(unknown\)"):
        run_gate(small_graph(), pack, stack_config={})
    assert not processes_running(str(pack))


def test_pack_that_never_reports_a_port(tmp_path, monkeypatch):
    monkeypatch.setattr("drkit.policy_host.host.START_TIMEOUT_S", 3.0)
    pack = write_pack(tmp_path / "pack", "import time\ntime.sleep(600)\n")
    with pytest.raises(UsageError, match="did not report a port within 3 s"):
        run_gate(small_graph(), pack, stack_config={})
    assert not processes_running(str(pack))


def test_pack_with_wrong_runtime(tmp_path):
    pack = write_pack(tmp_path / "pack", "")
    (pack / "PulumiPolicy.yaml").write_text("runtime: nodejs\n")
    with pytest.raises(UsageError, match="runtime is 'nodejs'"):
        run_gate(small_graph(), pack, stack_config={})


def test_policy_config_for_unknown_policy(tmp_path, capsys):
    pack = pack_with_policy(tmp_path / "pack", "pass")
    graph_file = tmp_path / "graph.json"
    small_graph().save(graph_file)
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"no-such-policy": "advisory"}))
    code = main(["policy", "--graph", str(graph_file), "--policy-pack", str(pack), "--policy-pack-config", str(config)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and "'no-such-policy' is not a policy of pack probe" in err[-1]
    assert not processes_running(str(pack))


def test_enforcement_level_from_config_changes_the_verdict(tmp_path, capsys):
    pack = pack_with_policy(tmp_path / "pack", 'report_violation("always", None)')
    graph_file = tmp_path / "graph.json"
    small_graph().save(graph_file)
    assert main(["policy", "--graph", str(graph_file), "--policy-pack", str(pack)]) == 1
    config = tmp_path / "config.yaml"
    config.write_text("all: advisory\n")
    assert main(["policy", "--graph", str(graph_file), "--policy-pack", str(pack), "--policy-pack-config", str(config)]) == 0
    assert "[advisory]" in capsys.readouterr().out


def test_json_verdict_is_machine_readable(tmp_path, capsys):
    pack = pack_with_policy(tmp_path / "pack", 'report_violation("always", None)')
    graph_file = tmp_path / "graph.json"
    small_graph().save(graph_file)
    assert main(["policy", "--graph", str(graph_file), "--policy-pack", str(pack), "--json"]) == 1
    verdict = json.loads(capsys.readouterr().out)
    assert verdict["passed"] is False
    assert verdict["violations"][0]["policy"] == "probe-policy"
    assert verdict["violations"][0]["urn"].endswith("::alerts")


def test_pack_logs_reach_the_user(tmp_path, capsys):
    # pulumi.log in a pack with no engine wired in writes "<severity>: <message>" to stderr.
    pack = pack_with_policy(tmp_path / "pack", 'import pulumi\npulumi.log.warn("checked " + args.name)')
    result = run_gate(small_graph(), pack, stack_config={})
    assert ("warning", "checked alerts") in {(log.severity, log.message) for log in result.logs}


def test_engine_log_service_is_served(tmp_path):
    # A pack whose SDK dials the engine address it was given (argv[1]) and calls Engine.Log.
    pack = pack_with_policy(tmp_path / "pack", """
        import sys, grpc
        from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc
        stub = engine_pb2_grpc.EngineStub(grpc.insecure_channel(sys.argv[1]))
        stub.Log(engine_pb2.LogRequest(severity=engine_pb2.ERROR, message="via the engine", urn=args.urn))
    """)
    result = run_gate(small_graph(), pack, stack_config={})
    entries = {(log.severity, log.message) for log in result.logs}
    assert ("error", "via the engine") in entries
    assert any(log.urn.endswith("::alerts") for log in result.logs if log.message == "via the engine")
