"""The deployed architecture, read from the real program's resource graph (what a policy pack sees).

Every check follows references between resources (propertyDependencies, ARNs, names) and
compares them with the stack config, so a regression in the program (a missing replica, a
resource in the wrong region, a broken reference) fails here even though the mocks answer
every call. Data-store checks (keys, buckets, Aurora, DynamoDB, backups, secrets) are in
test_architecture_data.py; the helpers below serve both modules.
"""
from __future__ import annotations

import functools
import importlib
import inspect
import json
import math
from dataclasses import dataclass
from typing import Any

import pytest

from drkit.graph.model import UNKNOWN, Graph, Resource
from infra.config import REQUIRED_TAG_KEYS, StackConfig, parse_stack_config
from drkit.graph.capture import run_program
from tests.support.program import stack_graph, stack_raw_config
from tests.support.stacks import NAMESPACE, REPO, edited, stack_values

EDITED = "edited-prod"
EDITS = {  # dotted config key -> value, applied to prod's config
    "primaryRegion": "eu-west-1", "secondaryRegion": "eu-central-1",
    "standbyCapacityFraction": 0.4,  # 6 x 0.4 = 2.4 tasks: ceil gives 3, floor would give 2
    "database.secondaryInstances": 2, "database.backupRetentionDays": 14,
    "dns.healthCheckIntervalSeconds": 30, "dns.healthCheckFailureThreshold": 5,
    "backup.vaultLockChangeableForDays": 7, "backup.vaultLockMinRetentionDays": 10,
    "backup.vaultLockMaxRetentionDays": 90, "backup.retentionDays": 20, "backup.copyRetentionDays": 30,
    "data.tables": ["carts", "sessions", "wishlists"],
    "data.buckets": {"media": "public", "exports": "restricted", "invoices": "confidential"},
    "data.replicatedClassifications": ["confidential", "restricted"],
}
STACKS = ["dev", "prod", EDITED]
PRIMARY, SECONDARY, GLOBAL = "primary", "secondary", "global"
ROLES = (PRIMARY, SECONDARY)
METRICS_REGION = "us-east-1"  # Route 53 publishes health-check metrics only here
CLASSIFICATION_RANK = {"public": 0, "internal": 1, "confidential": 2, "restricted": 3}
WORLD = {"0.0.0.0/0", "::/0"}
# Failover control (docs/failover-design.md): the fence metric, and the lock-and-journal table's Purpose tag.
FENCE_NAMESPACE, FENCE_METRIC = "ECommerceDR/Traffic", "PrimaryFenced"
CONTROL_PURPOSE = "dr-control"

PROVIDER = "pulumi:providers:aws"
BUCKET = "aws:s3/bucket:Bucket"
KMS_KEY, KMS_REPLICA = "aws:kms/key:Key", "aws:kms/replicaKey:ReplicaKey"
ALB, LISTENER = "aws:lb/loadBalancer:LoadBalancer", "aws:lb/listener:Listener"
SERVICE, SCALING_TARGET = "aws:ecs/service:Service", "aws:appautoscaling/target:Target"
HEALTH_CHECK, RECORD, ZONE = "aws:route53/healthCheck:HealthCheck", "aws:route53/record:Record", "aws:route53/zone:Zone"
TOPIC, SUBSCRIPTION = "aws:sns/topic:Topic", "aws:sns/topicSubscription:TopicSubscription"
ALARM, DASHBOARD = "aws:cloudwatch/metricAlarm:MetricAlarm", "aws:cloudwatch/dashboard:Dashboard"
LOG_GROUP, ROLE = "aws:cloudwatch/logGroup:LogGroup", "aws:iam/role:Role"
TRAIL = "aws:cloudtrail/trail:Trail"
RECORDER, CHANNEL, RECORDER_STATUS = ("aws:cfg/recorder:Recorder", "aws:cfg/deliveryChannel:DeliveryChannel",
                                      "aws:cfg/recorderStatus:RecorderStatus")
SECURITY_GROUP, DEFAULT_SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup", "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
INGRESS_RULE, LEGACY_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "aws:ec2/securityGroupRule:SecurityGroupRule"
GLOBAL_CLUSTER, DB_CLUSTER, DB_INSTANCE = ("aws:rds/globalCluster:GlobalCluster", "aws:rds/cluster:Cluster",
                                           "aws:rds/clusterInstance:ClusterInstance")
