"""Traffic steps, data plane only: flip the PrimaryFenced metric (and its alarm) in the recovery region,
which the Route 53 control health check follows; then verify from the outside. No DNS record is ever
changed, so a failed Route 53 control plane cannot stop a failover.
"""
from __future__ import annotations

import json
import socket

from botocore.exceptions import BotoCoreError, ClientError

from drcore.recovery_model import AUTOMATION_VERIFY_S, FENCE_ALARM_S, ROUTE53_FOLLOWS_ALARM_S
from drcore.regions import ROUTE53_HOME_REGION
from drfailover.clients import RegionUnreachable
from drfailover.deployment import PRIMARY, SECONDARY, Deployment
from drfailover.signals import probe, probe_body, route53_status
from drfailover.steps import Step, StepContext, StepFailed, StepRefused


class CheckEndpoint(Step):
    """Refuse to move traffic to a region whose storefront does not answer healthy."""

    kind, mutates = "CheckEndpoint", False

    def __init__(self, role: str, *, timeout_s: float = 0):
        super().__init__(f"check-endpoint-{role}")
        self.role, self.timeout_s = role, timeout_s

    def describe(self, d: Deployment) -> str:
        within = f" within {self.timeout_s:g} s" if self.timeout_s else ""
        return f"the {self.role} storefront ({d.regions[self.role].region}) must answer its health check{within}"

    def run(self, ctx: StepContext) -> str:
        readings = []

        def healthy() -> bool:
            readings.append(probe(ctx.probe_url(self.role)))
            return bool(readings[-1].healthy)

        if not ctx.wait.poll(healthy, timeout_s=self.timeout_s, interval_s=ctx.options.poll_interval_s):
            raise StepRefused(f"the {self.role} region does not serve healthy ({readings[-1].detail}); traffic stays "
                              "where it is — fix it and run again")
        return readings[-1].detail


class ShiftTraffic(Step):
    kind, budget = "ShiftTraffic", "shift traffic"

    def __init__(self, to_role: str):
        super().__init__(f"shift-traffic-to-{to_role}")
        self.to_role = to_role

    def describe(self, d: Deployment) -> str:
        c = d.control
        value = 1 if self.to_role == SECONDARY else 0
        return f"PutMetricData {c.metric_namespace}/{c.metric_name}={value} in {c.region}: alarm {c.alarm_name} " \
               f"goes {'ALARM' if value else 'OK'} and Route 53 then answers {d.regions[self.to_role].region}"

    def run(self, ctx: StepContext) -> str:
        d, c = ctx.deployment, ctx.deployment.control
        target = d.regions[self.to_role]
        # Never leave zero regions serving: only let go of the current region once the target answers.
        reading = probe(ctx.probe_url(self.to_role))
        if not reading.healthy:
            raise StepRefused(f"{target.region} does not serve healthy ({reading.detail}); moving traffic there would "
                              "leave no region serving")
        fenced = 1 if self.to_role == SECONDARY else 0
        cloudwatch = ctx.clients.get("cloudwatch", c.region)
        # Standard resolution: Route 53 follows only alarms on standard-resolution metrics.
        cloudwatch.put_metric_data(Namespace=c.metric_namespace, MetricData=[{
            "MetricName": c.metric_name, "Value": fenced, "Unit": "Count",
            "Dimensions": [{"Name": k, "Value": v} for k, v in sorted(c.metric_dimensions.items())]}])
        # No SetAlarmState: a Route 53 health check that monitors an alarm reads the alarm's metric data stream, not
        # the alarm's state ("How Amazon Route 53 determines whether a health check is healthy", Route 53 Developer
        # Guide), so setting the state would only change what people see, not when Route 53 moves. The recovery
        # model counts the alarm's full period (drcore.recovery_model FENCE_ALARM_S).
        ctx.journal.set_traffic(target.region)
        ctx.facts["active_region"] = target.region
        return f"{c.metric_name}={fenced} published; the alarm {c.alarm_name} and Route 53 follow it within a " \
               f"period: traffic to {target.region}"


