"""The dev stack's environment, emulated from its own graph (drkit.emulation), for the readiness checks: one per
module (moto runs once per process); each test that breaks something puts it back."""
from __future__ import annotations

import pytest

from drkit.commands.readiness import backup_copy_window_seconds
from drkit.emulation import EmulatedEnvironment
from drkit.failover.clients import AwsClients
from drkit.failover.deployment import deployment_from_outputs
from drkit.failover.readiness import ReadinessContext, ReadinessReport, region_extras, run_readiness
from drkit.stacks import load_stack
from tests.support.program import stack_graph


@pytest.fixture(scope="module")
def env():
    with EmulatedEnvironment("dev", graph=stack_graph("dev"), progress=None) as environment:
        yield environment


def readiness(env, **overrides) -> ReadinessReport:
    """Readiness as `drkit readiness` runs it, against the emulated environment's endpoints and storefronts."""
    config = load_stack("dev").config
    context = ReadinessContext(deployment_from_outputs(env.outputs, "emulated dev", config), AwsClients(env.endpoints),
                               region_extras(env.outputs, "emulated dev"),
                               backup_schedule=config.backup.schedule_expression,
                               copy_window_s=backup_copy_window_seconds(), probes=dict(env.probes))
    for name, value in overrides.items():
        setattr(context, name, value)
    return run_readiness(context, "dev")


def status_of(report: ReadinessReport, check: str) -> str:
    return next(c.status for c in report.checks if c.name == check)
