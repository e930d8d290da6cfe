"""Recovery objectives: the disruptions the platform plans for, its data tiers, and the one reader of recovery
targets (`recoveryTargets` in stack config, or the rto-rpo-achievable policy's `targets` setting).

Stack config reads them complete (every disruption, every tier) and stops at the first problem; the policy pack
reads what it is given (a missing disruption or tier is unbounded) and reports every problem. Both use
`read_recovery_targets`, so a value one accepts the other cannot refuse.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

DISRUPTIONS = ("azLoss", "regionLoss", "dataCorruption")
DATA_TIERS = ("transactional", "sessions", "objects")  # Aurora, DynamoDB, S3
RTO_MINUTES_RANGE = (1.0, 10080.0)  # up to a week
RPO_SECONDS_RANGE = (0.0, 604800.0)  # up to a week
SHAPE_HINT = "an object of disruption -> {rtoMinutes, rpoSeconds: {transactional, sessions, objects}}"


@dataclass(frozen=True)
class RecoveryTarget:
    rto_minutes: float
    rpo_seconds: Mapping[str, float]  # data tier -> seconds


@dataclass(frozen=True)
class TargetProblem:
    key: str  # dotted key under `where`, e.g. recoveryTargets.regionLoss.rtoMinutes
    problem: str
    fix: str

    def __str__(self) -> str:
        return f"{self.key} {self.problem}; {self.fix}"


UNBOUNDED = RecoveryTarget(math.inf, {tier: math.inf for tier in DATA_TIERS})


def read_recovery_targets(raw: Any, where: str = "recoveryTargets", *,
                          complete: bool = True) -> tuple[dict[str, RecoveryTarget], list[TargetProblem]]:
    """Targets per disruption and every problem found. With `complete`, every disruption and tier must be
    given; without, a missing one is unbounded (never reported as missed). A bad value is unbounded too."""
    problems: list[TargetProblem] = []
    targets = {disruption: UNBOUNDED for disruption in DISRUPTIONS}
    if not _mapping(raw, where, problems):
        return targets, problems
    _known(raw, DISRUPTIONS, where, problems)
    for disruption in DISRUPTIONS:
        key = f"{where}.{disruption}"
        if disruption not in raw:
            if complete:
                problems.append(TargetProblem(key, "is missing", "set it in Pulumi.<stack>.yaml"))
            continue
        entry = raw[disruption]
        if not _mapping(entry, key, problems):
            continue
        _known(entry, ("rtoMinutes", "rpoSeconds"), key, problems)
        rto = _number(entry, "rtoMinutes", key, RTO_MINUTES_RANGE, complete, problems)
        rpo = {tier: math.inf for tier in DATA_TIERS}
        rpo_key = f"{key}.rpoSeconds"
        if "rpoSeconds" not in entry and complete:
            problems.append(TargetProblem(rpo_key, "is missing", "set it in Pulumi.<stack>.yaml"))
        elif "rpoSeconds" in entry and _mapping(entry["rpoSeconds"], rpo_key, problems):
            _known(entry["rpoSeconds"], DATA_TIERS, rpo_key, problems)
            rpo = {tier: _number(entry["rpoSeconds"], tier, rpo_key, RPO_SECONDS_RANGE, complete, problems)
                   for tier in DATA_TIERS}
        targets[disruption] = RecoveryTarget(rto, rpo)
    return targets, problems


def _mapping(value: Any, key: str, problems: list[TargetProblem]) -> bool:
    if isinstance(value, Mapping):
        return True
    problems.append(TargetProblem(key, f"must be a mapping, got {type(value).__name__}",
                                  "write it as a YAML mapping of sub-keys"))
    return False


def _known(value: Mapping[str, Any], known: tuple[str, ...], key: str, problems: list[TargetProblem]) -> None:
    for sub in value:
        if sub not in known:
            problems.append(TargetProblem(f"{key}.{sub}", "is not a known setting", f"use one of: {', '.join(known)}"))


def _number(value: Mapping[str, Any], sub: str, key: str, bounds: tuple[float, float], complete: bool,
            problems: list[TargetProblem]) -> float:
    key = f"{key}.{sub}"
    if sub not in value:
        if complete:
            problems.append(TargetProblem(key, "is missing", "set it in Pulumi.<stack>.yaml"))
        return math.inf
    raw = value[sub]
    number = _as_number(raw)
    if number is None:
        shown = raw if isinstance(raw, bool) else f"'{raw}'"
        problems.append(TargetProblem(key, f"is {shown}, not a number", "set a number"))
        return math.inf
    low, high = bounds
    if not low <= number <= high:
        problems.append(TargetProblem(key, f"is {number:g}, outside {low:g}..{high:g}",
                                      f"choose a value from {low:g} to {high:g}"))
        return math.inf
    return number


def _as_number(value: Any) -> float | None:
    # Pulumi config values arrive as text from the CLI (`pulumi config set x 3`), so numeric text counts.
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None