class VerifyTraffic(Step):
    """Traffic has moved when Route 53's control check reports the new fence state, the record answers the
    target's load balancer (TestDNSAnswer) and the target serves healthy; a `record` probe, when given, must
    be served by the target region. Whatever Route 53 cannot answer is left out, but something must confirm."""

    kind, mutates, budget = "VerifyTraffic", False, "verify"

    def __init__(self, to_role: str):
        super().__init__(f"verify-traffic-{to_role}")
        self.to_role = to_role

    def describe(self, d: Deployment) -> str:
        state = "healthy" if self.to_role == PRIMARY else "unhealthy"
        return f"control check {d.control.control_health_check_id} {state}, {d.record_name} answers " \
               f"{d.regions[self.to_role].region} (TestDNSAnswer), which serves healthy"

    def run(self, ctx: StepContext) -> str:
        d = ctx.deployment
        # Route 53 follows the fence alarm within the shift's budget; verification has its own on top.
        timeout = FENCE_ALARM_S[0] + ROUTE53_FOLLOWS_ALARM_S[0] + AUTOMATION_VERIFY_S[0]
        last: list[str] = []

        def verified() -> str | None:
            ok, notes = self._check(ctx)
            last[:] = notes
            return "; ".join(notes) if ok else None

        detail = ctx.wait.poll(verified, timeout_s=timeout, interval_s=ctx.options.poll_interval_s)
        if not detail:
            raise StepFailed(f"traffic not verified in {d.regions[self.to_role].region} within {timeout} s: "
                             f"{'; '.join(last)}")
        return detail

    def _check(self, ctx: StepContext) -> tuple[bool, list[str]]:
        d = ctx.deployment
        target = d.regions[self.to_role]
        want_healthy = self.to_role == PRIMARY  # the control check is healthy while the primary is not fenced
        control = route53_status(ctx.clients, d.control.control_health_check_id)
        control_ok = None if control.healthy is None else control.healthy == want_healthy
        dns_ok, dns_note = _dns_answer_is(ctx, self.to_role)
        endpoint = probe(ctx.probe_url(self.to_role))
        notes = [f"control check {_word(control.healthy)}", dns_note, endpoint.detail]
        record_ok = None
        if "record" in ctx.options.probes:
            record_ok, note = _record_served_by(ctx.options.probes["record"], target.region)
            notes.append(note)
        known = [ok for ok in (control_ok, dns_ok, record_ok) if ok is not None]
        if not known:
            notes.append("neither Route 53 nor a record probe could be asked: cannot verify")
        return bool(known) and all(known) and bool(endpoint.healthy), notes


def _dns_answer_is(ctx: StepContext, role: str) -> tuple[bool | None, str]:
    """Does Route 53 answer the record with the target region's load balancer? None when it cannot tell."""
    d = ctx.deployment
    try:
        answer = ctx.clients.get("route53", ROUTE53_HOME_REGION).test_dns_answer(
            HostedZoneId=d.zone_id, RecordName=d.record_name, RecordType="A")
    except (ClientError, BotoCoreError, RegionUnreachable) as exc:
        return None, f"TestDNSAnswer unavailable ({type(exc).__name__})"
    values = {v.rstrip(".").lower() for v in answer.get("RecordData", [])}
    names = {r: d.regions[r].alb_dns_name.rstrip(".").lower() for r in d.regions}
    for other, name in names.items():
        if any(v == name or v.endswith("." + name) for v in values):
            return other == role, f"{d.record_name} answers {d.regions[other].region}"
    try:  # real Route 53 answers an alias with the load balancer's addresses
        target_addresses = {info[4][0] for info in socket.getaddrinfo(names[role], 443)}
    except OSError:
        return None, f"{d.record_name} answers {sorted(values)} (cannot tell which region)"
    return bool(values & target_addresses), f"{d.record_name} answers {sorted(values)}"


def _record_served_by(url: str, region: str) -> tuple[bool, str]:
    healthy, body = probe_body(url)
    if not healthy:
        return False, f"record {url} not healthy"
    try:
        served = json.loads(body).get("region")
    except (json.JSONDecodeError, AttributeError):
        served = None
    if served is None:
        return True, f"record {url} healthy (region not reported)"
    return served == region, f"record {url} served by {served}"


def _word(healthy: bool | None) -> str:
    return {True: "healthy", False: "unhealthy", None: "unknown"}[healthy]
