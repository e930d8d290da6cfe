"""The report for people: one self-contained HTML page (inline CSS, no scripts, no external assets). Findings are
one de-duplicated table (rule x resource, the controls each affects as tags) that filters by severity and by
state with CSS alone (radio buttons and sibling selectors), so it works offline and where scripts are blocked.

Jinja2 autoescapes every value, so a resource name or message can never inject markup.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from drkit.compliance.assessment import VERDICTS, Finding
from drkit.compliance.timestamps import parse_instant
from drkit.report.compliance_run import ComplianceRun
from drkit.report.locations import SourceLocator

_KIND_LABELS = {"policy": "policy", "config-rule": "Config rule", "checkov": "checkov", "test": "test",
                "drill": "DR drill", "producer": "producer"}


def _environment() -> Environment:
    environment = Environment(loader=PackageLoader("drkit.report", "templates"),
                              autoescape=select_autoescape(["html", "j2"], default=True),
                              undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    environment.filters["kind_label"] = lambda kind: _KIND_LABELS.get(kind, kind)
    environment.filters["verdict_label"] = lambda verdict: VERDICTS.get(verdict, verdict.replace("-", " "))
    environment.filters["resource_name"] = resource_name
    environment.filters["percent"] = lambda part, whole: round(100 * part / whole) if whole else 0
    return environment


def resource_name(resource: str) -> str:
    """`name (type)` for a URN; anything else as it is."""
    if resource.startswith("urn:pulumi:") and resource.count("::") >= 3:
        parts = resource.split("::")
        return f"{parts[-1]} ({parts[-2].split('$')[-1]})"
    return resource or "the stack"


SEVERITIES = ("critical", "high", "medium", "low")
STATES = {"blocking": "fails the gate", "advisory": "advisory", "accepted": "accepted with a reason"}


@dataclass
class FindingRow:
    """One rule on one resource (in one region), however many controls it affects."""

    finding: Finding
    kind: str  # the evidence kind that reported it
    state: str  # one of STATES
    severity: str  # one of SEVERITIES
    controls: list[str] = field(default_factory=list)
    declared_at: str = ""


def finding_rows(run: ComplianceRun, locator: SourceLocator | None = None) -> list[FindingRow]:
    """Every finding once, keyed by rule, resource and region, with the controls whose evidence reported it;
    blocking ones first, then by severity."""
    cited: dict[tuple[str, str], list[str]] = {}
    for status in run.controls:
        for evidence in status.evidence:
            cited.setdefault((evidence.kind, evidence.id), []).append(status.control.key)
    rows: dict[tuple, FindingRow] = {}
    for result in run.evidence:
        for finding in result.findings:
            key = (finding.source, finding.rule, finding.resource, finding.region)
            state = "accepted" if finding.suppressed_reason else "blocking" if result.status == "failed" else "advisory"
            row = rows.get(key)
            if row is None:
                severity = finding.severity.lower() if finding.severity.lower() in SEVERITIES else "high"
                row = rows[key] = FindingRow(finding, result.kind, state, severity)
                if locator is not None:
                    row.declared_at = locator.declaration(finding.resource)
            row.controls = sorted(set(row.controls) | set(cited.get((result.kind, result.id), [])))
    order = {state: index for index, state in enumerate(STATES)}
    return sorted(rows.values(), key=lambda r: (order[r.state], SEVERITIES.index(r.severity), r.finding.rule,
                                                r.finding.resource))


def age_text(checked_at: str, generated_at: str) -> str:
    """How old a piece of evidence was when the report was made: "this run", "3 days old"."""
    then, now = parse_instant(checked_at), parse_instant(generated_at)
    if then is None or now is None:
        return ""
    days = (now - then).days
    return "this run" if now - then < timedelta(hours=1) else "today" if days < 1 else \
        f"{days} day{'s' * (days != 1)} old"


def render_html(run: ComplianceRun, locator: SourceLocator | None = None) -> str:
    """The page; with a locator, each finding also shows the program file and line that declares its resource."""
    rows = finding_rows(run, locator)
    template = _environment().get_template("report.html.j2")
    return template.render(run=run, frameworks=run.framework_summaries(), verdicts=list(VERDICTS), rows=rows,
                           severities=SEVERITIES, states=STATES,
                           counts={s: sum(r.severity == s for r in rows) for s in SEVERITIES},
                           state_counts={s: sum(r.state == s for r in rows) for s in STATES},
                           age=lambda checked_at: age_text(checked_at, run.generated_at))
