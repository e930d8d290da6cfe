"""Readiness of what a failover relies on besides data and compute: secrets and keys present and usable in
the secondary, alarms armed, and the traffic control itself (control table, fence alarm, Route 53 control
checks, the secondary's endpoint)."""
from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from drcore.regions import ROUTE53_HOME_REGION
from drfailover.control_table import ControlTable
from drfailover.deployment import SECONDARY
from drfailover.signals import probe, route53_status
from drkit.readiness.check import (NOT_READY, OPTIONAL_FAILURES, READY, UNKNOWN, Check, ReadinessContext,
                                   describe_error, named_check, source)
from drkit.readiness.compute import containers


@named_check("secrets")
def secrets(ctx: ReadinessContext) -> list[Check]:
    d = ctx.deployment
    arns = {_secret_arn(ctx.extras[SECONDARY].database_secret_arn)}
    try:
        arns |= {_secret_arn(s["valueFrom"]) for c in containers(ctx, SECONDARY) for s in c.get("secrets", [])}
    except LookupError:
        pass  # no service: secondary-capacity says so; the exported secret is still checked
    client = ctx.clients.get("secretsmanager", d.secondary_region)
    problems, names = [], []
    for arn in sorted(arns):
        name = arn.split(":")[6].rsplit("-", 1)[0] if arn.count(":") >= 6 else arn
        if arn.startswith("arn:") and arn.split(":")[3] != d.secondary_region:
            problems.append(f"{name} is read from {arn.split(':')[3]}, not the secondary's replica")
            continue
        try:
            secret = client.describe_secret(SecretId=arn)
        except ClientError as exc:
            problems.append(f"{name}: {describe_error(exc)}")
            continue
        stages = [stage for version in secret.get("VersionIdsToStages", {}).values() for stage in version]
        if secret.get("DeletedDate"):
            problems.append(f"{name} is scheduled for deletion")
        elif "AWSCURRENT" not in stages:
            problems.append(f"{name} has no current version")
        names.append(name)
    where = source(ctx, "secretsmanager:DescribeSecret")
    if problems:
        return [Check("secrets", NOT_READY, "; ".join(problems), where)]
    return [Check("secrets", READY, f"{len(names)} replicated secrets present with a current version: "
                  f"{', '.join(names)}", where)]


def _secret_arn(value: str) -> str:
    """A task definition may name a JSON key (ARN:key:stage:version); the secret is the first seven fields."""
    return ":".join(value.split(":")[:7]) if value.startswith("arn:") else value


@named_check("kms-replica-key")
def kms_replica_keys(ctx: ReadinessContext) -> list[Check]:
    d = ctx.deployment
    kms = ctx.clients.get("kms", d.secondary_region)
    where = source(ctx, "kms:DescribeKey, GenerateDataKey")
    rows = []
    for data_class, arn in sorted(ctx.extras[SECONDARY].data_key_arns.items()):
        name = f"kms-replica-key:{data_class}"
        try:
            meta = kms.describe_key(KeyId=arn)["KeyMetadata"]
        except ClientError as exc:
            rows.append(Check(name, NOT_READY, f"{arn}: {describe_error(exc)}", where))
            continue
        kind = meta.get("MultiRegionConfiguration", {}).get("MultiRegionKeyType")
        if meta.get("KeyState") != "Enabled" or not meta.get("Enabled", True):
            rows.append(Check(name, NOT_READY, f"{meta.get('KeyId')} is {meta.get('KeyState')}: data replicated with it "
                              "cannot be decrypted here", where))
            continue
        if not meta.get("MultiRegion") or kind != "REPLICA":
            rows.append(Check(name, NOT_READY, f"{meta.get('KeyId')} is not a multi-Region replica ({kind or 'single-Region'})",
                              where))
            continue
        try:  # the key is usable for what the secondary's services ask of it, not just present
            plaintext = kms.generate_data_key(KeyId=arn, KeySpec="AES_256").get("Plaintext", b"")
        except ClientError as exc:
            rows.append(Check(name, NOT_READY, f"{meta.get('KeyId')} refuses GenerateDataKey: {describe_error(exc)}", where))
            continue
        rows.append(Check(name, READY if len(plaintext) == 32 else NOT_READY,
                          f"{meta.get('KeyId')} Enabled replica; GenerateDataKey gave a {len(plaintext) * 8}-bit key", where))
    return rows


