"""drkit readiness: can the secondary region take over now? Like Route 53 ARC readiness checks, read from the
recovery region: replication healthy and within the RPO targets, standby capacity and configuration parity,
secrets and KMS replica keys usable, backup copies recent, alarms armed, the traffic control in place.

Reads of the primary region are optional (short timeouts): what it cannot answer is UNKNOWN, not a failure.
Exit codes: 0 ready, 1 not ready, 2 bad input.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from drcore.backup_windows import copy_window_seconds
from drcore.errors import UsageError
from drcore.platform import ROLES
from drfailover.clients import ENDPOINTS_ENV, AwsClients, load_endpoints
from drkit.deployments import load_deployment, probe_urls
from drkit.readiness.check import ReadinessContext, region_extras
from drkit.readiness.suite import run_readiness
from drkit.stacks import load_stack

PROBE_ROLES = ROLES


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("readiness", help="check that the secondary region can take over (exit 1 when not)",
                            description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack", required=True, metavar="NAME",
                        help="stack name (Pulumi.<NAME>.yaml): backup schedule and recovery targets")
    parser.add_argument("--outputs", type=Path, metavar="FILE", help="'pulumi stack output --json --show-secrets' of "
                        "the deployed stack (or a resource graph file with the deployed outputs)")
    parser.add_argument("--endpoints", type=Path, metavar="FILE", help="JSON region -> AWS endpoint URL for emulators "
                        f"(or ${ENDPOINTS_ENV}); key 'global' serves Route 53")
    parser.add_argument("--probe", action="append", default=[], metavar="ROLE=URL",
                        help="health URL of the primary or secondary storefront (default: https://<ALB><path>)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    stack = load_stack(args.stack)
    if args.outputs is None:
        raise UsageError("readiness reads the deployed stack: pass --outputs FILE, written by 'pulumi stack output "
                         "--json --show-secrets > FILE' (the offline preview has no real ids to check)")
    deployment = load_deployment(args.outputs, stack.config)
    extras, probes = region_extras(_raw_outputs(args.outputs), str(args.outputs)), probe_urls(args.probe, PROBE_ROLES)
    context = ReadinessContext(deployment, _clients(args, deployment.secondary_region), extras,
                               backup_schedule=stack.config.backup.schedule_expression,
                               copy_window_s=copy_window_seconds(), probes=probes)
    print(f"drkit readiness: checking {deployment.secondary_region} for stack '{args.stack}' "
          f"(primary {deployment.primary_region} read with short timeouts)...", file=sys.stderr, flush=True)
    report = run_readiness(context, args.stack)
    print(json.dumps(report.as_dict(), indent=2) if args.json else report.render_text())
    return 0 if report.ready else 1


def _clients(args: argparse.Namespace, recovery_region: str) -> AwsClients:
    clients = AwsClients(load_endpoints(args.endpoints))
    if not clients.has_credentials:
        raise UsageError(f"no AWS credentials found; configure a profile or role that can read the recovery region "
                         f"({recovery_region}), or pass --endpoints for an emulator")
    return clients


def _raw_outputs(path: Path) -> dict:
    """The outputs mapping itself (load_deployment has already refused a file that is not one)."""
    data = json.loads(Path(path).read_text())
    return data["outputs"] if "resources" in data and "outputs" in data else data
