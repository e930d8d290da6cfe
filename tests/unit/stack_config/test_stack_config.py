"""Stack config: the real stacks parse; every kind of bad value is refused naming the key and the fix."""
import pytest

from drcore.stack_config import ConfigError, parse_stack_config
from tests.support.stacks import edited, stack_values


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_real_stacks_parse(stack):
    config = parse_stack_config(stack, stack_values(stack))
    assert config.primary_region != config.secondary_region
    assert 0 < config.standby_capacity_fraction <= 1


def test_prod_is_sized_beyond_dev():
    dev, prod = (parse_stack_config(s, stack_values(s)) for s in ("dev", "prod"))
    assert prod.compute.desired_count > dev.compute.desired_count
    assert prod.database.secondary_instances >= 1 and dev.database.secondary_instances == 0


BAD_CONFIGS = [
    ("secondaryRegion", "us-east-1", "secondaryRegion", "same as primaryRegion"),
    ("primaryRegion", "us-middle-9", "primaryRegion", "not a known AWS region"),
    ("primaryRegion", ..., "primaryRegion", "is missing"),
    ("network.secondaryCidr", "10.10.128.0/17", "network.secondaryCidr", "overlaps"),
    ("network.primaryCidr", "10.10.0.1/16", "network.primaryCidr", "not an IPv4 network"),
    ("network.primaryCidr", "8.8.0.0/16", "network.primaryCidr", "public range"),
    ("standbyCapacityFraction", 0, "standbyCapacityFraction", "outside (0, 1]"),
    ("standbyCapacityFraction", 1.5, "standbyCapacityFraction", "outside (0, 1]"),
    ("standbyCapacityFraction", "half", "standbyCapacityFraction", "not a number"),
    ("tags.Owner", ..., "tags.Owner", "is missing"),
    ("tags.CostCenter", "", "tags.CostCenter", "is missing"),
    ("tags.DRRole", "primary", "tags.DRRole", "derived by the program"),
    ("recoveryTargets.regionLoss.rtoMinutes", 2, "recoveryTargets.regionLoss.rtoMinutes", "cannot be met"),
    ("recoveryTargets.regionLoss.rpoSeconds.objects", 60, "recoveryTargets.regionLoss.rpoSeconds.objects",
     "cannot be met"),
    ("recoveryTargets.azLoss", ..., "recoveryTargets.azLoss", "is missing"),
    ("compute.cpu", 300, "compute.cpu", "not a Fargate CPU size"),
    ("compute.desiredCount", 100, "compute.desiredCount", "not between minCount"),
    ("dns.healthCheckIntervalSeconds", 20, "dns.healthCheckIntervalSeconds", "only 10 or 30"),
    ("dns.recordName", "www.other.org", "dns.recordName", "outside zone"),
    ("backup.vaultLockMinRetentionDays", 400, "backup.vaultLockMinRetentionDays", "greater than"),
    ("backup.retentionDays", 500, "backup.retentionDays", "outside the vault lock"),
    ("database.secondaryInstances", -1, "database.secondaryInstances", "outside 0..15"),
    ("data.tables", [], "data.tables", "non-empty list"),
    ("data.buckets.media", "secret", "data.buckets.media", "not a data classification"),
    ("monitoring.alarmEmail", "nobody", "monitoring.alarmEmail", "not an e-mail address"),
    ("colour", "blue", "colour", "not a known setting"),
    ("network.vpcs", 2, "network.vpcs", "not a known setting"),
    ("environment", "Prod Env", "environment", "lower-case"),
    # An Aurora global database takes memory-optimized classes only (burstable db.t*, general db.m* are refused).
    ("database.instanceClass", "db.t4g.medium", "database.instanceClass", "cannot use"),
    ("database.instanceClass", "db.t3.large", "database.instanceClass", "cannot use"),
    ("database.instanceClass", "db.m5.large", "database.instanceClass", "cannot use"),
    # 0 would throttle every invocation of the failover function: never a valid reservation.
    ("automation.reservedConcurrency", 0, "automation.reservedConcurrency", "outside 1..1000"),
    ("automation.concurrency", 1, "automation.concurrency", "not a known setting"),
    ("dns.zoneId", "shop.example.com", "dns.zoneId", "not a hosted zone id"),
    ("audit.configRecorder", "organisation", "audit.configRecorder", "is 'organisation'"),
    ("automation.unplannedFailover", "yolo", "automation.unplannedFailover", "is 'yolo'"),
    ("accountId", "1234", "accountId", "12-digit"),
    ("network.zoneNames", {"primary": ["us-east-1a", "us-east-1b", "us-east-1c"]}, "network.zoneNames",
     "must map primary and secondary"),
    ("network.zoneNames", {"primary": ["us-east-1a", "us-east-1b", "us-east-1c"],
                           "secondary": ["us-east-1a", "us-east-1b", "us-east-1c"]},
     "network.zoneNames.secondary", "not all zones of us-west-2"),
    ("network.zoneNames", {"primary": ["us-east-1a"], "secondary": ["us-west-2a"]}, "network.zoneNames.primary",
     "list 3 distinct zone names"),
    # One signal alone never confirms an outage; there are three independent ones.
    ("automation.outageQuorum", 1, "automation.outageQuorum", "outside 2..3"),
    ("automation.outageQuorum", 4, "automation.outageQuorum", "outside 2..3"),
    # Global databases run Aurora PostgreSQL 11.7+/12.4+/13.4+/14.3+/15.2+/16.1+/17.4+; 10 is retired.
    ("database.engineVersion", "10.21", "database.engineVersion", "does not run"),
    ("database.engineVersion", "11.4", "database.engineVersion", "does not run"),
    ("database.engineVersion", "16", "database.engineVersion", "not an Aurora PostgreSQL version"),
]


