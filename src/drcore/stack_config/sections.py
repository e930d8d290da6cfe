"""Parsing each section of the stack config into its typed form, naming the key and the fix on any bad value."""
from __future__ import annotations

import ipaddress
import re
from typing import Any, Callable, Mapping

from ..objectives import RecoveryTarget, read_recovery_targets
from ..regions import AWS_REGIONS
from ..tags import CONFIGURED_TAG_KEYS, DATA_CLASSIFICATIONS, DERIVED_TAG_KEYS
from .model import (CONFIG_RECORDER_MODES, MIN_OUTAGE_QUORUM, NAME_RE, KIT_STOREFRONT_HEALTH_PATHS, PRIVATE_ECR_IMAGE,
                    REGION_IN_IMAGE, SIGNAL_SOURCES, UNPLANNED_FAILOVER_MODES, AuditConfig, AutomationConfig, BackupConfig, ComputeConfig, ConfigError,
                    DatabaseConfig, DataConfig, DnsConfig, MonitoringConfig, NetworkConfig)


class _Section:
    """Reads one mapping-valued key, tracking the dotted path for error messages."""

    def __init__(self, key: str, value: Any, known: tuple[str, ...] | None = None):
        if not isinstance(value, Mapping):
            raise ConfigError(key, f"must be a mapping, got {type(value).__name__}",
                              "write it as a YAML mapping of sub-keys")
        self.key, self.value = key, value
        if known is not None:
            for sub in value:
                if sub not in known:
                    raise ConfigError(f"{key}.{sub}", "is not a known setting",
                                      f"use one of: {', '.join(known)}")

    def _get(self, sub: str, default: Any = None) -> Any:
        if sub not in self.value:
            if default is None:
                raise ConfigError(f"{self.key}.{sub}", "is missing", "set it in Pulumi.<stack>.yaml")
            return default
        return self.value[sub]

    def int(self, sub: str, low: int, high: int, default: int | None = None) -> int:
        value = self._get(sub, default)
        if isinstance(value, bool) or not isinstance(value, int):
            value = coerce(value, int, f"{self.key}.{sub}", "a whole number")
        if not low <= value <= high:
            raise ConfigError(f"{self.key}.{sub}", f"is {value}, outside {low}..{high}",
                              f"choose a value from {low} to {high}")
        return value

    def num(self, sub: str, low: float, high: float, default: float | None = None) -> float:
        value = coerce(self._get(sub, default), float, f"{self.key}.{sub}", "a number")
        if not low <= value <= high:
            raise ConfigError(f"{self.key}.{sub}", f"is {value:g}, outside {low:g}..{high:g}",
                              f"choose a value from {low:g} to {high:g}")
        return value

    def str(self, sub: str, default: str | None = None, pattern: str | None = None, hint: str = "") -> str:
        value = self._get(sub, default)
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{self.key}.{sub}", "must be a non-empty string", "set a text value")
        if pattern and not re.fullmatch(pattern, value):
            raise ConfigError(f"{self.key}.{sub}", f"is '{value}', not {hint}", f"write {hint}")
        return value


def coerce(value: Any, kind: Callable[[Any], Any], key: str, what: str) -> Any:
    # Pulumi config values arrive as strings from the CLI (`pulumi config set x 3`), so accept numeric text.
    if isinstance(value, bool):
        raise ConfigError(key, f"is {value}, not {what}", f"set {what}")
    try:
        result = kind(value)
    except (TypeError, ValueError):
        raise ConfigError(key, f"is '{value}', not {what}", f"set {what}") from None
    if kind is int and isinstance(value, float) and value != result:
        raise ConfigError(key, f"is {value}, not {what}", f"set {what}")
    return result


def parse_region(raw: Mapping[str, Any], key: str) -> str:
    value = raw.get(key)
    if not value:
        raise ConfigError(key, "is missing", "set it to an AWS region such as us-east-1")
    if value not in AWS_REGIONS:
        raise ConfigError(key, f"is '{value}', not a known AWS region", "use a region code such as us-east-1 or eu-west-1")
    return value


