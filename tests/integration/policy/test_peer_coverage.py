"""docs/peer-coverage.md, the map of every applicable peer rule to this pack's policy or a reasoned waiver, is held to
the pack: its counts are pinned per peer, every policy it names exists, and its summary adds up."""
from __future__ import annotations

import re

import pytest

from drguard.catalogue import ALL_POLICIES
from tests.support.stacks import REPO

DOC = REPO / "docs" / "peer-coverage.md"
# Per peer: applicable rules, and how many are covered, partial and waived. Changing the table changes these.
EXPECTED = {
    "compliance-policies": {"covered": 38, "partial": 1, "waived": 3},
    "awsguard": {"covered": 8, "partial": 0, "waived": 1},
    "cdk-nag-awssolutions": {"covered": 20, "partial": 3, "waived": 5},
    "cdk-nag-nist-800-53-r5": {"covered": 42, "partial": 1, "waived": 4},
    "cdk-nag-pci-dss-3.2.1": {"covered": 34, "partial": 0, "waived": 4},
}
ROW = re.compile(r"^\| `(?P<rule>[^`]+)` \| (?P<checks>.*?) \| (?P<ours>.*?) \| "
                 r"(?P<coverage>covered|partial|waived) \| (?P<why>.*?) \|$")


def sections() -> dict[str, list[re.Match]]:
    found: dict[str, list[re.Match]] = {}
    peer = None
    for line in DOC.read_text().splitlines():
        heading = re.match(r"^### `([^`]+)`", line)
        if heading:
            peer = heading.group(1)
            found[peer] = []
        elif peer and line.startswith("| `"):
            row = ROW.match(line)
            assert row, f"{peer}: a row that is not peer rule | checks | policy | coverage | why: {line[:120]}"
            found[peer].append(row)
    return found


@pytest.fixture(scope="module")
def table() -> dict[str, list[re.Match]]:
    return sections()


def test_every_peers_counts_are_pinned(table):
    counts = {peer: {kind: sum(r["coverage"] == kind for r in rows) for kind in ("covered", "partial", "waived")}
              for peer, rows in table.items()}
    assert counts == EXPECTED


def test_each_rule_is_listed_once_per_peer(table):
    for peer, rows in table.items():
        rules = [r["rule"] for r in rows]
        assert len(rules) == len(set(rules)), peer


def test_every_policy_the_table_names_exists_in_the_pack(table):
    names = {policy.name for policy in ALL_POLICIES}
    for peer, rows in table.items():
        for row in rows:
            cited = re.findall(r"`([a-z0-9-]+)`", row["ours"])
            assert set(cited) <= names, f"{peer} {row['rule']} names {set(cited) - names}, which the pack lacks"
            if row["coverage"] in ("covered", "partial"):
                assert cited, f"{peer} {row['rule']} is {row['coverage']} by no policy"


def test_partial_and_waived_rows_say_why(table):
    for peer, rows in table.items():
        for row in rows:
            if row["coverage"] != "covered":
                assert len(row["why"].split()) >= 8, f"{peer} {row['rule']}: '{row['why']}' is no reason"


def test_the_summary_is_the_sum_of_the_rows(table):
    text = DOC.read_text()
    for peer, rows in table.items():
        covered, partial, waived = (sum(r["coverage"] == kind for r in rows)
                                    for kind in ("covered", "partial", "waived"))
        share = f"{100 * covered / len(rows):.0f} %"
        assert f"| `{peer}` | {len(rows)} | {covered} | {partial} | {waived} | {share} |" in text