TABLE, SECRET = "aws:dynamodb/table:Table", "aws:secretsmanager/secret:Secret"
VAULT, VAULT_LOCK = "aws:backup/vault:Vault", "aws:backup/vaultLockConfiguration:VaultLockConfiguration"
PLAN, SELECTION = "aws:backup/plan:Plan", "aws:backup/selection:Selection"


# -- the graph of one stack, indexed once per process ----------------------------------------------
@dataclass
class Stack:
    name: str
    graph: Graph
    config: StackConfig
    urns: dict[str, Resource]
    regions: dict[str, str | None]  # urn -> region (own `region` input, else its provider's)

    @property
    def role_regions(self) -> dict[str, str]:
        return {PRIMARY: self.config.primary_region, SECONDARY: self.config.secondary_region}

    def of(self, type_token: str) -> list[Resource]:
        return self.graph.of_type(type_token)

    def region(self, resource: Resource) -> str | None:
        return self.regions[resource.urn]

    def role(self, resource: Resource) -> str | None:
        """primary/secondary for the deployment regions, global for the extra metrics region."""
        return role_of_region(self.config, self.region(resource))

    def in_role(self, type_token: str, role: str) -> list[Resource]:
        return [r for r in self.of(type_token) if self.role(r) == role]

    def refs(self, resource: Resource, prop: str, type_token: str | None = None) -> list[Resource]:
        """The resources whose outputs flow into `prop` of `resource` (the engine's property dependencies)."""
        found = [self.urns[u] for u in resource.property_dependencies.get(prop, []) if u in self.urns]
        return [r for r in found if type_token is None or r.type == type_token]

    def referring(self, type_token: str, target: Resource, prop: str) -> list[Resource]:
        """Resources of `type_token` whose `prop` is fed by `target`."""
        return [r for r in self.of(type_token) if target.urn in r.property_dependencies.get(prop, [])]

    def provider_of(self, resource: Resource) -> Resource | None:
        return self.urns.get(resource.provider or "")


def role_of_region(config: StackConfig, region: str | None) -> str | None:
    if region == config.primary_region:
        return PRIMARY
    if region == config.secondary_region:
        return SECONDARY
    if region == METRICS_REGION:
        return GLOBAL
    return None


def _edited_values() -> dict[str, Any]:
    values = stack_values("prod")
    for key, value in EDITS.items():
        values = edited(values, key, value)
    return values


@functools.lru_cache(maxsize=None)
def stack(name: str) -> Stack:
    """Read-only view; dev and prod come from the process-wide capture in tests/support/program.py."""
    if name == EDITED:
        values = _edited_values()
        raw = {k: v for k, v in stack_raw_config("prod").items() if not k.startswith(NAMESPACE + ":")}
        raw.update({f"{NAMESPACE}:{k}": v for k, v in values.items()})
        graph = run_program(REPO / "infra", NAMESPACE, EDITED, raw)
    else:
        graph, values = stack_graph(name), stack_values(name)
    config = parse_stack_config(name, values)
    return Stack(name=name, graph=graph, config=config, urns=graph.by_urn(),
                 regions={r.urn: graph.region_of(r) for r in graph.resources})


def only(items: list, what: str):
    assert len(items) == 1, f"expected exactly one {what}, found {len(items)}: {[getattr(i, 'name', i) for i in items]}"
    return items[0]


def arn_region(arn: Any) -> str | None:
    if not isinstance(arn, str) or not arn.startswith("arn:"):
        return None
    parts = arn.split(":")
    return parts[3] if len(parts) > 5 else None


def aws_resources(s: Stack) -> list[Resource]:
    return [r for r in s.graph.resources if r.type.startswith("aws:")]


def default_tags(provider: Resource | None) -> dict[str, str]:
    if provider is None:
        return {}
    raw = provider.inputs.get("defaultTags")
    parsed = json.loads(raw) if isinstance(raw, str) else raw
    tags = (parsed or {}).get("tags") or {}
    return {str(k): str(v) for k, v in tags.items()}


def resolved_tags(s: Stack, resource: Resource) -> dict[str, str]:
    """What AWS applies: the provider's default tags, overridden by the resource's own."""
    tags = default_tags(s.provider_of(resource))
    own = resource.inputs.get("tags")
    if isinstance(own, dict):
        tags.update({str(k): str(v) for k, v in own.items()})
    return tags


