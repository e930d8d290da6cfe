"""The suite: tests/unit (pure functions and files), tests/integration (one real part wired in: the program under
Pulumi's mock runtime, the pack as a plugin process, moto's server on loopback, checkov's venv), tests/e2e (drkit
as a user runs it). Helpers and shared fixtures live in tests/support."""
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Policies are plain modules inside the pack directory; tests import them, never the pack's __main__.
sys.path.insert(0, str(REPO / "policypack"))

# Fixtures shared by tests at more than one level (integration and e2e).
pytest_plugins = ["tests.support.fixtures.checkov", "tests.support.fixtures.drill", "tests.support.fixtures.platform",
                  "tests.support.fixtures.readiness", "tests.support.fixtures.published_pack",
                  "tests.support.fixtures.main_job", "tests.support.junit_source"]
