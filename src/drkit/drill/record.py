"""Drill records: one JSON file per scenario run, in the drill-evidence shape docs/reports.md defines (scenario,
passed, finishedAt, achievedRtoSeconds, achievedRpoSeconds), plus what a reviewer needs to trust it: the
timeline, the RTO budget of drcore.recovery_model against the measured steps, the orders lost, the AWS calls.
The full shape is schema/drill-record.schema.json; bump SCHEMA_VERSION when a field changes meaning.
"""
from __future__ import annotations

import dataclasses
import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from drcore.recovery_model import region_loss_rto_steps
from drfailover.control_table import iso
from drkit import __version__
from drkit.project import find_project
from drkit.provenance import commit_of
from drkit.drill.results import DrillRun, ScenarioResult

SCHEMA_VERSION = 1


def load_schema() -> dict[str, Any]:
    return json.loads((resources.files("drkit.drill") / "schema" / "drill-record.schema.json").read_text())


def scenario_record(run: DrillRun, result: ScenarioResult, titles: dict[str, str] | None = None) -> dict[str, Any]:
    d, scenario, automation = result.deployment, result.scenario, result.automation
    calls = (automation or {}).get("awsCalls") or {}
    exposure = (automation or {}).get("rpoExposure")
    return {
        "schemaVersion": SCHEMA_VERSION, "kind": "drkit-drill", "tool": {"name": "drkit", "version": __version__},
        "scenario": scenario.name, "title": (titles or {}).get(scenario.name, scenario.name),
        "passed": result.passed, "startedAt": iso(result.timeline.origin), "finishedAt": iso(result.finished_at),
        "achievedRtoSeconds": result.achieved_rto_s, "achievedRpoSeconds": result.achieved_rpo_s,
        "stack": run.stack, "environment": d.environment, "mode": "local-emulation",
        "operation": scenario.operation, "primaryRegion": d.primary_region, "secondaryRegion": d.secondary_region,
        "targetRegion": d.regions[scenario.target_role].region,
        "disruption": {"description": scenario.disruption,
                       "at": iso(result.disrupted_at) if result.disrupted_at else None},
        "recoveredAt": iso(result.recovered_at) if result.recovered_at else None,
        "targets": {"rtoSeconds": result.rto_target_s, "rpoSeconds": result.rpo_target_s,
                    "rpoTier": "none lost (planned move)" if scenario.lossless else run.settings.orders_tier},
        "commit": commit_of(find_project().root),
        "clientObserved": result.client,
        "reasons": _reasons(result),
        "checks": result.checks,
        "timeline": result.timeline.as_list(),
        "rtoBudget": _budget(result),
        "rpo": {"counted": result.counted, "ordersPlaced": len(result.orders), "ordersMissing": list(result.missing),
                "replicationLagSeconds": _measured_lag(exposure), "exposure": exposure},
        "awsCalls": {"automation": calls.get("calls", 0), "automationHttpAttempts": calls.get("httpAttempts", 0),
                     "automationByOperation": calls.get("byOperation", {}),
                     "readiness": result.readiness.calls.get("calls", 0) if result.readiness else 0,
                     "emulation": result.emulation_calls},
        "readiness": result.readiness.as_dict() if result.readiness else None,
        "automation": automation,
        "settings": dataclasses.asdict(run.settings),
    }


def _measured_lag(exposure: dict[str, Any] | None) -> float | None:
    """The worst replication lag CloudWatch reported at the failover; stores it could not measure (their region
    is gone) carry the recovery model's assumption in the exposure, not here."""
    measured = [store["lagSeconds"] for store in (exposure or {}).get("stores", []) if store["measured"]]
    return max(measured) if measured else None


def _reasons(result: ScenarioResult) -> list[str]:
    return list(result.reasons) or [f"{c['name']}: {c['detail']}" for c in result.checks if not c["passed"]]


def _budget(result: ScenarioResult) -> dict[str, Any]:
    """The regionLoss RTO budget (what `drkit rto` prints) with the automation's measured time per line."""
    if result.automation and result.automation["budget"]["steps"]:
        return result.automation["budget"]
    parameters = result.deployment.recovery_parameters
    rows = [{"name": s.name, "budgetSeconds": s.seconds, "source": s.source, "measuredSeconds": None}
            for s in region_loss_rto_steps(parameters)] if parameters else []
    return {"disruption": "regionLoss", "steps": rows, "estimateSeconds": sum(r["budgetSeconds"] for r in rows) or None,
            "achievedSeconds": None, "targetSeconds": result.deployment.region_rto_target_seconds()}


def validate(record: dict[str, Any]) -> None:
    """A record that does not match its own schema is a bug here, not bad input: fail loudly."""
    jsonschema.Draft202012Validator(load_schema()).validate(record)


def write_records(run: DrillRun, out: Path, titles: dict[str, str] | None = None) -> list[tuple[dict[str, Any], Path]]:
    """One file per scenario run, named so they sort by time: <start>-<nn>-<scenario>.json."""
    written = []
    for index, result in enumerate(run.results):
        record = scenario_record(run, result, titles)
        validate(record)
        # The index keeps both records when one drill runs a scenario twice.
        path = out / f"{run.started_at_stamp}-{index + 1:02d}-{result.scenario.name}.json"
        path.write_text(json.dumps(record, indent=2) + "\n")
        written.append((record, path))
    return written
