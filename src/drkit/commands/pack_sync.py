"""drkit pack-sync: write (or, with --check, verify) what the policy pack carries so it can ship alone."""
from __future__ import annotations

import argparse
import sys

from drkit.pack_sync import sync
from drkit.project import find_project


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("pack-sync", help="regenerate the policy pack's copy of the core and its Config rule list",
                            description=__doc__)
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 naming each stale file (for CI)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    result = sync(find_project().root, check=args.check)
    if args.check:
        for path in result.stale:
            print(f"stale: {path} (run 'drkit pack-sync')", file=sys.stderr)
        print("policy pack copies are up to date" if not result.stale else f"{len(result.stale)} stale file(s)")
        return 1 if result.stale else 0
    for path in result.written:
        print(f"updated {path}")
    print(f"policy pack copies: {len(result.written)} file(s) changed")
    return 0
