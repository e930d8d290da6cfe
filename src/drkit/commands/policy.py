"""drkit policy: evaluate a saved resource graph with a policy pack, exactly as the preview gate does."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from drcore.errors import UsageError
from drkit.graph.resource_graph import Graph, load_graph
from drkit.policy_host.evaluation import PolicyGate
from drkit.policy_host.host import LogEntry
from drkit.policy_host.render import render_json, render_text
from drkit.project import find_project, read_stack_config


def add_gate_arguments(parser: argparse.ArgumentParser, *, pack_required: bool) -> None:
    parser.add_argument("--policy-pack", type=Path, required=pack_required, metavar="DIR",
                        help="CrossGuard policy pack directory (PulumiPolicy.yaml)")
    parser.add_argument("--policy-pack-config", type=Path, metavar="FILE",
                        help="policy config (Pulumi's --policy-pack-config format, JSON or YAML)")
    parser.add_argument("--json", action="store_true", help="print the verdict as JSON")


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("policy", help="evaluate a saved resource graph with a policy pack",
                            description=__doc__)
    parser.add_argument("--graph", type=Path, required=True, metavar="FILE", help="resource graph JSON")
    add_gate_arguments(parser, pack_required=True)
    parser.set_defaults(handler=run)


def open_gate(project: str, stack: str, stack_config: dict, args: argparse.Namespace) -> PolicyGate:
    """Start and configure the pack for `stack`; the caller evaluates a graph with it and closes it."""
    def show_log(entry: LogEntry) -> None:
        if entry.severity in ("warning", "error"):
            print(f"policy pack {entry.severity}: {entry.message}", file=sys.stderr)

    def progress(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    return PolicyGate(args.policy_pack, project=project, stack=stack, stack_config=stack_config,
                      config_file=args.policy_pack_config, on_log=show_log, progress=progress)


def report(gate: PolicyGate, graph: Graph, args: argparse.Namespace) -> int:
    """Evaluate the graph, print the verdict as text or JSON, return the exit code."""
    result = gate.evaluate(graph)
    if args.json:
        print(json.dumps(render_json(result, {"project": graph.project, "stack": graph.stack}), indent=2))
    else:
        print(render_text(result, graph))
    return 0 if result.passed else 1


def run(args: argparse.Namespace) -> int:
    graph = load_graph(args.graph)
    try:
        project = find_project()
        _, stack_config = read_stack_config(project, graph.stack) if project.name == graph.project else ({}, {})
    except UsageError:  # a graph gated outside the repository has no stack file: the pack runs without stack config
        stack_config = {}
    with open_gate(graph.project, graph.stack, stack_config, args) as gate:
        return report(gate, graph, args)
