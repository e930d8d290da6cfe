"""The faults an operator can inject into a running sandbox, each one call on the emulated environment."""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from drcore.errors import UsageError

if TYPE_CHECKING:
    from drkit.emulation import EmulatedEnvironment

THROTTLED_CALLS = 4  # the managed failover is refused this many times: the automation's retries run out
SLOW_LINK_S = 0.5  # one way: replication falls behind under load


def _primary_down(env: "EmulatedEnvironment") -> str:
    env.endpoint_down("primary")
    return "the primary's storefront stopped (its region is otherwise fine)"


def _both_down(env: "EmulatedEnvironment") -> str:
    env.endpoint_down("primary")
    env.endpoint_down("secondary")
    return "both regions' storefronts stopped: no failover can help (the automation must change nothing)"


def _primary_region_unreachable(env: "EmulatedEnvironment") -> str:
    env.region_outage("primary")
    return f"{env.region('primary')} is gone: its AWS endpoint refuses, its storefront and database were killed"


def _link_cut(env: "EmulatedEnvironment") -> str:
    env.cut_link()
    return "the cross-region link is cut: the standby stops receiving WAL"


def _throttle(env: "EmulatedEnvironment") -> str:
    env.fault("secondary").throttle("FailoverGlobalCluster", times=THROTTLED_CALLS, service="rds")
    return f"the next {THROTTLED_CALLS} FailoverGlobalCluster calls in {env.region('secondary')} are throttled"


def _latency(env: "EmulatedEnvironment") -> str:
    env.set_link_latency(SLOW_LINK_S)
    return f"the cross-region link now takes {SLOW_LINK_S * 1000:g} ms each way"


def _heal(env: "EmulatedEnvironment") -> str:
    env.heal()
    return "every fault cleared: regions, storefronts and the link are back"


FAULTS: dict[str, Callable[["EmulatedEnvironment"], str]] = {
    "primary-down": _primary_down, "both-down": _both_down,
    "primary-region-unreachable": _primary_region_unreachable, "link-cut": _link_cut, "throttle": _throttle,
    "latency": _latency, "heal": _heal,
}


def inject(env: "EmulatedEnvironment", kind: str) -> str:
    if kind not in FAULTS:
        raise UsageError(f"unknown fault {kind!r}; choose one of {', '.join(FAULTS)}")
    return FAULTS[kind](env)
