"""RPO exposure at the moment of failover, and what may be lost, per store — for reconciliation later.

Replication lag is read from CloudWatch in the secondary region first (the region we trust), in one
GetMetricData call for every store; stores with no datapoints there are read from the primary region
on a best-effort client (Aurora publishes its global lag next to the secondary cluster, DynamoDB and S3
next to the source). A store with no datapoints anywhere gets the recovery model's figure, marked as
assumed. "May be lost" is the window of writes after the last replicated point.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from drcore.recovery_model import AURORA_GLOBAL_LAG_S, DYNAMODB_GLOBAL_LAG_S, S3_RTC_S
from drfailover.clients import AwsClients, RegionUnreachable
from drfailover.control_table import iso
from drfailover.deployment import Deployment

WINDOW_S = 300  # the worst lag in the last 5 minutes: the failing primary may have stopped reporting
PERIOD_S = 60
DEFAULT_S3_RULE_ID = "replicate-to-secondary"  # infra/components/storage_replication.py RULE_ID
_ASSUMED = {"transactional": AURORA_GLOBAL_LAG_S, "sessions": DYNAMODB_GLOBAL_LAG_S, "objects": S3_RTC_S}


def stores(d: Deployment, s3_rule_id: str = DEFAULT_S3_RULE_ID) -> list[dict[str, Any]]:
    """Every replicated store with the CloudWatch metric that tells its lag."""
    primary, secondary = d.primary, d.secondary
    result = [{"store": "aurora", "tier": "transactional", "identifier": d.global_cluster_identifier,
               "namespace": "AWS/RDS", "metric": "AuroraGlobalDBReplicationLag", "unitSeconds": 0.001,
               "dimensions": {"DBClusterIdentifier": secondary.database_cluster_identifier}}]
    for logical, table in sorted(d.table_names.items()):
        result.append({"store": f"dynamodb:{logical}", "tier": "sessions", "identifier": table,
                       "namespace": "AWS/DynamoDB", "metric": "ReplicationLatency", "unitSeconds": 0.001,
                       "dimensions": {"TableName": table, "ReceivingRegion": d.secondary_region}})
    for purpose, source in sorted(primary.bucket_names.items()):
        destination = secondary.bucket_names.get(purpose)
        if destination:
            result.append({"store": f"s3:{purpose}", "tier": "objects", "identifier": source,
                           "namespace": "AWS/S3", "metric": "ReplicationLatency", "unitSeconds": 1.0,
                           "dimensions": {"SourceBucket": source, "DestinationBucket": destination,
                                          "RuleId": s3_rule_id}})
    return result


def worst_lags(client: Any, wanted: list[dict[str, Any]], now: datetime) -> dict[str, tuple[float, datetime]]:
    """store -> (worst lag in seconds over the window, time of the newest datapoint), for stores with data."""
    if not wanted:
        return {}
    queries = [{"Id": f"m{index}", "ReturnData": True, "MetricStat": {
        "Metric": {"Namespace": s["namespace"], "MetricName": s["metric"],
                   "Dimensions": [{"Name": k, "Value": v} for k, v in s["dimensions"].items()]},
        "Period": PERIOD_S, "Stat": "Maximum"}} for index, s in enumerate(wanted)]
    answer = client.get_metric_data(MetricDataQueries=queries, StartTime=now - timedelta(seconds=WINDOW_S),
                                    EndTime=now + timedelta(seconds=PERIOD_S))
    lags = {}
    for result in answer.get("MetricDataResults", []):
        store = wanted[int(result["Id"][1:])]
        if result.get("Values"):
            lags[store["store"]] = (max(result["Values"]) * store["unitSeconds"], max(result["Timestamps"]))
    return lags


def aurora_lag_seconds(client: Any, cluster_identifier: str) -> float | None:
    """The newest AuroraGlobalDBReplicationLag of a secondary cluster, in seconds (None without data)."""
    now = datetime.now(timezone.utc)
    answer = client.get_metric_data(MetricDataQueries=[{"Id": "lag", "ReturnData": True, "MetricStat": {
        "Metric": {"Namespace": "AWS/RDS", "MetricName": "AuroraGlobalDBReplicationLag",
                   "Dimensions": [{"Name": "DBClusterIdentifier", "Value": cluster_identifier}]},
        "Period": PERIOD_S, "Stat": "Maximum"}}], StartTime=now - timedelta(seconds=WINDOW_S),
        EndTime=now + timedelta(seconds=PERIOD_S), ScanBy="TimestampDescending")
    results = answer.get("MetricDataResults", [])
    return results[0]["Values"][0] / 1000 if results and results[0].get("Values") else None


def measure_exposure(d: Deployment, clients: AwsClients, *, operation: str, run_id: str, at: float,
                     s3_rule_id: str = DEFAULT_S3_RULE_ID) -> dict[str, Any]:
    now = datetime.fromtimestamp(at, timezone.utc)
    wanted = stores(d, s3_rule_id)
    measured: dict[str, tuple[float, datetime, str]] = {}
    for region, optional in ((d.secondary_region, False), (d.primary_region, True)):
        missing = [s for s in wanted if s["store"] not in measured]
        if not missing or (optional and clients.unreachable(region)):
            continue
        try:
            found = worst_lags(clients.get("cloudwatch", region, optional=optional), missing, now)
        except (ClientError, BotoCoreError, RegionUnreachable):
            continue  # that region's CloudWatch is part of the outage; the model's figure stands in
        measured |= {store: (lag, when, region) for store, (lag, when) in found.items()}
    entries = [_entry(d, s, measured.get(s["store"]), now) for s in wanted]
    worst = max(entries, key=lambda e: e["lagSeconds"]) if entries else None
    within = all(e["withinTarget"] is not False for e in entries)
    summary = "no replicated stores" if worst is None else (
        f"worst {worst['lagSeconds']:g} s ({worst['store']}{', assumed' if not worst['measured'] else ''}); "
        f"{sum(e['measured'] for e in entries)}/{len(entries)} stores measured; "
        f"{'all within' if within else 'NOT all within'} RPO targets")
    return {"kind": "drkit-rpo-exposure", "operation": operation, "runId": run_id, "at": iso(at),
            "primaryRegion": d.primary_region, "secondaryRegion": d.secondary_region, "stores": entries,
            "worstLagSeconds": worst["lagSeconds"] if worst else 0, "withinTargets": within, "summary": summary}


def _entry(d: Deployment, store: dict[str, Any], measurement: tuple[float, datetime, str] | None,
           now: datetime) -> dict[str, Any]:
    if measurement:
        lag, observed, region = measurement
        basis = {"measured": True, "readFrom": region, "newestDatapoint": observed.isoformat()}
    else:
        lag, source = _ASSUMED[store["tier"]]
        basis = {"measured": False, "readFrom": None, "assumption": source}
    target = d.rpo_target_seconds(store["tier"])
    last_replicated = iso((now - timedelta(seconds=lag)).timestamp())
    may_lose, reconcile = _loss(d, store, last_replicated)
    return {"store": store["store"], "tier": store["tier"], "identifier": store["identifier"],
            "metric": f"{store['namespace']} {store['metric']}", "lagSeconds": round(lag, 3), **basis,
            "targetSeconds": target, "withinTarget": None if target is None else lag <= target,
            "lastReplicatedAt": last_replicated, "mayBeLost": may_lose, "reconcile": reconcile}


def _loss(d: Deployment, store: dict[str, Any], since: str) -> tuple[str, str]:
    primary = d.primary_region
    if store["tier"] == "transactional":
        return (f"transactions committed on {d.primary.database_cluster_identifier} ({primary}) after {since}",
                f"when {d.primary.database_cluster_identifier} rejoins, restore the snapshot Aurora keeps of it "
                f"(rds:unplanned-global-failover-*) to a scratch cluster and replay rows changed after {since}")
    if store["tier"] == "sessions":
        return (f"item writes to {store['identifier']} in {primary} after {since} that had not replicated",
                f"when {primary} returns its replica replicates them and last-writer-wins applies: export both "
                f"replicas (PITR export to S3) and compare items updated after {since}")
    destination = store["dimensions"]["DestinationBucket"]
    return (f"objects written to {store['identifier']} after {since} whose replication status is not COMPLETED",
            f"list {store['identifier']} objects modified after {since}, copy those missing from {destination}")
