"""Stack outputs -> a typed Deployment: what the automation acts on, read from the platform's own exports.

Three sources, one shape (infra/outputs.py): a resource graph file (its `outputs`), the JSON of
`pulumi stack output --json`, or the offline preview of a stack. A missing or mistyped key is one
UsageError naming the key, so a stale deployment never fails halfway through a failover.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from drcore.engine_values import REDACTED_SECRET, UNKNOWN
from drcore.errors import UsageError
from drcore.platform import PRIMARY, ROLES, SECONDARY  # noqa: F401 - steps take the roles with the Deployment
from drcore.recovery_model import RecoveryParameters, parameters_from_config
from drcore.stack_config.model import MIN_OUTAGE_QUORUM, SIGNAL_SOURCES, UNPLANNED_FAILOVER_MODES


@dataclass(frozen=True)
class RegionDeployment:
    role: str
    region: str
    alb_dns_name: str
    cluster_name: str
    service_name: str
    desired_count: int
    min_count: int
    max_count: int
    database_cluster_identifier: str
    database_cluster_arn: str
    health_check_id: str
    alert_topic_arn: str
    bucket_names: dict[str, str] = field(default_factory=dict)
    # Optional: known only when the outputs (or the stack config) say so; None means "ask AWS".
    database_instance_count: int | None = None
    database_instance_class: str | None = None


@dataclass(frozen=True)
class TrafficControl:
    """The data-plane switch of docs/failover-design.md: a metric in the secondary region behind an alarm."""

    table_name: str
    region: str
    metric_namespace: str
    metric_name: str
    metric_dimensions: dict[str, str]
    alarm_name: str
    control_health_check_id: str
    primary_calculated_health_check_id: str
    function_name: str | None = None


@dataclass(frozen=True)
class Deployment:
    environment: str
    primary_region: str
    secondary_region: str
    standby_capacity_fraction: float
    regions: dict[str, RegionDeployment]
    global_cluster_identifier: str
    table_names: dict[str, str]
    record_name: str
    zone_id: str
    ttl_seconds: int
    health_check_path: str
    health_check_interval_seconds: int
    health_check_failure_threshold: int
    health_check_alarm_names: dict[str, str]
    health_check_alarm_region: str
    control: TrafficControl
    recovery_targets: dict[str, Any]
    source: str
    recovery_parameters: RecoveryParameters | None = None  # from stack config, when one is known
    # automation.unplannedFailover / outageQuorum of the stack config; outputs of older deployments lack them,
    # and then the safe choices hold: a person approves, and two independent signals confirm.
    unplanned_failover: str = UNPLANNED_FAILOVER_MODES[0]
    outage_quorum: int = MIN_OUTAGE_QUORUM
    health_check_alarm_topic_arn: str | None = None  # the topic the function is subscribed to
    # The zone's authoritative name servers when the stack created the zone; empty: found through DNS at run time.
    name_servers: tuple[str, ...] = ()

    @property
    def primary(self) -> RegionDeployment:
        return self.regions[PRIMARY]

    @property
    def secondary(self) -> RegionDeployment:
        return self.regions[SECONDARY]

    def region_rto_target_seconds(self) -> float | None:
        target = self.recovery_targets.get("regionLoss", {}).get("rtoMinutes")
        return float(target) * 60 if isinstance(target, (int, float)) else None

    def rpo_target_seconds(self, tier: str) -> float | None:
        value = self.recovery_targets.get("regionLoss", {}).get("rpoSeconds", {}).get(tier)
        return float(value) if isinstance(value, (int, float)) else None


class _Outputs:
    """Typed reads of nested stack outputs; every defect names the dotted key and how to fix it."""

    def __init__(self, data: Any, where: str):
        if not isinstance(data, dict):
            raise UsageError(f"{where}: stack outputs must be a JSON object, got {type(data).__name__}; "
                             "pass the file written by 'pulumi stack output --json'")
        self.data, self.where = data, where

    def get(self, path: str, kind: type | tuple[type, ...], *, required: bool = True) -> Any:
        value: Any = self.data
        for part in path.split("."):
            if not isinstance(value, dict) or part not in value:
                if not required:
                    return None
                raise UsageError(f"{self.where}: stack output '{path}' is missing; deploy the current infra/ "
                                 "(it exports every key docs/failover-design.md lists) and export the outputs again")
            value = value[part]
        if value == UNKNOWN:
            raise UsageError(f"{self.where}: stack output '{path}' is unknown until deployed; use the outputs of a "
                             "deployed stack ('pulumi stack output --json')")
        if value == REDACTED_SECRET:
            raise UsageError(f"{self.where}: stack output '{path}' is a redacted secret; export with "
                             "'pulumi stack output --json --show-secrets'")
        if isinstance(value, bool) or not isinstance(value, kind):
            names = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
            raise UsageError(f"{self.where}: stack output '{path}' is {value!r}, expected {names}; "
                             "fix the file or export the outputs again")
        return value


def deployment_from_outputs(outputs: Any, where: str, config=None) -> Deployment:
    """Build a Deployment from the outputs mapping; `config` (a StackConfig) adds the recovery parameters."""
    read = _Outputs(outputs, where)
    regions = {role: _region(read, role, config) for role in ROLES}
    dimensions = read.get("control.metricDimensions", (dict, list))
    if isinstance(dimensions, list):  # CloudWatch's own [{"Name":..., "Value":...}] form
        try:
            dimensions = {d["Name"]: d["Value"] for d in dimensions}
        except (TypeError, KeyError):
            raise UsageError(f"{where}: stack output 'control.metricDimensions' must map names to values") from None
    control = TrafficControl(
        table_name=read.get("control.tableName", str), region=read.get("control.region", str),
        metric_namespace=read.get("control.metricNamespace", str), metric_name=read.get("control.metricName", str),
        metric_dimensions={str(k): str(v) for k, v in dimensions.items()},
        alarm_name=read.get("control.alarmName", str),
        control_health_check_id=read.get("control.controlHealthCheckId", str),
        primary_calculated_health_check_id=read.get("control.primaryCalculatedHealthCheckId", str),
        function_name=read.get("control.functionName", str, required=False))
    deployment = Deployment(
        environment=read.get("environment", str), primary_region=read.get("primaryRegion", str),
        secondary_region=read.get("secondaryRegion", str),
        standby_capacity_fraction=float(read.get("standbyCapacityFraction", (int, float))),
        regions=regions, global_cluster_identifier=read.get("globalClusterIdentifier", str),
        table_names={str(k): str(v) for k, v in read.get("tableNames", dict).items()},
        record_name=read.get("dns.recordName", str), zone_id=read.get("dns.zoneId", str),
        ttl_seconds=read.get("dns.ttlSeconds", int), health_check_path=read.get("dns.healthCheckPath", str),
        health_check_interval_seconds=read.get("dns.healthCheckIntervalSeconds", int),
        health_check_failure_threshold=read.get("dns.healthCheckFailureThreshold", int),
        health_check_alarm_names={str(k): str(v) for k, v in read.get("dns.healthCheckAlarmNames", dict).items()},
        health_check_alarm_region=read.get("dns.healthCheckAlarmRegion", str),
        control=control, recovery_targets=read.get("recoveryTargets", dict), source=where,
        recovery_parameters=parameters_from_config(config) if config is not None else None,
        unplanned_failover=read.get("automation.unplannedFailover", str, required=False) or UNPLANNED_FAILOVER_MODES[0],
        outage_quorum=read.get("automation.outageQuorum", int, required=False) or MIN_OUTAGE_QUORUM,
        health_check_alarm_topic_arn=read.get("dns.healthCheckAlarmTopicArn", str, required=False),
        name_servers=tuple(str(ns) for ns in read.get("dns.nameServers", list, required=False) or ()))
    _check_consistent(deployment, where)
    return deployment


def _region(read: _Outputs, role: str, config) -> RegionDeployment:
    base = f"regions.{role}"
    count = read.get(f"{base}.databaseInstanceCount", int, required=False)
    instance_class = read.get(f"{base}.databaseInstanceClass", str, required=False)
    if config is not None:
        count = count if count is not None else (config.database.primary_instances if role == PRIMARY
                                                 else config.database.secondary_instances)
        instance_class = instance_class or config.database.instance_class
    return RegionDeployment(
        role=role, region=read.get(f"{base}.region", str), alb_dns_name=read.get(f"{base}.albDnsName", str),
        cluster_name=read.get(f"{base}.clusterName", str), service_name=read.get(f"{base}.serviceName", str),
        desired_count=read.get(f"{base}.desiredCount", int), min_count=read.get(f"{base}.minCount", int),
        max_count=read.get(f"{base}.maxCount", int),
        database_cluster_identifier=read.get(f"{base}.databaseClusterIdentifier", str),
        database_cluster_arn=read.get(f"{base}.databaseClusterArn", str),
        health_check_id=read.get(f"{base}.healthCheckId", str), alert_topic_arn=read.get(f"{base}.alertTopicArn", str),
        bucket_names={str(k): str(v) for k, v in (read.get(f"{base}.bucketNames", dict, required=False) or {}).items()},
        database_instance_count=count, database_instance_class=instance_class)


def _check_consistent(deployment: Deployment, where: str) -> None:
    if deployment.primary_region == deployment.secondary_region:
        raise UsageError(f"{where}: primaryRegion and secondaryRegion are both {deployment.primary_region}; "
                         "these are not the outputs of a two-region deployment")
    for role, expected in ((PRIMARY, deployment.primary_region), (SECONDARY, deployment.secondary_region)):
        if deployment.regions[role].region != expected:
            raise UsageError(f"{where}: stack output 'regions.{role}.region' is {deployment.regions[role].region}, "
                             f"but {role}Region is {expected}; export the outputs again")
    if deployment.unplanned_failover not in UNPLANNED_FAILOVER_MODES:
        raise UsageError(f"{where}: stack output 'automation.unplannedFailover' is {deployment.unplanned_failover!r}; "
                         f"expected one of {', '.join(UNPLANNED_FAILOVER_MODES)}")
    if not MIN_OUTAGE_QUORUM <= deployment.outage_quorum <= len(SIGNAL_SOURCES):
        raise UsageError(f"{where}: stack output 'automation.outageQuorum' is {deployment.outage_quorum}; expected "
                         f"{MIN_OUTAGE_QUORUM} to {len(SIGNAL_SOURCES)} (one signal alone never confirms an outage)")
    if deployment.control.region != deployment.secondary_region:
        raise UsageError(f"{where}: stack output 'control.region' is {deployment.control.region}; the control table "
                         f"must live in the secondary region {deployment.secondary_region} (docs/failover-design.md)")


def load_deployment_file(path: Path, config=None,
                         config_of_stack: Callable[[str], Any] | None = None) -> Deployment:
    """Outputs from `pulumi stack output --json`, or a resource graph file (its `outputs`); `config` (a
    StackConfig) gives the recovery budget, else `config_of_stack` may find a graph's own stack config."""
    try:
        data = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise UsageError(f"outputs file {path} does not exist; write it with 'pulumi stack output --json > {path}'") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"outputs file {path} cannot be read ({exc}); pass a JSON file") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"outputs file {path} is not JSON ({exc}); pass 'pulumi stack output --json' output") from None
    if isinstance(data, dict) and "resources" in data and "outputs" in data:
        stack = data.get("stack")
        if config is None and config_of_stack is not None and isinstance(stack, str):
            config = config_of_stack(stack)
        return deployment_from_outputs(data["outputs"], f"{path} (graph outputs)", config)
    return deployment_from_outputs(data, str(path), config)
