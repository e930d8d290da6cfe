"""drkit gate: the one-shot compliance gate. Runs the program offline with the policy pack, checkov on the same
graph and every other evidence source, writes the five reports and the OSCAL files into DIR, and exits 0 only when no mandatory
policy is violated, checkov has no unsuppressed finding and no control failed; 1 otherwise; 2 on bad input."""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from drkit.commands.report import add_report_arguments, gather_and_write
from drkit.project import find_project
from drkit.report.console import failure_lines, path_lines, summary_lines, timing_line


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("gate", help="policy pack + checkov + compliance reports in one go; exit code is "
                                         "the verdict", description=__doc__)
    add_report_arguments(parser)
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="directory for the reports and the graph; default: build/gate-<stack>")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    out = args.out or find_project().root / "build" / f"gate-{args.stack}"
    collected, paths = gather_and_write(args, out)
    collected.timings["total"] = time.perf_counter() - started
    run_ = collected.run
    print("\n".join(summary_lines(run_)))
    failures = failure_lines(run_)
    if failures:
        print("\n" + "\n".join(failures))
    print("\n" + "\n".join(path_lines(paths)))
    print(timing_line(collected.timings))
    print(f"\nGate {'passed' if run_.passed else 'FAILED'} for stack '{args.stack}'.")
    return 0 if run_.passed else 1