def _stack_prefix(ctx: ReadinessContext) -> str:
    """The program's name prefix (`ecommerce-prod-`), common to every resource name it chose."""
    d = ctx.deployment
    names = [d.control.alarm_name, d.control.table_name, d.secondary.cluster_name, d.secondary.service_name]
    common = names[0]
    for name in names[1:]:
        while not name.startswith(common):
            common = common[:-1]
    return common[:common.rfind("-") + 1] if "-" in common else common


def _alarms(client: Any, **kwargs: Any) -> list[dict[str, Any]]:
    return [alarm for page in client.get_paginator("describe_alarms").paginate(AlarmTypes=["MetricAlarm"], **kwargs)
            for alarm in page.get("MetricAlarms", [])]


@named_check("alarms-armed")
def alarms_armed(ctx: ReadinessContext) -> list[Check]:
    d = ctx.deployment
    prefix = _stack_prefix(ctx)
    where = source(ctx, f"cloudwatch:DescribeAlarms {prefix}*")
    alarms = [a for a in _alarms(ctx.clients.get("cloudwatch", d.secondary_region), AlarmNamePrefix=prefix)
              if a["AlarmName"] != d.control.alarm_name]  # the fence alarm has a row of its own
    if not alarms:
        return [Check("alarms-armed", NOT_READY, f"no alarms named {prefix}* in {d.secondary_region}", where)]
    # An alarm that cannot see replication or the load balancer's hosts would stay silent through the failure.
    key_metrics = {"UnHealthyHostCount"} | ({"AuroraGlobalDBReplicationLag"} if d.secondary.database_instance_count != 0 else set())
    disarmed = [a["AlarmName"] for a in alarms if not a.get("ActionsEnabled") or not a.get("AlarmActions")]
    firing = [a["AlarmName"] for a in alarms if a.get("StateValue") == "ALARM"]
    blind = [a["AlarmName"] for a in alarms if a.get("MetricName") in key_metrics and a.get("StateValue") == "INSUFFICIENT_DATA"]
    problems = ([f"actions disabled or no action: {', '.join(disarmed)}"] if disarmed else []) + \
               ([f"in ALARM: {', '.join(firing)}"] if firing else []) + \
               ([f"no data for key alarms: {', '.join(blind)}"] if blind else [])
    if problems:
        return [Check("alarms-armed", NOT_READY, "; ".join(problems), where)]
    return [Check("alarms-armed", READY, f"{len(alarms)} alarms with actions enabled, none in ALARM, key alarms "
                  "(replication lag, unhealthy hosts) have data", where)]


@named_check("on-call-subscribed")
def on_call_subscribed(ctx: ReadinessContext) -> list[Check]:
    """Someone receives what the secondary's alarms and the automation publish: its alert topic has a confirmed
    subscription. An e-mail subscription stays "PendingConfirmation" until its recipient confirms it, and until
    then SNS delivers nothing (SNS Developer Guide, "Confirm the subscription")."""
    d = ctx.deployment
    topic = d.secondary.alert_topic_arn
    where = source(ctx, "sns:ListSubscriptionsByTopic")
    sns = ctx.clients.get("sns", d.secondary_region)
    subscriptions = [subscription for page in sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=topic)
                     for subscription in page.get("Subscriptions", [])]
    confirmed = [s for s in subscriptions if s.get("SubscriptionArn", "").startswith("arn:")]
    pending = [s.get("Endpoint", "?") for s in subscriptions if s.get("SubscriptionArn") == "PendingConfirmation"]
    if not confirmed:
        why = f"pending confirmation: {', '.join(pending)}" if pending else "no subscriptions"
        return [Check("on-call-subscribed", NOT_READY, f"nobody receives {topic.rsplit(':', 1)[-1]} ({why}); confirm "
                      "the subscription e-mail (docs/first-deployment.md, step 4.1)", where)]
    detail = f"{len(confirmed)} confirmed subscription(s) on {topic.rsplit(':', 1)[-1]}: " + \
        ", ".join(f"{s.get('Protocol')} {s.get('Endpoint')}" for s in confirmed)
    return [Check("on-call-subscribed", READY, detail + (f"; still pending: {', '.join(pending)}" if pending else ""),
                  where)]