@pytest.mark.parametrize("version", ["16.4", "15.2", "17.4", "11.9", "14.3"])
def test_versions_an_aurora_global_database_runs_are_accepted(version):
    config = parse_stack_config("prod", edited(stack_values("prod"), "database.engineVersion", version))
    assert config.database.engine_version == version


def test_the_organisations_config_recorder_is_a_stack_choice():
    assert parse_stack_config("prod", stack_values("prod")).audit.creates_config_recorder
    existing = parse_stack_config("prod", edited(stack_values("prod"), "audit.configRecorder", "existing"))
    assert existing.audit.config_recorder == "existing" and not existing.audit.creates_config_recorder


def test_an_existing_zone_is_named_by_its_id_and_a_new_one_by_its_absence():
    assert parse_stack_config("prod", stack_values("prod")).dns.zone_id is None
    existing = parse_stack_config("prod", edited(stack_values("prod"), "dns.zoneId", "Z0123456789ABCDEFGHIJ"))
    assert existing.dns.zone_id == "Z0123456789ABCDEFGHIJ"


def test_failover_concurrency_is_reserved_unless_the_account_cannot_spare_it():
    assert parse_stack_config("prod", stack_values("prod")).automation.reserved_concurrency == 1
    unreserved = parse_stack_config("prod", edited(stack_values("prod"), "automation.reservedConcurrency", None))
    assert unreserved.automation.reserved_concurrency is None


@pytest.mark.parametrize("instance_class", ["db.r6g.large", "db.r7g.xlarge", "db.r6gd.2xlarge", "db.r8g.large",
                                            "db.x2g.large", "db.r5.large", "db.r6i.large"])
def test_memory_optimized_classes_serve_a_global_database(instance_class):
    config = parse_stack_config("prod", edited(stack_values("prod"), "database.instanceClass", instance_class))
    assert config.database.instance_class == instance_class


@pytest.mark.parametrize("path,value,key,problem", BAD_CONFIGS, ids=[f"{c[0]}={c[1]!r}" for c in BAD_CONFIGS])
def test_bad_config_names_key_and_fix(path, value, key, problem):
    with pytest.raises(ConfigError) as caught:
        parse_stack_config("prod", edited(stack_values("prod"), path, value))
    message = str(caught.value)
    assert caught.value.key == key
    assert f"'ecommerce-dr:{key}'" in message
    assert problem in message
    assert "; " in message and "\n" not in message  # problem; fix — on one line


def test_numeric_text_from_the_pulumi_cli_is_accepted():
    # `pulumi config set standbyCapacityFraction 0.5` stores text, not a number.
    config = parse_stack_config("prod", edited(stack_values("prod"), "standbyCapacityFraction", "0.5"))
    assert config.standby_capacity_fraction == 0.5


def test_a_person_decides_unplanned_failover_unless_the_stack_opts_in():
    config = parse_stack_config("prod", stack_values("prod"))
    assert config.automation.unplanned_failover == "approval" and config.automation.outage_quorum == 2
    automatic = parse_stack_config("prod", edited(stack_values("prod"), "automation.unplannedFailover", "automatic"))
    assert automatic.automation.unplanned_failover == "automatic"


def test_a_private_ecr_image_must_name_each_regions_own_registry():
    fixed = "111122223333.dkr.ecr.us-east-1.amazonaws.com/storefront:1.0"
    with pytest.raises(ConfigError) as raised:
        parse_stack_config("prod", edited(stack_values("prod"), "compute.image", fixed))
    assert "could not start tasks while us-east-1 is down" in str(raised.value)
    assert "111122223333.dkr.ecr.{region}.amazonaws.com/storefront" in str(raised.value)
    per_region = parse_stack_config("prod", edited(stack_values("prod"), "compute.image", fixed.replace(
        "us-east-1", "{region}")))
    assert per_region.compute.image_in("us-west-2") == "111122223333.dkr.ecr.us-west-2.amazonaws.com/storefront:1.0"
    public = parse_stack_config("prod", edited(stack_values("prod"), "compute.image", "ghcr.io/example/shop:1"))
    assert public.compute.image_in("us-west-2") == "ghcr.io/example/shop:1"
