"""What a drill found: one ScenarioResult per scenario (its timeline, checks, orders and what customers saw) and
the DrillRun around them; drkit.drill.record writes them as JSON evidence."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from drfailover.deployment import Deployment
from drkit.drill.scenarios import DrillSettings, Scenario
from drkit.drill.timeline import Timeline
from drkit.drill.traffic import PlacedOrder
from drkit.readiness.check import ReadinessReport


@dataclass
class ScenarioResult:
    scenario: Scenario
    timeline: Timeline
    deployment: Deployment
    rto_target_s: float | None
    rpo_target_s: float | None
    reasons: list[str] = field(default_factory=list)  # why it failed; empty when it passed
    checks: list[dict[str, Any]] = field(default_factory=list)  # each requirement: name, passed, detail
    disrupted_at: float | None = None
    recovered_at: float | None = None
    finished_at: float = 0.0
    orders: list[PlacedOrder] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    counted: bool = False  # whether the orders were looked for on the target (not when the automation failed)
    readiness: ReadinessReport | None = None
    automation: dict[str, Any] | None = None
    emulation_calls: int = 0
    client: dict[str, Any] | None = None  # what the customers' load saw (drkit.drill.load)

    @property
    def passed(self) -> bool:
        return not self.reasons and bool(self.checks) and all(c["passed"] for c in self.checks)

    @property
    def achieved_rto_s(self) -> float:
        """Disruption to verified traffic and writes on the target; without recovery, until the drill gave up."""
        start = self.disrupted_at or self.timeline.origin
        return round(max(0.0, (self.recovered_at or self.finished_at) - start), 3)

    @property
    def achieved_rpo_s(self) -> float:
        """The window of lost writes: from the oldest order missing on the target to the disruption."""
        lost = [o.placed_at for o in self.orders if o.order_id in self.missing]
        return round(max(0.0, (self.disrupted_at or time.time()) - min(lost)), 3) if lost else 0.0

    def require(self, name: str, passed: bool, detail: str) -> None:
        self.checks.append({"name": name, "passed": bool(passed), "detail": detail})


@dataclass
class DrillRun:
    stack: str
    settings: DrillSettings
    started_at: float
    results: list[ScenarioResult] = field(default_factory=list)
    environment_seconds: list[float] = field(default_factory=list)  # start-up time of each environment
    finished_at: float = 0.0

    @property
    def passed(self) -> bool:
        return bool(self.results) and all(r.passed for r in self.results)

    @property
    def started_at_stamp(self) -> str:
        """UTC start time for file names, sortable."""
        return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(self.started_at))
