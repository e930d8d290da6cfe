"""Can the target region serve? Read before anything destructive or irreversible happens.

A failover that fences the primary, scales it in or promotes the database with data loss and only then finds the
secondary unhealthy has turned a partial outage into a total one. So every plan checks its target first, reading
only the target region (and Route 53 as an extra view when its control plane answers):
- the storefront's health endpoint answers healthy from here (the automation's vantage point), and Route 53's
  checkers do not see it unhealthy (their view is a second vantage point; unreadable while us-east-1's control
  plane is out, it is then reported, not assumed);
- the storefront service named in the outputs exists, is ACTIVE and runs at least its floor of tasks;
- the database cluster named in the outputs exists, is available and is a member (or already the writer) of the
  global database; its replication lag is reported when CloudWatch has it;
- the fence alarm the traffic switch sets exists in the control region.
This also catches stale outputs (a renamed service, a replaced cluster) before the first change. When the target
cannot serve, the run changes nothing, pages the on-call topic with the reasons, and stops.
"""
from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from drfailover.clients import RegionUnreachable
from drfailover.control_table import PAGE_REPEAT_S, ControlTable
from drfailover.deployment import Deployment
from drfailover.signals import probe, route53_status
from drfailover.steps import Step, StepContext, StepRefused


class CheckTargetCanServe(Step):
    kind, mutates = "CheckTargetCanServe", False

    def __init__(self, role: str):
        super().__init__(f"check-target-can-serve-{role}")
        self.role = role

    def describe(self, d: Deployment) -> str:
        t = d.regions[self.role]
        return (f"before any change: {t.region} answers healthy (probe + Route 53), {t.service_name} runs >= "
                f"{t.min_count} tasks, {t.database_cluster_identifier} is available in "
                f"{d.global_cluster_identifier}, fence alarm {d.control.alarm_name} exists")

    def run(self, ctx: StepContext) -> str:
        findings, problems, failed = [], [], []
        for check in (self._endpoint, self._capacity, self._database, self._fence):
            try:
                ok, text = check(ctx)
            except (ClientError, BotoCoreError, RegionUnreachable) as exc:
                ok, text = False, f"{check.__name__.strip('_')}: cannot be read ({_short(exc)})"
            (findings if ok else problems).append(text)
            if not ok:
                failed.append(check.__name__.strip("_"))
        if problems:
            region = ctx.deployment.regions[self.role].region
            message = f"{region} cannot take over, so nothing was changed: {'; '.join(problems)}"
            message += _page(ctx, message, f"{ctx.operation}:{region}:{'+'.join(failed)}")
            raise StepRefused(message)
        return "; ".join(findings)

    def _endpoint(self, ctx: StepContext) -> tuple[bool, str]:
        here = probe(ctx.probe_url(self.role))
        checkers = route53_status(ctx.clients, ctx.deployment.regions[self.role].health_check_id)
        if not here.healthy:
            return False, f"endpoint unhealthy from the automation ({here.detail})"
        if checkers.healthy is False:
            return False, f"endpoint unhealthy to Route 53's checkers ({checkers.detail})"
        views = "probe and Route 53" if checkers.healthy else f"probe only; Route 53 unknown: {checkers.detail}"
        return True, f"endpoint healthy ({views})"

    def _capacity(self, ctx: StepContext) -> tuple[bool, str]:
        t = ctx.deployment.regions[self.role]
        services = ctx.clients.get("ecs", t.region).describe_services(
            cluster=t.cluster_name, services=[t.service_name]).get("services", [])
        if not services:
            return False, f"service {t.service_name} is not in cluster {t.cluster_name} ({t.region}): the outputs " \
                          "are stale; export them again"
        service = services[0]
        running, floor = int(service.get("runningCount", 0)), max(1, t.min_count)
        if service.get("status") != "ACTIVE" or running < floor:
            return False, f"{t.service_name} is {service.get('status')} with {running} tasks running, floor {floor}"
        return True, f"{t.service_name} runs {running} tasks (floor {floor})"

    def _database(self, ctx: StepContext) -> tuple[bool, str]:
        from drfailover.rpo_exposure import aurora_lag_seconds
        from drfailover.steps_database import global_members

        d, t = ctx.deployment, ctx.deployment.regions[self.role]
        clusters = ctx.clients.get("rds", t.region).describe_db_clusters(
            DBClusterIdentifier=t.database_cluster_identifier).get("DBClusters", [])
        if not clusters:
            return False, f"cluster {t.database_cluster_identifier} not found in {t.region}"
        status = clusters[0].get("Status")
        if status != "available":
            return False, f"{t.database_cluster_identifier} is {status}, not available"
        members = global_members(ctx)
        if t.database_cluster_arn not in members:
            if clusters[0].get("GlobalClusterIdentifier"):
                return False, f"{t.database_cluster_identifier} is not a member of {d.global_cluster_identifier}"
            return True, f"{t.database_cluster_identifier} is a standalone writer (detached earlier)"
        if members[t.database_cluster_arn]:
            return True, f"{t.database_cluster_identifier} is already the writer"
        lag = aurora_lag_seconds(ctx.clients.get("cloudwatch", t.region), t.database_cluster_identifier)
        known = f"lag {lag:.2f} s" if lag is not None else "lag unknown (no datapoints in the last 5 minutes)"
        return True, f"{t.database_cluster_identifier} available, replicating ({known})"

    def _fence(self, ctx: StepContext) -> tuple[bool, str]:
        c = ctx.deployment.control
        alarms = ctx.clients.get("cloudwatch", c.region).describe_alarms(AlarmNames=[c.alarm_name]).get("MetricAlarms", [])
        if not alarms:
            return False, f"fence alarm {c.alarm_name} not found in {c.region}: the outputs are stale"
        return True, f"fence alarm {c.alarm_name} is {alarms[0].get('StateValue')}"


def _page(ctx: StepContext, message: str, reason: str) -> str:
    """Page the on-call, once per reason and then every PAGE_REPEAT_S (the function refuses every minute while it
    lasts); a note for the message. Best effort: the refusal itself is the safe outcome, a failed page must not
    turn it into a failure; when the control table cannot say whether it paged already, it pages."""
    d = ctx.deployment
    try:
        table = ControlTable(ctx.clients.get("dynamodb", d.control.region), d.control.table_name)
        if not table.claim_page(reason):
            return f"; the on-call was paged for this already (again every {PAGE_REPEAT_S // 60} minutes while it lasts)"
    except (ClientError, BotoCoreError, RegionUnreachable):
        pass
    try:
        ctx.clients.get("sns", d.secondary_region).publish(
            TopicArn=d.secondary.alert_topic_arn,
            Subject=f"[{d.environment}] drkit {ctx.operation} refused: target cannot serve"[:100],
            Message=f"drkit {ctx.operation} stopped before any change.\n{message}\n"
                    "Nothing was fenced, scaled or promoted. Fix the target region, then run the operation again.")
        return "; paged the on-call"
    except (ClientError, BotoCoreError, RegionUnreachable):
        return "; the page could not be sent"


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) <= 160 else text[:160] + "..."
