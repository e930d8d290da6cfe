"""The report for people: one self-contained HTML page (inline CSS, no scripts, no external assets).

Jinja2 autoescapes every value, so a resource name or message can never inject markup.
"""
from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from drkit.compliance.assessment import VERDICTS
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


def render_html(run: ComplianceRun, locator: SourceLocator | None = None) -> str:
    """The page; with a locator, each failing resource also shows the program file and line that declares it."""
    failures = []
    for status in run.failed_controls:
        for finding in status.failures:
            failures.append((status, finding))
    where = {}
    if locator is not None:
        for result in run.evidence:
            for finding in result.findings:
                if finding.resource.startswith("urn:pulumi:"):
                    location = locator.locate(finding.resource)
                    where[finding.resource] = f"{location.path}:{location.line}"
    template = _environment().get_template("report.html.j2")
    return template.render(run=run, frameworks=run.framework_summaries(), failures=failures, verdicts=list(VERDICTS),
                           unmapped=run.unmapped_failures(), where=where)
