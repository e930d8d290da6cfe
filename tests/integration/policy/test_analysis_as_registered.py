"""The pack analyses each resource as the program registers it (as the engine calls Analyze during a preview), on the
pack's own process while the program still runs; the verdict must be the one a whole-graph evaluation gives."""
from __future__ import annotations

import copy

from drkit.graph.capture import run_program
from drkit.policy_host.evaluation import PolicyGate, run_gate
from tests.support.program import stack_raw_config
from tests.support.stacks import REPO

PACK = REPO / "policypack"


def _verdict(result):
    return sorted((d.policy, d.urn, d.message) for d in result.diagnostics)


def test_resources_analysed_while_the_program_runs_give_the_whole_graph_verdict():
    config = stack_raw_config("dev")
    with PolicyGate(PACK, project="ecommerce-dr", stack="dev", stack_config=config) as gate:
        graph = run_program(REPO / "infra", "ecommerce-dr", "dev", config, on_resource=gate.analyze_as_registered())
        streamed = gate.evaluate(graph)
        # A resource changed after it registered is asked again, not answered from the early pass.
        edited = copy.deepcopy(graph)
        cluster = next(r for r in edited.of_type("aws:rds/cluster:Cluster") if "primary" in r.name)
        cluster.inputs["storageEncrypted"] = False
        after_edit = gate.evaluate(edited)
    assert streamed.answered_early == streamed.resources_analyzed > 500
    assert cluster.urn in {d.urn for d in after_edit.mandatory if d.policy == "rds-storage-encrypted-cmk"}
    whole = run_gate(graph, PACK, stack_config=config)
    assert whole.answered_early == 0
    assert _verdict(streamed) == _verdict(whole) and streamed.passed