@named_check("health-check-alarms")
def health_check_alarms(ctx: ReadinessContext) -> list[Check]:
    """The Route 53 health-check alarms that trigger the failover function (us-east-1, where Route 53 reports)."""
    d = ctx.deployment
    region, names = d.health_check_alarm_region, d.health_check_alarm_names
    where = f"{region} cloudwatch:DescribeAlarms"
    optional = region == d.primary_region
    if not names:
        return [Check("health-check-alarms", UNKNOWN, "the outputs name no health-check alarms (dns.healthCheckAlarmNames)",
                      where)]
    try:
        found = {a["AlarmName"]: a for a in _alarms(ctx.clients.get("cloudwatch", region, optional=optional),
                                                     AlarmNames=sorted(names.values()))}
    except OPTIONAL_FAILURES as exc:
        if not optional:
            raise
        return [Check("health-check-alarms", UNKNOWN, f"{region} (the primary) did not answer: {describe_error(exc)}", where)]
    problems = [f"{name} missing" for name in names.values() if name not in found]
    problems += [f"{name} has actions disabled" for name, a in found.items() if not a.get("ActionsEnabled")]
    secondary_alarm = found.get(names.get(SECONDARY, ""), {})
    if secondary_alarm.get("StateValue") == "ALARM":
        problems.append(f"{secondary_alarm['AlarmName']} is ALARM: Route 53 sees the secondary's endpoint unhealthy")
    states = ", ".join(f"{role} {found[name].get('StateValue')}" for role, name in sorted(names.items()) if name in found)
    return [Check("health-check-alarms", NOT_READY if problems else READY, "; ".join(problems) or
                  f"armed ({states})", where)]


@named_check("control-table")
def control_table(ctx: ReadinessContext) -> list[Check]:
    c = ctx.deployment.control
    client = ctx.clients.get("dynamodb", c.region)
    where = source(ctx, "dynamodb:DescribeTable, Scan")
    table = client.describe_table(TableName=c.table_name)["Table"]
    keys = {k["AttributeName"]: k["KeyType"] for k in table.get("KeySchema", [])}
    if table.get("TableStatus") != "ACTIVE" or keys != {"pk": "HASH", "sk": "RANGE"}:
        return [Check("control-table", NOT_READY, f"{c.table_name} is {table.get('TableStatus')} with keys {keys}; "
                      "expected ACTIVE with pk (hash) and sk (range)", where)]
    snapshot = ControlTable(client, c.table_name, clock=ctx.now).snapshot()
    if snapshot.lock and snapshot.lock.expires_at > ctx.now():
        return [Check("control-table", NOT_READY, f"the failover lock is held: {snapshot.lock.describe()}", where)]
    traffic = snapshot.traffic
    state = f"traffic in {traffic.active_region} since {traffic.since}" if traffic else "no failover recorded"
    if snapshot.unfinished:
        # A half-done run leaves the platform between regions, and a planned one would refuse the next switchover or
        # failback: say which, and the command that clears it.
        runs = "; ".join(f"{h.operation} run {h.run_id} is {h.state}: finish it with 'drkit retry --outputs FILE "
                         f"--run {h.run_id}' or end it with 'drkit cancel --outputs FILE --run {h.run_id}'"
                         for h in snapshot.unfinished)
        return [Check("control-table", NOT_READY, f"{c.table_name}: {runs}", where)]
    return [Check("control-table", READY, f"{c.table_name} ACTIVE, lock free, {state}", where)]


