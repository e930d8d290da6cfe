"""The short terminal summary `drkit report` and `drkit gate` print: verdict, per framework, producers, paths."""
from __future__ import annotations

from pathlib import Path

from drkit.compliance.assessment import VERDICTS
from drkit.report.compliance_run import ComplianceRun
from drkit.report.html import resource_name


def counts_text(counts: dict[str, int]) -> str:
    """"3 passed, 0 failed, 2 not verified" — passed and failed always, the other verdicts when they occur."""
    return ", ".join(f"{counts[v]} {VERDICTS[v]}" for v in VERDICTS if v in ("passed", "failed") or counts[v])


def summary_lines(run: ComplianceRun) -> list[str]:
    lines = [f"Compliance for {run.project}/{run.stack}: {'passed' if run.passed else 'FAILED'}"]
    for framework in run.framework_summaries():
        lines.append(f"  {framework.name:<40} {framework.total:>3} controls: {counts_text(framework.counts)}")
    if run.gate is None:
        lines.append("  Policy gate: not run")
    else:
        gate = run.gate
        lines.append(f"  Policy gate {gate.pack}: {'passed' if gate.passed else 'FAILED'} ({len(gate.policies)} "
                     f"policies, {gate.mandatory_violations} mandatory and {gate.advisory_violations} advisory "
                     f"violations over {gate.resources_analyzed} resources)")
    checkov = run.checkov
    if checkov.ran:
        lines.append(f"  checkov{' ' + checkov.version if checkov.version else ''}: {checkov.checks_run} checks ran "
                     f"over {checkov.results} results: {checkov.passed} passed, {checkov.failed} failed, "
                     f"{checkov.suppressed} suppressed")
        for framework, counts in checkov.by_framework.items():
            lines.append(f"      {framework:<15} {counts['checks']:>4} checks: {counts['passed']} passed, "
                         f"{counts['failed']} failed, {counts['suppressed']} suppressed")
        for scan, what in checkov.scanned.items():
            lines.append(f"      {scan} read {what}")
    else:
        lines.append("  checkov: not run")
    if run.config is not None:
        config = run.config
        lines.append(f"  AWS Config rules: {config.rules_in_both_regions} of {config.rules_named} deployed in both "
                     f"{config.primary_region} and {config.secondary_region}"
                     f"{' (live results merged)' if config.live else ' (configured, not assessed: no live results)'}")
    for waiver in run.waivers:
        lines.append(f"  Waived: {waiver.evidence} until {waiver.expires} ({waiver.owner})")
    if run.provenance is not None:
        lines.append(f"  Judged: {run.provenance.source.label}, {run.provenance.stack_file}, "
                     f"{run.provenance.resources} resources")
    return lines


def failure_lines(run: ComplianceRun, limit: int = 15) -> list[str]:
    failures = run.all_failures()
    if not failures:
        return []
    lines = [f"Failures ({len(failures)}):"]
    for finding in failures[:limit]:
        where = f" [{finding.region}]" if finding.region else ""
        lines.append(f"  {finding.source} {finding.rule}: {resource_name(finding.resource)}{where}")
        lines.append(f"      {' '.join(finding.message.split())[:240]}")
        if finding.fix:
            lines.append(f"      fix: {' '.join(finding.fix.split())[:240]}")
    if len(failures) > limit:
        lines.append(f"  ... and {len(failures) - limit} more in the HTML report")
    return lines


def path_lines(paths: dict[str, Path]) -> list[str]:
    return ["Reports:", *(f"  {kind:<9} {path}" for kind, path in paths.items())]


def timing_line(timings: dict[str, float]) -> str:
    return "Timing: " + ", ".join(f"{phase} {seconds:.2f} s" for phase, seconds in timings.items())
