"""drkit catalogue: the compliance controls per framework and the evidence that proves each one."""
from __future__ import annotations

import argparse

from drcore.catalogue.model import Catalogue, Control
from drcore.errors import UsageError
from drkit.compliance.catalogue import load_catalogue
from drkit.project import find_project
from drkit.stacks import load_stack

_EVIDENCE_LABELS = (("policies", "policies"), ("config_rules", "config rules"), ("checkov", "checkov"),
                    ("tests", "tests"), ("drills", "drills"))


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("catalogue", help="list compliance controls per framework with their evidence",
                            description=__doc__ + " The catalogue is validated first; an invalid one exits 2.")
    parser.add_argument("--check", action="store_true",
                        help="only validate: the catalogue, and its Config rule parameters against every stack")
    parser.add_argument("--framework", metavar="F", help="only this framework (e.g. pci-dss-4.0)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    catalogue = load_catalogue()
    frameworks = _selected(catalogue, args.framework)
    if args.check:
        return _check(catalogue, frameworks)
    for key in frameworks:
        controls = catalogue.controls_of(key)
        print(f"{catalogue.frameworks[key]} ({key}): {len(controls)} controls")
        for control in controls:
            _print_control(control)
        print()
    _print_pack_coverage(catalogue)
    print(_summary(catalogue))
    return 0


def _selected(catalogue: Catalogue, framework: str | None) -> list[str]:
    if framework is None:
        return list(catalogue.frameworks)
    if framework not in catalogue.frameworks:
        raise UsageError(f"--framework '{framework}' is not in the catalogue; use one of: "
                         f"{', '.join(catalogue.frameworks)}")
    return [framework]


def _print_control(control: Control) -> None:
    print(f"  {control.id:<9} {control.title}")
    for field, label in _EVIDENCE_LABELS:
        ids = getattr(control.evidence, field)
        if ids:
            print(f"  {'':<9}   {label + ':':<14}{', '.join(ids)}")


def _check(catalogue: Catalogue, frameworks: list[str]) -> int:
    # Imported here: only --check needs the program's side, and it pulls in the Pulumi SDK.
    from infra.config_rules import config_rules_for_stack

    for key in frameworks:
        print(f"{key:<26} {len(catalogue.controls_of(key)):>3} controls  {catalogue.frameworks[key]}")
    stacks = find_project().stacks()
    for stack in stacks:
        config_rules_for_stack(load_stack(stack).config)
    _print_pack_coverage(catalogue)
    print(_summary(catalogue))
    print(f"Config rule parameters resolve for stacks: {', '.join(stacks) or 'none'}")
    return 0


def _print_pack_coverage(catalogue: Catalogue) -> None:
    print("AWS conformance packs (compliance/conformance-packs.yaml):")
    print(f"  {'pack':<22} {'rules':>5} {'deployed':>8} {'nothing to evaluate':>19} {'not deployed':>12} "
          f"{'process checks':>14}")
    for key in catalogue.conformance.packs:
        counts = catalogue.conformance.counts(key, catalogue.config_rules)
        print(f"  {key:<22} {counts['rules']:>5} {counts['deployed']:>8} {counts['nothingToEvaluate']:>19} "
              f"{counts['notDeployed']:>12} {counts['processChecks']:>14}")


def _summary(catalogue: Catalogue) -> str:
    global_rules = sum(1 for rule in catalogue.config_rules.values() if rule.global_scope)
    return (f"Catalogue valid: {len(catalogue.frameworks)} frameworks, {len(catalogue.controls)} controls, "
            f"{len(catalogue.config_rules)} AWS Config rules per region ({global_rules} account-wide), "
            f"{len(catalogue.drills)} drills")
