"""The real program's resource graph per stack, captured once per test run.

Under pytest-xdist every worker would run the program for each stack it needs (4-6 s of CPU each, on the machine's
two cores); the first worker to need a stack writes its graph to a directory of this run, and the others read it
(the round trip is lossless: tests/integration/graph/test_capture.py compares a graph with its reloaded file).
"""
from __future__ import annotations

import copy
import fcntl
import functools
from pathlib import Path

import yaml

from drkit.graph.capture import run_program
from drkit.graph.resource_graph import Graph, load_graph
from tests.support.stacks import REPO

_shared_directory: Path | None = None  # where this run's workers share graphs; None outside xdist


def share_between_workers(directory: Path) -> None:
    """Called once per worker with a directory all workers of the run see (pytest-xdist's documented pattern:
    the parent of each worker's basetemp, which pytest's retention of old runs cleans up)."""
    global _shared_directory
    directory.mkdir(parents=True, exist_ok=True)
    _shared_directory = directory


@functools.lru_cache(maxsize=None)
def _captured(stack: str) -> Graph:
    if _shared_directory is None:
        return capture(stack)
    saved = _shared_directory / f"{stack}.json"
    with open(_shared_directory / f"{stack}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one worker runs the program; the others wait for its file
        if saved.exists():
            return load_graph(saved)
        graph = capture(stack)
        graph.save(saved)
        return graph


def capture(stack: str) -> Graph:
    """A fresh run of the program for the stack (the shared copies come from here)."""
    return run_program(REPO / "infra", "ecommerce-dr", stack, stack_raw_config(stack))


def stack_graph(stack: str) -> Graph:
    """A private copy, so a test that mutates the graph cannot affect another."""
    return copy.deepcopy(_captured(stack))


def stack_raw_config(stack: str) -> dict:
    return yaml.safe_load((REPO / f"Pulumi.{stack}.yaml").read_text())["config"]
