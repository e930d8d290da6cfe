"""drkit evidence: read live AWS Config rule compliance from both regions of a stack and write it as evidence.

Exit codes: 0 every region answered (whatever the compliance: the report judges it), 1 a region did not
answer (the other region's results are still written), 2 bad input or no AWS credentials.
"""
from __future__ import annotations

import argparse
import re
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from drcore.catalogue.reader import required_config_rule_identifiers
from drcore.errors import UsageError
from drkit.compliance.live import clients
from drkit.compliance.live.config_rules import CredentialsFailed, RegionReading, complete_readings, read_region
from drkit.compliance.live.document import default_path, write_records
from drkit.compliance.live.table import render_region
from drkit.stacks import load_stack

_IDENTIFIER = re.compile(r"^[A-Z0-9_]+$")


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("evidence", help="read live AWS Config rule compliance from both regions of a stack",
                            description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--live", action="store_true",
                        help="read from AWS with boto3 (needs AWS credentials); the only evidence source so far")
    parser.add_argument("--stack", required=True, help="stack name (Pulumi.<stack>.yaml): its primary and "
                                                       "secondary regions are read")
    parser.add_argument("--out", type=Path, metavar="FILE",
                        help="where to write the JSON evidence; default: build/<stack>.live-config.json")
    parser.add_argument("--endpoint-url", action="append", default=[], metavar="[REGION=]URL",
                        help="send AWS Config requests here instead of AWS (an emulator such as LocalStack or "
                             "moto); REGION=URL for one region only; repeatable")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--rule", action="append", dest="rules", metavar="IDENTIFIER",
                       help="an AWS Config managed rule identifier to read, e.g. S3_BUCKET_VERSIONING_ENABLED "
                            "(repeatable); default: every rule the compliance catalogue (compliance/) names")
    which.add_argument("--all-deployed", action="store_true",
                       help="read every AWS managed rule deployed in either region instead of the catalogue's")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if not args.live:
        raise UsageError("nothing to read: add --live to read AWS Config compliance from AWS (needs credentials)")
    stack = load_stack(args.stack)
    regions = {"primary": stack.config.primary_region, "secondary": stack.config.secondary_region}
    endpoints = clients.parse_endpoints(args.endpoint_url, regions.values())
    expected = expected_identifiers(args, stack.project.root)
    out = args.out or default_path(stack.project.root, args.stack)
    session = clients.aws_session()
    _progress(f"Rules: {len(expected)} identifiers {'given with --rule' if args.rules else 'the catalogue names'}"
              if expected is not None else "Rules: every AWS managed rule deployed in either region")
    # Clients are made here, one per region, because boto3 sessions are not safe to share across threads.
    config_clients = {role: clients.config_client(session, region, endpoints.for_region(region))
                      for role, region in regions.items()}
    readings = _read_regions(config_clients, regions, expected)
    records = complete_readings(readings, expected)
    write_records(out, records)
    for reading in readings:
        print(render_region(reading) + "\n")
    print(f"Live AWS Config evidence for stack '{args.stack}' written to {out}")
    failed = [r for r in readings if not r.reachable]
    for reading in failed:
        print(f"drkit evidence: error: {reading.region} ({reading.role}) did not answer: {reading.error}; "
              f"its rules are recorded as UNREACHABLE in {out}; check network access to AWS Config there "
              "(or --endpoint-url) and run again", file=sys.stderr)
    return 1 if failed else 0


def expected_identifiers(args: argparse.Namespace, project_root: Path) -> list[str] | None:
    """The managed-rule identifiers to read: those given, else the catalogue's; None means every one deployed."""
    if args.all_deployed:
        return None
    if not args.rules:
        return required_config_rule_identifiers(project_root / "compliance")
    for identifier in args.rules:
        if not _IDENTIFIER.match(identifier):
            raise UsageError(f"--rule '{identifier}' is not an AWS Config managed rule identifier; they are "
                             "upper case with underscores, e.g. S3_BUCKET_VERSIONING_ENABLED")
    return list(dict.fromkeys(args.rules))


def _read_regions(config_clients: dict, regions: dict[str, str], expected: list[str] | None) -> list[RegionReading]:
    """Both regions at once, so a region that has to time out does not hold up the other."""
    where = " and ".join(f"{region} ({role})" for role, region in regions.items())
    _progress(f"Reading AWS Config rule compliance in {where}...")

    def read(role: str) -> RegionReading:
        started = time.perf_counter()
        reading = read_region(config_clients[role], regions[role], role, expected)
        reading.seconds = time.perf_counter() - started
        outcome = "did not answer" if reading.error else f"{len(reading.rules)} deployed rules read"
        _progress(f"{regions[role]} ({role}): {outcome} in {reading.seconds:.1f} s")
        return reading

    with ThreadPoolExecutor(max_workers=len(regions)) as pool:
        futures = [pool.submit(read, role) for role in regions]
        try:
            return [future.result() for future in futures]
        except CredentialsFailed as exc:
            raise UsageError(f"AWS credentials could not be used ({exc}); {clients.FIX_CREDENTIALS}") from None


def _progress(line: str) -> None:
    # One write per line: both region threads report, and print() would write the newline separately.
    sys.stderr.write(line + "\n")
    sys.stderr.flush()
