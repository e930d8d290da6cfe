"""The drkit command line. Each sub-command lives in drkit.commands.<module> and stays thin.

Only the module of the command being run is imported: the commands between them import the Pulumi SDK, boto3,
moto, grpc and the report renderers, about 1.1 s on the 2-core CI machine, where `drkit preview` needs 0.5 s of
them and `drkit rto` almost none (`python -X importtime`). Help and an unknown command load every module, to list
them all.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from drcore.errors import UsageError
import drkit

# Command name -> the drkit.commands module whose register() adds it (some modules add several).
COMMANDS = {
    "gate": "gate", "preview": "preview", "policy": "policy", "checkov": "checkov", "report": "report",
    "rto": "rto", "catalogue": "catalogue", "evidence": "evidence", "readiness": "readiness",
    "failover": "failover", "switchover": "failover", "failback": "failover", "approve": "approve",
    "cancel": "runs", "retry": "runs", "drill": "drill", "sandbox": "sandbox", "pack-sync": "pack_sync",
}


class _OneLineParser(argparse.ArgumentParser):
    """argparse prints a usage block on error; we promise one line naming the problem and the fix."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def command_modules(argv: Sequence[str] | None = None) -> list[str]:
    """The modules to load for these arguments: the named command's, none for --version, else all of them (help,
    a typo: to list them). drkit has no option taking a value before the command, so the first word not starting
    with '-' names it."""
    words = list(argv or ())
    named = next((word for word in words if not word.startswith("-")), None)
    if named in COMMANDS:
        return [COMMANDS[named]]
    if named is None and "--version" in words and not {"-h", "--help"} & set(words):
        return []
    return list(dict.fromkeys(COMMANDS.values()))


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    parser = _OneLineParser(prog="drkit", description=drkit.__doc__)
    parser.add_argument("--version", action="version", version=f"drkit {drkit.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_OneLineParser)
    sub.required = True
    for module in command_modules(argv):
        importlib.import_module(f"drkit.commands.{module}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
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
