"""The report as a pull-request comment: verdict, a summary table per framework, then the failures, compact.

GitHub caps a comment at 65,536 characters, so failures past MAX_FAILURE_ROWS are counted, not listed; the HTML
report has them all.
"""
from __future__ import annotations


from drkit.compliance.assessment import VERDICTS, Finding
from drkit.report.compliance_run import ComplianceRun
from drkit.report.locations import SourceLocator

MAX_FAILURE_ROWS = 40
GITHUB_COMMENT_LIMIT = 65536  # characters; GitHub refuses a longer comment body
# What each unsettled verdict means, for the collapsed lists under the failures.
_UNSETTLED = {"stale": "their evidence is of another source, stack or time",
              "not-verified": "a required policy, check, test or drill did not run",
              "configured": "deployed AWS Config rules only; nothing evaluated them",
              "waived": "accepted by a reviewed waiver"}
_CELL_LIMIT = 300


def cell(text: str, limit: int = _CELL_LIMIT) -> str:
    """Text safe inside a table cell: one line, pipes and HTML escaped, then shortened to `limit` characters of
    output. Escaping first means the limit holds for what is written (a `<` becomes four characters), and the cut
    never splits an entity or a `\\|`."""
    text = " ".join(str(text).split())
    escaped = (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")
               .replace("`", "'"))
    if len(escaped) <= limit:
        return escaped
    cut = escaped[:limit - 1]
    entity = cut.rfind("&")
    if entity != -1 and ";" not in cut[entity:]:
        cut = cut[:entity]  # a partial &amp; / &lt; at the end
    if cut.endswith("\\") and not cut.endswith("\\\\"):
        cut = cut[:-1]  # half of an escaped pipe
    return cut + "…"


def render_markdown(run: ComplianceRun, locator: SourceLocator | None = None) -> str:
    """The comment, within GitHub's limit for any input: failure rows are dropped from the end (and counted) until
    it fits; the HTML report has them all."""
    rows = MAX_FAILURE_ROWS
    while True:
        text = _render(run, locator, rows)
        if len(text) < GITHUB_COMMENT_LIMIT or rows == 0:
            return text
        rows //= 2


def _render(run: ComplianceRun, locator: SourceLocator | None, max_rows: int) -> str:
    mark = "✅" if run.passed else "❌"
    verdict = "passed" if run.passed else "FAILED"
    lines = [f"## {mark} Compliance gate {verdict}: `{run.project}` / `{run.stack}`", "",
             "| Framework | Controls | " + " | ".join(label.capitalize() for label in VERDICTS.values()) + " |",
             "|---|---:|" + "---:|" * len(VERDICTS)]
    for summary in run.framework_summaries():
        lines.append(f"| {cell(summary.name)} | {summary.total} | "
                     + " | ".join(str(summary.counts[v]) for v in VERDICTS) + " |")
    lines.append("")
    lines.extend(f"- {text}" for text in _producer_lines(run))
    failures = failures_with_controls(run)
    if failures:
        lines += ["", f"### Failures ({len(failures)})", "",
                  "| Rule | Resource | Declared at | What is wrong | Fix | Controls |", "|---|---|---|---|---|---|"]
        for finding, control_keys in failures[:max_rows]:
            lines.append(f"| `{cell(finding.rule, 120)}` | {cell(_short_resource(finding.resource))} | "
                         f"{cell((locator.declaration(finding.resource) if locator else '') or '—', 120)} | {cell(finding.message)} | "
                         f"{cell(finding.fix)} | {cell(', '.join(control_keys) or '—')} |")
        if len(failures) > max_rows:
            lines.append(f"\n…and {len(failures) - max_rows} more failures: see compliance.html.")
    for verdict, meaning in _UNSETTLED.items():
        keys = [c.control.key for c in run.controls if c.verdict == verdict]
        if keys:
            shown = ", ".join(keys[:20]) + (f" and {len(keys) - 20} more" if len(keys) > 20 else "")
            lines += ["", f"<details><summary>{len(keys)} controls {VERDICTS[verdict]} ({meaning})</summary>", "",
                      cell(shown, 4000), "", "</details>"]
    for waiver in run.waivers:
        lines += ["", f"- Waived `{cell(waiver.evidence)}` until {waiver.expires} by {cell(waiver.owner)}: "
                      f"{cell(waiver.reason)}"]
    for warning in run.warnings:
        lines += ["", f"> ⚠️ {cell(warning, 1000)}"]
    facts = run.provenance.facts() if run.provenance else [("generated", run.generated_at)]
    lines += ["", "<sub>drkit report · " + " · ".join(f"{label}: {cell(value)}" for label, value in facts) + "</sub>", ""]
    return "\n".join(lines)


def failures_with_controls(run: ComplianceRun) -> list[tuple[Finding, list[str]]]:
    """Each blocking finding once, with the keys of the controls it fails (none when no control cites it)."""
    controls: dict[tuple, list[str]] = {}
    for status in run.failed_controls:
        for finding in status.failures:
            controls.setdefault(_identity(finding), []).append(status.control.key)
    return [(finding, list(dict.fromkeys(controls.get(_identity(finding), []))))
            for finding in run.all_failures()]


def _identity(finding: Finding) -> tuple:
    return finding.source, finding.rule, finding.resource, finding.message


def _producer_lines(run: ComplianceRun) -> list[str]:
    lines = []
    if run.gate is None:
        lines.append("Policy gate: not run")
    else:
        gate = run.gate
        lines.append(f"Policy gate `{cell(gate.pack)}`: {'passed' if gate.passed else '**failed**'} — "
                     f"{len(gate.policies)} policies, {gate.mandatory_violations} mandatory and "
                     f"{gate.advisory_violations} advisory violations over {gate.resources_analyzed} resources")
    checkov = run.checkov
    if checkov.ran:
        lines.append(f"checkov{' ' + cell(checkov.version) if checkov.version else ''}: {checkov.checks_run} checks ran over "
                     f"{checkov.results} results, "
                     f"{checkov.passed} passed, {checkov.failed} failed, {checkov.suppressed} suppressed"
                     + "".join(f"; {cell(scan)} read {cell(what)}" for scan, what in checkov.scanned.items()))
    else:
        lines.append(f"checkov: not run ({cell(checkov.note or 'not installed')})")
    if run.config is not None:
        config = run.config
        lines.append(f"AWS Config rules: {config.rules_in_both_regions} of {config.rules_named} deployed in both "
                     f"{config.primary_region} and {config.secondary_region}"
                     f"{'; live compliance merged' if config.live else ''}")
    return lines


def _short_resource(resource: str) -> str:
    # A URN is long and mostly the project and type chain; reviewers recognise the resource by its name and type.
    if resource.startswith("urn:pulumi:") and resource.count("::") >= 3:
        parts = resource.split("::")
        return f"{parts[-1]} ({parts[-2].split('$')[-1]})"
    return resource
