"""drkit rto: worst-case recovery time and recovery point per disruption, computed from stack config."""
from __future__ import annotations

import argparse
import json

from drcore.recovery_model import assess, format_duration
from drkit.stacks import load_stack


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("rto", help="print the RTO/RPO budget per disruption and whether targets are met",
                            description=__doc__)
    parser.add_argument("--stack", default="dev", help="stack name (Pulumi.<stack>.yaml); default: dev")
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # load_stack already refuses a config whose targets cannot be met, naming the key to change.
    stack = load_stack(args.stack)
    estimates = assess(stack.config)
    if args.json:
        print(json.dumps([{
            "disruption": e.disruption, "measure": e.measure, "estimateSeconds": e.seconds,
            "targetSeconds": e.target_seconds, "met": e.meets_target,
            "steps": [{"name": s.name, "seconds": s.seconds, "source": s.source} for s in e.steps],
        } for e in estimates], indent=2))
        return 0
    print(f"Recovery budget for stack '{args.stack}' "
          f"({stack.config.primary_region} -> {stack.config.secondary_region})")
    current = None
    for estimate in estimates:
        if estimate.disruption != current:
            current = estimate.disruption
            print(f"\n{_TITLES[current]}")
        verdict = "met" if estimate.meets_target else "NOT MET"
        print(f"  {estimate.measure:<20} {format_duration(estimate.seconds):>9}  target "
              f"{format_duration(estimate.target_seconds):>9}  {verdict}")
        if estimate.measure == "RTO" or len(estimate.steps) > 1:
            for step in estimate.steps:
                print(f"      {step.name:<14} {format_duration(step.seconds):>9}  {step.source}")
        else:
            print(f"      source: {estimate.steps[0].source}")
    met = all(e.meets_target for e in estimates)
    print(f"\nAll targets met: {'yes' if met else 'no'}")
    return 0 if met else 1


_TITLES = {"azLoss": "Loss of one Availability Zone", "regionLoss": "Loss of the primary region (unplanned failover)",
           "dataCorruption": "Data corruption or operator error (restore from PITR/backup)"}
