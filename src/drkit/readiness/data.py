"""The readiness checks of the data: replication of Aurora, DynamoDB and S3, and backup copies.

Each check takes the ReadinessContext and returns rows (drkit.readiness.check.Check). Required reads go
to the recovery region (or Route 53) and may raise: the runner turns that into NOT READY. Reads of the
primary region use the optional clients and are caught here: they only ever make a row UNKNOWN or add a
note, because readiness is asked exactly when the primary may be failing. Compute parity is in
compute.py, secrets, keys, alarms and the traffic control in protection.py, the list of all in suite.py.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

from botocore.exceptions import ClientError

from drcore.recovery_model import format_duration
from drfailover.deployment import SECONDARY
from drfailover.rpo_exposure import stores
from drkit.readiness.check import (NOT_READY, OPTIONAL_FAILURES, READY, UNKNOWN, Check, ReadinessContext,
                                   describe_error, named_check, source)

METRIC_WINDOW_S = 300
METRIC_PERIOD_S = 60
DAY_S = 86400
_RATE = re.compile(r"rate\((\d+)\s+(minute|hour|day)s?\)")
_UNIT_S = {"minute": 60, "hour": 3600, "day": DAY_S}


def schedule_interval_seconds(expression: str) -> float:
    """The longest gap between two runs of an AWS schedule expression: rate(...) or six-field cron(...)."""
    text = expression.strip()
    rate = _RATE.fullmatch(text)
    if rate:
        return int(rate[1]) * _UNIT_S[rate[2]]
    cron = re.fullmatch(r"cron\((.+)\)", text)
    fields = cron[1].split() if cron else []
    if len(fields) != 6:
        raise ValueError(f"'{expression}' is not a rate(...) or six-field cron(...) expression")
    minute, hour, day_of_month, month, day_of_week, _year = fields
    if month not in ("*", "?"):
        return 366 * DAY_S  # some months only: runs may be up to a year apart
    if day_of_month not in ("*", "?"):
        return 31 * DAY_S
    if day_of_week not in ("*", "?"):
        return 7 * DAY_S
    times = sorted(h * 60 + m for h in _cron_values(hour, 24) for m in _cron_values(minute, 60))
    gaps = [later - earlier for earlier, later in zip(times, times[1:])] + [times[0] + 1440 - times[-1]]
    return max(gaps) * 60.0


def _cron_values(field: str, size: int) -> list[int]:
    values: set[int] = set()
    for part in field.split(","):
        base, _, step = part.partition("/")
        if base in ("*", "?"):
            start, end = 0, size - 1
        elif "-" in base:
            start, end = (int(v) for v in base.split("-", 1))
        else:
            start = int(base)
            end = size - 1 if step else start
        values.update(range(start, end + 1, int(step) if step else 1))
    return sorted(values) or [0]


# -- replication --------------------------------------------------------------------------------------------
def _metric_values(client: Any, wanted: list[dict[str, Any]], now: float) -> dict[str, list[float]]:
    """store key -> datapoint values newest first, in seconds, over the last five minutes."""
    if not wanted:
        return {}
    end = datetime.fromtimestamp(now, timezone.utc)
    queries = [{"Id": f"m{index}", "ReturnData": True, "MetricStat": {
        "Metric": {"Namespace": w["namespace"], "MetricName": w["metric"],
                   # Sorted: CloudWatch ignores the order, moto 5.2.5 matches only the order it was given.
                   "Dimensions": [{"Name": k, "Value": v} for k, v in sorted(w["dimensions"].items())]},
        "Period": METRIC_PERIOD_S, "Stat": w.get("stat", "Maximum")}} for index, w in enumerate(wanted)]
    answer = client.get_metric_data(MetricDataQueries=queries, StartTime=end - timedelta(seconds=METRIC_WINDOW_S),
                                    EndTime=end + timedelta(seconds=METRIC_PERIOD_S), ScanBy="TimestampDescending")
    values = {}
    for result in answer.get("MetricDataResults", []):
        entry = wanted[int(result["Id"][1:])]
        if result.get("Values"):
            values[entry["key"]] = [v * entry.get("unitSeconds", 1.0) for v in result["Values"]]
    return values


def _replication_metrics(ctx: ReadinessContext) -> dict[str, tuple[list[float], str]]:
    """Every replication metric, read in the recovery region first and, for what it lacks, in the primary
    (DynamoDB and S3 publish next to the source): key -> (values newest first, region read)."""
    d = ctx.deployment
    wanted = []
    for store in stores(d):
        wanted.append({**store, "key": store["store"]})
        if store["tier"] == "objects":
            wanted.append({**store, "key": store["store"] + ":failed", "metric": "OperationsFailedReplication",
                           "stat": "Sum", "unitSeconds": 1.0})
    found: dict[str, tuple[list[float], str]] = {}
    for region, optional in ((d.secondary_region, False), (d.primary_region, True)):
        missing = [w for w in wanted if w["key"] not in found]
        if not missing:
            break
        try:
            values = _metric_values(ctx.clients.get("cloudwatch", region, optional=optional), missing, ctx.now())
        except OPTIONAL_FAILURES:
            if not optional:
                raise
            continue
        found |= {key: (series, region) for key, series in values.items()}
    return found


def _lag_verdict(ctx: ReadinessContext, key: str, tier: str) -> tuple[str | None, str]:
    """(NOT_READY or None, text) for the newest replication lag of a store against its tier's RPO target."""
    series, region = ctx.once("replication-metrics", lambda: _replication_metrics(ctx)).get(key, ([], ""))
    target = ctx.deployment.rpo_target_seconds(tier)
    if not series:
        return None, "no lag datapoints in the last 5 min"
    lag = series[0]
    if target is not None and lag > target:
        return NOT_READY, f"lag {lag:g} s exceeds the {tier} RPO {target:g} s ({region})"
    return None, f"lag {lag:g} s{f' within RPO {target:g} s' if target is not None else ''} ({region})"


