"""Runs the real policy pack over a graph through the plugin process and gRPC, for tests."""
from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from drkit.graph.model import Graph
from drkit.policy.gate import GateResult, run_gate

REPO = Path(__file__).resolve().parents[2]
PACK = REPO / "policypack"


def run_pack(graph: Graph, policy_config: dict[str, Any] | None = None,
             stack_config: dict[str, Any] | None = None) -> GateResult:
    if policy_config is None:
        return run_gate(graph, PACK, stack_config=stack_config or {})
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "policy-config.json"
        path.write_text(json.dumps(policy_config))
        return run_gate(graph, PACK, stack_config=stack_config or {}, config_file=path)


def violated(result: GateResult, policy: str) -> set[str]:
    """Names of resources (last URN segment; 'stack' for stack-level findings) the policy reported."""
    return {d.urn.split("::")[-1] if d.urn else "stack" for d in result.diagnostics if d.policy == policy}


def messages(result: GateResult, policy: str) -> list[str]:
    return [d.message for d in result.diagnostics if d.policy == policy]
