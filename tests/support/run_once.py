"""Work that a whole test run needs once, shared by both xdist workers: the first worker to ask does it under a
file lock in the run's shared temporary folder, the others wait and reuse the result (pytest-xdist's documented
recipe for a session fixture shared between workers)."""
from __future__ import annotations

import fcntl
import json
from pathlib import Path
from typing import Any, Callable

import pytest


def shared_dir(tmp_path_factory: pytest.TempPathFactory, worker_id: str, name: str) -> Path:
    root = tmp_path_factory.getbasetemp()
    directory = (root if worker_id == "master" else root.parent) / name
    directory.mkdir(exist_ok=True)
    return directory


def run_once(directory: Path, build: Callable[[Path], Any]) -> Any:
    """`build(directory)` once per run; its JSON-serialisable result is kept beside the work for the others."""
    with open(directory / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = directory / ".result.json"
        if not done.exists():
            done.write_text(json.dumps(build(directory)))
        return json.loads(done.read_text())
