"""checkov as the report sees it: started beside the program run when its virtual env exists, else not-run
with the reason.

checkov lives in its own virtual env (.checkov-venv, made by scripts/setup-checkov.sh) because it pins old
libraries; a report without it is still written, but the run fails closed (pipeline._producer_evidence) unless
a reviewed waiver accepts its absence. Its repository scans
(secrets, GitHub Actions) need no graph and run while the program runs; the plan scan waits for the graph.
"""
from __future__ import annotations

import time
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from drkit.checkov.process import SETUP_SCRIPT, VENV_DIR
from drkit.checkov.results import CheckovResult
from drkit.checkov.scan import dumps, run_checkov
from drkit.compliance.assessment import EvidenceResult
from drkit.compliance.checkov_evidence import checkov_evidence
from drkit.graph.resource_graph import Graph
from drkit.report.compliance_run import CheckovSummary

CHECKOV_RESULTS_FILE = "checkov.json"
NOT_INSTALLED = (f"checkov is not installed (no {VENV_DIR}/bin/checkov): the gate fails closed unless "
                 f"producer:checkov is waived; run {SETUP_SCRIPT}")


@dataclass
class CheckovOutcome:
    summary: CheckovSummary
    evidence: list[EvidenceResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0


def why_not_available(project_root: Path) -> str:
    """"" when checkov can run, else why it cannot and how to fix that."""
    return "" if (project_root / VENV_DIR / "bin" / "checkov").exists() else NOT_INSTALLED


def start_checkov(pool: Executor, project_root: Path, stack: str, graph: Callable[[], Graph],
                  work_dir: Path) -> Future:
    """Start every checkov scan on `pool`; `graph` blocks until the program has run. The future's result is a
    CheckovOutcome; bad suppressions or checkov failing raise UsageError from it."""
    reason = why_not_available(project_root)
    if reason:
        done: Future = Future()
        done.set_result(CheckovOutcome(CheckovSummary(ran=False, note=reason), warnings=[reason]))
        return done

    def scan() -> CheckovOutcome:
        started = time.perf_counter()
        result = run_checkov(project_root, stack=stack, graph=graph, out_dir=work_dir)
        # Every result as `drkit checkov --json` prints it, beside the reports: what was scanned and found.
        (work_dir / CHECKOV_RESULTS_FILE).write_text(dumps(result))
        return CheckovOutcome(summarize(result), checkov_evidence(result), seconds=time.perf_counter() - started)

    return pool.submit(scan)


def summarize(result: CheckovResult) -> CheckovSummary:
    per_framework = {framework: result.summary(framework) for framework in result.frameworks}
    return CheckovSummary(ran=True, checks_run=sum(s["checks"] for s in per_framework.values()),
                          results=sum(s["results"] for s in per_framework.values()),
                          passed=sum(s["passed"] for s in per_framework.values()), failed=len(result.unsuppressed),
                          suppressed=len(result.suppressed), version=result.version, by_framework=per_framework,
                          scanned=dict(result.scanned))
