"""Traffic steps, data plane only: flip the PrimaryFenced metric (and its alarm) in the recovery region,
which the Route 53 control health check follows; then verify from the outside, through DNS. No DNS record is ever
changed and no Route 53 API call is needed, so a failed Route 53 control plane cannot stop a failover.
"""
from __future__ import annotations

import json

from drcore.recovery_model import AUTOMATION_VERIFY_S, FENCE_ALARM_S, ROUTE53_FOLLOWS_ALARM_S
from drfailover.deployment import SECONDARY, Deployment
from drfailover.dns_answer import DataPlaneDns, region_of_answer
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
    """Traffic has moved when the zone's authoritative name servers answer the record with the target's load
    balancer (the DNS data plane: drfailover.dns_answer) and the target serves healthy; a `record` probe, when
    given, must be served by the target region, and confirms alone when DNS cannot be asked. Route 53's control
    plane (GetHealthCheckStatus of the control check) is an extra signal in the notes, never needed: it is served
    from us-east-1, prod's primary region."""

    kind, mutates, budget = "VerifyTraffic", False, "verify"

    def __init__(self, to_role: str):
        super().__init__(f"verify-traffic-{to_role}")
        self.to_role = to_role

    def describe(self, d: Deployment) -> str:
        return f"{d.record_name} answers the {d.regions[self.to_role].region} load balancer at the zone's " \
               f"authoritative name servers, which serves healthy"

    def run(self, ctx: StepContext) -> str:
        d = ctx.deployment
        # Route 53 follows the fence alarm within the shift's budget; verification has its own on top.
        timeout = ctx.options.verify_timeout_s or FENCE_ALARM_S[0] + ROUTE53_FOLLOWS_ALARM_S[0] + AUTOMATION_VERIFY_S[0]
        data_plane = ctx.data_plane_dns()
        control_plane = {"answers": True}
        last: list[str] = []

        def verified() -> str | None:
            ok, notes = self._check(ctx, data_plane, control_plane)
            last[:] = notes
            return "; ".join(notes) if ok else None

        detail = ctx.wait.poll(verified, timeout_s=timeout, interval_s=ctx.options.poll_interval_s)
        if not detail:
            raise StepFailed(f"traffic not verified in {d.regions[self.to_role].region} within {timeout} s: "
                             f"{'; '.join(last)}")
        return detail

    def _check(self, ctx: StepContext, data_plane: DataPlaneDns,
               control_plane: dict[str, bool]) -> tuple[bool, list[str]]:
        d = ctx.deployment
        target = d.regions[self.to_role]
        dns_ok, dns_note = _data_plane_answer_is(d, data_plane, self.to_role)
        endpoint = probe(ctx.probe_url(self.to_role))
        notes = [dns_note, endpoint.detail]
        record_ok = None
        if "record" in ctx.options.probes:
            record_ok, note = _record_served_by(ctx.options.probes["record"], target.region)
            notes.append(note)
        if control_plane["answers"]:  # once it failed to answer in this step, not asked again (each try costs ~10 s)
            control = route53_status(ctx.clients, d.control.control_health_check_id)
            control_plane["answers"] = control.healthy is not None
            notes.append(f"extra, from Route 53's control plane: control check {_word(control.healthy)}")
        known = [ok for ok in (dns_ok, record_ok) if ok is not None]
        if not known:
            notes.append("neither the zone's name servers nor a record probe could be asked: cannot verify")
        return bool(known) and all(known) and bool(endpoint.healthy), notes


def _data_plane_answer_is(d: Deployment, data_plane: DataPlaneDns, role: str) -> tuple[bool | None, str]:
    """Do the zone's own name servers answer the record with `role`'s load balancer? None when DNS cannot tell."""
    answer, note = data_plane.record_answer(d.record_name)
    if answer is None:
        return None, note
    if answer.conflict:
        return False, note
    served = region_of_answer(answer, {r: d.regions[r].alb_dns_name for r in d.regions}, data_plane)
    if served is None:
        return None, f"{d.record_name}: {note}, which is neither region's load balancer now"
    return served == role, f"{d.record_name} answers {d.regions[served].region} ({note})"


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
