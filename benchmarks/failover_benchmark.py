"""Prints the failover automation's own time and AWS call count per failover, against the emulated platform.

Not a test: it measures and prints. Run: .venv/bin/python benchmarks/failover_benchmark.py [--repeat N]
The emulated AWS (moto behind the regional proxies, drkit.emulation) runs in a child process, so its
work does not compete with the automation for this interpreter; each failover gets a freshly built
platform with the primary's endpoint down, and a fresh set of clients. "Automation" is the run's wall
time minus its waits on AWS-side work (none in the emulator); the first run of the process also pays
for loading botocore's service models, so it is shown apart. Targets (issue 6): < 2 s, < 40 calls.
"""
from __future__ import annotations

import argparse
import io
import multiprocessing
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

TARGET_SECONDS, TARGET_CALLS = 2.0, 40


def emulator(connection, stack: str) -> None:
    """Child process: serve the emulated platform; build a fresh one with the requested outage on request."""
    from tests.support.emulated_platform import EmulatedAws, build_platform
    from tests.support.program import stack_graph

    outputs = stack_graph(stack).outputs
    aws = EmulatedAws.start([outputs["primaryRegion"], outputs["secondaryRegion"]])
    try:
        while (request := connection.recv()) != "stop":
            platform = build_platform(aws, outputs, stack)
            if request == "region-unreachable":
                platform.primary_region_unreachable()
            else:
                platform.primary_endpoint_down()
            connection.send((platform.outputs, aws.endpoints, platform.probes))
    finally:
        aws.stop()


def one_failover(outputs: dict, endpoints: dict, probes: dict, stack: str) -> dict:
    from drfailover.clients import AwsClients
    from drfailover.deployment import deployment_from_outputs
    from drfailover.plan import build_plan
    from drfailover.execution import Runner
    from drfailover.steps import RunOptions
    from drkit.stacks import load_stack

    deployment = deployment_from_outputs(outputs, "emulated outputs", load_stack(stack).config)
    options = RunOptions(probes=probes, confirm_interval_s=0)
    result = Runner(build_plan("failover"), deployment, AwsClients(endpoints), options, progress=io.StringIO()).execute()
    if result.outcome != "done":
        raise SystemExit(f"benchmark: failover {result.outcome}: {result.message}")
    return {"automation": result.automation_seconds, "waited": result.waited_seconds,
            "calls": result.calls["calls"], "attempts": result.calls["httpAttempts"],
            "steps": {r.name: r.seconds for r in result.records}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=10, help="failovers to run (the first one is cold)")
    parser.add_argument("--stack", default="prod", help="whose outputs the emulated platform is built from")
    parser.add_argument("--outage", choices=("endpoint-down", "region-unreachable"), default="endpoint-down",
                        help="the primary's storefront fails, or the whole primary region stops answering")
    args = parser.parse_args()
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.get_context("spawn").Process(target=emulator, args=(child, args.stack), daemon=True)
    process.start()
    runs = []
    try:
        for _ in range(max(2, args.repeat)):
            parent.send(args.outage)
            runs.append(one_failover(*parent.recv(), args.stack))
    finally:
        parent.send("stop")
        process.join(timeout=30)
    cold, warm = runs[0], runs[1:]
    print(f"Failover automation against the emulated '{args.stack}' platform, outage: {args.outage} "
          f"({len(runs)} runs, emulator in a separate process)\n")
    print(f"{'run':<8}{'automation s':>14}{'waited s':>10}{'AWS calls':>11}{'HTTP attempts':>15}")
    for index, run in enumerate(runs, 1):
        label = "1 (cold)" if index == 1 else str(index)
        print(f"{label:<8}{run['automation']:>14.3f}{run['waited']:>10.3f}{run['calls']:>11}{run['attempts']:>15}")
    median = statistics.median(r["automation"] for r in warm)
    print(f"\nPer step, median of the warm runs (s):")
    for name in warm[0]["steps"]:
        print(f"  {name:<36}{statistics.median(r['steps'][name] for r in warm):>8.3f}")
    worst = max(r["automation"] for r in runs)
    calls = max(r["calls"] for r in runs)
    print(f"\nAutomation: cold {cold['automation']:.3f} s, warm median {median:.3f} s, worst {worst:.3f} s "
          f"(target < {TARGET_SECONDS:g} s: {'met' if worst < TARGET_SECONDS else 'NOT met'})")
    print(f"AWS calls per failover: {calls} (target < {TARGET_CALLS}: {'met' if calls < TARGET_CALLS else 'NOT met'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
