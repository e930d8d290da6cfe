"""drkit checkov: checkov over the Pulumi program (as a Terraform plan), the repository's secrets and its
GitHub Actions workflows, offline, with the reviewed suppressions in compliance/suppressions.yaml applied."""
from __future__ import annotations

import argparse
from pathlib import Path

from drkit.checkov.results import FRAMEWORK_TITLES, CheckovResult
from drkit.checkov.scan import SCANS, dumps, run_checkov
from drkit.project import find_project


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("checkov", help="run checkov offline over the program's plan, secrets and workflows",
                            description=__doc__)
    parser.add_argument("--stack", default="dev", help="stack name (Pulumi.<stack>.yaml); default: dev")
    parser.add_argument("--out", type=Path, help="directory for <stack>.tfplan.json; default: build/")
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
    parser.add_argument("--plan", action="store_true", help="scan the stack's Terraform plan")
    parser.add_argument("--secrets", action="store_true", help="scan the repository for secrets")
    parser.add_argument("--github-actions", action="store_true", help="scan .github/workflows")
    parser.add_argument("--suppressions", type=Path, help="suppressions file; default: compliance/suppressions.yaml")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    project = find_project()
    chosen = [scan for scan in SCANS if getattr(args, scan.replace("-", "_"))]

    def capture():
        # Imported here: the preview command pulls in the Pulumi runtime, which only the plan scan needs.
        from drkit.commands.preview import capture as capture_stack
        return capture_stack(args.stack)[1]

    result = run_checkov(project.root, stack=args.stack, graph=capture, out_dir=args.out or project.root / "build",
                         scans=chosen or SCANS, suppressions_file=args.suppressions)
    print(dumps(result) if args.json else render(result))
    return 0 if result.passed else 1


def render(result: CheckovResult) -> str:
    lines = [f"checkov {result.version}" + (f" — stack '{result.stack}'" if result.stack else "")]
    for framework in result.frameworks:
        s = result.summary(framework)
        lines.append(f"  {FRAMEWORK_TITLES.get(framework, framework):<15} {s['checks']:>4} checks ran: "
                     f"{s['passed']} passed, {s['failed']} failed, {s['suppressed']} suppressed")
    failures = result.unsuppressed
    if failures:
        lines.append(f"\n{len(failures)} unsuppressed finding(s):")
        for r in sorted(failures, key=lambda r: (r.check_id, r.resource)):
            lines.append(f"  {r.check_id}  {r.check_name}")
            lines.append(f"      resource: {r.resource}" + (f"\n      urn:      {r.urn}" if r.urn else ""))
            lines.append(f"      fix:      {r.fix}")
        lines.append("\nFix them, or accept one with a reason in compliance/suppressions.yaml (see docs/checkov.md).")
    if result.plan_path:
        lines.append(f"\nPlan: {result.plan_path}")
    lines.append(f"Verdict: {'passed' if result.passed else 'FAILED'}")
    return "\n".join(lines)
