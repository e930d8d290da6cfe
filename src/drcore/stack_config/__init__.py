"""Stack configuration: raw key/value pairs -> one typed, validated `StackConfig`.

The same parser serves the Pulumi program (values from `pulumi.Config`) and the
offline tools (values read from `Pulumi.<stack>.yaml`), so a bad value is
reported the same way everywhere: one `ConfigError` naming the key and the fix.
The typed model lives in model.py, the per-section parsing in sections.py.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Mapping

from .model import (NAME_RE, BackupConfig,  # noqa: F401 - the typed stack config is used through this package
                    ComputeConfig, ConfigError, DatabaseConfig, DataConfig, DnsConfig, MonitoringConfig, NetworkConfig,
                    StackConfig)
from .sections import (coerce, parse_audit, parse_automation, parse_backup, parse_compute, parse_data, parse_database,
                       parse_dns, parse_monitoring, parse_network, parse_recovery_targets, parse_region, parse_tags)

# Top-level keys and how each is parsed. Unknown keys are rejected so a typo never silently falls back.
TOP_LEVEL_KEYS = (
    "environment", "primaryRegion", "secondaryRegion", "standbyCapacityFraction", "tags", "network",
    "compute", "database", "data", "dns", "backup", "monitoring", "recoveryTargets", "scaleFactor", "automation",
    "audit", "accountId",
)


def parse_stack_config(stack: str, raw: Mapping[str, Any]) -> StackConfig:
    """Validate raw config (keys without the project namespace) and return the typed config."""
    for key in raw:
        if key not in TOP_LEVEL_KEYS:
            raise ConfigError(key, "is not a known setting", f"use one of: {', '.join(TOP_LEVEL_KEYS)}")
    environment = raw.get("environment")
    if not isinstance(environment, str) or not NAME_RE.match(environment):
        raise ConfigError("environment", f"is {environment!r}", "set a short lower-case name such as dev or prod")
    primary, secondary = parse_region(raw, "primaryRegion"), parse_region(raw, "secondaryRegion")
    if primary == secondary:
        raise ConfigError("secondaryRegion", f"is '{secondary}', the same as primaryRegion",
                          "choose a different region so a regional outage cannot take out both")
    fraction = coerce(raw.get("standbyCapacityFraction"), float, "standbyCapacityFraction", "a number")
    if not 0 < fraction <= 1:
        raise ConfigError("standbyCapacityFraction", f"is {fraction:g}, outside (0, 1]",
                          "set the standby's share of primary capacity, e.g. 0.5 for half")
    scale = raw.get("scaleFactor", 1)
    if isinstance(scale, bool) or not isinstance(scale, int) or not 1 <= scale <= 50:
        raise ConfigError("scaleFactor", f"is {scale!r}", "set a whole number from 1 to 50 (benchmarks only)")
    config = StackConfig(
        stack=stack, environment=environment, primary_region=primary, secondary_region=secondary,
        standby_capacity_fraction=fraction, tags=parse_tags(raw.get("tags", {})),
        network=parse_network(raw.get("network")), compute=parse_compute(raw.get("compute")),
        database=parse_database(raw.get("database")), data=parse_data(raw.get("data")), dns=parse_dns(raw.get("dns")),
        backup=parse_backup(raw.get("backup")), monitoring=parse_monitoring(raw.get("monitoring")),
        recovery_targets=parse_recovery_targets(raw.get("recoveryTargets")), scale_factor=scale,
        automation=parse_automation(raw.get("automation", {})), audit=parse_audit(raw.get("audit", {})),
        account_id=_account_id(raw.get("accountId")),
    )
    for role, region in (("primary", primary), ("secondary", secondary)):
        names = (config.network.zone_names or {}).get(role, ())
        if any(not name.startswith(region) for name in names):
            raise ConfigError(f"network.zoneNames.{role}", f"names {list(names)}, not all zones of {region}",
                              f"list zones of the {role} region {region}")
    _check_targets_achievable(config)
    return _scaled(config) if scale > 1 else config


def _account_id(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    if not text.isdigit() or len(text) != 12:
        raise ConfigError("accountId", f"is {value!r}", "write the 12-digit AWS account id, quoted, e.g. '111122223333'")
    return text


def _scaled(config: StackConfig) -> StackConfig:
    """Benchmarks grow the graph by repeating every data store (tables and buckets) scaleFactor times."""
    copies = range(2, config.scale_factor + 1)
    tables = (*config.data.tables, *(f"{t}-{n}" for n in copies for t in config.data.tables))
    buckets = {**config.data.buckets, **{f"{b}-{n}": c for n in copies for b, c in config.data.buckets.items()}}
    return replace(config, data=replace(config.data, tables=tables, buckets=buckets))


def _check_targets_achievable(config: StackConfig) -> None:
    # Imported here: the recovery model itself reads StackConfig, so a module-level import would be circular.
    from ..recovery_model import assess

    for estimate in assess(config):
        if not estimate.meets_target:
            raise ConfigError(estimate.config_key, f"cannot be met: {estimate.summary()}", estimate.fix)
