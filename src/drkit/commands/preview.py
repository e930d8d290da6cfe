"""drkit preview: run the Pulumi program offline under the SDK mock runtime and write the resource graph."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Callable

from drkit.commands.policy import add_gate_arguments, open_gate, report
from drkit.graph.capture import run_program
from drkit.graph.resource_graph import Resource
from drkit.graph.summary import summarize
from drkit.stacks import load_stack


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("preview", help="run the program offline and write its resource graph",
                            description=__doc__)
    parser.add_argument("--stack", default="dev", help="stack name (Pulumi.<stack>.yaml); default: dev")
    parser.add_argument("--graph-out", type=Path, help="write the resource graph JSON here")
    add_gate_arguments(parser, pack_required=False)
    parser.set_defaults(handler=run)


def capture(stack_name: str, on_resource: Callable[[Resource], None] | None = None):
    """Load and validate the stack config, run the program, return (stack, graph, seconds)."""
    stack = load_stack(stack_name)
    started = time.perf_counter()
    print(f"Running {stack.project.main.name}/ for stack '{stack_name}' under the Pulumi mock runtime...",
          file=sys.stderr, flush=True)
    graph = run_program(stack.project.main, stack.project.name, stack_name, stack.raw, on_resource=on_resource)
    return stack, graph, time.perf_counter() - started


def run(args: argparse.Namespace) -> int:
    if not args.policy_pack:
        _, graph, seconds = capture(args.stack)
        print(summarize(graph))
        print(f"\nProgram run: {seconds:.2f} s")
        if args.graph_out:
            graph.save(args.graph_out)
            print(f"Resource graph written to {args.graph_out}")
        return 0
    stack = load_stack(args.stack)
    # The pack boots in its own process while this one runs the program, and analyses each resource as it registers.
    with open_gate(stack.project.name, args.stack, stack.raw, args) as gate:
        _, graph, seconds = capture(args.stack, on_resource=gate.analyze_as_registered())
        print(f"Program run: {seconds:.2f} s, {len(graph.resources)} registrations", file=sys.stderr)
        if args.graph_out:
            graph.save(args.graph_out)
            print(f"Resource graph written to {args.graph_out}", file=sys.stderr)
        return report(gate, graph, args)
