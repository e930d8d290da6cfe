"""The layering docs/architecture.md promises, checked on the real import graph with import-linter: the core
imports none of the deployables; the program, the failover function and the policy pack import nothing of the
CLI; the pack imports nothing outside its folder; no package has import cycles ([tool.importlinter] in
pyproject.toml holds the contracts)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.stacks import REPO

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(*args: str) -> subprocess.CompletedProcess:
    # drguard lives in policypack/, which is not installed: the pack is a folder, not a distribution.
    env = {**os.environ, "PYTHONPATH": str(REPO / "policypack")}
    return subprocess.run([str(LINT_IMPORTS), "--no-logo", "--no-cache", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)


def test_every_layering_contract_is_kept():
    result = lint_imports()
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "5 kept, 0 broken" in result.stdout


def test_the_contracts_see_the_imports_they_guard(tmp_path):
    # The same graph with a contract the code does break (the CLI imports the core): it must be reported.
    config = tmp_path / "contracts.ini"
    config.write_text("[importlinter]\nroot_packages =\n    drcore\n    drkit\n\n"
                      "[importlinter:contract:cli-without-core]\nname = the CLI without the core\ntype = forbidden\n"
                      "source_modules =\n    drkit\nforbidden_modules =\n    drcore\n")
    result = lint_imports("--config", str(config))
    assert result.returncode == 1 and "BROKEN" in result.stdout
    assert "drkit.cli -> drcore.errors" in result.stdout or "-> drcore" in result.stdout