@functools.lru_cache(maxsize=None)
def taggable_types() -> frozenset[str] | None:
    """The policy pack's list when another change has generated it, else None (introspect instead)."""
    try:
        module = importlib.import_module("drguard.taggable_types")
    except ImportError:
        return None
    types = getattr(module, "TAGGABLE_TYPES", None)
    if isinstance(types, (set, frozenset, list, tuple, dict)) and all(isinstance(t, str) for t in types):
        return frozenset(types)
    return None


@functools.lru_cache(maxsize=None)
def accepts_tags(type_token: str) -> bool:
    listed = taggable_types()
    if listed is not None:
        return type_token in listed
    # aws:<module>/<member>:<Class> -> pulumi_aws.<module>.<Class>; taggable when it takes `tags`.
    package_module, class_name = type_token.rsplit(":", 1)
    module = package_module.split(":", 1)[1].split("/")[0]
    cls = getattr(importlib.import_module("pulumi_aws" if module == "index" else f"pulumi_aws.{module}"), class_name)
    return "tags" in inspect.signature(cls._internal_init).parameters


def control_tables(s: Stack) -> list[Resource]:
    """The failover automation's lock-and-journal table(s): tables whose resolved Purpose tag is dr-control."""
    return [t for t in s.of(TABLE) if resolved_tags(s, t).get("Purpose") == CONTROL_PURPOSE]


def data_tables(s: Stack) -> list[Resource]:
    """The configured application tables: every DynamoDB table but the dr-control table."""
    control = {t.urn for t in control_tables(s)}
    return [t for t in s.of(TABLE) if t.urn not in control]


def contains_unknown(value: Any) -> bool:
    if isinstance(value, dict):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_unknown(v) for v in value)
    return value == UNKNOWN


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


def data_bucket(s: Stack, purpose: str, role: str) -> Resource:
    """The bucket of a configured purpose in a region: tagged with the purpose, or named for it."""
    logical = f"ecommerce-{s.config.environment}-{purpose}-{role}"
    return only([b for b in s.in_role(BUCKET, role)
                 if (b.inputs.get("tags") or {}).get("Purpose") == purpose or b.name == logical],
                f"{purpose} bucket in the {role} region")


# -- network exposure --------------------------------------------------------------------------------
def _alb_security_groups(s: Stack) -> set[str]:
    return {sg.urn for alb in s.of(ALB) for sg in s.refs(alb, "securityGroups", SECURITY_GROUP)}


def _world_ingress(s: Stack) -> list[tuple[Resource, str, Any, Any, Any, str | None]]:
    """(resource, cidr, protocol, from, to, security group urn) for every ingress rule open to the world."""
    found = []
    for rule in s.of(INGRESS_RULE):
        groups = s.refs(rule, "securityGroupId")
        for cidr in (rule.inputs.get("cidrIpv4"), rule.inputs.get("cidrIpv6")):
            if cidr in WORLD:
                found.append((rule, cidr, rule.inputs.get("ipProtocol"), rule.inputs.get("fromPort"),
                              rule.inputs.get("toPort"), groups[0].urn if groups else None))
    for rule in s.of(LEGACY_RULE):
        if rule.inputs.get("type") == "ingress":
            groups = s.refs(rule, "securityGroupId")
            for cidr in [*(rule.inputs.get("cidrBlocks") or []), *(rule.inputs.get("ipv6CidrBlocks") or [])]:
                if cidr in WORLD:
                    found.append((rule, cidr, rule.inputs.get("protocol"), rule.inputs.get("fromPort"),
                                  rule.inputs.get("toPort"), groups[0].urn if groups else None))
    for group in [*s.of(SECURITY_GROUP), *s.of(DEFAULT_SECURITY_GROUP)]:
        for inline in group.inputs.get("ingress") or []:
            for cidr in [*(inline.get("cidrBlocks") or []), *(inline.get("ipv6CidrBlocks") or [])]:
                if cidr in WORLD:
                    found.append((group, cidr, inline.get("protocol"), inline.get("fromPort"), inline.get("toPort"),
                                  group.urn))
    return found


@pytest.mark.parametrize("name", STACKS)
def test_only_https_on_the_load_balancer_is_open_to_the_world(name):
    s = stack(name)
    alb_groups = _alb_security_groups(s)
    assert len(alb_groups) == 2, "each region's ALB should have its own security group"
    offending = [(r.name, cidr, proto, low, high) for r, cidr, proto, low, high, group in _world_ingress(s)
                 if not (str(proto) in ("tcp", "6") and low == 443 and high == 443 and group in alb_groups)]
    assert not offending, f"ingress open to the internet other than 443 on the ALB: {offending}"


