"""Writes every format of one ComplianceRun into a directory, each file replaced whole or not at all: the five
reports, and the run in NIST OSCAL (the component definition and the assessment results)."""
from __future__ import annotations

from pathlib import Path

from drcore.errors import UsageError
from drkit.report.compliance_run import ComplianceRun
from drkit.report.html import render_html
from drkit.report.json_report import render_json
from drkit.report.junit import render_junit
from drkit.report.locations import SourceLocator
from drkit.report.markdown import render_markdown
from drkit.report.oscal import assessment_results, component_definition, render_oscal
from drkit.report.sarif import render_sarif

FILE_NAMES = {"html": "compliance.html", "markdown": "compliance.md", "json": "compliance.json",
              "sarif": "compliance.sarif", "junit": "compliance-junit.xml",
              "oscal-component-definition": "oscal-component-definition.json",
              "oscal-assessment-results": "oscal-assessment-results.json"}


def write_bundle(run: ComplianceRun, directory: Path, locator: SourceLocator | None = None) -> dict[str, Path]:
    """Render every format, then write them; returns format -> path. Rendering first means a rendering bug never
    leaves a directory with some formats from this run and some from the last."""
    directory = Path(directory)
    rendered = {"html": render_html(run, locator), "markdown": render_markdown(run, locator), "json": render_json(run),
                "sarif": render_sarif(run, locator), "junit": render_junit(run),
                "oscal-component-definition": render_oscal(component_definition(run)),
                "oscal-assessment-results": render_oscal(assessment_results(run))}
    try:
        directory.mkdir(parents=True, exist_ok=True)
        paths = {}
        for kind, text in rendered.items():
            path = directory / FILE_NAMES[kind]
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(path)
            paths[kind] = path
    except OSError as exc:
        raise UsageError(f"cannot write the reports into {directory} ({exc.strerror}); pass a writable --out "
                         "directory") from None
    return paths
