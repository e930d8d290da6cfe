"""Worst-case recovery time and recovery point estimates, before anything is deployed.

Like a resilience assessment, but computed from the configuration: each disruption
(loss of an AZ, loss of the primary region, data corruption or operator error) gets
an RTO budget built from named steps and an RPO per data tier from its replication
or restore mechanism. Every figure carries its source. The same functions serve
`drkit rto` (parameters from stack config) and the policy pack's stack policy
(parameters read off the resource graph), so the two cannot disagree.
"""
from __future__ import annotations

import math

from dataclasses import dataclass, field
from typing import Iterable, Mapping

# Service figures the budget relies on. Each is AWS's published behaviour or a stated assumption.
AURORA_GLOBAL_FAILOVER_S = 120, "Aurora global database cross-Region failover: AWS states typically under 1 minute; budget 2 min"
AURORA_ADD_READER_S = 900, "adding the first instance to a headless secondary cluster: budget 15 min"
AURORA_MULTI_AZ_FAILOVER_S = 60, "Aurora in-Region failover to a replica in another AZ: AWS states typically under 60 s"
AURORA_REPLACE_WRITER_S = 600, "Aurora with no replica: a new writer instance is created, budget 10 min"
AURORA_GLOBAL_LAG_S = 1, ("Aurora global database storage replication: AWS states typically under 1 s; typical, not "
                          "enforced below 20 s (rds.global_db_rpo, set from the target when it is 20 s or more)")
# Aurora PostgreSQL enforces a global database RPO only through the cluster parameter rds.global_db_rpo, whose
# minimum is 20 s ("Managing RPOs for Aurora PostgreSQL-based global databases", Aurora User Guide): commits on
# the primary wait when a secondary's RPO lag would exceed it.
AURORA_GLOBAL_RPO_MIN_S = 20
DYNAMODB_GLOBAL_LAG_S = 1, "DynamoDB global tables (async): AWS states replication typically within 1 s"
S3_RTC_S = 900, "S3 Replication Time Control: 99.99% of objects within 15 min (SLA)"
S3_CRR_NO_RTC_S = 86400, "S3 replication without RTC: no time bound, budget 24 h"
FENCE_ALARM_S = 60, "fence: the PrimaryFenced metric's alarm evaluates one 60 s period"
ROUTE53_FOLLOWS_ALARM_S = 30, "Route 53 health check follows the fence alarm's state: budget 30 s"
AUTOMATION_CONFIRM_S = 30, "failover automation confirms the outage: 3 probes 10 s apart"
AUTOMATION_VERIFY_S = 30, "failover automation verifies traffic reaches the secondary"
# The failover lock's lease: its holder renews it every third of this; a contender that sees the lock unchanged for
# a whole lease (on its own clock, so clocks need not agree) takes it from a holder that died.
FAILOVER_LOCK_LEASE_S = 60, "failover lock lease: a run that died holding the lock is taken over after 60 s"
AUTOMATION_SCHEDULE_S = 60, "failover function's detection schedule: every minute"
ECS_SCALE_OUT_S = 60, "ECS service scale-out: task placement and image pull, budget 60 s"
TARGET_GROUP_DETECT_S = 30, "ALB target health check: 10 s interval x 3 failures"
PITR_LAG_S = 300, "point-in-time restore: latest restorable time is within 5 min of now (Aurora, DynamoDB)"
RESTORE_S = 3600, "restore of a point-in-time copy into a new cluster/table: budget 1 h for < 1 TB"
REPOINT_S = 300, "repoint the service to the restored store and redeploy: budget 5 min"
S3_VERSION_RESTORE_S = 0, "S3 versioning keeps every overwritten or deleted object version"


@dataclass(frozen=True)
class RecoveryParameters:
    """The deployment settings recovery time depends on, wherever they were read from."""

    health_check_interval_s: float
    health_check_failure_threshold: int
    alarm_period_s: float
    alarm_evaluation_periods: int
    dns_ttl_s: float
    standby_capacity_fraction: float
    warm_up_s: float
    primary_db_instances: int
    secondary_db_instances: int
    s3_replication_time_control: bool = True
    pitr_enabled: bool = True  # point-in-time recovery on every DynamoDB table (the sessions tier)
    # Aurora's automated backups, which point-in-time restore reads: the fewest days any cluster keeps (a promoted
    # secondary becomes the writer, so its own setting counts). 0 would mean no automated backups at all.
    database_backup_retention_days: float = 1.0
    # How long a person takes to approve an unplanned failover (automation.approvalMinutes); 0 when the function
    # fails over on its own (automation.unplannedFailover: automatic) or the setting is unknown (the policy pack).
    approval_s: float = 0.0
    sources: Mapping[str, str] = field(default_factory=dict)  # parameter -> where it was read

    def source(self, name: str, default: str) -> str:
        return self.sources.get(name, default)


