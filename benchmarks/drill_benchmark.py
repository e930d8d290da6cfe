"""Prints what customers see in a region-loss drill — client-observed RTO and acknowledged orders lost — at two
load levels and two cross-region link latencies, to show how the RPO of asynchronous replication grows with both.

Not a test: it measures and prints. Run: .venv/bin/python benchmarks/drill_benchmark.py [--stack dev]
Each cell is one `region-loss-failover` drill on real PostgreSQL servers (drkit.emulation.postgres) with the
reference storefront per region and the load placing orders through the record name all along. Target
(issue 12): the drill, load included, finishes in under 60 s on 2 cores.
"""
from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

LOADS = (50.0, 200.0)  # orders per second
LATENCIES = (0.035, 0.150)  # one way, seconds
TARGET_SECONDS = 60.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", default="dev")
    args = parser.parse_args()
    from drkit.drill.game_day import run_drill
    from drkit.drill.scenarios import SCENARIOS, DrillSettings
    from drkit.stacks import load_stack
    from tests.support.program import stack_graph

    stack, graph = load_stack(args.stack), stack_graph(args.stack)
    print(f"region-loss-failover on '{args.stack}', real PostgreSQL pair; target: each drill under {TARGET_SECONDS:g} s")
    print(f"{'orders/s':>9} {'latency':>8} {'drill':>8} {'client RTO':>11} {'acked':>6} {'lost':>5} {'window':>8}  verdict")
    for rate in LOADS:
        for latency in LATENCIES:
            settings = DrillSettings(load_rate_per_s=rate, link_latency_s=latency)
            started = time.perf_counter()
            run = run_drill(args.stack, stack.config, graph, [SCENARIOS["region-loss-failover"]], settings,
                            progress=io.StringIO())
            seconds = time.perf_counter() - started
            (result,) = run.results
            seen = result.client or {}
            rto = seen.get("rtoSeconds")
            print(f"{rate:>9g} {latency * 1000:>6g}ms {seconds:>7.1f}s {('%.2f s' % rto) if rto is not None else 'never':>11}"
                  f" {seen.get('ordersAcknowledged', 0):>6} {seen.get('lostOrders', 0):>5}"
                  f" {seen.get('lostWindowSeconds', 0):>7.3f}s  {'passed' if result.passed else 'FAILED'}"
                  f"{'' if seconds < TARGET_SECONDS else '  (over the target)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
