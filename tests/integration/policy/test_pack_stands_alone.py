"""The policy pack ships alone: a copy of policypack/ somewhere else, in a fresh virtual env holding only its own
requirements.txt (what `pulumi policy publish` uploads and the engine installs), started as the engine starts it
(`python -u -m pulumi.policy <engine> <dir>`), gives the repository pack's verdicts on the clean prod graph and on
every mutation. Configuration travels as the engine sends it: each policy's schema defaults, then the pack's
initial config, then the user's --policy-pack-config (ReconcilePolicyPackConfig, sdk/go/common/resource/analyzer)."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

from drkit.policy_host.evaluation import GateResult
from tests.support.fixtures.published_pack import prod_session
from tests.support.mutations import MUTATIONS
from tests.support.program import stack_graph
from tests.support.stacks import REPO

# Compared pack against pack here: the ones that depend on what the pack carries from the repository (the
# catalogue's Config rules, the recovery model). test_mutations.py runs every mutation through the published pack.
COMPARED = ("secondary's Config rules dropped", "DNS cached for an hour")


def verdict(result: GateResult) -> set[tuple[str, str, str]]:
    return {(d.policy, d.urn, d.level) for d in result.diagnostics}


def test_the_copy_runs_in_its_own_venv_with_only_its_requirements(published_pack, published_prod_pack):
    python = str(published_pack / "venv/bin/python")
    assert published_prod_pack.pack.interpreter == Path(python)
    for module in ("drkit", "drcore", "drfailover", "infra", "boto3", "jsonschema"):
        probe = subprocess.run([python, "-c", f"import {module}"], capture_output=True, text=True,
                               cwd=published_pack.parent, timeout=60)
        assert probe.returncode != 0, f"{module} is importable in the pack's venv; the pack must not need it"
    frozen = subprocess.run([python, "-m", "pip", "freeze"], capture_output=True, text=True, timeout=60).stdout
    pinned = {line.split("#")[0].strip().lower().replace("_", "-")
              for line in (published_pack / "requirements.txt").read_text().splitlines() if "==" in line}
    assert {line.strip().lower().replace("_", "-") for line in frozen.splitlines() if line.strip()} == pinned


def test_the_copy_gives_the_repository_verdicts(published_prod_pack):
    with prod_session(REPO / "policypack") as repository:
        assert repository.pack.interpreter is None  # the repository's pack runs in drkit's own venv
        for name in ("unmutated", *COMPARED):
            graph = stack_graph("prod")
            policy = ""
            if name in MUTATIONS:
                mutate, policy = MUTATIONS[name]
                mutate(graph)
            expected, actual = repository.evaluate(graph), published_prod_pack.evaluate(graph)
            assert verdict(actual) == verdict(expected), name
            if policy:
                assert policy in {d.policy for d in actual.mandatory}, f"{name}: {policy} did not fire"
            else:
                assert actual.passed and actual.diagnostics == [], [d.policy for d in actual.diagnostics]


def test_user_config_lands_on_schema_defaults_and_the_packs_initial_config(published_pack, tmp_path):
    # The user narrows the allowed regions (a schema default) and downgrades everything to advisory; the pack's
    # initial config (the Config rules the catalogue requires) must survive underneath.
    config = tmp_path / "policy-config.json"
    config.write_text(json.dumps({"all": "advisory", "allowed-regions": {"allowedRegions": ["us-east-1"]}}))
    graph = stack_graph("prod")
    secondary = next(r for r in graph.of_type("pulumi:providers:aws") if "aws-secondary" in r.name).urn
    graph.resources = [r for r in graph.resources if not (r.type == "aws:cfg/rule:Rule" and r.provider == secondary)]
    with prod_session(published_pack, config) as gate:
        result = gate.evaluate(graph)
    fired = {d.policy: d for d in result.diagnostics}
    assert {"allowed-regions", "config-rules-both-regions"} <= set(fired)
    assert all(d.level == "advisory" for d in result.diagnostics) and result.passed
    assert "us-west-2" in fired["allowed-regions"].message
    required = result.resolved_config["config-rules-both-regions"]["requiredRuleIdentifiers"]
    assert required and any(rule in fired["config-rules-both-regions"].message for rule in required)
    # Schema defaults of a policy the user did not touch are what the pack received.
    assert result.resolved_config["required-tags"]["requiredTags"]["DRRole"] == ["primary", "secondary", "global"]
