"""Prints how long the offline policy gate takes, per phase, and how it grows with the resource count.

Not a test: it measures and prints. Run: .venv/bin/python benchmarks/gate_benchmark.py [--repeat N]
Also times the full `drkit gate` (policy pack + checkov + reports) once per stack.
Phases: program run under the mock runtime (in a fresh process, imports included, as a user pays it),
pack start (plugin process until it prints its port), analysis (every Analyze call plus AnalyzeStack).
Growth: `scaleFactor` repeats every data store (DynamoDB tables, replicated bucket pairs with their controls).
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.stacks import stack_values, write_project  # noqa: E402


def timed_gate(project_dir: Path, stack: str) -> dict:
    """One full `drkit preview --policy-pack --json` in a fresh process: wall time and the gate's own timings."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "drkit", "preview", "--stack", stack, "--policy-pack",
                           str(REPO / "policypack"), "--json"], cwd=project_dir, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"benchmark: gate failed for {stack}: {done.stderr.strip().splitlines()[-1]}")
    verdict = json.loads(done.stdout)
    program = next((float(line.split()[2]) for line in done.stderr.splitlines() if line.startswith("Program run:")), 0.0)
    return {"wall": wall, "program": program, "resources": verdict["resourcesAnalyzed"], **verdict["timings"]}


def timed_full_gate(stack: str, out: Path) -> tuple[float, str]:
    """`drkit gate` (pack + checkov + reports) in a fresh process: wall time and its own per-phase timing line."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "drkit", "gate", "--stack", stack, "--out", str(out)], cwd=REPO,
                          capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"benchmark: drkit gate failed for {stack}: {done.stderr.strip().splitlines()[-1]}")
    timing = next((line for line in done.stdout.splitlines() if line.startswith("Timing:")), "Timing: (none)")
    return wall, timing


def summarize(runs: list[dict]) -> dict:
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3, help="runs per case; the median is printed")
    parser.add_argument("--scales", default="1,2,4,8", help="scaleFactor values for the growth table")
    args = parser.parse_args()
    print(f"Offline policy gate, median of {args.repeat} runs (wall = whole command, fresh process)\n")
    print(f"{'case':<14}{'resources':>10}{'wall s':>9}{'program s':>11}{'pack start s':>14}{'analysis s':>12}")
    for stack in ("dev", "prod"):
        result = summarize([timed_gate(REPO, stack) for _ in range(args.repeat)])
        print(f"{stack:<14}{result['resources']:>10.0f}{result['wall']:>9.2f}{result['program']:>11.2f}"
              f"{result['pack start']:>14.2f}{result['analysis']:>12.2f}")
    print("\nGrowth with scaleFactor (prod config, data stores repeated):")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for scale in (int(s) for s in args.scales.split(",")):
            values = stack_values("prod")
            values["scaleFactor"] = scale
            project = write_project(Path(tmp) / f"scale{scale}", "bench", values)
            result = summarize([timed_gate(project, "bench") for _ in range(args.repeat)])
            rows.append(result)
            per = (result["program"] + result["analysis"]) / result["resources"] * 1000
            print(f"{'x' + str(scale):<14}{result['resources']:>10.0f}{result['wall']:>9.2f}{result['program']:>11.2f}"
                  f"{result['pack start']:>14.2f}{result['analysis']:>12.2f}   {per:.2f} ms/resource")
    print("\nFull gate (policy pack + checkov + compliance report), one run each (target: prod under 20 s):")
    with tempfile.TemporaryDirectory() as tmp:
        for stack in ("dev", "prod"):
            wall, timing = timed_full_gate(stack, Path(tmp) / stack)
            print(f"{stack:<6} wall {wall:5.1f} s   {timing}")
    if len(rows) >= 2:
        first, last = rows[0], rows[-1]
        slope = ((last["program"] + last["analysis"]) - (first["program"] + first["analysis"])) / max(
            1, last["resources"] - first["resources"])
        print(f"\nMarginal cost: {slope * 1000:.2f} ms per added resource (program + analysis); "
              f"one plugin process per run.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
