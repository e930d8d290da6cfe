"""Customers during a drill: orders placed continuously through the record name, each attempt recorded with its
time, outcome and the region that acknowledged it — the ground truth for what customers saw.

- Client-observed RTO: from the first order that failed after the disruption to the first order the target
  region acknowledged after that.
- Client-observed RPO: orders the old region acknowledged that the target does not have once traffic moved,
  and the window of lost data: from the oldest lost acknowledgement to the disruption (to the source's last
  acknowledgement when nothing was disrupted).
Orders are placed at a steady rate by a few workers, so a storefront that hangs slows no other attempt.
"""
from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from drkit.drill.traffic import request_json, stored_in

if TYPE_CHECKING:
    from drkit.emulation import EmulatedEnvironment

WORKERS = 8
ORDER_TIMEOUT_S = 2.0  # a customer's browser gives up; the drill counts that as a failed order
# How often customers' resolvers look the record up again: the record's TTL, compressed like the drill's other
# waits (Route 53's answer is evaluated from health, which costs a probe per storefront).
RESOLVE_EVERY_S = 0.25
LOOKUP_WORKERS = 16
# How long customers keep ordering after the automation is done, at most, to see the target region serve them.
RECOVERY_WATCH_S = 15.0


@dataclass(frozen=True)
class Attempt:
    at: float  # epoch seconds the order was sent
    order_id: str
    acknowledged: bool
    region: str | None  # the region that acknowledged it
    detail: str


@dataclass
class OrderLoad:
    env: "EmulatedEnvironment"
    rate_per_s: float
    label: str
    attempts: list[Attempt] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="drkit-load")
        self._ticker: threading.Thread | None = None
        self._resolver: threading.Thread | None = None
        self._serving: str | None = None
        self._sequence = 0

    def start(self) -> "OrderLoad":
        self._serving = self.env.serving_role()
        self._resolver = threading.Thread(target=self._resolve, name="drkit-load-resolver", daemon=True)
        self._ticker = threading.Thread(target=self._tick, name="drkit-load-ticker", daemon=True)
        self._resolver.start()
        self._ticker.start()
        return self

    def wait_for_recovery(self, region: str, since: float, timeout_s: float) -> bool:
        """Keep customers going until `region` acknowledged an order sent after `since` (epoch seconds), or
        `timeout_s` passed: the automation returning is not the moment customers are served again, and a load
        stopped then could never observe the recovery it exists to measure."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self._lock:
                if any(a.acknowledged and a.region == region and a.at >= since for a in self.attempts):
                    return True
            time.sleep(0.05)
        return False

    def stop(self) -> None:
        self._stop.set()
        for thread in (self._ticker, self._resolver):
            if thread is not None:
                thread.join(timeout=10)
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _resolve(self) -> None:
        while not self._stop.wait(RESOLVE_EVERY_S):
            self._serving = self.env.serving_role()

    def _tick(self) -> None:
        interval, next_at = 1.0 / self.rate_per_s, time.monotonic()
        while not self._stop.is_set():
            self._sequence += 1
            self._pool.submit(self._place, f"{self.label}-{self._sequence}-{uuid.uuid4().hex[:6]}")
            next_at += interval
            self._stop.wait(max(0.0, next_at - time.monotonic()))

    def _place(self, order_id: str) -> None:
        sent = time.time()
        role = self._serving
        if role is None:
            attempt = Attempt(sent, order_id, False, None, "the record answers no storefront")
        else:
            status, body = request_json(self.env.health[role].url + "/orders",
                                    {"orderId": order_id, "sku": "load", "quantity": 1}, timeout=ORDER_TIMEOUT_S)
            attempt = Attempt(sent, order_id, status == 201, body.get("region") if status == 201 else None,
                              f"{status}" if status else body.get("error", "no answer"))
        with self._lock:
            self.attempts.append(attempt)

    # -- what customers saw --------------------------------------------------------------------------------
    def observed(self, disrupted_at: float | None, target_region: str, target_role: str,
                 source_region: str) -> dict[str, Any]:
        with self._lock:
            attempts = sorted(self.attempts, key=lambda a: a.at)
        acknowledged = [a for a in attempts if a.acknowledged]
        after = [a for a in attempts if disrupted_at is None or a.at >= disrupted_at]
        first_failed = next((a for a in after if not a.acknowledged), None)
        recovered = next((a for a in after if a.acknowledged and a.region == target_region
                          and (first_failed is None or a.at >= first_failed.at)), None)
        rto = None
        if first_failed is not None and recovered is not None:
            rto = round(recovered.at - first_failed.at, 3)
        elif first_failed is None and recovered is not None:
            rto = 0.0  # no customer saw a failure
        in_source = [a for a in acknowledged if a.region == source_region]
        with ThreadPoolExecutor(LOOKUP_WORKERS, thread_name_prefix="drkit-load-lookup") as pool:
            present = list(pool.map(lambda a: stored_in(self.env, target_role, a.order_id), in_source))
        lost = [a for a, there in zip(in_source, present) if not there]
        end = disrupted_at if disrupted_at is not None else max((a.at for a in in_source), default=0.0)
        window = round(max(0.0, end - min(a.at for a in lost)), 3) if lost else 0.0
        return {"ratePerSecond": self.rate_per_s, "ordersAttempted": len(attempts),
                "ordersAcknowledged": len(acknowledged), "ordersFailed": len(attempts) - len(acknowledged),
                "acknowledgedBySource": len(in_source),
                "firstFailedAt": first_failed.at if first_failed else None,
                "firstRecoveredAt": recovered.at if recovered else None, "rtoSeconds": rto,
                "lostOrders": len(lost), "lostWindowSeconds": window, "lostOrderIds": [a.order_id for a in lost][:50]}
