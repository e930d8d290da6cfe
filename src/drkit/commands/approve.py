"""drkit approve: a person's decision to fail over, recorded where the failover function reads it.

With automation.unplannedFailover "approval", the function in the recovery region confirms an outage, checks the
secondary can serve, proposes the failover and pages. This command turns that proposal into an approval in the
control table (who approved, when); the function's next run, within a minute, takes it and fails over. It needs
credentials for the recovery region only.

Exit codes: 0 approved (or --status printed), 1 nothing to approve, 2 bad input.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from drcore.errors import UsageError
from drfailover.approval import APPROVAL_TTL_S, ApprovalBook
from drfailover.clients import ENDPOINTS_ENV
from drfailover.control_table import ControlTable, iso
from drkit.deployments import load_deployment, recovery_region_clients
from drkit.stacks import load_stack


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("approve", help="approve the unplanned failover the failover function proposed",
                            description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--outputs", type=Path, metavar="FILE", required=True,
                        help="'pulumi stack output --json' of the deployed stack")
    parser.add_argument("--stack", metavar="NAME", help="stack name, for its config (optional)")
    parser.add_argument("--endpoints", type=Path, metavar="FILE",
                        help=f"JSON region -> AWS endpoint URL for emulators (or ${ENDPOINTS_ENV})")
    parser.add_argument("--status", action="store_true", help="only show the standing proposal or approval")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    deployment = load_deployment(args.outputs, load_stack(args.stack).config if args.stack else None)
    clients = recovery_region_clients(deployment, args.endpoints)
    control = deployment.control
    book = ApprovalBook(ControlTable(clients.get("dynamodb", control.region), control.table_name))
    try:
        standing = book.read()
        if args.status:
            print(_describe(standing))
            return 0
        who = clients.get("sts", control.region).get_caller_identity()["Arn"]
        approval = book.approve(who)
    except LookupError:
        print(f"drkit approve: nothing to approve — {_describe(standing)}. If the primary is down and the function "
              f"cannot confirm it, fail over yourself: drkit failover --outputs {args.outputs} --approve")
        return 1
    except (ClientError, BotoCoreError) as exc:
        raise UsageError(f"the control table {control.table_name} in {control.region} cannot be used ({exc})") from None
    print(f"drkit approve: failover to {deployment.secondary_region} approved by {approval.approved_by} at "
          f"{iso(approval.approved_at or time.time())}; the failover function takes it at its next run (within a "
          f"minute) and it lapses after {APPROVAL_TTL_S // 60} minutes. Proposal: {approval.summary}")
    return 0


def _describe(standing) -> str:
    if standing is None:
        return "no failover proposal is standing"
    if standing.state == "approved":
        return f"approved by {standing.approved_by} at {iso(standing.approved_at or 0)}, waiting for the function"
    return f"proposed at {iso(standing.proposed_at)}: {standing.summary}"
