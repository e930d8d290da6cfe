"""drkit cancel | retry: an operator's hold on one failover, switchover or failback run (as Route 53 ARC has it).

cancel  end an unfinished run for good: it is never resumed, and a planned move no longer refuses the next one.
        A run whose process still renews the lock is refused (stop that process first); a lock its dead holder
        left is removed once it has gone a whole lease without renewal. The run's journal stays; the command
        lists what the run had done, since the platform may be between regions (check `drkit readiness`).
retry   resume an unfinished run from its first step not done (same as `drkit <operation> --journal-run ID`),
        taking over its lock at once.

Exit codes: 0 done (or nothing left to do), 1 refused, 2 bad input.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from drcore.errors import UsageError
from drfailover.clients import ENDPOINTS_ENV
from drfailover.control_table import ControlTable
from drfailover.steps import Waiter
from drkit.commands import failover
from drkit.deployments import load_deployment, recovery_region_clients
from drkit.stacks import load_stack

FINISHED = ("done", "superseded", "cancelled")


def register(sub: argparse._SubParsersAction) -> None:
    for name, text in (("cancel", "end an unfinished failover, switchover or failback run for good"),
                       ("retry", "resume an unfinished run from its first step not done")):
        parser = sub.add_parser(name, help=text, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
        parser.add_argument("--outputs", type=Path, metavar="FILE", required=True,
                            help="'pulumi stack output --json' of the deployed stack")
        parser.add_argument("--run", metavar="ID", required=True, help="the run's id (in its lock, journal and "
                            "'drkit readiness')")
        parser.add_argument("--stack", metavar="NAME", help="stack name, for its config (optional)")
        parser.add_argument("--endpoints", type=Path, metavar="FILE",
                            help=f"JSON region -> AWS endpoint URL for emulators (or ${ENDPOINTS_ENV})")
        if name == "retry":
            parser.add_argument("--probe", action="append", default=[], metavar="ROLE=URL",
                                help="health URL to probe (as for drkit failover)")
            parser.add_argument("--json", action="store_true", help="print the result as JSON")
        parser.set_defaults(handler=cancel if name == "cancel" else retry)


def _table(args: argparse.Namespace) -> tuple[ControlTable, str]:
    deployment = load_deployment(args.outputs, load_stack(args.stack).config if args.stack else None)
    clients = recovery_region_clients(deployment, args.endpoints)
    control = deployment.control
    return ControlTable(clients.get("dynamodb", control.region), control.table_name), control.table_name


def _header(table: ControlTable, where: str, run_id: str):
    header, steps = table.run(run_id)
    if header is None:
        raise UsageError(f"run '{run_id}' is not in {where}; pass the id of a run (drkit readiness lists unfinished ones)")
    return header, steps


def cancel(args: argparse.Namespace) -> int:
    table, where = _table(args)
    try:
        header, steps = _header(table, where, args.run)
        if header.state in FINISHED:
            print(f"drkit cancel: {header.operation} run {args.run} is already {header.state}; nothing to cancel")
            return 0
        lock = table.lock()
        if lock is not None and lock.run_id == args.run:
            print(f"drkit cancel: run {args.run} holds the failover lock; watching it for one lease "
                  f"({lock.lease_seconds:g} s) to see whether its process is alive...")
            abandoned = table.lock_is_abandoned(lock, Waiter())
            if abandoned is None or not table.release_abandoned_lock(abandoned):
                print(f"drkit cancel: run {args.run} is active (its process renews the lock); stop that process "
                      "first, then cancel")
                return 1
        if not table.end_run(args.run, "cancelled", note="cancelled by an operator (drkit cancel)"):
            print(f"drkit cancel: run {args.run} finished meanwhile; nothing to cancel")
            return 0
    except (ClientError, BotoCoreError) as exc:
        raise UsageError(f"the control table {where} cannot be used ({exc})") from None
    done = [name for name, record in sorted(steps.items(), key=lambda kv: kv[1].index) if record.status == "done"]
    print(f"drkit cancel: {header.operation} run {args.run} cancelled; it will not be resumed. Steps it had done: "
          f"{', '.join(done) or 'none'}. Check where the platform stands with 'drkit readiness'.")
    return 0


def retry(args: argparse.Namespace) -> int:
    table, where = _table(args)
    try:
        header, _ = _header(table, where, args.run)
    except (ClientError, BotoCoreError) as exc:
        raise UsageError(f"the control table {where} cannot be used ({exc})") from None
    if header.state in FINISHED:
        print(f"drkit retry: {header.operation} run {args.run} is {header.state}; nothing to retry")
        return 0
    resume = argparse.Namespace(
        operation=header.operation, outputs=args.outputs, stack=args.stack, endpoints=args.endpoints,
        probe=args.probe, dry_run=False, force=False, confirm_count=None, confirm_interval=None, approve=False,
        journal_run=args.run, loss_report=None, json=args.json)
    return failover.run(resume)
