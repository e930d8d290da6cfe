"""Mutation tests: break one control at a time in the real prod graph; the gate must fail naming the policy.

Each mutation edits a private copy of the graph the real program produced. The pack as it is published (a copy in
its own venv, tests/support/fixtures/published_pack.py) runs as one plugin process configured for prod as `drkit
policy` configures it, and evaluates every graph in turn over the Analyzer protocol (the protocol keeps no state
between graphs; test_a_session_carries_nothing_from_one_graph_to_the_next checks). The command itself (exit codes,
the repository's pack) runs on the unmutated graph and on one mutation; test_pack_stands_alone.py shows the two
packs agree.
"""
from __future__ import annotations

import json

import pytest

from drguard.catalogue import ALL_POLICIES
from drkit.cli import main
from drkit.graph.resource_graph import Graph
from drkit.policy_host.evaluation import GateResult
from tests.support.mutations import MUTATIONS
from tests.support.program import stack_graph


def mutated(mutation: str) -> tuple[Graph, str, str]:
    mutate, policy = MUTATIONS[mutation]
    graph = stack_graph("prod")
    return graph, mutate(graph), policy


def check_caught(result: GateResult, policy: str, broken_urn: str) -> None:
    assert not result.passed
    findings = [d for d in result.diagnostics if d.policy == policy]
    assert findings, f"{policy} did not fire; fired: {sorted({d.policy for d in result.diagnostics})}"
    assert all(d.level == "mandatory" for d in findings)
    if broken_urn:
        assert broken_urn in {d.urn for d in findings}


def gate_command(graph: Graph, tmp_path, capsys) -> tuple[int, dict]:
    path = tmp_path / "graph.json"
    graph.save(path)
    code = main(["policy", "--graph", str(path), "--policy-pack", "policypack", "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_unmutated_prod_graph_passes_the_command(tmp_path, capsys):
    code, verdict = gate_command(stack_graph("prod"), tmp_path, capsys)
    assert code == 0, [v["policy"] for v in verdict["violations"]]
    assert verdict["violations"] == []


def test_a_mutated_graph_fails_the_command_with_exit_1_naming_policy_and_resource(tmp_path, capsys):
    graph, broken_urn, policy = mutated("key policy open to everyone")
    code, verdict = gate_command(graph, tmp_path, capsys)
    assert code == 1
    assert broken_urn in {v["urn"] for v in verdict["violations"] if v["policy"] == policy}


def test_every_policy_of_the_pack_has_a_mutation():
    caught = {policy for _, policy in MUTATIONS.values()}
    assert {policy.name for policy in ALL_POLICIES} == caught


def test_a_session_carries_nothing_from_one_graph_to_the_next(published_prod_pack):
    graph, broken_urn, policy = mutated("aurora unencrypted")
    check_caught(published_prod_pack.evaluate(graph), policy, broken_urn)
    clean = published_prod_pack.evaluate(stack_graph("prod"))
    assert clean.passed and clean.diagnostics == []


@pytest.mark.parametrize("mutation", list(MUTATIONS))
def test_mutation_is_caught_by_its_policy(mutation, published_prod_pack):
    # Only the policy under test runs, at the level and with the settings prod resolves for it: policies are
    # independent, and the full pack's verdict on the graphs is what the tests above and test_pack_stands_alone check.
    graph, broken_urn, policy = mutated(mutation)
    check_caught(published_prod_pack.evaluate(graph, only=[policy]), policy, broken_urn)


def test_a_limited_evaluation_runs_that_policy_alone_and_then_the_whole_pack_again(published_prod_pack):
    both = stack_graph("prod")
    (public_reader, policy), (pitr_off, other) = MUTATIONS["public Aurora reader"], MUTATIONS["PITR off"]
    public_reader(both)
    pitr_off(both)
    limited = published_prod_pack.evaluate(both, only=[policy])
    assert {d.policy for d in limited.diagnostics} == {policy}
    assert limited.resolved_config[other]["enforcementLevel"] == "disabled"
    everything = published_prod_pack.evaluate(both)
    assert {policy, other} <= {d.policy for d in everything.diagnostics}
    assert everything.resolved_config[other]["enforcementLevel"] == "mandatory"
