"""Runs the installed drkit command as a user would, in a subprocess."""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.support.stacks import REPO


@dataclass
class Run:
    code: int
    out: str
    err: str


def drkit(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 120) -> Run:
    full_env = {**os.environ, **(env or {})}
    done = subprocess.run([sys.executable, "-m", "drkit", *args], cwd=cwd or REPO, env=full_env, text=True,
                          capture_output=True, timeout=timeout)
    return Run(done.returncode, done.stdout, done.stderr)


def assert_one_line_error(run: Run, *fragments: str) -> None:
    assert run.code == 2, (run.code, run.out, run.err)
    lines = [line for line in run.err.splitlines() if line.strip() and not line.startswith(("Running ", "Starting "))]
    assert len(lines) == 1, run.err
    assert "Traceback" not in run.err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
