"""Gathers one ComplianceRun for a stack: program, policy gate, checkov, Config coverage, tests, drills, live Config.

The pack boots in its own process while the program runs; once the graph exists, checkov (its own process)
and the pack's analysis run side by side. Each phase's wall time is recorded for the caller to print.
"""
from __future__ import annotations

import sys
import time
from datetime import datetime, timezone
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from drcore.catalogue.model import Control
from drcore.errors import UsageError
from drkit.checkov.suppressions import SUPPRESSIONS_FILE
from drkit.compliance.assessment import EvidenceResult, Finding, Waiver, assess_controls, waive
from drkit.compliance.catalogue import load_catalogue
from drkit.compliance.evidence import (config_rule_coverage, dr_regions, live_config_evidence, policy_evidence,
                                       with_overrides)
from drkit.compliance.evidence_records import DrillRule, drill_evidence, test_evidence
from drkit.compliance.timestamps import rfc3339, utc_now
from drkit.compliance.waivers import load_waivers
from drkit.gate import checkov_phase
from drkit.gate.run_provenance import build_provenance
from drkit.graph.capture import run_program
from drkit.graph.resource_graph import Graph
from drkit.policy_host.evaluation import GateResult, PolicyGate
from drkit.policy_host.pack import open_pack
from drkit.provenance import is_ancestor, source_state
from drkit.report.compliance_run import (CheckovSummary, ComplianceRun, ConfigCoverage, GateSummary, PolicyRule,
                                         Provenance)
from drkit.stacks import load_stack


@dataclass
class EvidenceInputs:
    """Optional evidence files: pytest JUnit XML, a directory of drill records, live AWS Config results."""

    junit: Path | None = None
    drills: Path | None = None
    live: Path | None = None

    def check(self) -> None:
        """Refuse a path the user named that is not there, before any slow phase starts."""
        for flag, path, want_dir in (("--junit", self.junit, False), ("--drills", self.drills, True),
                                     ("--live", self.live, False)):
            if path is None:
                continue
            if want_dir and not path.is_dir():
                raise UsageError(f"{flag} {path} is not a directory; pass the directory holding the drill record "
                                 "JSON files (docs/reports.md)")
            if not want_dir and not path.is_file():
                hint = ("write it with 'pytest --junitxml=FILE'" if flag == "--junit"
                        else "write it with 'drkit evidence --live --stack NAME'")
                raise UsageError(f"{flag} {path} does not exist; {hint}")


@dataclass
class Collected:
    run: ComplianceRun
    graph: Graph
    gate: GateResult
    timings: dict[str, float] = field(default_factory=dict)


def gate_summary(result: GateResult) -> GateSummary:
    policies = [PolicyRule(p.name, p.description, p.severity,
                           result.resolved_config.get(p.name, {}).get("enforcementLevel", p.level),
                           p.remediation_steps) for p in result.info.policies]
    mandatory = len(result.mandatory)
    return GateSummary(pack=f"{result.pack_name}@v{result.pack_version}", policies=policies,
                       mandatory_violations=mandatory, advisory_violations=len(result.diagnostics) - mandatory,
                       resources_analyzed=result.resources_analyzed)


def build_run(*, graph: Graph, gate: GateResult | None, controls: list[Control], frameworks: dict[str, str],
              config_rules: Any, checkov: CheckovSummary, checkov_results: list[EvidenceResult],
              extra: list[EvidenceResult], live: list[EvidenceResult], warnings: list[str],
              generated_at: str = "", waivers: tuple[Waiver, ...] = (),
              provenance: Provenance | None = None) -> ComplianceRun:
    """Join every producer's evidence with the catalogue. `config_rules` is anything catalogue_config_rules
    reads (the catalogue itself); live Config results replace coverage for the same rule when they have a verdict.
    A producer that had to run and did not (checkov) is failed `producer` evidence unless a waiver covers it."""
    generated_at = generated_at or utc_now()
    coverage = config_rule_coverage(graph, config_rules, generated_at)
    regions = dr_regions(graph)
    by_key = {w.evidence: w for w in waivers}
    evidence = [waive(result, by_key) for result in [
        *(policy_evidence(gate, graph, generated_at) if gate else []), *checkov_results,
        *_producer_evidence(checkov, generated_at), *with_overrides(coverage, live), *extra]]
    config = ConfigCoverage(regions["primary"], regions["secondary"], rules_named=len(coverage),
                            rules_in_both_regions=sum(r.status == "configured" for r in coverage), live=bool(live))
    return ComplianceRun(stack=graph.stack, project=graph.project, generated_at=generated_at,
                         controls=assess_controls(controls, evidence, waivers), evidence=evidence,
                         gate=gate_summary(gate) if gate else None, checkov=checkov, config=config,
                         frameworks=dict(frameworks), warnings=list(warnings), provenance=provenance,
                         waivers=list(waivers))


