"""One checkov run over the project: the program's plan, the repository's secrets and its GitHub Actions workflows.

Both scans start first: the repository scan runs, and the plan scan's process imports checkov, while this process
runs the Pulumi program and writes the plan; the plan scan then starts at once beside the repository scan.
"""
from __future__ import annotations

import datetime
import json
import sys
import time
from pathlib import Path
from typing import Callable, Iterable, Union

from drcore.errors import UsageError
from drkit.checkov.process import (CheckovRun, checkov_executable, checkov_version, scan_plan, start_plan_scan,
                                   start_repository_scan)
from drkit.checkov.results import PLAN_FRAMEWORK, CheckovResult, parse_reports
from drkit.checkov.suppressions import SUPPRESSIONS_FILE, apply_suppressions, known_check_ids, load_suppressions
from drkit.checkov.terraform_plan import build_plan
from drkit.graph.resource_graph import Graph

SCANS = ("plan", "secrets", "github-actions")
_FRAMEWORK_OF_SCAN = {"plan": PLAN_FRAMEWORK, "secrets": "secrets", "github-actions": "github_actions"}

GraphSource = Union[Graph, Callable[[], Graph]]


def plan_path(out_dir: Path, stack: str) -> Path:
    return out_dir / f"{stack}.tfplan.json"


def run_checkov(root: Path, *, stack: str | None, graph: GraphSource | None, out_dir: Path,
                scans: Iterable[str] = SCANS, suppressions_file: Path | None = None) -> CheckovResult:
    """Run the chosen scans and return their results with compliance/suppressions.yaml applied.

    `graph` is the stack's resource graph, or a function that captures it (called while the repository scan
    runs); it is needed only for the plan scan. Raises UsageError for a missing .checkov-venv, a bad
    suppressions file, a stale suppression or checkov failing.
    """
    scans = tuple(s for s in SCANS if s in set(scans))
    if "plan" in scans and (stack is None or graph is None):
        raise UsageError("the plan scan needs a stack; pass --stack NAME")
    checkov_executable(root)
    suppressions_path = suppressions_file or root / SUPPRESSIONS_FILE
    suppressions = load_suppressions(suppressions_path, known_check_ids(root))
    started = time.perf_counter()
    repository_frameworks = tuple(_FRAMEWORK_OF_SCAN[s] for s in scans if s != "plan")
    runs: list[CheckovRun] = []
    urns: dict[str, str] = {}
    written: Path | None = None
    timings: dict[str, float] = {}
    try:
        if repository_frameworks:
            runs.append(start_repository_scan(root, repository_frameworks))
        if "plan" in scans:
            assert stack is not None and graph is not None
            plan_run = start_plan_scan(root)  # imports while the program runs
            runs.append(plan_run)
            resolved = graph() if callable(graph) else graph
            converting = time.perf_counter()
            plan = build_plan(resolved)
            written = plan_path(out_dir, stack)
            plan.write(written)
            urns = plan.urns
            timings["planWriteSeconds"] = round(time.perf_counter() - converting, 3)
            print(f"Terraform plan with {len(urns)} resources written to {_shown(written, root)}",
                  file=sys.stderr, flush=True)
            scan_plan(plan_run, written)
        reports = []
        for run in runs:
            reports += run.finish()
            key = "planScanSeconds" if run.frameworks == (PLAN_FRAMEWORK,) else "repositoryScanSeconds"
            timings[key] = round(run.seconds, 3)
    finally:
        for run in runs:
            run.kill()
    frameworks = tuple(_FRAMEWORK_OF_SCAN[s] for s in scans)
    results = apply_suppressions(parse_reports(reports, urns), suppressions, stack, frameworks,
                                 _shown(suppressions_path, root))
    timings["totalSeconds"] = round(time.perf_counter() - started, 3)
    return CheckovResult(version=checkov_version(root), stack=stack if "plan" in scans else None,
                         plan_path=written, frameworks=frameworks, results=results,
                         checked_at=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                         timings=timings, scanned={run.label: run.scanned for run in runs})


def result_to_json(result: CheckovResult) -> dict:
    return {
        "passed": result.passed,
        "checkovVersion": result.version,
        "stack": result.stack,
        "plan": str(result.plan_path) if result.plan_path else None,
        "checkedAt": result.checked_at,
        "summary": {framework: result.summary(framework) for framework in result.frameworks},
        "results": [{"framework": r.framework, "checkId": r.check_id, "checkName": r.check_name,
                     "status": "passed" if r.passed else "suppressed" if r.suppressed_reason else "failed",
                     "resource": r.resource, "urn": r.urn or None, "file": r.file, "guideline": r.guideline or None,
                     "suppressedReason": r.suppressed_reason or None} for r in result.results],
        "scanned": result.scanned,
        "timings": result.timings,
    }


def dumps(result: CheckovResult) -> str:
    return json.dumps(result_to_json(result), indent=2)


def _shown(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)
