"""drkit failover | switchover | failback: move the platform between its regions, from the recovery region.

failover    unplanned: confirm the primary is down, promote the secondary allowing data loss, shift traffic
switchover  planned: wait for replication to drain, switch the database over with no data loss, shift traffic
failback    after a failover: check the old primary is protected again and serving, switch everything back

Exit codes: 0 done or nothing to do, 1 refused by a safety interlock or failed, 2 bad input.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from drcore.errors import UsageError
from drcore.platform import ROLES
from drfailover.clients import ENDPOINTS_ENV, AwsClients, load_endpoints
from drfailover.deployment import Deployment
from drfailover.execution import Runner
from drfailover.plan import build_plan
from drfailover.steps import RunOptions
from drfailover.timeline import render_text, result_document
from drkit.deployments import deployment_from_stack, load_deployment, probe_urls
from drkit.stacks import load_stack

HELP = {
    "failover": "unplanned failover to the secondary region (the primary is down)",
    "switchover": "planned move to the secondary region with no data loss",
    "failback": "move back to the primary region after a failover",
}
PROBE_ROLES = (*ROLES, "record")  # "record": the DNS name customers use


def register(sub: argparse._SubParsersAction) -> None:
    for operation, text in HELP.items():
        parser = sub.add_parser(operation, help=text, description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
        add_arguments(parser, operation)
        parser.set_defaults(handler=run, operation=operation)


def add_arguments(parser: argparse.ArgumentParser, operation: str) -> None:
    source = parser.add_argument_group("deployment")
    source.add_argument("--outputs", type=Path, metavar="FILE",
                        help="'pulumi stack output --json' of the deployed stack, or a resource graph file")
    source.add_argument("--stack", metavar="NAME", help="stack name: its config for the RTO budget; alone, the "
                        "offline preview's outputs (placeholder ids: only for --dry-run)")
    parser.add_argument("--endpoints", type=Path, metavar="FILE", help="JSON region -> AWS endpoint URL for "
                        f"emulators (or ${ENDPOINTS_ENV}); key 'global' serves Route 53")
    parser.add_argument("--probe", action="append", default=[], metavar="ROLE=URL",
                        help="health URL to probe for primary, secondary or record (default: https://<ALB><path>)")
    parser.add_argument("--dry-run", action="store_true", help="print the plan; call no AWS API")
    if operation == "failover":
        parser.add_argument("--force", action="store_true", help="fail over even if the primary is not confirmed down")
        parser.add_argument("--confirm-count", type=int, metavar="N",
                            help="consecutive failing observations that confirm the outage (default: the Route 53 "
                                 "failure threshold)")
        parser.add_argument("--confirm-interval", type=float, metavar="SECONDS",
                            help="seconds between observations (default: the Route 53 check interval)")
    else:
        parser.set_defaults(force=False, confirm_count=None, confirm_interval=None)
    parser.add_argument("--approve", action="store_true", help="add a manual approval step before the first change")
    parser.add_argument("--journal-run", metavar="ID", help="resume this run, taking over its lock "
                        "(for a run whose process died)")
    parser.add_argument("--loss-report", type=Path, metavar="FILE",
                        help="write the RPO exposure and what may be lost per store (JSON) here")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def run(args: argparse.Namespace) -> int:
    options = _options(args)
    if args.stack and not args.outputs and not options.dry_run:
        raise UsageError("--stack alone gives the offline preview's placeholder ids; add --dry-run to see the plan, "
                         "or pass --outputs FILE from 'pulumi stack output --json' to act")
    deployment = _deployment(args)
    plan = build_plan(args.operation, force=options.force, approve=options.approve)
    if options.dry_run:
        if args.json:
            print(json.dumps({"operation": plan.operation, "mode": plan.mode, "outcome": "dry-run",
                              "stages": [[{"name": s.name, "kind": s.kind, "optional": s.optional,
                                           "action": s.describe(deployment)} for s in stage.steps]
                                         for stage in plan.stages]}, indent=2))
        else:
            print(plan.describe(deployment))
        return 0
    clients = AwsClients(load_endpoints(args.endpoints))
    if not clients.has_credentials:
        raise UsageError("no AWS credentials found; configure a profile or role for the recovery region "
                         f"({deployment.secondary_region}), or pass --endpoints for an emulator")
    result = Runner(plan, deployment, clients, options).execute()
    document = result_document(result, plan, deployment)
    if args.loss_report and document["rpoExposure"]:
        args.loss_report.parent.mkdir(parents=True, exist_ok=True)
        args.loss_report.write_text(json.dumps(document["rpoExposure"], indent=2) + "\n")
        print(f"drkit {args.operation}: loss report written to {args.loss_report}", file=sys.stderr)
    print(json.dumps(document, indent=2) if args.json else render_text(document))
    return result.exit_code


def _options(args: argparse.Namespace) -> RunOptions:
    probes = probe_urls(args.probe, PROBE_ROLES)
    if args.confirm_count is not None and args.confirm_count < 1:
        raise UsageError(f"--confirm-count is {args.confirm_count}; give at least 1")
    if args.confirm_interval is not None and args.confirm_interval < 0:
        raise UsageError(f"--confirm-interval is {args.confirm_interval}; give 0 or more seconds")
    return RunOptions(force=args.force, dry_run=args.dry_run, approve=args.approve, journal_run=args.journal_run,
                      confirm_count=args.confirm_count, confirm_interval_s=args.confirm_interval, probes=probes)


def _deployment(args: argparse.Namespace) -> Deployment:
    if args.outputs:
        config = load_stack(args.stack).config if args.stack else None
        return load_deployment(args.outputs, config)
    if args.stack:
        print(f"drkit {args.operation}: running the program offline for stack '{args.stack}'...", file=sys.stderr)
        return deployment_from_stack(args.stack)
    raise UsageError("say which deployment: --outputs FILE ('pulumi stack output --json') or --stack NAME with --dry-run")
