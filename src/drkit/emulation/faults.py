"""Faults a regional proxy injects between the automation and its region's AWS endpoints.

- unreachable: "refuse" (nothing listens: connection refused), "reset" (connections are accepted and
  reset at once) or "blackhole" (accepted, never answered, closed after `hang_seconds`);
- throttle: the next N calls of an action get the service's own throttling error, in its protocol
  (Throttling for query/XML services, ThrottlingException for JSON ones, SlowDown for S3);
- latency: every call (or every call of one action) waits before it is forwarded.

Faults never touch moto itself: AWS keeps working inside the region (replication, health checkers);
only the path from the client to the region's endpoint is broken, as in a regional network outage.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable

from drkit.emulation.wire import AwsRequest, ProxyResponse, error_response

UNREACHABLE_MODES = ("refuse", "reset", "blackhole")
MAX_LATENCY_SECONDS = 30.0
MAX_HANG_SECONDS = 60.0


@dataclass
class _Throttle:
    action: str
    service: str | None
    remaining: int


class RegionFaults:
    """Fault state of one region; thread-safe; changes are announced to the region's proxy."""

    def __init__(self, region: str):
        self.region = region
        self._lock = threading.Lock()
        self._unreachable: str | None = None
        self.hang_seconds = 10.0
        self._throttles: list[_Throttle] = []
        self._latency: dict[str | None, float] = {}
        self._listeners: list[Callable[[], None]] = []

    # -- control ---------------------------------------------------------------------------------
    def make_unreachable(self, mode: str = "refuse", hang_seconds: float = 10.0) -> None:
        if mode not in UNREACHABLE_MODES:
            raise ValueError(f"unreachable mode must be one of {', '.join(UNREACHABLE_MODES)}, not {mode!r}")
        if not 0 < hang_seconds <= MAX_HANG_SECONDS:
            raise ValueError(f"hang_seconds must be in (0, {MAX_HANG_SECONDS:g}], not {hang_seconds}")
        with self._lock:
            self._unreachable, self.hang_seconds = mode, hang_seconds
        self._announce()

    def make_reachable(self) -> None:
        with self._lock:
            self._unreachable = None
        self._announce()

    def throttle(self, action: str, times: int = 1, service: str | None = None) -> None:
        """The next `times` calls of `action` (of `service`, when given) are throttled."""
        if times < 1:
            raise ValueError(f"times must be at least 1, not {times}")
        with self._lock:
            self._throttles.append(_Throttle(action, service, times))

    def add_latency(self, seconds: float, action: str | None = None) -> None:
        if not 0 <= seconds <= MAX_LATENCY_SECONDS:
            raise ValueError(f"latency must be between 0 and {MAX_LATENCY_SECONDS:g} s, not {seconds}")
        with self._lock:
            self._latency[action] = seconds

    def clear(self) -> None:
        with self._lock:
            self._unreachable, self._throttles, self._latency = None, [], {}
        self._announce()

    # -- what the proxy asks ------------------------------------------------------------------------
    @property
    def unreachable(self) -> str | None:
        return self._unreachable

    def throttled_response(self, request: AwsRequest) -> ProxyResponse | None:
        """Consume one matching throttle and answer with the service's throttling error, or None."""
        with self._lock:
            for throttle in self._throttles:
                if throttle.action == request.action and throttle.service in (None, request.service):
                    throttle.remaining -= 1
                    if throttle.remaining == 0:
                        self._throttles.remove(throttle)
                    break
            else:
                return None
        return throttling_error(request)

    def pending_throttles(self, action: str) -> int:
        with self._lock:
            return sum(t.remaining for t in self._throttles if t.action == action)

    def latency_for(self, action: str) -> float:
        with self._lock:
            return self._latency.get(action, self._latency.get(None, 0.0))

    def on_change(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def _announce(self) -> None:
        for listener in list(self._listeners):
            listener()


def throttling_error(request: AwsRequest) -> ProxyResponse:
    message = "Rate exceeded"
    if request.service == "s3":
        return error_response(request, "SlowDown", "Please reduce your request rate.", status=503)
    if request.protocol in ("json", "rest-json") and not request.query_compatible:
        return error_response(request, "ThrottlingException", message)
    return error_response(request, "Throttling", message)
