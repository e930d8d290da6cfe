"""The real program's resource graph per stack, captured once per test process."""
from __future__ import annotations

import copy
import functools

import yaml

from drkit.graph.capture import run_program
from drkit.graph.resource_graph import Graph
from tests.support.stacks import REPO


@functools.lru_cache(maxsize=None)
def _captured(stack: str) -> Graph:
    raw = yaml.safe_load((REPO / f"Pulumi.{stack}.yaml").read_text())["config"]
    return run_program(REPO / "infra", "ecommerce-dr", stack, raw)


def stack_graph(stack: str) -> Graph:
    """A private copy, so a test that mutates the graph cannot affect another."""
    return copy.deepcopy(_captured(stack))


def stack_raw_config(stack: str) -> dict:
    return yaml.safe_load((REPO / f"Pulumi.{stack}.yaml").read_text())["config"]