@dataclass(frozen=True)
class Step:
    name: str
    seconds: float
    source: str


@dataclass(frozen=True)
class Estimate:
    """One disruption's RTO, or one data tier's RPO, against its target."""

    disruption: str
    measure: str  # "RTO" or "RPO <tier>"
    seconds: float
    target_seconds: float
    steps: tuple[Step, ...]
    config_key: str
    fix: str

    @property
    def meets_target(self) -> bool:
        return self.seconds <= self.target_seconds

    def summary(self) -> str:
        return (f"{self.disruption} {self.measure} estimate {format_duration(self.seconds)} "
                f"exceeds target {format_duration(self.target_seconds)}")


def format_duration(seconds: float) -> str:
    if math.isinf(seconds):
        return "unbounded"
    if seconds < 120:
        return f"{seconds:g} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def _cfg(p: RecoveryParameters, name: str, label: str) -> str:
    return p.source(name, f"stack config {label}")


def region_loss_rto_steps(p: RecoveryParameters) -> list[Step]:
    detection = p.health_check_interval_s * p.health_check_failure_threshold
    alarm = p.alarm_period_s * p.alarm_evaluation_periods
    db_seconds, db_source = AURORA_GLOBAL_FAILOVER_S
    if p.secondary_db_instances == 0:
        db_seconds += AURORA_ADD_READER_S[0]
        db_source += "; " + AURORA_ADD_READER_S[1]
    compute_seconds = 0.0 if p.standby_capacity_fraction >= 1 else ECS_SCALE_OUT_S[0] + p.warm_up_s
    parallel = max(db_seconds, compute_seconds)
    parallel_source = (f"promote database ({format_duration(db_seconds)}: {db_source}) in parallel with scaling the "
                       f"standby from {p.standby_capacity_fraction:.0%} to full capacity "
                       f"({format_duration(compute_seconds)}: {ECS_SCALE_OUT_S[1]} + warm-up {p.warm_up_s:g} s, "
                       f"{_cfg(p, 'warm_up_s', 'compute.warmUpSeconds')})")
    return [
        Step("detect", detection, f"Route 53 health check interval {p.health_check_interval_s:g} s x failure threshold "
             f"{p.health_check_failure_threshold} ({_cfg(p, 'health_check_interval_s', 'dns.healthCheckIntervalSeconds')})"),
        Step("alarm", alarm, f"CloudWatch alarm period {p.alarm_period_s:g} s x {p.alarm_evaluation_periods} evaluation "
             f"periods ({_cfg(p, 'alarm_period_s', 'monitoring.alarmPeriodSeconds')})"),
        Step("confirm", AUTOMATION_CONFIRM_S[0], AUTOMATION_CONFIRM_S[1]),
        *([Step("approval", p.approval_s, f"a person approves the proposed failover within "
                f"{format_duration(p.approval_s)} ({_cfg(p, 'approval_s', 'automation.approvalMinutes')}), "
                f"then the function's next run takes it: {AUTOMATION_SCHEDULE_S[1]}")] if p.approval_s else []),
        Step("lock (worst case)", FAILOVER_LOCK_LEASE_S[0] + AUTOMATION_SCHEDULE_S[0],
             f"a run that died holding the lock is found by the next scheduled run ({AUTOMATION_SCHEDULE_S[1]}) and "
             f"taken over after watching one lease ({FAILOVER_LOCK_LEASE_S[1]})"),
        Step("promote+scale", parallel, parallel_source),
        Step("shift traffic", FENCE_ALARM_S[0] + ROUTE53_FOLLOWS_ALARM_S[0] + p.dns_ttl_s,
             f"{FENCE_ALARM_S[1]} + {ROUTE53_FOLLOWS_ALARM_S[1]} + resolvers' cached answer, record TTL "
             f"{p.dns_ttl_s:g} s ({_cfg(p, 'dns_ttl_s', 'dns.ttlSeconds')})"),
        Step("verify", AUTOMATION_VERIFY_S[0], AUTOMATION_VERIFY_S[1]),
    ]


def az_loss_rto_steps(p: RecoveryParameters) -> list[Step]:
    db = AURORA_MULTI_AZ_FAILOVER_S if p.primary_db_instances >= 2 else AURORA_REPLACE_WRITER_S
    compute = TARGET_GROUP_DETECT_S[0] + ECS_SCALE_OUT_S[0] + p.warm_up_s
    return [
        Step("database", db[0], db[1]),
        Step("compute", compute, f"{TARGET_GROUP_DETECT_S[1]}; {ECS_SCALE_OUT_S[1]}; warm-up "
             f"{p.warm_up_s:g} s ({_cfg(p, 'warm_up_s', 'compute.warmUpSeconds')}); runs in parallel with database"),
    ]