@named_check("fence-alarm")
def fence_alarm(ctx: ReadinessContext) -> list[Check]:
    c = ctx.deployment.control
    where = source(ctx, "cloudwatch:DescribeAlarms")
    found = _alarms(ctx.clients.get("cloudwatch", c.region), AlarmNames=[c.alarm_name])
    if not found:
        return [Check("fence-alarm", NOT_READY, f"{c.alarm_name} not found in {c.region}: traffic cannot be shifted", where)]
    alarm = found[0]
    if (alarm.get("Namespace"), alarm.get("MetricName")) != (c.metric_namespace, c.metric_name):
        return [Check("fence-alarm", NOT_READY, f"{c.alarm_name} watches {alarm.get('Namespace')}/{alarm.get('MetricName')},"
                      f" not {c.metric_namespace}/{c.metric_name}", where)]
    state = alarm.get("StateValue")
    if state == "ALARM":
        return [Check("fence-alarm", NOT_READY, f"{c.alarm_name} is ALARM: the primary is fenced and traffic already "
                      "goes to the secondary (fail back first)", where)]
    if state != "OK":
        return [Check("fence-alarm", NOT_READY, f"{c.alarm_name} is {state}: publish {c.metric_name}=0 once so Route 53 "
                      "has a known state to follow (docs/runbooks.md)", where)]
    return [Check("fence-alarm", READY, f"{c.alarm_name} OK: the primary may serve; shift = {c.metric_name}=1", where)]


@named_check("route53-control")
def route53_control(ctx: ReadinessContext) -> list[Check]:
    d, c = ctx.deployment, ctx.deployment.control
    route53 = ctx.clients.get("route53", ROUTE53_HOME_REGION)
    where = "global route53:GetHealthCheck"
    control = route53.get_health_check(HealthCheckId=c.control_health_check_id)["HealthCheck"]["HealthCheckConfig"]
    calculated = route53.get_health_check(HealthCheckId=c.primary_calculated_health_check_id)["HealthCheck"]["HealthCheckConfig"]
    alarm = control.get("AlarmIdentifier", {})
    problems = []
    if control.get("Type") != "CLOUDWATCH_METRIC" or (alarm.get("Name"), alarm.get("Region")) != (c.alarm_name, c.region):
        problems.append(f"control check {c.control_health_check_id} does not follow {c.alarm_name} in {c.region}")
    children = set(calculated.get("ChildHealthChecks", []))
    if calculated.get("Type") != "CALCULATED" or not {c.control_health_check_id, d.primary.health_check_id} <= children:
        problems.append(f"check {c.primary_calculated_health_check_id} is not CALCULATED over the primary's endpoint "
                        "check and the control check")
    elif int(calculated.get("HealthThreshold", 0)) < len(children):
        problems.append(f"check {c.primary_calculated_health_check_id} needs only {calculated.get('HealthThreshold')} "
                        f"of {len(children)} children healthy: a fence would not take the primary out")
    return [Check("route53-control", NOT_READY if problems else READY, "; ".join(problems) or
                  f"control check follows {c.alarm_name}; the PRIMARY record's check needs endpoint AND not fenced", where)]


@named_check("secondary-endpoint")
def secondary_endpoint(ctx: ReadinessContext) -> list[Check]:
    d = ctx.deployment
    reading = probe(ctx.probe_url(SECONDARY))
    checkers = route53_status(ctx.clients, d.secondary.health_check_id)
    where = "HTTP probe, global route53:GetHealthCheckStatus"
    unhealthy = [r.detail for r in (reading, checkers) if r.healthy is False]
    if unhealthy:
        return [Check("secondary-endpoint", NOT_READY, "; ".join(unhealthy), where)]
    return [Check("secondary-endpoint", READY, f"{reading.detail}; {checkers.detail}", where)]
