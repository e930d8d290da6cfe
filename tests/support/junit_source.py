"""A pytest plugin: the JUnit file a run writes (--junitxml) names the source it tested — the commit, whether the
tree had changes and their digest, as found when the run started — so `drkit gate` can tell test evidence of the
code it judges from a file left behind by another version."""
from __future__ import annotations

from pathlib import Path

import pytest

from drkit.compliance.junit_source import stamp_junit
from drkit.provenance import source_state

REPO = Path(__file__).resolve().parents[2]
_STATE = pytest.StashKey()


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):  # the xdist controller (or a plain run) writes the file
        config.stash[_STATE] = source_state(REPO)


def pytest_unconfigure(config: pytest.Config) -> None:
    # After pytest's own junitxml plugin wrote the file in pytest_sessionfinish.
    xml_path = getattr(config.option, "xmlpath", None)
    if _STATE in config.stash and xml_path and Path(xml_path).is_file():
        stamp_junit(Path(xml_path), config.stash[_STATE])
