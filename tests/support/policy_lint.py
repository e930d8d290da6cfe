"""parliament over the documents of tests/support/policy_documents.py, and the reviewed exceptions file.

See tests/integration/infra/test_policy_documents_lint.py for how parliament is called and why.
"""
from __future__ import annotations

import functools
import json
from collections import Counter
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import parliament
import yaml
from parliament.community_auditors import advanced_policy_elements, single_value_condition_too_permissive

from tests.support.policy_documents import KINDS, Document, documents
from tests.support.stacks import REPO

EXCEPTIONS_FILE = REPO / "compliance" / "policy-lint-exceptions.yaml"
LOCAL_ISSUES = {
    "PRINCIPAL_IN_IDENTITY_POLICY": ("HIGH", "an identity policy names a Principal; IAM rejects the document"),
    "NO_PRINCIPAL_IN_RESOURCE_POLICY": ("HIGH", "a resource-policy statement names no Principal or NotPrincipal"),
    "RESOURCE_IN_TRUST_POLICY": ("HIGH", "a trust policy names a Resource; IAM rejects the document"),
    "ALLOW_TO_ANYONE_WITHOUT_CONDITION": ("CRITICAL", "a resource policy allows Principal * with no Condition"),
}
# parliament's findings that leave nothing more to check in the document.
BROKEN = {"MALFORMED_JSON", "MALFORMED", "EXCEPTION"}
RESOURCE_POLICY_AUDITORS = (advanced_policy_elements, single_value_condition_too_permissive)

# Issue codes of the community auditors, so enhance_finding knows their severities (parliament's CLI does the same).
parliament.override_config(str(Path(parliament.__file__).parent / "community_auditors" / "config_override.yaml"))



@dataclass(frozen=True)
class Finding:
    stack: str
    kind: str
    type: str
    resource: str
    field: str
    statement: str | None  # the statement's Sid, else "#<index>"; None for findings about the whole document
    issue: str
    severity: str
    detail: str

    def __str__(self) -> str:
        where = f"{self.stack} {self.kind} {self.resource}.{self.field}"
        return f"{self.severity} {self.issue} in {where}" + (f" [{self.statement}]" if self.statement else "") + \
            f": {self.detail}"


# -- the lint --------------------------------------------------------------------------------------------------------
def _statements(document: Any) -> list[Any] | None:
    if not isinstance(document, dict) or "Statement" not in document:
        return None
    statements = document["Statement"]
    return statements if isinstance(statements, list) else [statements]


def _one_statement_per_line(document: dict, statements: list[Any]) -> str:
    """The document with statement i alone on line i + 2, so a finding's line names its statement."""
    head = "".join(f"{json.dumps(key)}: {json.dumps(value)}, " for key, value in document.items() if key != "Statement")
    return "{" + head + '"Statement": [\n' + ",\n".join(json.dumps(s) for s in statements) + "\n]}"


def _principals(statement: dict) -> list[Any]:
    principal = statement.get("Principal")
    if principal == "*":
        return ["*"]
    if isinstance(principal, dict):
        return [p for values in principal.values() for p in (values if isinstance(values, list) else [values])]
    return []


def _local_findings(document: Document, statements: list[Any]) -> list[tuple[str, int | None, str]]:
    found: list[tuple[str, int | None, str]] = []
    for index, statement in enumerate(statements):
        if not isinstance(statement, dict):
            continue  # parliament reports the malformed statement
        names_principal = "Principal" in statement or "NotPrincipal" in statement
        if not document.is_resource_policy and names_principal:
            found.append(("PRINCIPAL_IN_IDENTITY_POLICY", index, json.dumps(statement.get("Principal"))))
        if document.is_resource_policy and not names_principal:
            found.append(("NO_PRINCIPAL_IN_RESOURCE_POLICY", index, "statement names no Principal"))
        if document.kind == "trust" and ("Resource" in statement or "NotResource" in statement):
            found.append(("RESOURCE_IN_TRUST_POLICY", index, json.dumps(statement.get("Resource"))))
        if (document.is_resource_policy and statement.get("Effect") == "Allow" and "*" in _principals(statement)
                and not statement.get("Condition")):
            found.append(("ALLOW_TO_ANYONE_WITHOUT_CONDITION", index, f"Action {json.dumps(statement.get('Action'))}"))
    return found


def _detail(finding: parliament.finding.Finding) -> str:
    detail = finding.detail if isinstance(finding.detail, str) else json.dumps(finding.detail, sort_keys=True)
    extra = [f"{key}={json.dumps(value, sort_keys=True)}" for key, value in sorted(finding.location.items())
             if key not in {"line", "lineno", "column", "filepath", "string"} and value is not None]
    where = finding.location.get("string")
    if where is not None and str(where) not in (detail or ""):
        extra.append(f"at {json.dumps(where)}")
    return "; ".join(part for part in [detail or "", *extra] if part)