@pytest.mark.parametrize("name", STACKS)
def test_each_load_balancer_accepts_https_from_the_internet(name):
    s = stack(name)
    open_groups = {group for _, cidr, _, low, _, group in _world_ingress(s) if cidr == "0.0.0.0/0" and low == 443}
    for alb in s.of(ALB):
        groups = {sg.urn for sg in s.refs(alb, "securityGroups", SECURITY_GROUP)}
        assert groups & open_groups, f"{alb.name}: no security group lets clients reach 443"
        assert alb.inputs.get("internal") is False and alb.inputs.get("loadBalancerType") == "application"


# -- storefront: ALB, listeners, warm standby --------------------------------------------------------
def _alb(s: Stack, role: str) -> Resource:
    return only(s.in_role(ALB, role), f"load balancer in the {role} region")


@pytest.mark.parametrize("name", STACKS)
@pytest.mark.parametrize("role", ROLES)
def test_https_listener_uses_tls13_and_http_redirects(name, role):
    s = stack(name)
    alb = _alb(s, role)
    listeners = s.referring(LISTENER, alb, "loadBalancerArn")
    https = only([lst for lst in listeners if lst.inputs.get("protocol") == "HTTPS"], f"HTTPS listener on {alb.name}")
    assert https.inputs.get("port") == 443
    assert "TLS13" in str(https.inputs.get("sslPolicy")), https.inputs.get("sslPolicy")
    certificate = https.inputs.get("certificateArn")
    assert arn_region(certificate) == s.region(alb), "an ALB can only use a certificate from its own region"
    assert any(a.get("type") == "forward" for a in https.inputs.get("defaultActions", []))
    plain = [lst for lst in listeners if lst.inputs.get("protocol") == "HTTP"]
    assert plain, f"{alb.name}: no HTTP listener to redirect clients"
    for listener in plain:
        actions = listener.inputs.get("defaultActions", [])
        assert actions and all(a.get("type") == "redirect" for a in actions), listener.name
        for action in actions:
            redirect = action.get("redirect") or {}
            assert redirect.get("protocol") == "HTTPS" and str(redirect.get("port")) == "443", listener.name
    assert {lst.inputs.get("protocol") for lst in listeners} <= {"HTTP", "HTTPS"}


def _service(s: Stack, role: str) -> Resource:
    return only(s.in_role(SERVICE, role), f"ECS service in the {role} region")


@pytest.mark.parametrize("name", STACKS)
def test_secondary_runs_a_warm_standby_share_of_the_primary(name):
    s = stack(name)
    primary, secondary = _service(s, PRIMARY), _service(s, SECONDARY)
    assert primary.inputs["desiredCount"] == s.config.compute.desired_count
    standby = max(1, math.ceil(primary.inputs["desiredCount"] * s.config.standby_capacity_fraction))
    assert secondary.inputs["desiredCount"] == standby


@pytest.mark.parametrize("name", STACKS)
@pytest.mark.parametrize("role", ROLES)
def test_each_region_autoscales_its_service_up_to_full_capacity(name, role):
    s = stack(name)
    service = _service(s, role)
    target = only(s.referring(SCALING_TARGET, service, "resourceId"), f"scaling target for {service.name}")
    assert s.region(target) == s.region(service)
    assert target.inputs.get("scalableDimension") == "ecs:service:DesiredCount"
    assert target.inputs["minCapacity"] >= 1
    assert target.inputs["minCapacity"] <= service.inputs["desiredCount"] <= target.inputs["maxCapacity"]
    # Both regions can grow to what the primary serves at peak: the standby must absorb full load.
    assert target.inputs["maxCapacity"] == s.config.compute.max_count
    # The service sits behind this region's ALB.
    target_groups = [lb.get("targetGroupArn") for lb in service.inputs.get("loadBalancers") or []]
    assert target_groups and all(arn_region(tg) == s.region(service) for tg in target_groups)


# -- DNS failover ------------------------------------------------------------------------------------
def _failover_records(s: Stack) -> dict[str, Resource]:
    records = [r for r in s.of(RECORD) if r.inputs.get("failoverRoutingPolicies")]
    by_type: dict[str, list[Resource]] = {}
    for record in records:
        for policy in record.inputs["failoverRoutingPolicies"]:
            by_type.setdefault(policy.get("type"), []).append(record)
    return {kind: only(found, f"{kind} failover record") for kind, found in by_type.items()}