def parse_network(raw: Any) -> NetworkConfig:
    section = _Section("network", raw, ("primaryCidr", "secondaryCidr", "availabilityZones", "natGatewaysPerRegion",
                                         "zoneNames"))
    networks = {}
    for sub in ("primaryCidr", "secondaryCidr"):
        text = section.str(sub)
        try:
            net = ipaddress.IPv4Network(text, strict=True)
        except ValueError:
            raise ConfigError(f"network.{sub}", f"is '{text}', not an IPv4 network in CIDR form",
                              "write it like 10.10.0.0/16") from None
        if not 16 <= net.prefixlen <= 20:
            raise ConfigError(f"network.{sub}", f"is a /{net.prefixlen}", "use a prefix from /16 to /20 so 9 subnets fit")
        if not net.is_private:
            raise ConfigError(f"network.{sub}", f"is '{text}', a public range", "use an RFC 1918 private range")
        networks[sub] = net
    if networks["primaryCidr"].overlaps(networks["secondaryCidr"]):
        raise ConfigError("network.secondaryCidr", f"overlaps network.primaryCidr ({networks['primaryCidr']})",
                          "give each region its own non-overlapping range so the VPCs can be peered")
    azs = section.int("availabilityZones", 2, 3, 3)
    return NetworkConfig(
        primary_cidr=str(networks["primaryCidr"]), secondary_cidr=str(networks["secondaryCidr"]),
        availability_zones=azs, nat_gateways_per_region=section.int("natGatewaysPerRegion", 1, azs, 1),
        zone_names=_zone_names(section.value.get("zoneNames"), azs),
    )


