"""Prints how long the test suite takes, in total and per folder, run by scripts/test.sh itself (its workers).

Not a test: it measures and prints. Run: .venv/bin/python benchmarks/suite_benchmark.py [extra pytest arguments]
Wall time is pytest's own figure for the suite (set-up excluded) and the whole command's; per folder it adds up
each test's setup, call and teardown from pytest's JUnit XML (so folders sum to more than the wall time: the
workers run side by side). Target: the suite under 300 s on 2 cores (the developers' guide: "well under 5
minutes"; CI allows 90 minutes; developers run it before every push).
"""
from __future__ import annotations

import collections
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from xml.etree import ElementTree

REPO = Path(__file__).resolve().parents[1]
TARGET_S = 300.0


def folder_of(classname: str) -> str:
    """tests.integration.policy.test_mutations -> tests/integration/policy; tests.unit.test_x -> tests/unit."""
    parts = classname.split(".")
    folders = [p for p in parts[:-1] if not p.startswith("test_")]
    return "/".join(folders[:3])


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        junit = Path(tmp) / "suite.xml"
        started = time.perf_counter()
        # The last --junitxml wins over test.sh's own, so build/test-results.xml (test evidence) is left alone.
        done = subprocess.run(["bash", "scripts/test.sh", "-p", "no:cacheprovider", f"--junitxml={junit}", *argv],
                              cwd=REPO, capture_output=True, text=True)
        command = time.perf_counter() - started
        print(done.stdout[-2000:], done.stderr[-2000:], sep="\n")
        said = re.search(r" in ([0-9.]+)s", done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "")
        wall = float(said.group(1)) if said else command
        per_folder: dict[str, float] = collections.Counter()
        counts: dict[str, int] = collections.Counter()
        for case in ElementTree.parse(junit).getroot().iter("testcase"):
            folder = folder_of(case.get("classname", ""))
            per_folder[folder] += float(case.get("time", 0))
            counts[folder] += 1
    print(f"\nsuite: {sum(counts.values())} tests, {wall:.1f} s wall (target < {TARGET_S:.0f} s: "
          f"{'met' if wall < TARGET_S else 'NOT met'}); whole command with set-up {command:.1f} s; "
          f"exit {done.returncode}")
    print(f"{'folder':40} {'tests':>6} {'test time (s)':>14}")
    for folder, seconds in sorted(per_folder.items(), key=lambda item: -item[1]):
        print(f"{folder:40} {counts[folder]:>6} {seconds:>14.1f}")
    return done.returncode


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
