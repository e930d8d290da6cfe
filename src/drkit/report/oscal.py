"""The run in NIST OSCAL (JSON), for GRC tools: the catalogue as a component definition (what the platform
implements for each control, and the evidence that shows it) and the gate run as assessment results (one finding
per control, one observation per piece of evidence). The tests validate both with compliance-trestle's OSCAL
models.

Decisions a reader of the files needs:
- Control ids are OSCAL tokens, which may not start with a digit: NIST's own form for SP 800-53 (`cp-9.1` for
  CP-9(1), as NIST's OSCAL catalog writes it); for frameworks without a NIST OSCAL catalog, the framework's id
  lower-cased with a prefix: `pci-3.5.1`, `cis-2.2.1`, SOC 2's `cc7.4` and `a1.3` as they are.
- Each framework is a back-matter resource the control implementations name as their `source`; NIST SP 800-53
  links to NIST's published OSCAL catalog.
- A finding is `satisfied` only for a passed control. Failed is `not-satisfied` (reason `fail`); stale, not
  verified, configured-not-assessed and waived are `not-satisfied` (reason `other`), with the verdict as a
  property and the why in remarks: nothing here claims more than the gate assessed.
- There is no assessment plan document: `import-ap` names a back-matter resource saying the plan is the
  catalogue and the evidence rules of docs/reports.md.
- UUIDs are version 5, derived from the stack, the run's graph digest and time, and the control or evidence, so
  the same run always gives the same file.
"""
from __future__ import annotations

import json
import re
import uuid
from typing import Any

from drkit import __version__
from drkit.compliance.assessment import VERDICTS, ControlStatus, EvidenceResult
from drkit.compliance.timestamps import normalized
from drkit.report.compliance_run import ComplianceRun

OSCAL_VERSION = "1.2.1"  # the OSCAL release whose models validate these files in the tests (compliance-trestle 5.2.0)
NAMESPACE = "urn:ecommerce-dr:drkit"  # `ns` of this tool's own properties
NIST_CATALOG = ("https://raw.githubusercontent.com/usnistgov/oscal-content/main/nist.gov/SP800-53/rev5/json/"
                "NIST_SP-800-53_rev5_catalog.json")
_PREFIXES = {"pci-dss": "pci", "cis-aws": "cis"}
_METHODS = {"policy": "TEST", "checkov": "TEST", "test": "TEST", "drill": "TEST", "producer": "TEST",
            "config-rule": "EXAMINE"}


def control_id(framework: str, control: str) -> str:
    """The control's id as an OSCAL token: `CP-9(1)` -> `cp-9.1`, PCI `3.5.1` -> `pci-3.5.1`."""
    token = re.sub(r"\((\w+)\)", r".\1", control).lower().replace(" ", "-")
    prefix = next((p for key, p in _PREFIXES.items() if framework.startswith(key)), "")
    return f"{prefix}-{token}" if prefix else token


def component_definition(run: ComplianceRun) -> dict[str, Any]:
    ids = _Ids(run)
    resources = _framework_resources(run, ids)
    implementations = []
    for framework, resource in resources.items():
        requirements = [{
            "uuid": ids.of("requirement", status.control.key), "control-id": control_id(framework, status.control.id),
            "description": status.control.title,
            "props": [_prop("evidence", f"{kind}:{ident}") for kind, ident in status.control.evidence.items()],
        } for status in run.controls_of(framework)]
        if requirements:
            implementations.append({"uuid": ids.of("implementation", framework), "source": f"#{resource['uuid']}",
                                    "description": f"{resource['title']}: the controls this platform answers for "
                                                   "in code, each with the evidence that shows it.",
                                    "implemented-requirements": requirements})
    document = {
        "uuid": ids.of("component-definition", run.stack),
        "metadata": _metadata(run, f"{run.project}: control implementations of stack {run.stack}"),
        "components": [{
            "uuid": ids.of("component", run.project), "type": "software", "title": run.project,
            "description": "An e-commerce platform deployed active-passive across two AWS regions by a Pulumi "
                           "program, with its controls enforced by a policy pack, checkov, AWS Config rules, tests "
                           "and DR drills.",
            "control-implementations": implementations}],
        "back-matter": {"resources": list(resources.values())},
    }
    return {"component-definition": document}


