"""Evidence from records other runs left behind: pytest's JUnit XML and DR drill records. Each counts only when it
is about what the gate judges, by a stated rule (docs/reports.md, "Statuses"); otherwise it is `stale`, never
`passed` or `failed`:
- tests: the JUnit file names the source it tested (junit_source.py); it must be the source the gate judges —
  the same commit, and the same uncommitted changes if any.
- drills: the record is for this stack, finished within its drill's cadence (compliance/drills.yaml), and ran on
  this checkout's commit or an ancestor of it (a drill of a branch this code does not contain proves nothing
  about it). A record from the local emulation counts, labelled as emulated.
"""
from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Mapping

import jsonschema

from drcore.errors import UsageError
from drkit.compliance.assessment import EvidenceResult, Finding
from drkit.compliance.junit_source import junit_source
from drkit.compliance.timestamps import normalized, parse_instant
from drkit.provenance import SourceState

EMULATED_MODES = ("local-emulation",)


def shown_path(path: Path, root: Path) -> str:
    """`path` as reports show it: relative to the repository when inside it, else its file name (no machine
    paths in a report)."""
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return Path(path).name


# --- tests ---------------------------------------------------------------------------------------------------

def test_evidence(junit_xml_path: Path, judged: SourceState, root: Path) -> list[EvidenceResult]:
    """pytest's JUnit XML as evidence keyed by node id (tests/x/test_y.py::test_z). Parametrized cases also count
    towards their function's id (failed if any case failed). A missing file gives nothing; a file of another
    source gives the same results as `stale`."""
    path = Path(junit_xml_path)
    if not path.is_file():
        return []
    try:
        root_element = ElementTree.parse(path).getroot()
    except (ElementTree.ParseError, OSError) as exc:
        raise UsageError(f"{path} is not JUnit XML ({exc}); pass the file written by 'pytest --junitxml=FILE'") from None
    shown = shown_path(path, root)
    cases: dict[str, EvidenceResult] = {}
    by_function: dict[str, list[EvidenceResult]] = defaultdict(list)
    for suite in root_element.iter("testsuite"):
        for case in suite.iter("testcase"):
            result = _case_result(case, normalized(suite.get("timestamp", "")), shown)
            cases[result.id] = result
            if "[" in result.id:
                by_function[result.id.split("[", 1)[0]].append(result)
    for function, results in by_function.items():
        statuses = {r.status for r in results}
        status = "failed" if "failed" in statuses else "passed" if "passed" in statuses else "not-run"
        cases.setdefault(function, EvidenceResult("test", function, status, [f for r in results for f in r.findings],
                                                  results[0].checked_at, f"{len(results)} cases", shown))
    problem = _staleness(junit_source(root_element), judged)
    if problem:
        return [_stale(result, problem) for result in cases.values()]
    return list(cases.values())


def _staleness(tested: SourceState | None, judged: SourceState) -> str:
    if judged.commit is None:
        return "the gate's checkout is not a git work tree, so no test run can be shown to be of it"
    if tested is None:
        return ("the JUnit file does not say which source it tested (written without this repository's "
                "tests/conftest.py); run scripts/test.sh")
    if not tested.same_as(judged):
        return f"tested {tested.label}, the gate judges {judged.label}: run the tests on this source"
    return ""


def _case_result(case: ElementTree.Element, checked_at: str, shown: str) -> EvidenceResult:
    parts = [p for p in case.get("classname", "").split(".") if p]
    # House style is flat test functions; a capitalised last part is a test class, not a module.
    klass = [parts.pop()] if parts and parts[-1][:1].isupper() else []
    node_id = "::".join(["/".join(parts) + ".py", *klass, case.get("name", "")])
    problem = case.find("failure")
    problem = case.find("error") if problem is None else problem
    findings = [] if problem is None else [Finding(
        source="test", rule=node_id, resource=node_id, severity="high",
        message=((problem.get("message") or problem.tag).splitlines() or [problem.tag])[0][:500],
        fix=f"run .venv/bin/pytest '{node_id}' and fix what it reports")]
    status = "failed" if findings else "not-run" if case.find("skipped") is not None else "passed"
    return EvidenceResult("test", node_id, status, findings, checked_at, f"{case.get('time', '?')} s", shown)


# --- drills --------------------------------------------------------------------------------------------------

