"""Is the primary region really down? Independent signals, observed repeatedly, before anything moves.

Each observation reads three signals: an HTTP probe of the primary's health endpoint (from here),
Route 53's health checkers (from several regions), and the primary's endpoint alarm in CloudWatch
(when its region answers; in ALARM it corroborates, but OK proves nothing since it lags the checkers).
An observation is *down* when a quorum of independent signals (stack config automation.outageQuorum, at
least 2) says unhealthy and none says healthy. A signal that cannot be read is unknown, never down: with
Route 53's status and the alarm unreadable, one failing probe from here is our network or our view, not an
outage. A probe failing from here while Route 53 sees the endpoint healthy is not an outage either. The outage is
confirmed after N consecutive down observations; any other observation resets the count, so a flapping endpoint
never triggers a failover.
"""
from __future__ import annotations

import ssl
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable

from botocore.exceptions import BotoCoreError, ClientError

from drcore.regions import ROUTE53_HOME_REGION
from drcore.stack_config.model import MIN_OUTAGE_QUORUM
from drfailover.clients import AwsClients, RegionUnreachable
from drfailover.deployment import PRIMARY, Deployment

PROBE_TIMEOUT_S = 2.0
# Route 53 considers an endpoint healthy when more than 18% of its checkers do.
ROUTE53_HEALTHY_FRACTION = 0.18
# Route 53 does not verify certificates either: an ALB's own DNS name is not on the storefront's certificate.
_UNVERIFIED_TLS = ssl._create_unverified_context()  # noqa: S323 - health probes, no data exchanged


@dataclass(frozen=True)
class Reading:
    source: str  # "probe", "route53" or "alarm"
    healthy: bool | None  # None: the signal could not be read
    detail: str


@dataclass(frozen=True)
class Observation:
    readings: tuple[Reading, ...]
    quorum: int = MIN_OUTAGE_QUORUM  # independent signals that must say unhealthy

    @property
    def failing_sources(self) -> set[str]:
        return {r.source for r in self.readings if r.healthy is False}

    @property
    def down(self) -> bool:
        return len(self.failing_sources) >= self.quorum and not self.up

    @property
    def up(self) -> bool:
        return any(r.healthy for r in self.readings)

    def summary(self) -> str:
        return ", ".join(f"{r.source} {_word(r.healthy)}" for r in self.readings) + \
            f" ({len(self.failing_sources)} of {self.quorum} needed failing)"


@dataclass(frozen=True)
class OutageVerdict:
    confirmed: bool
    observations: tuple[Observation, ...]
    reason: str


def probe(url: str, timeout: float = PROBE_TIMEOUT_S) -> Reading:
    """GET the health endpoint: healthy on 2xx, unhealthy on anything else, including no answer."""
    try:
        with urllib.request.urlopen(url, timeout=timeout, context=_UNVERIFIED_TLS) as response:  # noqa: S310
            return Reading("probe", 200 <= response.status < 300, f"{url} answered {response.status}")
    except urllib.error.HTTPError as exc:
        return Reading("probe", False, f"{url} answered {exc.code}")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return Reading("probe", False, f"{url} did not answer ({reason})")


def probe_body(url: str, timeout: float = PROBE_TIMEOUT_S) -> tuple[bool, str]:
    """(healthy, body text) — for checks that also look at what answered."""
    try:
        with urllib.request.urlopen(url, timeout=timeout, context=_UNVERIFIED_TLS) as response:  # noqa: S310
            return 200 <= response.status < 300, response.read(4096).decode("utf-8", "replace")
    except (urllib.error.URLError, OSError, ValueError):
        return False, ""


def route53_status(clients: AwsClients, health_check_id: str) -> Reading:
    try:
        answer = clients.get("route53", ROUTE53_HOME_REGION).get_health_check_status(HealthCheckId=health_check_id)
    except (ClientError, BotoCoreError, RegionUnreachable) as exc:
        return Reading("route53", None, f"health check {health_check_id} status unavailable ({_short(exc)})")
    observations = answer.get("HealthCheckObservations", [])
    if not observations:
        return Reading("route53", None, f"health check {health_check_id}: no checker reports yet")
    healthy = sum(1 for o in observations if o.get("StatusReport", {}).get("Status", "").startswith("Success"))
    fraction = healthy / len(observations)
    return Reading("route53", fraction > ROUTE53_HEALTHY_FRACTION,
                   f"health check {health_check_id}: {healthy}/{len(observations)} checkers report healthy")


