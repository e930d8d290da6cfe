"""The drkit command line. Each sub-command lives in drkit.commands.<name> and stays thin."""
from __future__ import annotations

import argparse
import sys
from typing import Sequence

from drcore.errors import UsageError
from drkit import __version__
from drkit.commands import (approve, catalogue, checkov, drill, evidence, failover, gate, pack_sync, policy, preview,
                            readiness, report, rto, runs, sandbox)

COMMANDS = (gate, preview, policy, checkov, report, rto, catalogue, evidence, readiness, failover, approve, runs,
            drill, sandbox, pack_sync)


class _OneLineParser(argparse.ArgumentParser):
    """argparse prints a usage block on error; we promise one line naming the problem and the fix."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(prog="drkit", description=__doc__)
    parser.add_argument("--version", action="version", version=f"drkit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_OneLineParser)
    sub.required = True
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except UsageError as exc:
        print(f"drkit {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"drkit {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
