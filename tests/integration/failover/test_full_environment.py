"""Failover and failback against the full emulated environment materialized from the prod stack's graph
(drkit.emulation.EmulatedEnvironment): every resource the program declares that moto can hold, the
emulation's storefronts taking orders, Route 53 answering from health."""
from __future__ import annotations

import io
import json
import urllib.request

import pytest

from drfailover.clients import AwsClients
from drfailover.deployment import deployment_from_outputs
from drfailover.execution import Runner
from drfailover.plan import build_plan
from drfailover.steps import RunOptions
from drkit.emulation import EmulatedEnvironment
from drkit.stacks import load_stack
from tests.support.emulated_platform import CALL_BUDGET
from tests.support.program import stack_graph


@pytest.fixture(scope="module")
def env():
    with EmulatedEnvironment("prod", graph=stack_graph("prod"), progress=None) as environment:
        yield environment


def _run(env, operation: str):
    deployment = deployment_from_outputs(env.outputs, "emulated prod", load_stack("prod").config)
    options = RunOptions(probes=env.probes, confirm_interval_s=0, poll_interval_s=0.01)
    runner = Runner(build_plan(operation), deployment, AwsClients(env.endpoints), options, progress=io.StringIO())
    return runner.execute()


def _order(env, role: str) -> dict:
    request = urllib.request.Request(env.health[role].url + "/orders", data=json.dumps({"sku": "drill"}).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def test_region_outage_failover_then_failback_on_the_materialized_prod_environment(env):
    assert env.serving_role() == "primary"
    env.region_outage("primary")
    failover = _run(env, "failover")
    assert failover.outcome == "done", failover.message
    assert failover.calls["calls"] < CALL_BUDGET + 2  # a lost primary region: the fence is tried three times
    assert env.serving_role() == "secondary"
    assert _order(env, "secondary")["region"] == env.region("secondary")  # writes land in the secondary
    assert _run(env, "failover").outcome == "no-op"

    env.region_recovered("primary")
    failback = _run(env, "failback")
    assert failback.outcome == "done", failback.message
    assert env.serving_role() == "primary"
    assert _order(env, "primary")["region"] == env.region("primary")