def lint_document(document: Document) -> list[Finding]:
    """parliament's findings and the resource/identity checks for one document, each once."""
    assert document.text is not None, f"{document.resource}.{document.field} is unknown under the mocks"
    text, statements, local = document.text, None, []
    try:
        parsed = json.loads(document.text)
    except ValueError:
        parsed = None  # parliament reports MALFORMED_JSON
    statements = _statements(parsed)
    if statements is not None:
        local = _local_findings(document, statements)
        if document.implicit_resource and all(isinstance(s, dict) for s in statements):
            statements = [s if "Resource" in s or "NotResource" in s else {**s, "Resource": document.implicit_resource}
                          for s in statements]
        text = _one_statement_per_line(parsed, statements)
    policy = parliament.analyze_policy_string(text, ignore_private_auditors=True,
                                              include_community_auditors=not document.is_resource_policy)
    if document.is_resource_policy and policy.policy_json is not None and policy.is_valid \
            and not BROKEN & policy.finding_ids:
        for auditor in RESOURCE_POLICY_AUDITORS:
            try:
                auditor.audit(policy)
            except Exception as error:  # as Policy.analyze reports a community auditor's failure
                policy.add_finding("EXCEPTION", detail=str(error), location={"community_auditor": auditor.__name__})

    def label(index: int | None) -> str | None:
        if index is None or statements is None or not 0 <= index < len(statements):
            return None
        statement = statements[index]
        sid = statement.get("Sid") if isinstance(statement, dict) else None
        return sid if isinstance(sid, str) and sid else f"#{index}"

    raw = []
    for finding in policy.findings:
        finding = parliament.enhance_finding(finding)
        line = finding.location.get("line") or finding.location.get("lineno")
        index = line - 2 if isinstance(line, int) and statements is not None else None
        raw.append((finding.issue, finding.severity, label(index), _detail(finding)))
    raw += [(issue, LOCAL_ISSUES[issue][0], label(index), detail) for issue, index, detail in local]
    return [Finding(document.stack, document.kind, document.type, document.resource, document.field, statement,
                    issue, severity, detail)
            for issue, severity, statement, detail in dict.fromkeys(raw)]


@dataclass
class StackLint:
    linted: Counter
    skipped: list[Document]
    findings: list[Finding]


@functools.lru_cache(maxsize=None)
def lint_stack(name: str) -> StackLint:
    linted: Counter = Counter()
    skipped, findings = [], []
    for document in documents(name):
        if document.text is None:
            skipped.append(document)
            continue
        linted[document.kind] += 1
        findings += lint_document(document)
    return StackLint(linted, skipped, findings)


# -- the reviewed exceptions -----------------------------------------------------------------------------------------
EXCEPTION_FIELDS = {"issue", "resource", "kind", "statement", "detail", "reason"}
MIN_REASON = 60  # characters: a sentence that says why, not "false positive"


@dataclass(frozen=True)
class LintException:
    issue: str
    resource: str
    reason: str
    kind: str | None = None
    statement: str | None = None
    detail: str | None = None

    def covers(self, finding: Finding) -> bool:
        return (finding.issue == self.issue and fnmatchcase(finding.resource, self.resource)
                and self.kind in (None, finding.kind) and self.statement in (None, finding.statement)
                and (self.detail is None or self.detail in finding.detail))

    def __str__(self) -> str:
        narrowing = ", ".join(f"{key}={value!r}" for key, value in
                              (("kind", self.kind), ("statement", self.statement), ("detail", self.detail)) if value)
        return f"{self.issue} on {self.resource!r}" + (f" ({narrowing})" if narrowing else "")


def known_issues() -> set[str]:
    return set(parliament.config) | set(LOCAL_ISSUES)


def problems_in_exceptions(entries: Any) -> list[str]:
    if not isinstance(entries, list):
        return ["`exceptions` must be a list of entries"]
    problems, seen = [], set()
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            problems.append(f"entry {number}: not a mapping")
            continue
        label = f"entry {number} ({entry.get('issue')} on {entry.get('resource')!r})"
        if set(entry) - EXCEPTION_FIELDS:
            problems.append(f"{label}: unknown field(s) {sorted(set(entry) - EXCEPTION_FIELDS)}")
        if entry.get("issue") not in known_issues():
            problems.append(f"{label}: {entry.get('issue')!r} is no issue code of parliament or of this lint")
        resource = entry.get("resource")
        if not isinstance(resource, str) or not resource.strip("*?[]"):
            problems.append(f"{label}: `resource` must be a glob that names resources, not a blanket '*'")
        if entry.get("kind") is not None and entry["kind"] not in KINDS:
            problems.append(f"{label}: kind {entry['kind']!r} is not one of {list(KINDS)}")
        for key in ("statement", "detail"):
            if key in entry and (not isinstance(entry[key], str) or not entry[key].strip()):
                problems.append(f"{label}: `{key}` must be non-empty text when given")
        reason = entry.get("reason")
        if not isinstance(reason, str) or len(" ".join(reason.split())) < MIN_REASON:
            problems.append(f"{label}: needs a `reason` of at least a sentence ({MIN_REASON} characters) saying why")
        key = tuple(sorted((k, str(v)) for k, v in entry.items() if k != "reason"))
        if key in seen:
            problems.append(f"{label}: duplicates an earlier entry")
        seen.add(key)
    return problems


def parse_exceptions(entries: list[dict]) -> list[LintException]:
    return [LintException(**{k: v for k, v in entry.items() if k in EXCEPTION_FIELDS}) for entry in entries]


@functools.lru_cache(maxsize=None)
def file_entries() -> tuple[dict, ...]:
    loaded = yaml.safe_load(EXCEPTIONS_FILE.read_text()) or {}
    return tuple(loaded.get("exceptions") or []) if isinstance(loaded, dict) else ()


def reviewed_exceptions() -> list[LintException]:
    entries = list(file_entries())
    assert problems_in_exceptions(entries) == [], f"{EXCEPTIONS_FILE.name} is not valid"
    return parse_exceptions(entries)


def uncovered(findings: list[Finding], exceptions: list[LintException]) -> list[Finding]:
    return [f for f in findings if not any(e.covers(f) for e in exceptions)]


def stale(exceptions: list[LintException], findings: list[Finding]) -> list[LintException]:
    return [e for e in exceptions if not any(e.covers(f) for f in findings)]