def _producer_evidence(checkov: CheckovSummary, checked_at: str) -> list[EvidenceResult]:
    """Fail closed: checkov not running is a failure of the run, not an absence of findings."""
    if checkov.ran:
        return [EvidenceResult("producer", "checkov", "passed", [], checked_at, f"checkov {checkov.version} ran",
                               "drkit gate")]
    finding = Finding(source="producer", rule="checkov", resource="checkov", severity="high",
                      message=f"checkov did not run, so none of its checks assessed this stack: {checkov.note}",
                      fix="run scripts/setup-checkov.sh, or waive producer:checkov in compliance/suppressions.yaml "
                          "with a reason, owner and expiry (docs/reports.md, \"Waivers\")")
    return [EvidenceResult("producer", "checkov", "failed", [finding], checked_at, checkov.note, "drkit gate")]


def collect(stack_name: str, *, pack_dir: Path, pack_config: Path | None, inputs: EvidenceInputs,
            work_dir: Path, say: Callable[[str], None] | None = None) -> Collected:
    say = say or (lambda message: print(message, file=sys.stderr, flush=True))
    inputs.check()
    stack = load_stack(stack_name)
    root = stack.project.root
    catalogue = load_catalogue()
    now = datetime.now(timezone.utc)  # one instant for the whole run: the reports' time, waivers' and drills' age
    generated_at = rfc3339(now)
    judged = source_state(root)
    waivers = load_waivers(root / SUPPRESSIONS_FILE, stack_name, now.date())
    # Evidence files are read first, so a malformed one stops the run before the slow phases.
    extra = [*test_evidence(inputs.junit, judged, root)] if inputs.junit else []
    drill_rule = DrillRule(stack=stack_name, judged=judged,
                           max_age_days={d.name: d.max_age_days for d in catalogue.drills.values()},
                           now=now, is_ancestor=lambda commit, of: is_ancestor(root, commit, of))
    extra += drill_evidence(inputs.drills, drill_rule, root) if inputs.drills else []
    live = live_config_evidence(inputs.live) if inputs.live else []
    started = time.perf_counter()
    graph_ready: Future = Future()
    # Three things overlap: the pack boots in its own process, analyses each resource as the program registers it,
    # and checkov's repository scans start while this process runs the program; then checkov's plan scan and the
    # pack's stack policies run side by side.
    with PolicyGate(pack_dir, project=stack.project.name, stack=stack_name, stack_config=stack.raw,
                    config_file=pack_config, progress=say, on_log=_show_pack_log) as gate, \
            ThreadPoolExecutor(max_workers=1) as pool:
        checkov_job = checkov_phase.start_checkov(pool, stack.project.root, stack_name, graph_ready.result,
                                                    work_dir)
        say(f"Running {stack.project.main.name}/ for stack '{stack_name}' under the Pulumi mock runtime...")
        try:
            graph = run_program(stack.project.main, stack.project.name, stack_name, stack.raw,
                                on_resource=gate.analyze_as_registered())
        except BaseException as exc:
            graph_ready.set_exception(exc)  # lets the checkov scan stop instead of waiting for a graph
            raise
        graph_ready.set_result(graph)
        program_seconds = time.perf_counter() - started
        parallel_started = time.perf_counter()
        gate_result = gate.evaluate(graph)
        policy_seconds = time.perf_counter() - parallel_started
        graph_digest = graph.save(work_dir / f"{stack_name}.graph.json")  # while checkov is still scanning
        checkov_outcome = checkov_job.result()
        parallel_seconds = time.perf_counter() - parallel_started
    timings = {"pack start (during program)": gate_result.timings.get("pack start", 0.0),
               "program": program_seconds, "policy analysis": policy_seconds,
               "checkov (from start)": checkov_outcome.seconds, "after program (policy + checkov)": parallel_seconds}
    warnings = list(checkov_outcome.warnings) + waivers.warnings()
    report_started = time.perf_counter()
    provenance = build_provenance(generated_at=generated_at, source=judged, graph=graph, graph_digest=graph_digest,
                                  stack_file=stack.project.stack_file(stack_name), pack=open_pack(pack_dir),
                                  checkov_version=checkov_outcome.summary.version)
    run = build_run(graph=graph, gate=gate_result, controls=list(catalogue.controls),
                    frameworks=dict(catalogue.frameworks), config_rules=catalogue, checkov=checkov_outcome.summary,
                    checkov_results=checkov_outcome.evidence, extra=extra, live=live, warnings=warnings,
                    generated_at=generated_at, waivers=waivers.active, provenance=provenance)
    timings["evidence"] = time.perf_counter() - report_started
    return Collected(run=run, graph=graph, gate=gate_result, timings=timings)


def _show_pack_log(entry: Any) -> None:
    if entry.severity in ("warning", "error"):
        print(f"policy pack {entry.severity}: {entry.message}", file=sys.stderr)
