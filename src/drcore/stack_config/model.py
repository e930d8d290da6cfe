"""The typed stack configuration: what a validated Pulumi.<stack>.yaml holds, and the error a bad value raises."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from ..objectives import RecoveryTarget
from ..platform import PROJECT
from ..tags import DATA_CLASSIFICATION_TAG, DR_ROLE_TAG, ENVIRONMENT_TAG

NAME_RE = re.compile(r"^[a-z][a-z0-9-]{0,30}$")


class ConfigError(ValueError):
    """A stack config value is missing or wrong; the message names the key and the fix."""

    def __init__(self, key: str, problem: str, fix: str):
        self.key = key
        super().__init__(f"stack config '{PROJECT}:{key}' {problem}; {fix}")


@dataclass(frozen=True)
class NetworkConfig:
    primary_cidr: str
    secondary_cidr: str
    availability_zones: int
    nat_gateways_per_region: int
    # role -> the Availability Zone names the subnets use, pinned: no look-up at run time (a `pulumi up` during a
    # regional outage cannot ask the lost region), and an impaired AZ dropping out of the "available" list can
    # never move (replace) a subnet. None: looked up once per run from the region's provider.
    zone_names: Mapping[str, tuple[str, ...]] | None = None


# compute.image value that builds the reference storefront (storefront/) during `pulumi up` and pushes it to a
# repository the stack creates in each region: a first deployment serves real orders with no published image.
BUILT_STOREFRONT_IMAGE = "storefront"
# compute.image value that runs the kit's placeholder storefront (infra/placeholder/server.py): no Docker needed on
# the machine that deploys, and no orders: it only proves DNS -> ALB -> task.
PLACEHOLDER_IMAGE = "placeholder"
# The health paths both of the kit's storefronts serve (storefront/health.py, infra/placeholder/server.py).
KIT_STOREFRONT_HEALTH_PATHS = ("/health/live", "/health/deep")
# Written in compute.image where the region goes: each region's tasks pull from their own region's registry, so
# the recovery region can start tasks while the primary region (and its ECR) is gone.
REGION_IN_IMAGE = "{region}"
PRIVATE_ECR_IMAGE = re.compile(r"^(\d{12})\.dkr\.ecr\.([a-z0-9-]+|\{region\})\.amazonaws\.com/([^:@]+)")


@dataclass(frozen=True)
class ComputeConfig:
    image: str
    container_port: int
    cpu: int
    memory: int
    desired_count: int
    min_count: int
    max_count: int
    warm_up_seconds: int
    # Can this region take traffic (database, tables): followed by Route 53 and the failover automation.
    health_check_path: str
    # Is this task's process serving: followed by the load balancer, which replaces tasks that fail it. Shallow on
    # purpose, so a database outage makes the region unhealthy in DNS without ECS killing every task in it.
    liveness_path: str = "/health/live"

    @property
    def uses_placeholder(self) -> bool:
        return self.image == PLACEHOLDER_IMAGE

    @property
    def builds_storefront(self) -> bool:
        return self.image == BUILT_STOREFRONT_IMAGE

    def image_in(self, region: str) -> str:
        """The image the tasks of `region` run: compute.image with {region} filled in."""
        return self.image.replace(REGION_IN_IMAGE, region)


@dataclass(frozen=True)
class DatabaseConfig:
    engine_version: str
    instance_class: str
    primary_instances: int
    secondary_instances: int  # 0 = headless secondary cluster
    backup_retention_days: int
    database_name: str


@dataclass(frozen=True)
class DataConfig:
    tables: tuple[str, ...]
    buckets: Mapping[str, str]  # bucket purpose -> DataClassification
    replicated_classifications: tuple[str, ...]


@dataclass(frozen=True)
class DnsConfig:
    zone_name: str
    record_name: str
    ttl_seconds: int
    health_check_interval_seconds: int
    health_check_failure_threshold: int
    # An existing public hosted zone for zone_name, already delegated from its parent (the usual case): the stack
    # puts its records there. None: the stack creates the zone, and certificates validate only once its name
    # servers (stack output dns.nameServers) are delegated from the parent.
    zone_id: str | None = None


@dataclass(frozen=True)
class BackupConfig:
    schedule_expression: str
    retention_days: int
    copy_retention_days: int
    vault_lock_min_retention_days: int
    vault_lock_max_retention_days: int
    vault_lock_changeable_for_days: int

    @property
    def shortest_kept_days(self) -> int:
        """How long every recovery point is kept, at least: in the primary's vault or as a copy in the secondary's.
        Config rule parameters name it as {backup.shortestKeptDays}."""
        return min(self.retention_days, self.copy_retention_days)


@dataclass(frozen=True)
class MonitoringConfig:
    alarm_email: str
    alarm_period_seconds: int
    alarm_evaluation_periods: int


UNPLANNED_FAILOVER_MODES = ("approval", "automatic")
MIN_OUTAGE_QUORUM = 2  # one signal alone (a probe from here) never confirms an outage
# The independent signals of an outage (drfailover.signals): the recovery region's own HTTP probe, Route 53's
# health checkers, and the primary's endpoint alarm.
SIGNAL_SOURCES = ("probe", "route53", "alarm")


@dataclass(frozen=True)
class AutomationConfig:
    # Concurrency reserved for the failover function: 1 keeps it runnable when the account is saturated, but every
    # reservation must leave the account's unreserved pool at its minimum (100 on a default 1,000 quota); accounts
    # with a low quota (new accounts may have 10) must set None and run from the unreserved pool.
    reserved_concurrency: int | None = 1
    # Who decides an unplanned regional failover, which may lose data. "approval" (default, as Route 53 ARC has
    # it): the function detects, checks the secondary can serve, and pages with the command that approves; a
    # person decides. "automatic": the function fails over on its own once `outage_quorum` independent signals
    # agree the primary is down.
    unplanned_failover: str = "approval"
    outage_quorum: int = MIN_OUTAGE_QUORUM
    # With approval: how long the on-call takes to approve (the paging SLA); the region-loss RTO counts it.
    approval_minutes: int = 5


CONFIG_RECORDER_MODES = ("create", "existing")


@dataclass(frozen=True)
class AuditConfig:
    # AWS Config allows one customer-managed recorder and one delivery channel per region. "create": the stack
    # brings its own in both regions. "existing": an organisation (Control Tower, or org-wide Config) already
    # records every resource in both regions; the stack adds only its Config rules, which need that recorder.
    config_recorder: str = "create"

    @property
    def creates_config_recorder(self) -> bool:
        return self.config_recorder == "create"


@dataclass(frozen=True)
class StackConfig:
    stack: str
    environment: str
    primary_region: str
    secondary_region: str
    standby_capacity_fraction: float
    tags: Mapping[str, str]
    network: NetworkConfig
    compute: ComputeConfig
    database: DatabaseConfig
    data: DataConfig
    dns: DnsConfig
    backup: BackupConfig
    monitoring: MonitoringConfig
    recovery_targets: Mapping[str, RecoveryTarget]
    scale_factor: int = 1
    automation: AutomationConfig = field(default_factory=AutomationConfig)
    audit: AuditConfig = field(default_factory=AuditConfig)
    # The AWS account the stack deploys into, pinned: bucket names and policies need it, and without it the
    # program asks STS through each region's provider, which a `pulumi up` during a regional outage cannot do.
    account_id: str | None = None
    extras: Mapping[str, Any] = field(default_factory=dict)

    @property
    def regions(self) -> tuple[str, str]:
        return (self.primary_region, self.secondary_region)

    def base_tags(self, dr_role: str) -> dict[str, str]:
        """Tags every resource in the region with this DR role carries (provider default tags)."""
        tags = dict(self.tags)
        tags.update({ENVIRONMENT_TAG: self.environment, DR_ROLE_TAG: dr_role, DATA_CLASSIFICATION_TAG: "internal"})
        return tags