@named_check("aurora-global-cluster")
def aurora_global_cluster(ctx: ReadinessContext) -> list[Check]:
    d, secondary = ctx.deployment, ctx.deployment.secondary
    rds = ctx.clients.get("rds", d.secondary_region)
    where = source(ctx, "rds:DescribeGlobalClusters, DescribeDBClusters")
    clusters = rds.describe_global_clusters(GlobalClusterIdentifier=d.global_cluster_identifier).get("GlobalClusters", [])
    if not clusters:
        return [Check("aurora-global-cluster", NOT_READY, f"global cluster {d.global_cluster_identifier} not found", where)]
    members = {m["DBClusterArn"]: m for m in clusters[0].get("GlobalClusterMembers", [])}
    writers = [arn.rsplit(":", 1)[-1] for arn, m in members.items() if m.get("IsWriter")]
    problems = []
    if clusters[0].get("Status") != "available":
        problems.append(f"global cluster is {clusters[0].get('Status')}")
    member = members.get(secondary.database_cluster_arn)
    if member is None:
        problems.append(f"{secondary.database_cluster_identifier} is not a member (detached?)")
    elif member.get("IsWriter"):
        problems.append(f"{secondary.database_cluster_identifier} is already the writer (failed over)")
    cluster = rds.describe_db_clusters(DBClusterIdentifier=secondary.database_cluster_identifier)["DBClusters"][0]
    if cluster.get("Status") != "available":
        problems.append(f"{secondary.database_cluster_identifier} is {cluster.get('Status')}")
    if problems:
        return [Check("aurora-global-cluster", NOT_READY, "; ".join(problems), where)]
    return [Check("aurora-global-cluster", READY, f"{secondary.database_cluster_identifier} is an available reader of "
                  f"{d.global_cluster_identifier} (writer {', '.join(writers) or 'none'})", where)]


@named_check("aurora-replication-lag")
def aurora_replication_lag(ctx: ReadinessContext) -> list[Check]:
    d = ctx.deployment
    where = source(ctx, "cloudwatch:GetMetricData AuroraGlobalDBReplicationLag")
    problem, text = _lag_verdict(ctx, "aurora", "transactional")
    if problem:
        return [Check("aurora-replication-lag", problem, text, where)]
    if text.startswith("no lag"):
        if d.secondary.database_instance_count == 0:
            return [Check("aurora-replication-lag", UNKNOWN, f"{text}: the headless secondary publishes none until it "
                          "has an instance; membership is checked above", where)]
        return [Check("aurora-replication-lag", NOT_READY, f"{text}: replication to "
                      f"{d.secondary.database_cluster_identifier} may have stopped", where)]
    return [Check("aurora-replication-lag", READY, text, where)]


@named_check("dynamodb-replication")
def dynamodb_replication(ctx: ReadinessContext) -> list[Check]:
    d = ctx.deployment
    dynamodb = ctx.clients.get("dynamodb", d.secondary_region)
    rows = []
    for logical, table in sorted(d.table_names.items()):
        name, where = f"dynamodb-replication:{logical}", source(ctx, "dynamodb:DescribeTable, cloudwatch:GetMetricData")
        try:
            description = dynamodb.describe_table(TableName=table)["Table"]
        except ClientError as exc:
            rows.append(Check(name, NOT_READY, f"{table}: {describe_error(exc)}", where))
            continue
        replicas = {r.get("RegionName"): r.get("ReplicaStatus") for r in description.get("Replicas", [])}
        problems = []
        if description.get("TableStatus") != "ACTIVE":
            problems.append(f"{table} is {description.get('TableStatus')} in {d.secondary_region}")
        if replicas.get(d.primary_region) != "ACTIVE":
            problems.append(f"no ACTIVE replica link with {d.primary_region} ({replicas or 'no replicas'})")
        lag_problem, lag_text = _lag_verdict(ctx, f"dynamodb:{logical}", "sessions")
        if lag_problem:
            problems.append(lag_text)
        detail = "; ".join(problems) or f"{table} ACTIVE, replica of {d.primary_region} ACTIVE, {lag_text}"
        rows.append(Check(name, NOT_READY if problems else READY, detail, where))
    return rows