@pytest.mark.parametrize("name", STACKS)
def test_failover_records_are_one_primary_and_one_secondary_for_the_record_name(name):
    s = stack(name)
    records = _failover_records(s)
    assert set(records) == {"PRIMARY", "SECONDARY"}
    assert {r.inputs.get("name") for r in records.values()} == {s.config.dns.record_name}
    assert len({r.inputs.get("setIdentifier") for r in records.values()}) == 2
    zone = only(s.of(ZONE), "hosted zone")
    assert zone.inputs.get("name") == s.config.dns.zone_name
    for record in records.values():
        assert s.refs(record, "zoneId", ZONE) == [zone], record.name
        assert record.inputs.get("type") == "A"


@dataclass
class PrimaryGate:
    calculated: Resource  # the PRIMARY record's own check
    endpoint: Resource  # HTTPS check of the primary's ALB
    control: Resource  # CLOUDWATCH_METRIC check on the fence alarm
    fence_alarm: Resource


def _primary_gate(s: Stack, record: Resource) -> PrimaryGate:
    """The PRIMARY record's CALCULATED check: healthy only while both its children are, the primary's HTTPS
    endpoint check and the control check that follows the fence alarm in the secondary region."""
    calculated = only(s.refs(record, "healthCheckId", HEALTH_CHECK), "health check of the PRIMARY record")
    assert calculated.inputs.get("type") == "CALCULATED", f"{calculated.name}: the PRIMARY record is not gated"
    child_ids = calculated.inputs.get("childHealthchecks") or []
    children = s.refs(calculated, "childHealthchecks")
    assert all(c.type == HEALTH_CHECK for c in children), [c.name for c in children]
    assert len(child_ids) == len(set(child_ids)) == len(children) == 2, (child_ids, [c.name for c in children])
    assert sorted(c.inputs.get("type") for c in children) == ["CLOUDWATCH_METRIC", "HTTPS"]
    # Both children must be healthy: the endpoint serves AND the primary is not fenced.
    assert calculated.inputs.get("childHealthThreshold") == len(children) == 2
    endpoint = only([c for c in children if c.inputs.get("type") == "HTTPS"], "HTTPS child of the calculated check")
    control = only([c for c in children if c.inputs.get("type") == "CLOUDWATCH_METRIC"], "control child")
    fence = only(s.refs(control, "cloudwatchAlarmName", ALARM), f"alarm followed by {control.name}")
    assert s.role(fence) == SECONDARY, f"the fence alarm is in {s.region(fence)}, not the secondary region"
    assert control.inputs.get("cloudwatchAlarmRegion") == s.config.secondary_region
    assert control.inputs.get("cloudwatchAlarmName") == fence.inputs.get("name")
    assert (fence.inputs.get("namespace"), fence.inputs.get("metricName")) == (FENCE_NAMESPACE, FENCE_METRIC)
    return PrimaryGate(calculated=calculated, endpoint=endpoint, control=control, fence_alarm=fence)


def _endpoint_check(s: Stack, record: Resource, kind: str) -> Resource:
    """The HTTPS check of the record's own endpoint: the PRIMARY record's through its calculated check,
    the SECONDARY record's directly (the fence never gates the secondary)."""
    if kind == "PRIMARY":
        return _primary_gate(s, record).endpoint
    check = only(s.refs(record, "healthCheckId", HEALTH_CHECK), f"health check of the {kind} record")
    assert check.inputs.get("type") == "HTTPS", f"the {kind} record is not checked by its endpoint check"
    return check


@pytest.mark.parametrize("name", STACKS)
@pytest.mark.parametrize("kind,role", [("PRIMARY", PRIMARY), ("SECONDARY", SECONDARY)])
def test_failover_record_checks_and_aliases_its_own_regions_alb(name, kind, role):
    s = stack(name)
    record = _failover_records(s)[kind]
    alb = _alb(s, role)
    aliases = record.inputs.get("aliases") or []
    assert len(aliases) == 1 and aliases[0].get("evaluateTargetHealth") is True
    assert s.refs(record, "aliases", ALB) == [alb], f"{kind} record does not alias the {role} ALB"
    check = _endpoint_check(s, record, kind)
    assert check.inputs.get("type") == "HTTPS" and check.inputs.get("port") == 443
    assert check.inputs.get("resourcePath") == s.config.compute.health_check_path
    assert check.inputs.get("requestInterval") == s.config.dns.health_check_interval_seconds
    assert check.inputs.get("failureThreshold") == s.config.dns.health_check_failure_threshold
    assert s.refs(check, "fqdn", ALB) == [alb], f"{kind} health check probes another region's ALB"
    assert check.inputs.get("fqdn") == aliases[0].get("name")
    assert len(check.inputs.get("regions") or []) >= 3