_DRILL_SCHEMA = {
    "type": "object",
    "required": ["scenario", "passed", "finishedAt", "achievedRtoSeconds", "achievedRpoSeconds"],
    "properties": {
        "scenario": {"type": "string", "minLength": 1},
        "passed": {"type": "boolean"},
        "finishedAt": {"type": "string", "minLength": 1},
        "achievedRtoSeconds": {"type": "number", "minimum": 0},
        "achievedRpoSeconds": {"type": "number", "minimum": 0},
        "stack": {"type": "string"},
        "commit": {"type": ["string", "null"]},
        "mode": {"type": "string"},
    },
}


@dataclass(frozen=True)
class DrillRule:
    """What makes a drill record count for this gate."""

    stack: str
    judged: SourceState
    max_age_days: Mapping[str, int]  # scenario -> days; a scenario missing here has no age limit
    now: datetime
    is_ancestor: Callable[[str, str], bool]  # (commit, of) -> whether commit is `of` or an ancestor of it


def drill_evidence(directory: Path, rule: DrillRule, root: Path) -> list[EvidenceResult]:
    """The latest record per scenario from the *.json files in `directory`, preferring this stack's; a failed
    latest drill fails its evidence whatever earlier drills did. A missing directory gives nothing."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    latest: dict[str, tuple[dict, Path]] = {}
    for path in sorted(directory.glob("*.json")):
        record = read_json(path, _DRILL_SCHEMA, "drill record")
        known = latest.get(record["scenario"])
        if known is None or _preferred(record, known[0], rule.stack):
            latest[record["scenario"]] = (record, path)
    results = []
    for scenario, (record, path) in sorted(latest.items()):
        emulated = record.get("mode") in EMULATED_MODES
        detail = (f"{'emulated drill' if emulated else 'drill'} on stack {record.get('stack', '?')}: RTO "
                  f"{record['achievedRtoSeconds']:g} s, RPO {record['achievedRpoSeconds']:g} s, finished "
                  f"{record['finishedAt']}")
        findings = [] if record["passed"] else [Finding(
            source="drill", rule=scenario, resource=f"drill {scenario}", severity="high",
            message=f"the last '{scenario}' drill failed ({detail})",
            fix=f"see {path.name} for the failed step, fix it, and run the drill again")]
        result = EvidenceResult("drill", scenario, "passed" if record["passed"] else "failed", findings,
                                normalized(record["finishedAt"]), detail, shown_path(path, root))
        problem = _drill_staleness(record, scenario, rule)
        results.append(_stale(result, problem) if problem else result)
    return results


def _preferred(record: dict, known: dict, stack: str) -> bool:
    """Whether `record` beats `known` as a scenario's evidence: this stack's first, then the newest."""
    mine, theirs = record.get("stack") == stack, known.get("stack") == stack
    return mine and not theirs or mine == theirs and _when(record) > _when(known)


def _drill_staleness(record: dict, scenario: str, rule: DrillRule) -> str:
    if record.get("stack") != rule.stack:
        return f"the latest record is for stack '{record.get('stack', 'unnamed')}', not '{rule.stack}'"
    finished = _when(record)
    limit = rule.max_age_days.get(scenario)
    if limit is not None and rule.now - finished > timedelta(days=limit):
        return (f"finished {(rule.now - finished).days} days ago, beyond its {limit}-day cadence "
                "(compliance/drills.yaml): run the drill again")
    commit = (record.get("commit") or "").split("+", 1)[0]
    if not commit:
        return "the record names no commit, so nothing ties it to this code"
    if rule.judged.commit is None:
        return "the gate's checkout is not a git work tree, so the drill's commit cannot be placed in its history"
    if not rule.is_ancestor(commit, rule.judged.commit):
        return f"ran on commit {commit[:12]}, which is not in the history of {rule.judged.commit[:12]}"
    return ""


# --- shared --------------------------------------------------------------------------------------------------

def _stale(result: EvidenceResult, problem: str) -> EvidenceResult:
    was = f"{result.status} then" if result.status in ("passed", "failed") else result.status
    return replace(result, status="stale", detail=f"{was}; {problem}; {result.detail}")


def _when(record: dict) -> datetime:
    return parse_instant(record["finishedAt"]) or datetime.min.replace(tzinfo=timezone.utc)


def read_json(path: Path, schema: dict, what: str) -> Any:
    path = Path(path)
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UsageError(f"{path}: {what} is not readable JSON ({exc}); see docs/reports.md for the format") from None
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(data))
    if error is not None:
        place = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path).lstrip(".")
        raise UsageError(f"{path}: {what}{' ' + place if place else ''}: {error.message}; "
                         "see docs/reports.md for the format")
    return data
