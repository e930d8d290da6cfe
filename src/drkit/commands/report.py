"""drkit report: gather policy, checkov, Config-rule, test and drill evidence for a stack and write the compliance
reports (HTML, Markdown, JSON, SARIF 2.1.0, JUnit XML) into a directory. Exit 0 when they are written, whatever
they say (drkit gate turns the verdict into the exit code); 2 on bad input."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from drcore.errors import UsageError
from drkit.gate.pipeline import Collected, EvidenceInputs, collect
from drkit.project import find_project
from drkit.report.bundle import write_bundle
from drkit.report.console import path_lines, summary_lines, timing_line
from drkit.report.locations import SourceLocator


def add_report_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stack", required=True, help="stack name (Pulumi.<stack>.yaml)")
    parser.add_argument("--junit", type=Path, metavar="FILE", help="pytest JUnit XML (pytest --junitxml=FILE): "
                                                                   "test evidence; default: build/test-results.xml "
                                                                   "when scripts/test.sh has written it")
    parser.add_argument("--drills", type=Path, metavar="DIR", help="directory of DR drill records (*.json); default: "
                                                                   "build/drills/<stack> when a drill has run")
    parser.add_argument("--live", type=Path, metavar="FILE",
                        help="live AWS Config results (written by drkit evidence --live); they override coverage")
    parser.add_argument("--policy-pack", type=Path, metavar="DIR",
                        help="CrossGuard policy pack directory; default: the repository's policypack/")
    parser.add_argument("--policy-pack-config", type=Path, metavar="FILE",
                        help="policy config (Pulumi's --policy-pack-config format, JSON or YAML)")


def _existing(path: Path) -> Path | None:
    return path if path.exists() else None


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("report", help="write the compliance reports (HTML, Markdown, JSON, SARIF, JUnit)",
                            description=__doc__)
    add_report_arguments(parser)
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="directory for the five reports and the OSCAL files")
    parser.set_defaults(handler=run)


def gather_and_write(args: argparse.Namespace, out: Path) -> tuple[Collected, dict[str, Path]]:
    """Collect the run for args.stack and write the reports into `out`; timings include the writing."""
    project = find_project()
    try:  # before the slow phases: an --out that cannot be a directory is bad input
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot write the reports into {out} ({exc.strerror}); pass a writable --out directory") from None
    build = project.root / "build"
    # The newest evidence the repository's own commands left behind counts unless the caller names other files.
    junit = args.junit or _existing(build / "test-results.xml")
    drills = args.drills or _existing(build / "drills" / args.stack)
    inputs = EvidenceInputs(junit=junit, drills=drills, live=args.live)
    collected = collect(args.stack, pack_dir=args.policy_pack or project.root / "policypack",
                        pack_config=args.policy_pack_config, inputs=inputs, work_dir=out)
    started = time.perf_counter()
    paths = write_bundle(collected.run, out, SourceLocator(project.root))
    collected.timings["reports"] = time.perf_counter() - started
    for warning in collected.run.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return collected, paths


def run(args: argparse.Namespace) -> int:
    collected, paths = gather_and_write(args, args.out)
    print("\n".join(summary_lines(collected.run)))
    print("\n".join(path_lines(paths)))
    print(timing_line(collected.timings), file=sys.stderr)
    return 0
