"""The suite: tests/unit (pure functions and files), tests/integration (one real part wired in: the program under
Pulumi's mock runtime, the pack as a plugin process, moto's server on loopback, checkov's venv), tests/e2e (drkit
as a user runs it). Helpers and shared fixtures live in tests/support."""
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# Policies are plain modules inside the pack directory; tests import them, never the pack's __main__.
sys.path.insert(0, str(REPO / "policypack"))

# Fixtures shared by tests at more than one level (integration and e2e).
pytest_plugins = ["tests.support.fixtures.checkov", "tests.support.fixtures.drill", "tests.support.fixtures.platform",
                  "tests.support.fixtures.readiness", "tests.support.fixtures.published_pack",
                  "tests.support.fixtures.main_job", "tests.support.junit_source"]

from tests.support.program import share_between_workers  # noqa: E402  (after the pack's path is set)


@pytest.fixture(scope="session", autouse=True)
def _captured_graphs_shared_by_workers(tmp_path_factory, worker_id):
    if worker_id != "master":
        share_between_workers(tmp_path_factory.getbasetemp().parent / "captured-graphs")