@named_check("s3-replication")
def s3_replication(ctx: ReadinessContext) -> list[Check]:
    d = ctx.deployment
    s3 = ctx.clients.get("s3", d.secondary_region)
    rows = []
    for store in (s for s in stores(d) if s["tier"] == "objects"):
        purpose = store["store"].split(":", 1)[1]
        source_bucket, destination = store["identifier"], store["dimensions"]["DestinationBucket"]
        name = f"s3-replication:{purpose}"
        where = source(ctx, "s3:GetBucketVersioning, cloudwatch:GetMetricData")
        problems, notes = [], []
        try:
            versioning = s3.get_bucket_versioning(Bucket=destination).get("Status")
        except ClientError as exc:
            versioning = None
            problems.append(f"{destination}: {describe_error(exc)}")
        if versioning is not None and versioning != "Enabled":
            problems.append(f"{destination} versioning is {versioning or 'off'}: replication needs it")
        lag_problem, lag_text = _lag_verdict(ctx, store["store"], "objects")
        (problems if lag_problem else notes).append(lag_text)
        failed, region = ctx.once("replication-metrics", lambda: _replication_metrics(ctx)).get(
            store["store"] + ":failed", ([], ""))
        if sum(failed) > 0:
            problems.append(f"{sum(failed):g} objects failed to replicate in the last 5 min ({region})")
        notes.append(_source_rule(ctx, source_bucket, destination, store["dimensions"]["RuleId"], problems))
        status = NOT_READY if problems else READY
        rows.append(Check(name, status, "; ".join(problems) if problems else
                          f"{source_bucket} -> {destination} (versioned); " + "; ".join(n for n in notes if n), where))
    return rows


def _source_rule(ctx: ReadinessContext, bucket: str, destination: str, rule_id: str, problems: list[str]) -> str:
    """The replication rule lives on the source bucket, in the primary: compared when it answers."""
    try:
        rules = ctx.clients.get("s3", ctx.deployment.primary_region, optional=True).get_bucket_replication(
            Bucket=bucket)["ReplicationConfiguration"].get("Rules", [])
    except OPTIONAL_FAILURES as exc:
        return f"source rule not read ({type(exc).__name__})"
    rule = next((r for r in rules if r.get("ID") == rule_id), None)
    if rule is None or rule.get("Status") != "Enabled" or \
            rule.get("Destination", {}).get("Bucket", "").rsplit(":", 1)[-1] != destination:
        problems.append(f"{bucket} has no enabled rule {rule_id} replicating to {destination}")
    return f"rule {rule_id} enabled on {bucket}"


# -- backups: the schedule says how old the newest copy may be --------------------------------------------
@named_check("backup-copies")
def backup_copies(ctx: ReadinessContext) -> list[Check]:
    d, vault = ctx.deployment, ctx.extras[SECONDARY].backup_vault_name
    where = source(ctx, "backup:ListRecoveryPointsByBackupVault")
    backup = ctx.clients.get("backup", d.secondary_region)
    points = [point for page in backup.get_paginator("list_recovery_points_by_backup_vault").paginate(
        BackupVaultName=vault) for point in page.get("RecoveryPoints", [])]
    newest: dict[str, float] = {}
    for point in points:
        if point.get("Status") == "COMPLETED" and point.get("CreationDate"):
            created = point["CreationDate"].timestamp()
            newest[point["ResourceArn"]] = max(newest.get(point["ResourceArn"], 0.0), created)
    interval = schedule_interval_seconds(ctx.backup_schedule) if ctx.backup_schedule else DAY_S
    allowed = interval + ctx.copy_window_s
    if not newest:
        return [Check("backup-copies", NOT_READY, f"vault {vault} holds no completed recovery point", where)]
    now = ctx.now()
    stale = {arn: now - created for arn, created in newest.items() if now - created > allowed}
    budget = f"schedule every {format_duration(interval)} + copy window {format_duration(ctx.copy_window_s)}"
    if stale:
        worst = max(stale, key=stale.get)
        return [Check("backup-copies", NOT_READY, f"{len(stale)} of {len(newest)} resources have no copy younger than "
                      f"{format_duration(allowed)} ({budget}); {worst.rsplit(':', 1)[-1]} last copied "
                      f"{format_duration(round(stale[worst]))} ago", where)]
    oldest = max(now - created for created in newest.values())
    return [Check("backup-copies", READY, f"{len(newest)} resources copied to {vault}, the stalest "
                  f"{format_duration(max(round(oldest), 0))} ago (allowed {format_duration(allowed)}: {budget})", where)]
