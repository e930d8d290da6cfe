"""Reviewed waivers in compliance/suppressions.yaml: evidence that need not pass, or a producer that need not run,
until a date — each with its reason and owner, shown wherever the waived evidence is.

    waivers:
      - evidence: producer:checkov          # <kind>:<id>: producer:checkov, drill:failback, test:<node id>, ...
        stacks: [dev]                       # optional: only for these stacks
        owner: security-team@example.com    # who accepted it
        expires: 2027-03-31                 # the last day it holds (UTC); afterwards the evidence counts again
        reason: >-
          At least a sentence on why, and what stands in for the evidence meanwhile.

Checkov findings are accepted in the same file's `suppressions` list (drkit/checkov/suppressions.py); a waiver
is for evidence as a whole. A mistake is one UsageError naming the entry; an expired waiver is not an error: it
no longer applies, and the caller warns that it lapsed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from drcore.catalogue.model import EVIDENCE_KINDS
from drcore.errors import UsageError
from drkit.checkov.suppressions import MIN_REASON_WORDS, check_entry_keys
from drkit.compliance.assessment import Waiver

PRODUCERS = ("checkov", "policy-pack", "tests", "drills")  # what `producer:<id>` may name
WAIVABLE_KINDS = (*EVIDENCE_KINDS, "producer")
_KEYS = {"evidence", "stacks", "owner", "expires", "reason"}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Waivers:
    active: tuple[Waiver, ...]
    lapsed: tuple[Waiver, ...]  # expired: they no longer apply

    def warnings(self) -> list[str]:
        return [f"waiver of {w.evidence} (owner {w.owner}) expired on {w.expires}: the evidence counts again"
                for w in self.lapsed]


def load_waivers(path: Path, stack: str, today: date) -> Waivers:
    """The waivers of `path` that apply to `stack`, split into active and lapsed on `today`."""
    if not path.is_file():
        return Waivers((), ())
    try:
        data = yaml.load(path.read_text(), Loader=_DatesAsText) or {}
    except yaml.YAMLError as exc:
        raise UsageError(f"{path.name}: is not valid YAML ({getattr(exc, 'problem', exc)}); fix the syntax") from None
    entries = data.get("waivers", []) if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise UsageError(f"{path.name}: 'waivers' must be a list of entries; see docs/reports.md, \"Waivers\"")
    waivers = [_entry(path.name, index, item) for index, item in enumerate(entries)]
    mine = [w for w in waivers if not w.stacks or stack in w.stacks]
    return Waivers(active=tuple(w for w in mine if date.fromisoformat(w.expires) >= today),
                   lapsed=tuple(w for w in mine if date.fromisoformat(w.expires) < today))


def _entry(file_name: str, index: int, item: Any) -> Waiver:
    place = f"{file_name}: waivers[{index}]"
    item = check_entry_keys(place, item, _KEYS, "evidence, owner, expires and reason")
    evidence = item.get("evidence")
    kind, _, ident = evidence.partition(":") if isinstance(evidence, str) else ("", "", "")
    if kind not in WAIVABLE_KINDS or not ident:
        raise UsageError(f"{place} evidence {evidence!r} is not '<kind>:<id>' with kind one of "
                         f"{', '.join(WAIVABLE_KINDS)}")
    if kind == "producer" and ident not in PRODUCERS:
        raise UsageError(f"{place} evidence {evidence!r} names no producer; use one of "
                         f"{', '.join('producer:' + p for p in PRODUCERS)}")
    owner = item.get("owner")
    if not isinstance(owner, str) or not owner.strip():
        raise UsageError(f"{place} ({evidence}) has no owner; name who accepted it (a person or team address)")
    expires = item.get("expires")
    if not isinstance(expires, str) or not _DATE.match(expires) or not _valid_date(expires):
        raise UsageError(f"{place} ({evidence}) expires {expires!r} is not a date like 2027-03-31; every waiver ends")
    stacks = item.get("stacks", [])
    if not isinstance(stacks, list) or not all(isinstance(s, str) and s for s in stacks) or ("stacks" in item and not stacks):
        raise UsageError(f"{place} ({evidence}) stacks must be a non-empty list of stack names; leave it out for all")
    reason = item.get("reason")
    words = len(reason.split()) if isinstance(reason, str) else 0
    if words < MIN_REASON_WORDS:
        raise UsageError(f"{place} ({evidence}) reason is missing or too short ({words} words); say in at least a "
                         f"sentence ({MIN_REASON_WORDS}+ words) why, and what stands in for the evidence meanwhile")
    return Waiver(evidence=evidence, reason=" ".join(reason.split()), owner=owner.strip(), expires=expires,
                  stacks=tuple(stacks))


class _DatesAsText(yaml.SafeLoader):
    """YAML's safe loader, except that a bare date stays text: 2027-02-30 is then this file's one-line error, not
    a ValueError from inside the YAML library."""


_DatesAsText.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def _valid_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True