def _zone_names(raw: Any, count: int) -> dict[str, tuple[str, ...]] | None:
    """Checked against the regions in parse_stack_config, which knows them."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping) or set(raw) != {"primary", "secondary"}:
        raise ConfigError("network.zoneNames", "must map primary and secondary to lists of zone names",
                          "write e.g. {primary: [us-east-1a, us-east-1b, us-east-1c], secondary: [...]}")
    zones = {}
    for role, names in raw.items():
        if not isinstance(names, list) or len(names) != count or len(set(names)) != count or \
                not all(isinstance(n, str) and re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d[a-z]", n) for n in names):
            raise ConfigError(f"network.zoneNames.{role}", f"is {names!r}", f"list {count} distinct zone names "
                              "(network.availabilityZones), e.g. us-east-1a")
        zones[role] = tuple(names)
    return zones


def parse_compute(raw: Any) -> ComputeConfig:
    section = _Section("compute", raw, ("image", "containerPort", "cpu", "memory", "desiredCount", "minCount",
                                         "maxCount", "warmUpSeconds", "healthCheckPath", "livenessPath"))
    cpu = section.int("cpu", 256, 16384)
    if cpu not in (256, 512, 1024, 2048, 4096, 8192, 16384):
        raise ConfigError("compute.cpu", f"is {cpu}, not a Fargate CPU size", "use 256, 512, 1024, 2048, 4096, 8192 or 16384")
    minimum = section.int("minCount", 1, 1000)
    desired = section.int("desiredCount", 1, 1000)
    maximum = section.int("maxCount", 1, 1000)
    if not minimum <= desired <= maximum:
        raise ConfigError("compute.desiredCount", f"is {desired}, not between minCount {minimum} and maxCount {maximum}",
                          "make minCount <= desiredCount <= maxCount")
    config = ComputeConfig(
        image=section.str("image"), container_port=section.int("containerPort", 1, 65535, 8080),
        cpu=cpu, memory=section.int("memory", 512, 122880), desired_count=desired, min_count=minimum,
        max_count=maximum, warm_up_seconds=section.int("warmUpSeconds", 10, 1800, 90),
        health_check_path=section.str("healthCheckPath", "/health/deep", r"/[A-Za-z0-9/_.-]*", "a URL path starting with /"),
        liveness_path=section.str("livenessPath", "/health/live", r"/[A-Za-z0-9/_.-]*", "a URL path starting with /"),
    )
    ecr = PRIVATE_ECR_IMAGE.match(config.image)
    if ecr and ecr.group(2) != REGION_IN_IMAGE:
        raise ConfigError("compute.image", f"pulls from ECR in {ecr.group(2)} for both regions, so the recovery region "
                          f"could not start tasks while {ecr.group(2)} is down",
                          f"write {REGION_IN_IMAGE} for the region ({ecr.group(1)}.dkr.ecr.{REGION_IN_IMAGE}.amazonaws.com/"
                          f"{ecr.group(3)}:...) and push the image to both regions (storefront/README.md)")
    served = KIT_STOREFRONT_HEALTH_PATHS if config.uses_placeholder or config.builds_storefront else None
    for key, path in (("healthCheckPath", config.health_check_path), ("livenessPath", config.liveness_path)):
        if served and path not in served:
            raise ConfigError(f"compute.{key}", f"is '{path}', which the {config.image} storefront does not serve",
                              f"use {' or '.join(served)}, or set compute.image to your own storefront's image")
    return config


# "An Aurora global database requires DB instance classes that are optimized for memory-intensive applications"
# (Aurora User Guide, configuration requirements of an Aurora global database): the db.r and db.x families.
GLOBAL_DATABASE_CLASS = re.compile(r"db\.[rx][0-9]+[a-z]*\.[a-z0-9]+")
# The first Aurora PostgreSQL release of each major version that an Aurora global database runs ("Supported Regions
# and DB engines for Aurora global databases", Aurora User Guide; the same in every region this kit deploys to).
# A major missing here (10 and older are retired) is refused; add a new major here once AWS lists it.
GLOBAL_DATABASE_POSTGRESQL_MINIMUM = {11: (11, 7), 12: (12, 4), 13: (13, 4), 14: (14, 3), 15: (15, 2), 16: (16, 1),
                                      17: (17, 4)}


def _global_database_version(section: _Section) -> str:
    version = section.str("engineVersion", pattern=r"\d+\.\d+", hint="an Aurora PostgreSQL version such as 16.4")
    major, minor = (int(part) for part in version.split("."))
    minimum = GLOBAL_DATABASE_POSTGRESQL_MINIMUM.get(major)
    supported = ", ".join(f"{a}.{b}+" for a, b in GLOBAL_DATABASE_POSTGRESQL_MINIMUM.values())
    if minimum is None or (major, minor) < minimum:
        raise ConfigError("database.engineVersion", f"is '{version}', a version an Aurora global database does not "
                          "run", f"choose an Aurora PostgreSQL version from {supported}")
    return version


def parse_database(raw: Any) -> DatabaseConfig:
    section = _Section("database", raw, ("engineVersion", "instanceClass", "primaryInstances", "secondaryInstances",
                                          "backupRetentionDays", "databaseName"))
    instance_class = section.str("instanceClass", pattern=r"db\.[a-z0-9]+\.[a-z0-9]+",
                                 hint="an instance class such as db.r6g.large")
    if not GLOBAL_DATABASE_CLASS.fullmatch(instance_class):
        raise ConfigError("database.instanceClass", f"is '{instance_class}', a class an Aurora global database cannot "
                          "use (it takes memory-optimized classes only)", "choose a db.r or db.x class such as "
                          "db.r6g.large")
    return DatabaseConfig(
        engine_version=_global_database_version(section),
        instance_class=instance_class,
        primary_instances=section.int("primaryInstances", 1, 15),
        secondary_instances=section.int("secondaryInstances", 0, 15),
        backup_retention_days=section.int("backupRetentionDays", 1, 35),
        database_name=section.str("databaseName", "storefront", r"[a-z][a-z0-9_]{0,62}", "a lower-case identifier"),
    )


def parse_data(raw: Any) -> DataConfig:
    section = _Section("data", raw, ("tables", "buckets", "replicatedClassifications"))
    tables = section._get("tables")
    if not isinstance(tables, list) or not tables or not all(isinstance(t, str) and NAME_RE.match(t) for t in tables):
        raise ConfigError("data.tables", "must be a non-empty list of lower-case names", "write e.g. [carts, sessions]")
    if len(set(tables)) != len(tables):
        raise ConfigError("data.tables", "names a table twice", "list each table once")
    buckets = section._get("buckets")
    if not isinstance(buckets, Mapping) or not buckets:
        raise ConfigError("data.buckets", "must map bucket purposes to a DataClassification",
                          "write e.g. {media: internal, exports: confidential}")
    for purpose, classification in buckets.items():
        if not isinstance(purpose, str) or not NAME_RE.match(purpose):
            raise ConfigError("data.buckets", f"has purpose '{purpose}', not a lower-case name", "use names like media")
        if classification not in DATA_CLASSIFICATIONS:
            raise ConfigError(f"data.buckets.{purpose}", f"is '{classification}', not a data classification",
                              f"use one of: {', '.join(DATA_CLASSIFICATIONS)}")
    replicated = section._get("replicatedClassifications", ["internal", "confidential", "restricted"])
    if not isinstance(replicated, list) or any(c not in DATA_CLASSIFICATIONS for c in replicated):
        raise ConfigError("data.replicatedClassifications", "must be a list of data classifications",
                          f"use values from: {', '.join(DATA_CLASSIFICATIONS)}")
    return DataConfig(tables=tuple(tables), buckets=dict(buckets), replicated_classifications=tuple(replicated))


def parse_dns(raw: Any) -> DnsConfig:
    section = _Section("dns", raw, ("zoneName", "zoneId", "recordName", "ttlSeconds", "healthCheckIntervalSeconds",
                                     "healthCheckFailureThreshold"))
    hostname = r"([a-z0-9-]+\.)+[a-z]{2,}"
    zone = section.str("zoneName", pattern=hostname, hint="a DNS zone such as shop.example.com")
    record = section.str("recordName", pattern=hostname, hint="a host name such as www.shop.example.com")
    if record != zone and not record.endswith("." + zone):
        raise ConfigError("dns.recordName", f"is '{record}', outside zone '{zone}'", f"use a name ending in .{zone}")
    interval = section.int("healthCheckIntervalSeconds", 10, 30)
    if interval not in (10, 30):
        raise ConfigError("dns.healthCheckIntervalSeconds", f"is {interval}", "Route 53 allows only 10 or 30")
    zone_id = None
    if section.value.get("zoneId") is not None:  # Route 53 hosted zone ids: Z followed by up to 32 letters/digits
        zone_id = section.str("zoneId", pattern=r"Z[A-Z0-9]{1,32}", hint="a hosted zone id such as Z0123456789ABCDEFGHIJ")
    return DnsConfig(zone_name=zone, record_name=record, ttl_seconds=section.int("ttlSeconds", 0, 86400),
                     health_check_interval_seconds=interval,
                     health_check_failure_threshold=section.int("healthCheckFailureThreshold", 1, 10), zone_id=zone_id)


def parse_backup(raw: Any) -> BackupConfig:
    section = _Section("backup", raw, ("scheduleExpression", "retentionDays", "copyRetentionDays",
                                        "vaultLockMinRetentionDays", "vaultLockMaxRetentionDays",
                                        "vaultLockChangeableForDays"))
    config = BackupConfig(
        schedule_expression=section.str("scheduleExpression", pattern=r"(cron|rate)\(.+\)", hint="a cron(...) or rate(...) expression"),
        retention_days=section.int("retentionDays", 1, 36500),
        copy_retention_days=section.int("copyRetentionDays", 1, 36500),
        vault_lock_min_retention_days=section.int("vaultLockMinRetentionDays", 1, 36500),
        vault_lock_max_retention_days=section.int("vaultLockMaxRetentionDays", 1, 36500),
        vault_lock_changeable_for_days=section.int("vaultLockChangeableForDays", 3, 36500),
    )
    if config.vault_lock_min_retention_days > config.vault_lock_max_retention_days:
        raise ConfigError("backup.vaultLockMinRetentionDays", "is greater than vaultLockMaxRetentionDays",
                          "make the minimum no larger than the maximum")
    for sub, days in (("retentionDays", config.retention_days), ("copyRetentionDays", config.copy_retention_days)):
        if not config.vault_lock_min_retention_days <= days <= config.vault_lock_max_retention_days:
            raise ConfigError(f"backup.{sub}", f"is {days}, outside the vault lock's "
                              f"{config.vault_lock_min_retention_days}..{config.vault_lock_max_retention_days} days",
                              "keep recovery points within the vault lock's retention range or the lock rejects them")
    return config


def parse_monitoring(raw: Any) -> MonitoringConfig:
    section = _Section("monitoring", raw, ("alarmEmail", "alarmPeriodSeconds", "alarmEvaluationPeriods"))
    period = section.int("alarmPeriodSeconds", 10, 3600, 60)
    if period not in (10, 30) and period % 60:
        raise ConfigError("monitoring.alarmPeriodSeconds", f"is {period}", "CloudWatch allows 10, 30 or a multiple of 60")
    return MonitoringConfig(
        alarm_email=section.str("alarmEmail", pattern=r"[^@\s]+@[^@\s]+\.[a-z]{2,}", hint="an e-mail address"),
        alarm_period_seconds=period, alarm_evaluation_periods=section.int("alarmEvaluationPeriods", 1, 10, 2),
    )


def parse_automation(raw: Any) -> AutomationConfig:
    section = _Section("automation", raw, ("reservedConcurrency", "unplannedFailover", "outageQuorum",
                                           "approvalMinutes"))
    reserved = section.value.get("reservedConcurrency", 1)
    # YAML null: no reservation, the function runs from the account's unreserved pool
    reserved = None if reserved is None else section.int("reservedConcurrency", 1, 1000, 1)
    mode = section.str("unplannedFailover", "approval")
    if mode not in UNPLANNED_FAILOVER_MODES:
        raise ConfigError("automation.unplannedFailover", f"is '{mode}'", "write approval (a person approves an "
                          "unplanned failover) or automatic (the function fails over on a confirmed outage)")
    quorum = section.int("outageQuorum", MIN_OUTAGE_QUORUM, len(SIGNAL_SOURCES), MIN_OUTAGE_QUORUM)
    return AutomationConfig(reserved_concurrency=reserved, unplanned_failover=mode, outage_quorum=quorum,
                            approval_minutes=section.int("approvalMinutes", 1, 240, 5))


def parse_audit(raw: Any) -> AuditConfig:
    section = _Section("audit", raw, ("configRecorder",))
    mode = section.str("configRecorder", "create")
    if mode not in CONFIG_RECORDER_MODES:
        raise ConfigError("audit.configRecorder", f"is '{mode}'", "write create (the stack records AWS Config in "
                          "both regions) or existing (an organisation's recorder already does)")
    return AuditConfig(config_recorder=mode)


def parse_recovery_targets(raw: Any) -> dict[str, RecoveryTarget]:
    targets, problems = read_recovery_targets(raw, complete=True)
    if problems:
        raise ConfigError(problems[0].key, problems[0].problem, problems[0].fix)
    return targets


def parse_tags(raw: Any) -> dict[str, str]:
    section = _Section("tags", raw)
    tags = {}
    for key in CONFIGURED_TAG_KEYS:
        if key not in section.value or not str(section.value[key]).strip():
            raise ConfigError(f"tags.{key}", "is missing", f"set a value for the required tag {key}")
    for key, value in section.value.items():
        if key in DERIVED_TAG_KEYS:
            raise ConfigError(f"tags.{key}", "is derived by the program", f"remove it: {key} is set per region/resource")
        if not isinstance(value, (str, int)) or not str(value).strip() or len(str(value)) > 256:
            raise ConfigError(f"tags.{key}", "must be a text value of 1 to 256 characters", "set a short text value")
        tags[str(key)] = str(value)
    return tags


