import os

import pytest

from tests.support.stacks import REPO

CHECKOV_VENV = REPO / ".checkov-venv"


@pytest.fixture(scope="session")
def checkov_installed() -> None:
    """Tests that run checkov need .checkov-venv; on a developer's machine without it they skip, in CI they fail."""
    if not (CHECKOV_VENV / "bin" / "checkov").exists():
        message = ".checkov-venv is missing; run scripts/setup-checkov.sh (scripts/setup.sh --dev runs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
