"""compliance/suppressions.yaml: the reviewed list of checkov findings we accept, each with its reason.

    suppressions:
      - check: CKV2_AWS_62                 # checkov check id
        resource: "aws_s3_bucket.*"        # optional glob over the Terraform address, Pulumi URN or file:line
        stacks: [prod]                     # optional: only on these stacks (plan checks only)
        reason: >-
          At least a sentence saying why the finding does not apply here or what replaces it.

Every mistake is one UsageError (exit 2) naming the entry: a missing or too-short reason, a check id that is
not checkov's id format (or, for Terraform checks, not in compliance/checkov-checks.txt), and — once a scan has
run — a suppression that no longer matches any failing finding, so fixed findings cannot leave stale excuses.
"""
from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import yaml

from drcore.errors import UsageError
from drkit.checkov.results import PLAN_FRAMEWORK, CheckResult, with_suppression

SUPPRESSIONS_FILE = "compliance/suppressions.yaml"
CHECK_LIST_FILE = "compliance/checkov-checks.txt"
CHECK_ID = re.compile(r"^CKV2?_[A-Z0-9]+_\d+$")
MIN_REASON_WORDS = 8
_KEYS = {"check", "resource", "stacks", "reason"}


@dataclass(frozen=True)
class Suppression:
    index: int
    check: str
    reason: str
    resource: str = ""
    stacks: tuple[str, ...] = ()

    @property
    def framework(self) -> str:
        return framework_of(self.check)

    def label(self) -> str:
        where = f" on {self.resource}" if self.resource else ""
        return f"suppressions[{self.index}] ({self.check}{where})"

    def applies_to(self, stack: str | None) -> bool:
        return self.framework != PLAN_FRAMEWORK or not self.stacks or stack in self.stacks

    def matches(self, result: CheckResult) -> bool:
        if result.passed or result.check_id != self.check:
            return False
        if not self.resource:
            return True
        return any(fnmatch.fnmatchcase(candidate, self.resource) for candidate in (result.resource, result.urn)
                   if candidate)


def framework_of(check_id: str) -> str:
    if "_SECRET_" in check_id:
        return "secrets"
    if "_GHA_" in check_id:
        return "github_actions"
    return PLAN_FRAMEWORK


def known_check_ids(root: Path) -> set[str] | None:
    path = root / CHECK_LIST_FILE
    if not path.is_file():
        return None
    return {line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")}


def load_suppressions(path: Path, known_checks: set[str] | None = None) -> list[Suppression]:
    """Read and validate the file; a missing file means no suppressions."""
    if not path.is_file():
        return []
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise UsageError(f"{path.name}:{where} is not valid YAML ({getattr(exc, 'problem', exc)}); fix the syntax") from None
    if data is None:
        return []
    entries = data.get("suppressions") if isinstance(data, dict) else None
    if not isinstance(data, dict) or not isinstance(entries, list):
        raise UsageError(f"{path.name}: must be a mapping with a 'suppressions' list; see docs/checkov.md")
    suppressions = [_entry(path.name, index, item, known_checks) for index, item in enumerate(entries)]
    seen: dict[tuple[str, str, tuple[str, ...]], int] = {}
    for s in suppressions:
        key = (s.check, s.resource, s.stacks)
        if key in seen:
            raise UsageError(f"{path.name}: {s.label()} repeats suppressions[{seen[key]}]; merge the two entries")
        seen[key] = s.index
    return suppressions


def check_entry_keys(place: str, item: Any, allowed: set[str], needs: str) -> dict[str, Any]:
    """`item` as a mapping of only `allowed` keys, else one UsageError naming the entry (`needs`: what to give)."""
    if not isinstance(item, dict):
        raise UsageError(f"{place} is not a mapping; give it {needs}")
    unknown = sorted(set(item) - allowed)
    if unknown:
        raise UsageError(f"{place} has unknown key '{unknown[0]}'; allowed keys are {', '.join(sorted(allowed))}")
    return item


def _entry(file_name: str, index: int, item: Any, known_checks: set[str] | None) -> Suppression:
    place = f"{file_name}: suppressions[{index}]"
    item = check_entry_keys(place, item, _KEYS, "'check' and 'reason' (and optionally 'resource', 'stacks')")
    check = item.get("check")
    if not isinstance(check, str) or not CHECK_ID.match(check):
        raise UsageError(f"{place} check {check!r} is not a checkov check id (like CKV_AWS_18 or CKV2_AWS_6); "
                         f"copy the id from the checkov finding")
    if known_checks is not None and framework_of(check) == PLAN_FRAMEWORK and check not in known_checks:
        raise UsageError(f"{place} check {check} is not a checkov Terraform check ({CHECK_LIST_FILE}); "
                         f"copy the id from the checkov finding")
    resource = item.get("resource", "")
    if not isinstance(resource, str) or ("resource" in item and not resource.strip()):
        raise UsageError(f"{place} ({check}) resource must be a non-empty glob over the Terraform address, "
                         f"Pulumi URN or file:line; leave it out to suppress the check everywhere")
    stacks = item.get("stacks", [])
    if not isinstance(stacks, list) or not stacks and "stacks" in item or not all(isinstance(s, str) and s for s in stacks):
        raise UsageError(f"{place} ({check}) stacks must be a non-empty list of stack names; leave it out for every stack")
    reason = item.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise UsageError(f"{place} ({check}) has no reason; say in at least a sentence why the finding is accepted")
    words = len(reason.split())
    if words < MIN_REASON_WORDS:
        raise UsageError(f"{place} ({check}) reason is too short ({words} words); say in at least a sentence "
                         f"({MIN_REASON_WORDS}+ words) why the finding does not apply or what control replaces it")
    return Suppression(index=index, check=check, reason=" ".join(reason.split()), resource=resource.strip(),
                       stacks=tuple(stacks))


def apply_suppressions(results: Iterable[CheckResult], suppressions: list[Suppression], stack: str | None,
                       frameworks: Iterable[str], file_name: str = SUPPRESSIONS_FILE) -> list[CheckResult]:
    """Mark accepted failures; refuse suppressions (for the scans that ran) that matched no failure."""
    active = [s for s in suppressions if s.framework in set(frameworks) and s.applies_to(stack)]
    used: set[int] = set()
    marked = []
    for result in results:
        match = next((s for s in active if s.matches(result)), None)
        if match is not None:
            used.add(match.index)
            result = with_suppression(result, match.reason)
        marked.append(result)
    stale = [s for s in active if s.index not in used]
    if stale:
        on = f" on stack '{stack}'" if stack and stale[0].framework == PLAN_FRAMEWORK else ""
        raise UsageError(f"{file_name}: {stale[0].label()} no longer matches any failing checkov finding{on}; "
                         f"remove it if the finding was fixed, or correct its check/resource/stacks")
    return marked
