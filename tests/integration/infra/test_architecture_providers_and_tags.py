"""Providers, regions and tags in the real program's resource graph: every AWS resource has an explicit
provider in a configured region, and resolves the required tags (its own, or its provider's default tags)."""
from __future__ import annotations

import pytest

from drcore.tags import REQUIRED_TAG_KEYS
from tests.support.architecture import (ALARM, CLASSIFICATION_RANK, DB_CLUSTER, DB_INSTANCE, EDITED, GLOBAL,
                                        GLOBAL_CLUSTER, HEALTH_CHECK, KMS_KEY, METRICS_REGION, PROVIDER, ROLES, SECRET,
                                        STACKS, SUBSCRIPTION, TABLE, TOPIC, VAULT, accepts_tags, aws_resources,
                                        data_bucket, default_tags, resolved_tags, role_of_region, stack)


# -- providers and regions ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", STACKS)
def test_every_aws_resource_has_an_explicit_provider_with_a_region(name):
    s = stack(name)
    missing, bad = [], []
    for resource in aws_resources(s):
        provider = s.provider_of(resource)
        if provider is None:
            missing.append(resource.name)
        elif provider.type != PROVIDER or provider.name.startswith("default") or not provider.inputs.get("region"):
            bad.append((resource.name, provider.name))
    assert not missing, f"AWS resources without an explicit provider (default provider is disabled): {missing}"
    assert not bad, f"AWS resources whose provider is a default provider or has no region: {bad}"


@pytest.mark.parametrize("name", STACKS)
def test_only_the_configured_regions_are_used(name):
    s = stack(name)
    config = s.config
    expected = {config.primary_region, config.secondary_region}
    if METRICS_REGION not in expected:
        expected.add(METRICS_REGION)  # only for the Route 53 health-check alarms
    provider_regions = {p.inputs.get("region") for p in s.of(PROVIDER)}
    resource_regions = {s.region(r) for r in aws_resources(s)}
    assert provider_regions == expected
    assert resource_regions == expected
    # One provider per region: a second provider for a region would split its resources' default tags.
    assert len(s.of(PROVIDER)) == len(expected)


@pytest.mark.parametrize("name", STACKS)
def test_providers_default_tags_name_their_dr_role(name):
    s = stack(name)
    for provider in s.of(PROVIDER):
        role = role_of_region(s.config, provider.inputs["region"])
        tags = default_tags(provider)
        assert tags.get("DRRole") == role, (provider.name, tags)
        assert tags.get("Environment") == s.config.environment
        for key, value in s.config.tags.items():
            assert tags.get(key) == value, (provider.name, key)


def test_metrics_provider_exists_only_when_no_deployment_region_is_us_east_1():
    dev, prod, other = stack("dev"), stack("prod"), stack(EDITED)
    assert METRICS_REGION not in dev.config.regions + other.config.regions
    assert prod.config.primary_region == METRICS_REGION
    for s in (dev, other):
        assert [p.inputs["region"] for p in s.of(PROVIDER)].count(METRICS_REGION) == 1
    assert len(prod.of(PROVIDER)) == 2


@pytest.mark.parametrize("name", STACKS)
def test_metrics_region_holds_only_route53_health_check_alerting(name):
    s = stack(name)
    extra = [r for r in aws_resources(s) if s.role(r) == GLOBAL]
    if METRICS_REGION in s.config.regions:
        assert not extra
        return
    allowed = {ALARM, TOPIC, "aws:sns/topicPolicy:TopicPolicy", SUBSCRIPTION, KMS_KEY, "aws:kms/alias:Alias"}
    assert {r.type for r in extra} <= allowed, sorted({r.type for r in extra} - allowed)
    alarms = [r for r in extra if r.type == ALARM]
    assert alarms and all(a.inputs.get("namespace") == "AWS/Route53" for a in alarms)
    assert {s.role(hc) for a in alarms for hc in s.refs(a, "dimensions", HEALTH_CHECK)}, "alarms watch no health check"


# -- tags --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", STACKS)
def test_every_taggable_resource_resolves_the_required_tags(name):
    s = stack(name)
    taggable = [r for r in aws_resources(s) if accepts_tags(r.type)]
    assert len(taggable) > 50, "tag check found almost nothing to check"
    problems = []
    for resource in taggable:
        tags = resolved_tags(s, resource)
        missing = [k for k in REQUIRED_TAG_KEYS if not tags.get(k, "").strip()]
        if missing:
            problems.append((resource.name, "missing", missing))
        if tags.get("DRRole") != s.role(resource):
            problems.append((resource.name, "DRRole", tags.get("DRRole"), s.role(resource)))
        if tags.get("Environment") != s.config.environment:
            problems.append((resource.name, "Environment", tags.get("Environment")))
        if tags.get("DataClassification") not in CLASSIFICATION_RANK:
            problems.append((resource.name, "DataClassification", tags.get("DataClassification")))
        for key, value in s.config.tags.items():
            if tags.get(key) != value:
                problems.append((resource.name, key, tags.get(key)))
    assert not problems, problems


@pytest.mark.parametrize("name", STACKS)
def test_data_stores_are_classified_above_internal(name):
    s = stack(name)
    stores = [r for t in (GLOBAL_CLUSTER, DB_CLUSTER, DB_INSTANCE, TABLE, SECRET, VAULT) for r in s.of(t)]
    assert {r.type for r in stores} >= {GLOBAL_CLUSTER, DB_CLUSTER, TABLE, SECRET, VAULT}
    weak = [(r.name, resolved_tags(s, r).get("DataClassification")) for r in stores
            if CLASSIFICATION_RANK.get(resolved_tags(s, r).get("DataClassification"), -1) <= CLASSIFICATION_RANK["internal"]]
    assert not weak, f"data stores classified no stricter than internal: {weak}"


@pytest.mark.parametrize("name", STACKS)
def test_buckets_carry_their_configured_classification(name):
    s = stack(name)
    for purpose, classification in s.config.data.buckets.items():
        for role in ROLES:
            bucket = data_bucket(s, purpose, role)
            assert resolved_tags(s, bucket).get("DataClassification") == classification, (bucket.name, purpose)