def _health_check_id(s: Stack, check: Resource) -> str:
    """The check's ID as the graph carries it: the HealthCheckId dimension of the alarms fed by that check alone."""
    ids = {a.inputs["dimensions"].get("HealthCheckId") for a in s.referring(ALARM, check, "dimensions")
           if a.property_dependencies.get("dimensions") == [check.urn]}
    return only(sorted(ids, key=str), f"ID of {check.name} in its alarms' dimensions")


@pytest.mark.parametrize("name", STACKS)
def test_failover_records_use_different_health_checks(name):
    records = _failover_records(stack(name))
    ids = [r.inputs.get("healthCheckId") for r in records.values()]
    assert all(ids) and len(set(ids)) == 2


# -- monitoring and alerting -------------------------------------------------------------------------
@pytest.mark.parametrize("name", STACKS)
@pytest.mark.parametrize("role", ROLES)
def test_each_region_has_an_encrypted_topic_with_a_subscriber(name, role):
    s = stack(name)
    topic = only(s.in_role(TOPIC, role), f"alarm topic in the {role} region")
    key = topic.inputs.get("kmsMasterKeyId")
    assert key and arn_region(key) == s.region(topic)
    assert s.refs(topic, "kmsMasterKeyId"), "topic key is not a key of this stack"
    assert s.referring(SUBSCRIPTION, topic, "topic"), f"nobody is subscribed to {topic.name}"


@pytest.mark.parametrize("name", STACKS)
def test_alarms_in_both_regions_notify_their_own_regions_topic(name):
    s = stack(name)
    alarms = s.of(ALARM)
    assert {s.role(a) for a in alarms} >= set(ROLES)
    for alarm in alarms:
        actions = alarm.inputs.get("alarmActions") or []
        assert actions, f"{alarm.name} notifies nobody"
        assert all(arn_region(a) == s.region(alarm) for a in actions), (alarm.name, actions)
        topics = s.refs(alarm, "alarmActions", TOPIC)
        assert topics and all(s.region(t) == s.region(alarm) for t in topics), alarm.name


@pytest.mark.parametrize("name", STACKS)
def test_both_health_checks_have_an_alarm_in_the_metrics_region(name):
    s = stack(name)
    checks = s.of(HEALTH_CHECK)
    # Exempt: the control check mirrors our own fence alarm, and the calculated check combines checks that
    # have alarms of their own. Every other check probes an endpoint.
    exempt = [c for c in checks if c.inputs.get("type") in ("CALCULATED", "CLOUDWATCH_METRIC")]
    assert sorted(c.inputs.get("type") for c in exempt) == ["CALCULATED", "CLOUDWATCH_METRIC"]
    endpoint_checks = [c for c in checks if c not in exempt]
    assert all(c.inputs.get("type") == "HTTPS" for c in endpoint_checks), [c.name for c in endpoint_checks]
    probed = [only(s.refs(c, "fqdn", ALB), f"ALB probed by {c.name}") for c in endpoint_checks]
    assert sorted(s.role(alb) for alb in probed) == sorted(ROLES), "expected one endpoint check per region"
    missing = [c.name for c in endpoint_checks if not s.referring(ALARM, c, "dimensions")]
    assert not missing, f"no alarm watches the endpoint checks {missing}"
    for check in endpoint_checks:
        for alarm in s.referring(ALARM, check, "dimensions"):
            assert s.region(alarm) == METRICS_REGION and alarm.inputs.get("namespace") == "AWS/Route53", alarm.name
            assert s.refs(alarm, "dimensions", HEALTH_CHECK) == [check], alarm.name