def alarm_state(clients: AwsClients, region: str, alarm_name: str, *, optional: bool) -> Reading:
    try:
        alarms = clients.get("cloudwatch", region, optional=optional).describe_alarms(
            AlarmNames=[alarm_name]).get("MetricAlarms", [])
    except (ClientError, BotoCoreError, RegionUnreachable) as exc:
        return Reading("alarm", None, f"alarm {alarm_name} in {region} unreadable ({_short(exc)})")
    if not alarms:
        return Reading("alarm", None, f"alarm {alarm_name} not found in {region}")
    state = alarms[0].get("StateValue")
    if state == "ALARM":
        return Reading("alarm", False, f"alarm {alarm_name} is ALARM")
    # The alarm follows the checkers' metric a period later: OK only means "not yet", never "healthy".
    return Reading("alarm", None, f"alarm {alarm_name} is {state} (lags the checkers by a period)")


class OutageDetector:
    def __init__(self, deployment: Deployment, clients: AwsClients, primary_probe_url: str, *,
                 required_failures: int, interval_s: float, wait: Callable[[float], None] = time.sleep,
                 quorum: int = MIN_OUTAGE_QUORUM):
        self.deployment, self.clients, self.url = deployment, clients, primary_probe_url
        self.required_failures = max(1, required_failures)
        self.quorum = max(MIN_OUTAGE_QUORUM, quorum)
        # Room for one flap and a full run of failures; beyond that the primary is unstable, not down.
        self.max_observations = 3 * self.required_failures
        self.interval_s, self.wait = interval_s, wait
        self._alarm: Reading | None = None

    def observe(self) -> Observation:
        """One look at every signal at once: the probe's timeout must not delay Route 53's answer."""
        d = self.deployment
        reads: list[Callable[[], Reading]] = [lambda: probe(self.url),
                                              lambda: route53_status(self.clients, d.primary.health_check_id)]
        alarm = d.health_check_alarm_names.get(PRIMARY)
        alarm_region = d.health_check_alarm_region
        # The alarm moves once a period: one read per confirmation is all it can tell, and that reading stands
        # for the later observations of the same confirmation.
        read_alarm = bool(alarm) and self._alarm is None and not self.clients.unreachable(alarm_region)
        if read_alarm:
            reads.append(lambda: alarm_state(self.clients, alarm_region, alarm, optional=alarm_region == d.primary_region))
        with ThreadPoolExecutor(max_workers=len(reads), thread_name_prefix="drkit-signal") as pool:
            readings = list(pool.map(lambda read: read(), reads))
        if read_alarm:
            self._alarm = readings[-1]
        elif self._alarm is not None:
            readings.append(self._alarm)
        return Observation(tuple(readings), self.quorum)

    def confirm(self) -> OutageVerdict:
        observations: list[Observation] = []
        consecutive = 0
        for index in range(self.max_observations):
            if index:
                self.wait(self.interval_s)
            observation = self.observe()
            observations.append(observation)
            if observation.down:
                consecutive += 1
                if consecutive >= self.required_failures:
                    return OutageVerdict(True, tuple(observations), f"{consecutive} consecutive failing observations "
                                         f"({observation.summary()})")
                continue
            consecutive = 0
            if index == 0 and observation.up:
                return OutageVerdict(False, tuple(observations), f"the primary is serving ({observation.summary()})")
        return OutageVerdict(False, tuple(observations), f"no {self.required_failures} consecutive failing observations "
                             f"in {len(observations)} (flapping or unknown: {observations[-1].summary()})")


def _word(healthy: bool | None) -> str:
    return {True: "healthy", False: "unhealthy", None: "unknown"}[healthy]


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) <= 160 else text[:160] + "..."
