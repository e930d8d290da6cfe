"""Prints how long the test suite takes, in total and per folder, run as scripts/test.sh runs it (two workers).

Not a test: it measures and prints. Run: .venv/bin/python benchmarks/suite_benchmark.py [extra pytest arguments]
Wall time is the suite's own; per folder it adds up each test's setup, call and teardown from pytest's JUnit XML
(so folders sum to more than the wall time: two workers run side by side). Target: the whole suite under 180 s
on 2 cores (CI allows 90 minutes; developers run it before every push).
"""
from __future__ import annotations

import collections
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from xml.etree import ElementTree

REPO = Path(__file__).resolve().parents[1]
TARGET_S = 180.0


def folder_of(classname: str) -> str:
    """tests.integration.policy.test_mutations -> tests/integration/policy; tests.unit.test_x -> tests/unit."""
    parts = classname.split(".")
    folders = [p for p in parts[:-1] if not p.startswith("test_")]
    return "/".join(folders[:3])


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        junit = Path(tmp) / "suite.xml"
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "pytest", "-n", "2", "-q", "-p", "no:cacheprovider",
                               f"--junitxml={junit}", *argv], cwd=REPO)
        wall = time.perf_counter() - started
        per_folder: dict[str, float] = collections.Counter()
        counts: dict[str, int] = collections.Counter()
        for case in ElementTree.parse(junit).getroot().iter("testcase"):
            folder = folder_of(case.get("classname", ""))
            per_folder[folder] += float(case.get("time", 0))
            counts[folder] += 1
    print(f"\nsuite: {sum(counts.values())} tests, {wall:.1f} s wall on 2 workers (target < {TARGET_S:.0f} s: "
          f"{'met' if wall < TARGET_S else 'NOT met'}); pytest exit {done.returncode}")
    print(f"{'folder':40} {'tests':>6} {'test time (s)':>14}")
    for folder, seconds in sorted(per_folder.items(), key=lambda item: -item[1]):
        print(f"{folder:40} {counts[folder]:>6} {seconds:>14.1f}")
    return done.returncode


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
