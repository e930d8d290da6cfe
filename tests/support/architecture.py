"""The deployed architecture, read from the real program's resource graph (what a policy pack sees): shared helpers.

Every check follows references between resources (propertyDependencies, ARNs, names) and
compares them with the stack config, so a regression in the program (a missing replica, a
resource in the wrong region, a broken reference) fails even though the mocks answer every call.
This module holds no tests: the per-stack graph view (Stack, stack(), STACKS), the type tokens and
the lookups the test_architecture_*.py modules and test_failover_control.py share. The checks are in
test_architecture_providers_and_tags.py, _network.py, _storefront.py, _dns_and_monitoring.py,
_audit.py, _outputs.py and, for the data stores (keys, buckets, Aurora, DynamoDB, backups, secrets),
_data.py.
"""
from __future__ import annotations

import functools
import importlib
import inspect
import json
from dataclasses import dataclass
from typing import Any

from drcore.regions import ROUTE53_HOME_REGION
from drcore.stack_config import StackConfig, parse_stack_config
from drkit.graph.capture import run_program
from drkit.graph.mocks import ACCOUNT_ID
from drkit.graph.resource_graph import UNKNOWN, Graph, Resource
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
    "automation.reservedConcurrency": None,  # an account whose Lambda quota cannot spare a reservation
    "dns.zoneId": "Z0123456789EXAMPLEZONE",  # an existing, delegated hosted zone
    "audit.configRecorder": "existing",  # Control Tower already records AWS Config in both regions
    "automation.unplannedFailover": "automatic",  # the function fails over without waiting for a person
    # Pinned, so `pulumi up` never asks a region (the lost one, during an outage) for the account or its zones.
    "accountId": ACCOUNT_ID,
    "network.zoneNames": {"primary": ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
                          "secondary": ["eu-central-1a", "eu-central-1b", "eu-central-1c"]},
    # The reference storefront's image, pushed to each region's ECR (storefront/README.md).
    "compute.image": f"{ACCOUNT_ID}.dkr.ecr.{{region}}.amazonaws.com/storefront:1.0.0",
}
STACKS = ["dev", "prod", EDITED]
PRIMARY, SECONDARY, GLOBAL = "primary", "secondary", "global"
ROLES = (PRIMARY, SECONDARY)
METRICS_REGION = ROUTE53_HOME_REGION  # Route 53 publishes health-check metrics only here
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
CONFIG_RULE = "aws:cfg/rule:Rule"
RECORDER, CHANNEL, RECORDER_STATUS = ("aws:cfg/recorder:Recorder", "aws:cfg/deliveryChannel:DeliveryChannel",
                                      "aws:cfg/recorderStatus:RecorderStatus")
SECURITY_GROUP, DEFAULT_SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup", "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
INGRESS_RULE, LEGACY_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "aws:ec2/securityGroupRule:SecurityGroupRule"
GLOBAL_CLUSTER, DB_CLUSTER, DB_INSTANCE = ("aws:rds/globalCluster:GlobalCluster", "aws:rds/cluster:Cluster",
                                           "aws:rds/clusterInstance:ClusterInstance")
TABLE, SECRET = "aws:dynamodb/table:Table", "aws:secretsmanager/secret:Secret"
DYNAMODB_TAG = "aws:dynamodb/tag:Tag"  # tags a global table's replica from its own region
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


def edited_prod_values() -> dict[str, Any]:
    values = stack_values("prod")
    for key, value in EDITS.items():
        values = edited(values, key, value)
    return values


@functools.lru_cache(maxsize=None)
def stack(name: str) -> Stack:
    """Read-only view; dev and prod come from the process-wide capture in tests/support/program.py."""
    if name == EDITED:
        values = edited_prod_values()
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


def data_bucket(s: Stack, purpose: str, role: str) -> Resource:
    """The bucket of a configured purpose in a region: tagged with the purpose, or named for it."""
    logical = f"ecommerce-{s.config.environment}-{purpose}-{role}"
    return only([b for b in s.in_role(BUCKET, role)
                 if (b.inputs.get("tags") or {}).get("Purpose") == purpose or b.name == logical],
                f"{purpose} bucket in the {role} region")


# -- shared by several concerns: each region's ALB and service, the failover records ---------------
def region_alb(s: Stack, role: str) -> Resource:
    return only(s.in_role(ALB, role), f"load balancer in the {role} region")


def region_service(s: Stack, role: str) -> Resource:
    return only(s.in_role(SERVICE, role), f"ECS service in the {role} region")


def failover_records(s: Stack) -> dict[str, Resource]:
    records = [r for r in s.of(RECORD) if r.inputs.get("failoverRoutingPolicies")]
    by_type: dict[str, list[Resource]] = {}
    for record in records:
        for policy in record.inputs["failoverRoutingPolicies"]:
            by_type.setdefault(policy.get("type"), []).append(record)
    return {kind: only(found, f"{kind} failover record") for kind, found in by_type.items()}


@dataclass
class PrimaryGate:
    calculated: Resource  # the PRIMARY record's own check
    endpoint: Resource  # HTTPS check of the primary's ALB
    control: Resource  # CLOUDWATCH_METRIC check on the fence alarm
    fence_alarm: Resource


def primary_gate(s: Stack, record: Resource) -> PrimaryGate:
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


def endpoint_check(s: Stack, record: Resource, kind: str) -> Resource:
    """The HTTPS check of the record's own endpoint: the PRIMARY record's through its calculated check,
    the SECONDARY record's directly (the fence never gates the secondary)."""
    if kind == "PRIMARY":
        return primary_gate(s, record).endpoint
    check = only(s.refs(record, "healthCheckId", HEALTH_CHECK), f"health check of the {kind} record")
    assert check.inputs.get("type") == "HTTPS", f"the {kind} record is not checked by its endpoint check"
    return check


def key_arns(s: Stack) -> dict[str, Resource]:
    """ARN -> key for every multi-Region key and replica: a replica keeps its primary's key id."""
    arns: dict[str, Resource] = {}
    for replica in s.of(KMS_REPLICA):
        primary_arn = replica.inputs.get("primaryKeyArn")
        primary = only(s.refs(replica, "primaryKeyArn", KMS_KEY), f"primary key of {replica.name}")
        parts = primary_arn.split(":")
        arns[primary_arn] = primary
        arns[":".join([*parts[:3], s.region(replica), *parts[4:]])] = replica
    return arns


def store_key(s: Stack, resource: Resource, prop: str, arn: str, role: str) -> Resource:
    """The key behind `arn` (fed into `prop`): the data-class key of `role`'s region, never an AWS-managed key."""
    assert arn_region(arn) == s.role_regions[role], f"{resource.name}.{prop} uses a key in {arn_region(arn)}"
    key = key_arns(s).get(arn)
    expected = KMS_KEY if role == PRIMARY else KMS_REPLICA
    assert key is not None and key.type == expected, f"{resource.name}.{prop}: {arn} is not a {expected} of the graph"
    assert key in s.refs(resource, prop), f"{resource.name}.{prop} does not take its key from {key.name}"
    return key
