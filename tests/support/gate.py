"""Runs the real policy pack over a graph through the plugin process and gRPC, for tests; and what the policy
tests ask of a run: which policies it enables, module-scoped fixtures, and checks of its findings."""
from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterable

import pytest

from drkit.graph.resource_graph import Graph
from drkit.policy_host.evaluation import GateResult, run_gate
from tests.support.stacks import REPO

PACK = REPO / "policypack"


def run_pack(graph: Graph, policy_config: dict[str, Any] | None = None,
             stack_config: dict[str, Any] | None = None) -> GateResult:
    if policy_config is None:
        return run_gate(graph, PACK, stack_config=stack_config or {})
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "policy-config.json"
        path.write_text(json.dumps(policy_config))
        return run_gate(graph, PACK, stack_config=stack_config or {}, config_file=path)


def only(policies: Iterable[str], **settings_by_policy: dict[str, Any]) -> dict[str, Any]:
    """A policy config that disables every policy but `policies`, which run mandatory, each with its settings
    (settings_by_policy: policy name -> settings), so a finding or crash of another area cannot decide a test."""
    config: dict[str, Any] = {"all": "disabled"}
    for name in policies:
        config[name] = {"enforcementLevel": "mandatory", **settings_by_policy.get(name, {})}
    return config


def graph_fixture(build: Callable[[], Graph]):
    """A module-scoped `graph` fixture: assign it to `graph` in the test module."""
    @pytest.fixture(scope="module")
    def graph() -> Graph:
        return build()
    return graph


def result_fixture(policy_config: dict[str, Any] | None = None, stack_config: dict[str, Any] | None = None):
    """A module-scoped fixture running the pack over the module's `graph` fixture with these configs."""
    @pytest.fixture(scope="module")
    def result(graph: Graph) -> GateResult:
        return run_pack(graph, policy_config, stack_config=stack_config)
    return result


def violated(result: GateResult, policy: str) -> set[str]:
    """Names of resources (last URN segment; 'stack' for stack-level findings) the policy reported."""
    return {d.urn.split("::")[-1] if d.urn else "stack" for d in result.diagnostics if d.policy == policy}


def messages(result: GateResult, policy: str) -> list[str]:
    return [d.message for d in result.diagnostics if d.policy == policy]


def message_for(result: GateResult, policy: str, text: str) -> list[str]:
    """The policy's messages that contain `text`."""
    return [m for m in messages(result, policy) if text in m]


def check(result: GateResult, policy: str, bad: str | Iterable[str], good: str | Iterable[str]) -> None:
    """The policy reported every resource in `bad` and none in `good` (each a resource name or a list of names)."""
    bad, good = _names(bad), _names(good)
    found = violated(result, policy)
    assert bad <= found, f"{policy} should report {bad - found}; reported {sorted(found)}"
    assert not (good & found), f"{policy} wrongly reported {sorted(good & found)}"


def _names(names: str | Iterable[str]) -> set[str]:
    return {names} if isinstance(names, str) else set(names)


def assert_published_metadata(result: GateResult, names: Iterable[str]) -> dict[str, Any]:
    """Each named policy publishes a severity, remediation steps and a framework (name, version, reference), and
    runs mandatory; returns the pack's published policies by name."""
    published = {p.name: p for p in result.info.policies}
    for name in names:
        policy = published[name]
        assert policy.severity and policy.remediation_steps and policy.level == "mandatory", name
        assert {"name", "version", "reference"} <= set(policy.framework), name
    return published