@pytest.mark.parametrize("name", STACKS)
@pytest.mark.parametrize("role", ROLES)
def test_each_region_has_a_dashboard_of_its_own_serving_path(name, role):
    s = stack(name)
    dashboard = only(s.in_role(DASHBOARD, role), f"dashboard in the {role} region")
    assert _alb(s, role) in s.refs(dashboard, "dashboardBody", ALB)


# -- audit -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", STACKS)
def test_cloudtrail_is_multi_region_validated_encrypted_and_sent_to_logs(name):
    s = stack(name)
    trail = only(s.of(TRAIL), "trail")
    assert trail.inputs.get("isMultiRegionTrail") is True
    assert trail.inputs.get("enableLogFileValidation") is True
    assert trail.inputs.get("includeGlobalServiceEvents") is True
    assert trail.inputs.get("enableLogging", True) is True
    assert s.refs(trail, "kmsKeyId", KMS_KEY) or s.refs(trail, "kmsKeyId", KMS_REPLICA)
    assert arn_region(trail.inputs.get("kmsKeyId")) == s.region(trail)
    assert only(s.refs(trail, "cloudWatchLogsGroupArn", LOG_GROUP), "trail log group")
    assert only(s.refs(trail, "cloudWatchLogsRoleArn", ROLE), "trail logs role")
    assert only(s.refs(trail, "s3BucketName", BUCKET), "trail bucket")


@pytest.mark.parametrize("name", STACKS)
@pytest.mark.parametrize("role", ROLES)
def test_aws_config_records_and_delivers_in_each_region(name, role):
    s = stack(name)
    recorder = only(s.in_role(RECORDER, role), f"config recorder in the {role} region")
    assert (recorder.inputs.get("recordingGroup") or {}).get("allSupported") is True
    channel = only(s.in_role(CHANNEL, role), f"delivery channel in the {role} region")
    bucket = only(s.refs(channel, "s3BucketName", BUCKET), "delivery bucket")
    assert s.region(bucket) == s.region(channel)
    status = only(s.referring(RECORDER_STATUS, recorder, "name"), f"status of {recorder.name}")
    assert s.region(status) == s.region(recorder) and status.inputs.get("isEnabled") is True
    assert channel.urn in status.dependencies, "recording must start only once delivery is configured"


@pytest.mark.parametrize("name", STACKS)
def test_global_resources_are_recorded_once_in_the_primary(name):
    s = stack(name)
    flags = {s.role(r): (r.inputs.get("recordingGroup") or {}).get("includeGlobalResourceTypes")
             for r in s.of(RECORDER)}
    assert flags == {PRIMARY: True, SECONDARY: False}


# -- stack outputs for failover automation -----------------------------------------------------------
REGION_OUTPUT_KEYS = ("region", "albDnsName", "albArn", "clusterName", "serviceName", "databaseClusterIdentifier",
                      "databaseClusterArn", "healthCheckId", "alertTopicArn", "backupVaultName", "bucketNames",
                      "dashboardName")


@pytest.mark.parametrize("name", STACKS)
def test_outputs_hold_what_failover_automation_needs(name):
    s = stack(name)
    outputs = s.graph.outputs
    assert not contains_unknown(outputs)
    for key in ("primaryRegion", "secondaryRegion", "regions", "dns", "globalClusterIdentifier", "tableNames"):
        assert key in outputs, key
    assert outputs["primaryRegion"] == s.config.primary_region
    assert outputs["secondaryRegion"] == s.config.secondary_region
    assert set(outputs["regions"]) == set(ROLES)
    for role in ROLES:
        missing = [k for k in REGION_OUTPUT_KEYS if not outputs["regions"][role].get(k)]
        assert not missing, (role, missing)
        assert outputs["regions"][role]["region"] == s.role_regions[role]
    assert outputs["dns"].get("recordName") == s.config.dns.record_name


