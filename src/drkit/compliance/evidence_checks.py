"""Whether each piece of a control's evidence names something that exists in the repository: a policy of the pack,
a checkov check in checkov's own list, a test function. Each check returns the problem as text (None when fine)."""
from __future__ import annotations

import ast
import re
from functools import lru_cache
from pathlib import Path

from drkit.policy_host.pack import pack_catalogue

CHECKOV_ID = re.compile(r"^CKV2?_[A-Z0-9]+_[0-9]+$")
TEST_NODE = re.compile(r"^(?P<path>tests/[\w/.-]+\.py)::(?P<name>\w+)(\[.*\])?$")


def checkov_problem(check_id: str, known: frozenset[str] | None) -> str | None:
    if not CHECKOV_ID.match(check_id):
        return f"checkov id '{check_id}' is not like CKV_AWS_21 or CKV2_AWS_6"
    if known is not None and check_id not in known:
        return f"checkov check '{check_id}' is not in compliance/checkov-checks.txt (checkov's own list)"
    return None


def read_checkov_ids(path: Path) -> frozenset[str] | None:
    """The ids in checkov's generated list (first word of each line), or None while it does not exist."""
    if not path.is_file():
        return None
    ids = set()
    for line in path.read_text().splitlines():
        words = line.split("#", 1)[0].split()
        if words:
            ids.add(words[0])
    return frozenset(ids)


def test_node_problem(node_id: str, repo: Path) -> str | None:
    match = TEST_NODE.match(node_id)
    if not match:
        return f"test '{node_id}' is not a pytest node id like tests/unit/test_x.py::test_name"
    path = repo / match.group("path")
    if not path.is_file():
        return f"test file {match.group('path')} of '{node_id}' does not exist"
    if match.group("name") not in _test_functions(path):
        return f"test '{node_id}': {match.group('path')} has no test function {match.group('name')}"
    return None


@lru_cache(maxsize=None)
def _test_functions(path: Path) -> frozenset[str]:
    try:
        tree = ast.parse(path.read_text(), filename=str(path))
    except SyntaxError:
        return frozenset()
    return frozenset(node.name for node in tree.body
                     if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"))


def policy_names(pack: Path) -> frozenset[str]:
    """Every policy name of the pack at `pack`."""
    return frozenset(policy.name for policy in pack_catalogue(pack).ALL_POLICIES)


