"""Prints how long the offline policy gate and the full gate take, per phase, with the targets beside each figure,
how they grow with the resource count, and the peak memory (RSS) of every process they start.

Not a test: it measures and prints. Run: .venv/bin/python benchmarks/gate_benchmark.py [--repeat N] [--scales 1,2]
- Offline policy gate: `drkit preview --stack S --policy-pack policypack --json` in a fresh process (imports
  included, as a user pays them); best of N. Target for prod: under 4 s, and under 2x the program run alone
  (`drkit preview --stack S` without a pack).
- Full gate: `drkit gate --stack S` (pack + checkov + every report); best of N. Target for prod: under 10 s.
- Growth: `scaleFactor` repeats every data store (DynamoDB tables, replicated bucket pairs with their controls);
  the series should stay linear in resources for the program, the analysis and checkov.
Peak RSS and CPU-seconds are sampled from /proc every 20 ms over the whole process tree, per kind of process
(drkit itself, the policy pack plugin, each checkov scan); the CPU sum over the cores is the floor no overlap
can beat.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.stacks import stack_values, write_project  # noqa: E402

POLICY_GATE_TARGET_S = 4.0
POLICY_GATE_RATIO_TARGET = 2.0
FULL_GATE_TARGET_S = 10.0


class PeakMemory:
    """Peak RSS and CPU-seconds per kind of process in the tree under one pid, sampled from /proc while it runs
    (Linux). CPU is each process's user + system time at its last sample, summed per kind (checkov's forked
    workers count with their scan); what a process spends in its last 20 ms is missed."""

    def __init__(self, pid: int):
        self.pid, self.peaks_kb, self._cpu = pid, {}, {}
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def stop(self) -> dict[str, int]:
        self._done.set()
        self._thread.join()
        return self.peaks_kb

    def cpu_seconds(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for kind, seconds in self._cpu.values():
            totals[kind] = totals.get(kind, 0.0) + seconds
        return totals

    def _sample(self) -> None:
        while not self._done.wait(0.02):
            for pid, kind, rss, cpu in _tree(self.pid):
                self.peaks_kb[kind] = max(self.peaks_kb.get(kind, 0), rss)
                self._cpu[pid] = (kind, cpu)


_TICKS = os.sysconf("SC_CLK_TCK")


def _tree(root: int) -> list[tuple[int, str, int, float]]:
    parents, rows = {}, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            pid = int(stat.parent.name)
            command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            rss = int(next(line.split()[1] for line in (stat.parent / "status").read_text().splitlines()
                           if line.startswith("VmRSS:")))
        except (OSError, StopIteration, IndexError, ValueError):
            continue
        # After the command name: state, ppid, ... utime (field 14) and stime (15) in clock ticks.
        parents[pid], rows[pid] = int(fields[1]), (_kind(command), rss, (int(fields[11]) + int(fields[12])) / _TICKS)
    found, frontier = [], {root}
    while frontier:
        found += [(pid, *rows[pid]) for pid in frontier if pid in rows]
        frontier = {pid for pid, parent in parents.items() if parent in frontier}
    return found


def _kind(command: str) -> str:
    if "pulumi.policy" in command:
        return "policy pack"
    if "checkov" in command:
        # The plan scan is started through warm_start.py (or, by hand, on a .tfplan.json); the repository scan's
        # command lists every file of the checkout, warm_start.py among them, so only the program counts.
        words = command.split()
        plan = any(w.endswith("warm_start.py") for w in words[:2]) or any(w.endswith(".tfplan.json") for w in words)
        return "checkov plan" if plan else "checkov repository"
    return "drkit" if "drkit" in command else command.split(" ", 1)[0].rsplit("/", 1)[-1]


def run(command: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess, dict[str, int]]:
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    memory = PeakMemory(process.pid)
    stdout, stderr = process.communicate()
    wall = time.perf_counter() - started
    peaks = memory.stop()
    return wall, subprocess.CompletedProcess(command, process.returncode, stdout, stderr), \
        {**peaks, "cpu": memory.cpu_seconds()}


def policy_gate(project_dir: Path, stack: str) -> dict:
    wall, done, peaks = run([sys.executable, "-m", "drkit", "preview", "--stack", stack, "--policy-pack",
                             str(REPO / "policypack"), "--json"], project_dir)
    if done.returncode not in (0, 1):
        raise SystemExit(f"benchmark: gate failed for {stack}: {done.stderr.strip().splitlines()[-1]}")
    verdict = json.loads(done.stdout)
    program = next((float(line.split()[2].rstrip(",")) for line in done.stderr.splitlines()
                    if line.startswith("Program run:")), 0.0)
    return {"wall": wall, "program": program, "resources": verdict["resourcesAnalyzed"],
            "early": verdict.get("answeredWhileProgramRan", 0), **verdict["timings"], "peaks": peaks}


def program_alone(project_dir: Path, stack: str) -> float:
    wall, done, _ = run([sys.executable, "-m", "drkit", "preview", "--stack", stack], project_dir)
    if done.returncode != 0:
        raise SystemExit(f"benchmark: program failed for {stack}: {done.stderr.strip().splitlines()[-1]}")
    return wall


def full_gate(stack: str, out: Path) -> dict:
    wall, done, peaks = run([sys.executable, "-m", "drkit", "gate", "--stack", stack, "--out", str(out)], REPO)
    if done.returncode not in (0, 1):
        raise SystemExit(f"benchmark: drkit gate failed for {stack}: {done.stderr.strip().splitlines()[-1]}")
    timing = next((line for line in done.stdout.splitlines() if line.startswith("Timing:")), "Timing: (none)")
    checkov = json.loads((out / "checkov.json").read_text()).get("timings", {}) if (out / "checkov.json").exists() \
        else {}
    return {"wall": wall, "timing": timing, "checkov": checkov, "peaks": peaks}


def best(runs: list[dict]) -> dict:
    return min(runs, key=lambda r: r["wall"])


def verdict(value: float, target: float) -> str:
    return f"(target < {target:g}: {'met' if value < target else 'NOT met'})"


def peaks_text(peaks: dict) -> str:
    return ", ".join(f"{kind} {kb / 1024:.0f} MB" for kind, kb in sorted(peaks.items()) if kind != "cpu")


def cpu_text(peaks: dict, cores: int = os.cpu_count() or 1) -> str:
    """CPU-seconds per kind of process, their sum, and the shortest wall time that sum allows on this machine."""
    cpu = peaks.get("cpu", {})
    total = sum(cpu.values())
    return (", ".join(f"{kind} {seconds:.1f}" for kind, seconds in sorted(cpu.items())) +
            f"; total {total:.1f} CPU-s = at least {total / cores:.1f} s of wall on {cores} cores")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="runs per case; the best is printed")
    parser.add_argument("--scales", default="1,2,4,8", help="scaleFactor values for the growth series")
    args = parser.parse_args()

    print(f"Offline policy gate, best of {args.repeat} (wall = whole command in a fresh process)\n")
    print(f"{'stack':<8}{'resources':>10}{'wall s':>9}{'program s':>11}{'alone s':>9}{'ratio':>7}"
          f"{'analysis after s':>18}{'early':>7}")
    for stack in ("dev", "prod"):
        result = best([policy_gate(REPO, stack) for _ in range(args.repeat)])
        alone = min(program_alone(REPO, stack) for _ in range(args.repeat))
        ratio = result["wall"] / alone
        print(f"{stack:<8}{result['resources']:>10.0f}{result['wall']:>9.2f}{result['program']:>11.2f}{alone:>9.2f}"
              f"{ratio:>7.2f}{result['analysis']:>18.2f}{result['early']:>7}")
        if stack == "prod":
            print(f"  prod wall {result['wall']:.2f} s {verdict(result['wall'], POLICY_GATE_TARGET_S)}; "
                  f"{ratio:.2f}x the program alone {verdict(ratio, POLICY_GATE_RATIO_TARGET)}")
        print(f"  peak RSS: {peaks_text(result['peaks'])}\n  CPU-seconds: {cpu_text(result['peaks'])}")

    print(f"\nFull gate (pack + checkov + every report), best of {args.repeat}:")
    with tempfile.TemporaryDirectory() as tmp:
        for stack in ("dev", "prod"):
            result = best([full_gate(stack, Path(tmp) / f"{stack}{i}") for i in range(args.repeat)])
            target = f" {verdict(result['wall'], FULL_GATE_TARGET_S)}" if stack == "prod" else ""
            print(f"{stack:<6} wall {result['wall']:5.1f} s{target}\n       {result['timing']}\n"
                  f"       checkov: {result['checkov']}\n       peak RSS: {peaks_text(result['peaks'])}\n"
                  f"       CPU-seconds: {cpu_text(result['peaks'])}")

    print("\nGrowth with scaleFactor (prod config, data stores repeated), best of each:")
    print(f"{'scale':<8}{'resources':>10}{'program s':>11}{'analysis s':>12}{'checkov plan s':>16}{'ms/resource':>13}")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for scale in (int(s) for s in args.scales.split(",")):
            values = stack_values("prod")
            values["scaleFactor"] = scale
            project = write_project(Path(tmp) / f"scale{scale}", "bench", values)
            result = best([policy_gate(project, "bench") for _ in range(args.repeat)])
            plan = _plan_scan_seconds(project, Path(tmp) / f"plan{scale}")
            rows.append((result, plan))
            per = (result["program"] + result["analysis"]) / result["resources"] * 1000
            print(f"{'x' + str(scale):<8}{result['resources']:>10.0f}{result['program']:>11.2f}"
                  f"{result['analysis']:>12.2f}{plan:>16.2f}{per:>13.2f}   peak RSS: {peaks_text(result['peaks'])}")
    if len(rows) >= 2:
        (first, first_plan), (last, last_plan) = rows[0], rows[-1]
        added = max(1, last["resources"] - first["resources"])
        print(f"\nMarginal cost per added resource: program {_per(first, last, 'program', added)} ms, analysis "
              f"{_per(first, last, 'analysis', added)} ms, checkov plan {(last_plan - first_plan) / added * 1000:.2f} ms")
    return 0


def _per(first: dict, last: dict, key: str, added: int) -> str:
    return f"{(last[key] - first[key]) / added * 1000:.2f}"


def _plan_scan_seconds(project: Path, out: Path) -> float:
    """checkov's plan scan alone for the project's stack (`drkit checkov --plan`), as it reports itself; the
    generated project borrows the repository's checkov and accepts no suppressions (it has none to review)."""
    if not (project / ".checkov-venv").exists():
        (project / ".checkov-venv").symlink_to(REPO / ".checkov-venv")
    none = out.parent / "no-suppressions.yaml"
    none.write_text("suppressions: []\n")
    done = subprocess.run([sys.executable, "-m", "drkit", "checkov", "--stack", "bench", "--plan", "--json",
                           "--out", str(out), "--suppressions", str(none)], cwd=project, capture_output=True,
                          text=True)
    try:
        return float(json.loads(done.stdout)["timings"].get("planScanSeconds", 0.0))
    except (ValueError, KeyError):
        return float("nan")


if __name__ == "__main__":
    raise SystemExit(main())