def data_corruption_rto_steps(p: RecoveryParameters) -> list[Step]:
    return [Step("restore", RESTORE_S[0], RESTORE_S[1]), Step("repoint", REPOINT_S[0], REPOINT_S[1])]


def rpo_by_tier(p: RecoveryParameters, disruption: str) -> dict[str, tuple[float, str]]:
    if disruption == "azLoss":
        return {
            "transactional": (0, "Aurora storage is written synchronously to 3 AZs"),
            "sessions": (0, "DynamoDB writes are stored synchronously in 3 AZs"),
            "objects": (0, "S3 stores objects across at least 3 AZs before acknowledging"),
        }
    if disruption == "regionLoss":
        s3 = S3_RTC_S if p.s3_replication_time_control else S3_CRR_NO_RTC_S
        return {"transactional": AURORA_GLOBAL_LAG_S, "sessions": DYNAMODB_GLOBAL_LAG_S, "objects": s3}
    sessions = PITR_LAG_S if p.pitr_enabled else (86400, "no point-in-time recovery: daily backup, budget 24 h")
    days = p.database_backup_retention_days
    transactional = ((PITR_LAG_S[0], f"{PITR_LAG_S[1]}, for corruption found within {days:g} days "
                                     "(Aurora backupRetentionPeriod)") if days >= 1 else
                     (math.inf, "no automated Aurora backups (backupRetentionPeriod 0): nothing to restore from"))
    return {"transactional": transactional, "sessions": sessions, "objects": S3_VERSION_RESTORE_S}


_RTO_FIXES = {
    "regionLoss": "raise the target, or shorten dns.ttlSeconds / dns.healthCheckIntervalSeconds, "
                  "or keep readers in the secondary (database.secondaryInstances >= 1)",
    "azLoss": "raise the target, or run at least 2 database instances (database.primaryInstances)",
    "dataCorruption": "raise the target: restoring a point-in-time copy takes about an hour",
}


def assess(config_or_params, targets: Mapping | None = None) -> list[Estimate]:
    """RTO and per-tier RPO estimates for every disruption, each against its target.

    Accepts a StackConfig (targets taken from it) or RecoveryParameters plus targets
    mapping disruption -> object with `rto_minutes` and `rpo_seconds`.
    """
    if isinstance(config_or_params, RecoveryParameters):
        params = config_or_params
    else:
        params = parameters_from_config(config_or_params)
        targets = config_or_params.recovery_targets
    assert targets is not None
    estimates = []
    for disruption, steps in (("azLoss", az_loss_rto_steps(params)),
                              ("regionLoss", region_loss_rto_steps(params)),
                              ("dataCorruption", data_corruption_rto_steps(params))):
        target = targets[disruption]
        total = max(s.seconds for s in steps) if disruption == "azLoss" else sum(s.seconds for s in steps)
        estimates.append(Estimate(disruption, "RTO", total, target.rto_minutes * 60, tuple(steps),
                                  f"recoveryTargets.{disruption}.rtoMinutes", _RTO_FIXES[disruption]))
        for tier, (seconds, source) in rpo_by_tier(params, disruption).items():
            estimates.append(Estimate(
                disruption, f"RPO {tier}", seconds, target.rpo_seconds[tier], (Step("replication", seconds, source),),
                f"recoveryTargets.{disruption}.rpoSeconds.{tier}",
                f"no target can be met, fix the setting: {source}" if math.isinf(seconds) else
                f"raise the target to at least {seconds:g} s: {source}"))
    return estimates


def parameters_from_config(config) -> RecoveryParameters:
    return RecoveryParameters(
        health_check_interval_s=config.dns.health_check_interval_seconds,
        health_check_failure_threshold=config.dns.health_check_failure_threshold,
        alarm_period_s=config.monitoring.alarm_period_seconds,
        alarm_evaluation_periods=config.monitoring.alarm_evaluation_periods,
        dns_ttl_s=config.dns.ttl_seconds,
        standby_capacity_fraction=config.standby_capacity_fraction,
        warm_up_s=config.compute.warm_up_seconds,
        primary_db_instances=config.database.primary_instances,
        secondary_db_instances=config.database.secondary_instances,
        database_backup_retention_days=config.database.backup_retention_days,
        approval_s=(config.automation.approval_minutes * 60 + AUTOMATION_SCHEDULE_S[0]
                    if config.automation.unplanned_failover == "approval" else 0.0),
    )


def unmet(estimates: Iterable[Estimate]) -> list[Estimate]:
    return [e for e in estimates if not e.meets_target]