@pytest.mark.parametrize("name", STACKS)
@pytest.mark.parametrize("role,kind", [(PRIMARY, "PRIMARY"), (SECONDARY, "SECONDARY")])
def test_output_endpoints_match_the_failover_records(name, role, kind):
    s = stack(name)
    out = s.graph.outputs["regions"][role]
    record = _failover_records(s)[kind]
    check = _endpoint_check(s, record, kind)
    if kind == "PRIMARY":
        # The output names the endpoint check, which the PRIMARY record reaches through its calculated check.
        gate, control = _primary_gate(s, record), s.graph.outputs["control"]
        endpoint_id = _health_check_id(s, check)
        assert out["healthCheckId"] == endpoint_id
        assert control["primaryCalculatedHealthCheckId"] == record.inputs["healthCheckId"]
        assert control["controlHealthCheckId"] != endpoint_id
        # The calculated check's two children: the HTTPS child is the endpoint, so the other is the control check.
        assert sorted(gate.calculated.inputs["childHealthchecks"]) == sorted([endpoint_id,
                                                                              control["controlHealthCheckId"]])
    else:
        assert out["healthCheckId"] == record.inputs["healthCheckId"]
    assert out["albDnsName"] == record.inputs["aliases"][0]["name"]
    assert out["albDnsName"] == check.inputs["fqdn"]
    assert s.graph.outputs["dns"].get("zoneId") == record.inputs.get("zoneId")
    alb = _alb(s, role)
    listeners = s.referring(LISTENER, alb, "loadBalancerArn")
    assert listeners and all(lst.inputs["loadBalancerArn"] == out["albArn"] for lst in listeners)


@pytest.mark.parametrize("name", STACKS)
@pytest.mark.parametrize("role", ROLES)
def test_output_names_match_the_regions_resources(name, role):
    s = stack(name)
    out = s.graph.outputs["regions"][role]
    service = _service(s, role)
    assert out["serviceName"] == service.inputs.get("name")
    assert out["desiredCount"] == service.inputs.get("desiredCount")
    cluster = only(s.in_role(DB_CLUSTER, role), f"Aurora cluster in the {role} region")
    assert out["databaseClusterIdentifier"] == cluster.inputs.get("clusterIdentifier")
    assert arn_region(out["databaseClusterArn"]) == s.role_regions[role]
    assert out["databaseClusterArn"].endswith(":cluster:" + cluster.inputs["clusterIdentifier"])
    vault = only(s.in_role(VAULT, role), f"backup vault in the {role} region")
    assert out["backupVaultName"] == vault.inputs.get("name")
    dashboard = only(s.in_role(DASHBOARD, role), "dashboard")
    assert out["dashboardName"] == dashboard.inputs.get("dashboardName")
    # The topic the region's alarms page is the topic named in the outputs.
    topic_arns = {a for alarm in s.in_role(ALARM, role) for a in alarm.inputs.get("alarmActions", [])}
    assert topic_arns == {out["alertTopicArn"]}
    topic = only(s.in_role(TOPIC, role), "topic")
    assert out["alertTopicArn"].endswith(":" + topic.inputs["name"])
    for purpose in s.config.data.buckets:
        assert out["bucketNames"][purpose] == data_bucket(s, purpose, role).inputs.get("bucket")


@pytest.mark.parametrize("name", STACKS)
def test_output_database_and_table_names_match_the_graph(name):
    s = stack(name)
    outputs = s.graph.outputs
    global_cluster = only(s.of(GLOBAL_CLUSTER), "global cluster")
    assert outputs["globalClusterIdentifier"] == global_cluster.inputs.get("globalClusterIdentifier")
    assert {c.inputs.get("globalClusterIdentifier") for c in s.of(DB_CLUSTER)} == {outputs["globalClusterIdentifier"]}
    assert set(outputs["tableNames"]) == set(s.config.data.tables)
    assert set(outputs["tableNames"].values()) == {t.inputs.get("name") for t in data_tables(s)}
    # The lock-and-journal table is not a data table: one, in the secondary region only, deliberately not global
    # (a lock needs one strongly consistent home), and named in the control outputs.
    control = only(control_tables(s), "dr-control table")
    assert s.role(control) == SECONDARY, f"{control.name} is in {s.region(control)}, not the secondary region"
    assert not control.inputs.get("replicas"), f"{control.name} must not be a global table"
    assert outputs["control"]["tableName"] == control.inputs.get("name")


@pytest.mark.parametrize("name", STACKS)
def test_output_health_check_alarms_watch_the_output_health_checks(name):
    s = stack(name)
    alarm_names = s.graph.outputs["dns"].get("healthCheckAlarmNames") or {}
    assert set(alarm_names) == set(ROLES)
    alarms = {a.inputs.get("name"): a for a in s.of(ALARM)}
    for role, alarm_name in alarm_names.items():
        alarm = alarms.get(alarm_name)
        assert alarm is not None, f"output names alarm {alarm_name}, which is not in the graph"
        assert alarm.inputs["dimensions"].get("HealthCheckId") == s.graph.outputs["regions"][role]["healthCheckId"]