def assessment_results(run: ComplianceRun) -> dict[str, Any]:
    ids = _Ids(run)
    resources = _framework_resources(run, ids)
    plan = {"uuid": ids.of("resource", "plan"), "title": "Assessment plan",
            "description": "The control catalogue (compliance/) is the plan: every control with the evidence that "
                           "shows it, assessed by drkit gate under the rules of docs/reports.md (\"Statuses\")."}
    observations: dict[str, dict[str, Any]] = {}
    findings = []
    for status in run.controls:
        related = []
        for evidence in status.evidence:
            observation = _observation(evidence, run, ids)
            observations.setdefault(observation["uuid"], observation)
            related.append({"observation-uuid": observation["uuid"]})
        findings.append(_finding(status, related, ids))
    props = [_prop("stack", run.stack), _prop("gate-passed", "true" if run.passed else "false"),
             *_provenance_props(run)]
    result = {
        "uuid": ids.of("result", run.stack), "title": f"drkit gate of stack {run.stack}",
        "description": f"Policy pack, checkov, AWS Config coverage, tests and drills for {run.project}/{run.stack}; "
                       + ", ".join(f"{n} {VERDICTS[v]}" for v, n in run.verdict_counts().items()) + ".",
        "start": run.generated_at, "end": run.generated_at, "props": props,
        "reviewed-controls": {"control-selections": [{"include-all": {}}]},
        "observations": list(observations.values()), "findings": findings,
    }
    document = {
        "uuid": ids.of("assessment-results", run.stack),
        "metadata": _metadata(run, f"{run.project}: assessment of stack {run.stack}"),
        "import-ap": {"href": f"#{plan['uuid']}"},
        "results": [result],
        "back-matter": {"resources": [plan, *resources.values()]},
    }
    return {"assessment-results": document}


def render_oscal(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2) + "\n"


# -- parts ------------------------------------------------------------------------------------------------------

class _Ids:
    """Version-5 UUIDs unique to this run and stable for it."""

    def __init__(self, run: ComplianceRun):
        digest = run.provenance.graph_digest if run.provenance else ""
        self._space = uuid.uuid5(uuid.NAMESPACE_URL, f"{NAMESPACE}:{run.project}/{run.stack}@{run.generated_at}{digest}")

    def of(self, kind: str, key: str) -> str:
        return str(uuid.uuid5(self._space, f"{kind}:{key}"))


def _metadata(run: ComplianceRun, title: str) -> dict[str, Any]:
    return {"title": title, "last-modified": run.generated_at, "version": __version__, "oscal-version": OSCAL_VERSION,
            "props": [_prop("generator", f"drkit {__version__}"), *_provenance_props(run)]}


def _provenance_props(run: ComplianceRun) -> list[dict[str, str]]:
    provenance = run.provenance
    if provenance is None:
        return []
    return [_prop("source-commit", provenance.source.commit or "unknown"),
            _prop("source-dirty", "true" if provenance.source.dirty else "false"),
            _prop("graph-digest", provenance.graph_digest),
            _prop("stack-file-digest", provenance.stack_file_digest or "none"),
            *(_prop(f"tool-{name}", version or "unknown") for name, version in provenance.tools.items())]


def _framework_resources(run: ComplianceRun, ids: _Ids) -> dict[str, dict[str, Any]]:
    keys = list(dict.fromkeys([*run.frameworks, *(s.control.framework for s in run.controls)]))
    resources = {}
    for key in keys:
        name = run.frameworks.get(key) or next(s.control.framework_name for s in run.controls
                                               if s.control.framework == key)
        resource: dict[str, Any] = {"uuid": ids.of("framework", key), "title": name,
                                    "props": [_prop("framework", key)]}
        if key.startswith("nist-800-53"):
            resource["rlinks"] = [{"href": NIST_CATALOG, "media-type": "application/oscal.catalog+json"}]
        resources[key] = resource
    return resources


def _observation(evidence: EvidenceResult, run: ComplianceRun, ids: _Ids) -> dict[str, Any]:
    description = f"{evidence.kind} {evidence.id}: {evidence.status}" + (f" ({evidence.detail})" if evidence.detail else "")
    observation: dict[str, Any] = {
        "uuid": ids.of("observation", evidence.key), "title": f"{evidence.kind} {evidence.id}",
        "description": description, "methods": [_METHODS.get(evidence.kind, "TEST")],
        "props": [_prop("evidence-status", evidence.status), _prop("evidence-kind", evidence.kind)],
        "collected": normalized(evidence.checked_at) or run.generated_at,
    }
    if evidence.source:
        observation["relevant-evidence"] = [{"description": f"from {evidence.source}"}]
    if evidence.waiver is not None:
        observation["remarks"] = evidence.waiver.describe()
    return observation


def _finding(status: ControlStatus, related: list[dict[str, str]], ids: _Ids) -> dict[str, Any]:
    control = status.control
    satisfied = status.verdict == "passed"
    reason = "pass" if satisfied else "fail" if status.verdict == "failed" else "other"
    target: dict[str, Any] = {
        "type": "objective-id", "target-id": f"{control_id(control.framework, control.id)}_obj",
        "status": {"state": "satisfied" if satisfied else "not-satisfied", "reason": reason},
        "props": [_prop("verdict", status.verdict)],
    }
    if not satisfied:
        unsettled = [e for e in status.evidence if e.status not in ("passed", "suppressed")]
        target["status"]["remarks"] = f"{VERDICTS[status.verdict]}: " + "; ".join(
            f"{e.kind} {e.id} {e.status}" for e in unsettled)
    finding = {"uuid": ids.of("finding", control.key), "title": f"{control.framework_name} {control.id}",
               "description": control.title, "target": target}
    if related:
        finding["related-observations"] = related
    return finding


def _prop(name: str, value: str) -> dict[str, str]:
    return {"name": name, "ns": NAMESPACE, "value": str(value) or "none"}
