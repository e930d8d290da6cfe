"""Readiness as `drkit readiness` runs it, against an emulated environment (tests/support/fixtures/readiness.py)."""
from __future__ import annotations

from drcore.backup_windows import copy_window_seconds
from drfailover.clients import AwsClients
from drfailover.deployment import deployment_from_outputs
from drkit.readiness.check import ReadinessContext, ReadinessReport, region_extras
from drkit.readiness.suite import run_readiness
from drkit.stacks import load_stack


def readiness(env, **overrides) -> ReadinessReport:
    """Readiness as `drkit readiness` runs it, against the emulated environment's endpoints and storefronts."""
    config = load_stack("dev").config
    context = ReadinessContext(deployment_from_outputs(env.outputs, "emulated dev", config), AwsClients(env.endpoints),
                               region_extras(env.outputs, "emulated dev"),
                               backup_schedule=config.backup.schedule_expression,
                               copy_window_s=copy_window_seconds(), probes=dict(env.probes))
    for name, value in overrides.items():
        setattr(context, name, value)
    return run_readiness(context, "dev")


def status_of(report: ReadinessReport, check: str) -> str:
    return next(c.status for c in report.checks if c.name == check)
