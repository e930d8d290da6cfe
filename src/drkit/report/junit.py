"""The report for CI test views: JUnit XML with one testsuite per framework and one testcase per control.

A failed control is a <failure> listing its findings; a control that did not pass for another reason (stale,
not verified, configured but not assessed, waived) is <skipped> with that reason. The shape follows Jenkins'
junit-10.xsd: `skipped` only on testsuite (not testsuites), `time` on suites and cases, and class names whose
dots are package separators only (a framework key's version dots become underscores: pci-dss-4_0).
"""
from __future__ import annotations

import xml.etree.ElementTree as ElementTree

from drkit.compliance.assessment import VERDICTS, ControlStatus
from drkit.report.compliance_run import ComplianceRun


def render_junit(run: ComplianceRun) -> str:
    frameworks = run.framework_summaries()
    root = ElementTree.Element("testsuites", name=f"compliance {run.project}/{run.stack}",
                               tests=str(sum(f.total for f in frameworks)),
                               failures=str(sum(f.failed for f in frameworks)), errors="0", time="0")
    facts = run.provenance.facts() if run.provenance else [("generated", run.generated_at)]
    for framework in frameworks:
        suite = ElementTree.SubElement(root, "testsuite", name=framework.name, tests=str(framework.total),
                                       failures=str(framework.failed), errors="0",
                                       skipped=str(framework.total - framework.passed - framework.failed),
                                       time="0", timestamp=run.generated_at)
        properties = ElementTree.SubElement(suite, "properties")
        for name, value in (("framework", framework.key), ("stack", run.stack), ("project", run.project), *facts):
            ElementTree.SubElement(properties, "property", name=name, value=value)
        for status in run.controls_of(framework.key):
            _testcase(suite, status)
    ElementTree.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(root, encoding="unicode") + "\n"


def _testcase(suite: ElementTree.Element, status: ControlStatus) -> None:
    control = status.control
    case = ElementTree.SubElement(suite, "testcase", classname=f"compliance.{control.framework.replace('.', '_')}",
                                  name=f"{control.id} {control.title}", time="0")
    evidence = "\n".join(f"{e.status:<10} {e.kind} {e.id}{' - ' + e.detail if e.detail else ''}"
                         for e in status.evidence)
    if status.verdict == "failed":
        findings = status.failures
        failed = [e for e in status.evidence if e.status == "failed"]
        summary = (f"{len(findings)} finding{'s' * (len(findings) != 1)} from "
                   + ", ".join(f"{e.kind} {e.id}" for e in failed))
        body = "\n\n".join(f"{f.rule} on {f.resource or 'the stack'}{' in ' + f.region if f.region else ''}:\n"
                           f"  {f.message}\n  fix: {f.fix or 'see the rule'}" for f in findings)
        failure = ElementTree.SubElement(case, "failure", message=summary, type="ControlFailed")
        failure.text = (body + "\n\nEvidence:\n" + evidence) if body else "Evidence:\n" + evidence
    elif status.verdict != "passed":
        unsettled = [e for e in status.evidence if e.status not in ("passed", "suppressed")]
        reason = "; ".join(f"{e.kind} {e.id} {e.status}" for e in unsettled[:5])
        ElementTree.SubElement(case, "skipped", message=f"{VERDICTS[status.verdict]}: {reason}")
    ElementTree.SubElement(case, "system-out").text = evidence
