"""drkit drill --local: a game day on this machine, no AWS account. The stack's environment is emulated (moto on
loopback, created from the stack's own graph and outputs), a disruption is injected, the failover automation
detects it and moves production, and the drill verifies traffic and orders reach the target region, measuring
the achieved RTO and RPO. Default: region-loss-failover, then failback.

Writes one JSON record per scenario (drill evidence: drkit report --drills DIR) and an HTML report into
--out (default build/drills/<stack>/). Exit codes: 0 every scenario passed, 1 one failed, 2 bad input.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from drcore.errors import UsageError
from drkit.drill.scenarios import SCENARIOS, DrillSettings, chosen
from drkit.project import find_project
from drkit.stacks import load_stack


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("drill", help="run a DR game day against the stack's local emulation (--local)",
                            description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--local", action="store_true", help="emulate AWS on this machine (the only mode there is)")
    parser.add_argument("--stack", required=True, metavar="NAME", help="stack name (Pulumi.<NAME>.yaml)")
    parser.add_argument("--out", type=Path, metavar="DIR", help="where the records and the report go; "
                        "default: build/drills/<stack>")
    parser.add_argument("--scenario", action="append", choices=[*SCENARIOS, "all"], metavar="S",
                        help=f"scenario to run, repeatable: {', '.join(SCENARIOS)} or all "
                             "(default: region-loss-failover then failback)")
    parser.add_argument("--database", choices=("postgres", "emulated"), default="postgres",
                        help="postgres (default): orders in a real PostgreSQL primary and streaming standby through "
                             "the reference storefront; emulated: a DynamoDB stand-in, where PostgreSQL is not installed")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # Imported here: moto's server and the emulation are heavy, and only this command needs them.
    from drcore.catalogue.reader import read_catalogue
    from drkit.compliance.catalogue import catalogue_dir
    from drkit.drill.game_day import run_drill
    from drkit.drill.html_page import write_html
    from drkit.drill.record import write_records
    from drkit.graph.capture import run_program

    if not args.local:
        raise UsageError("only local drills exist: pass --local (a drill against a live account would fail over "
                         "production; use 'drkit switchover' for that, see docs/runbooks.md)")
    scenarios = chosen(args.scenario)
    if args.database == "postgres":
        from drkit.emulation.postgres import missing_reason

        reason = missing_reason()
        if reason:
            raise UsageError(f"the drill's database is a real PostgreSQL pair: {reason}; install Debian's postgresql "
                             "package, or pass --database emulated")
    stack = load_stack(args.stack)
    out = args.out or find_project().root / "build" / "drills" / args.stack
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot write the drill report into {out} ({exc.strerror}); pass a writable --out") from None
    titles = {name: entry.title for name, entry in read_catalogue(catalogue_dir()).drills.items()}  # before the drill: bad input
    started = time.perf_counter()
    print(f"drkit drill: running the program offline for stack '{args.stack}' (the emulation is created from its "
          "graph)", file=sys.stderr, flush=True)
    graph = run_program(stack.project.main, stack.project.name, args.stack, stack.raw)
    drill = run_drill(args.stack, stack.config, graph, scenarios, DrillSettings(database=args.database))
    written = write_records(drill, out, titles)
    page = write_html(out / f"{drill.started_at_stamp}-drill.html", [record for record, _ in written], stack=args.stack,
                      passed=drill.passed, environment_seconds=drill.environment_seconds,
                      record_paths=[path for _, path in written])
    print(summary([record for record, _ in written]))
    print("\n" + "\n".join([*(f"  record  {path}" for _, path in written), f"  report  {page}"]))
    print(f"\nDrill {'passed' if drill.passed else 'FAILED'} for stack '{args.stack}' in "
          f"{time.perf_counter() - started:.1f} s.")
    return 0 if drill.passed else 1


def summary(records: list[dict]) -> str:
    """One line per scenario: verdict, what customers saw (RTO, acknowledged orders lost and their window) against
    the targets, and the drill's own RTO (disruption to verified) and the automation's AWS calls."""
    lines = [f"{'scenario':<24}{'verdict':<8}{'customers RTO (target)':>24}{'lost orders, window (target)':>31}"
             f"{'drill RTO':>11}{'calls':>7}"]
    for record in records:
        targets, client = record["targets"], record.get("clientObserved")
        if client:
            rto = (_pair(client["rtoSeconds"], targets["rtoSeconds"]) if client["rtoSeconds"] is not None
                   else "never recovered")
            rpo_target = "-" if targets["rpoSeconds"] is None else f"{targets['rpoSeconds']:g} s"
            lost = f"{client['lostOrders']}, {client['lostWindowSeconds']:.2f} s ({rpo_target})"
        else:
            rto, lost = "no load ran", "-"
        drill_rto = f"{record['achievedRtoSeconds']:.2f} s" if record["recoveredAt"] else "-"
        lines.append(f"{record['scenario']:<24}{'passed' if record['passed'] else 'FAILED':<8}{rto:>24}{lost:>31}"
                     f"{drill_rto:>11}{record['awsCalls']['automation']:>7}")
        lines += [f"    why: {reason}" for reason in record["reasons"]]
    return "\n".join(lines)


def _pair(achieved: float, target: float | None) -> str:
    return f"{achieved:.2f} s ({'-' if target is None else f'{target:g} s'})"
