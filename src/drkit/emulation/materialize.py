"""Create the emulated environment in moto from the stack's resource graph: every resource the
automation, readiness checks and drills touch, each from its own graph inputs, so a change to the
program changes the drill.

Resources are created in dependency order through the regional proxies (the same path the automation
uses). AWS assigns its own identifiers (health-check ids, zone ids, key ids, secret suffixes), so each
graph identity — what the preview mocks computed — is mapped to the emulated one, and later inputs and
the stack outputs are translated through that map. What moto cannot create, or what no drill needs
(networking, IAM, certificates, dashboards, ...), is skipped and listed with the reason.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from pulumi.runtime import MockResourceArgs

from drkit.emulation import creators as core
from drkit.emulation import creators_ops as ops
from drkit.emulation.moto_server import new_client
from drkit.graph.mocks import PlatformMocks
from drkit.graph.resource_graph import SECRET_SIG, SIG_KEY, Graph, Resource

CREATORS: dict[str, Callable[..., dict[str, str]]] = {
    "aws:kms/key:Key": core.kms_key, "aws:kms/replicaKey:ReplicaKey": core.kms_replica_key,
    "aws:kms/alias:Alias": core.kms_alias, "aws:sns/topic:Topic": core.sns_topic,
    "aws:sns/topicSubscription:TopicSubscription": core.sns_subscription,
    "aws:secretsmanager/secret:Secret": core.secret, "aws:secretsmanager/secretVersion:SecretVersion": core.secret_version,
    "aws:dynamodb/table:Table": core.dynamodb_table, "aws:rds/globalCluster:GlobalCluster": core.rds_global_cluster,
    "aws:rds/cluster:Cluster": core.rds_cluster, "aws:rds/clusterInstance:ClusterInstance": core.rds_cluster_instance,
    "aws:ecs/cluster:Cluster": core.ecs_cluster, "aws:ecs/taskDefinition:TaskDefinition": core.ecs_task_definition,
    "aws:ecs/service:Service": core.ecs_service, "aws:appautoscaling/target:Target": core.scalable_target,
    "aws:cloudwatch/metricAlarm:MetricAlarm": ops.metric_alarm, "aws:route53/zone:Zone": ops.hosted_zone,
    "aws:route53/healthCheck:HealthCheck": ops.health_check, "aws:route53/record:Record": ops.dns_record,
    "aws:backup/vault:Vault": ops.backup_vault, "aws:backup/vaultLockConfiguration:VaultLockConfiguration": ops.vault_lock,
    "aws:backup/plan:Plan": ops.backup_plan, "aws:backup/selection:Selection": ops.backup_selection,
    "aws:s3/bucket:Bucket": ops.s3_bucket, "aws:s3/bucketV2:BucketV2": ops.s3_bucket,
    "aws:s3/bucketVersioning:BucketVersioning": ops.s3_versioning,
    "aws:s3/bucketVersioningV2:BucketVersioningV2": ops.s3_versioning,
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": ops.s3_encryption,
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig": ops.s3_replication,
    "aws:cfg/recorder:Recorder": ops.config_recorder, "aws:cfg/rule:Rule": ops.config_rule,
}
NOT_NEEDED = "not used by the automation, readiness checks or drills"
PROGRESS_EVERY = 50
_CLIENT_CONFIG = Config(retries={"total_max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=30)


class SkipResource(Exception):
    """A creator's way of saying the emulation leaves this resource out, and why."""


@dataclass(frozen=True)
class Skipped:
    urn: str
    type: str
    reason: str


@dataclass
class Materialized:
    created: list[Resource] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    ids: dict[str, str] = field(default_factory=dict)  # graph identity -> emulated identity
    outputs: dict[str, Any] = field(default_factory=dict)  # the stack outputs, emulated identities
    seconds: float = 0.0


class Build:
    """What a creator needs: clients through the proxies, regions, and the identity map."""

    def __init__(self, graph: Graph, endpoints: dict[str, str], account: str):
        self.graph, self.endpoints, self.account = graph, endpoints, account
        self.ids: dict[str, str] = {}
        self.selections: list[tuple[str, dict[str, Any]]] = []
        self._clients: dict[tuple[str, str], Any] = {}
        self._by_urn = graph.by_urn()
        self._mocks = PlatformMocks()
        for provider in (r for r in graph if r.is_provider):
            self._mocks.new_resource(MockResourceArgs(provider.type, provider.name, provider.inputs, custom=True))

    def region(self, resource: Resource) -> str:
        return self.graph.region_of(resource) or ""

    def client(self, service: str, resource: Resource) -> Any:
        return self.client_in(service, self.region(resource))

    def client_in(self, service: str, region: str) -> Any:
        if region not in self.endpoints:
            raise SkipResource(f"region {region or '(none)'} is not emulated")
        key = (service, region)
        if key not in self._clients:
            self._clients[key] = new_client(service, region, self.endpoints[region], _CLIENT_CONFIG)
        return self._clients[key]

    def mock_identity(self, resource: Resource) -> dict[str, Any]:
        """The outputs the preview's mocks gave this resource: the identities its dependents hold."""
        provider = f"{resource.provider}::{resource.provider.rsplit('::', 1)[-1]}-id" if resource.provider else None
        _, state = self._mocks.new_resource(MockResourceArgs(resource.type, resource.name, resource.inputs,
                                                             provider=provider, custom=resource.custom))
        return state

    def alias(self, graph_value: str, emulated_value: str) -> None:
        if graph_value and emulated_value and graph_value != emulated_value:
            self.ids[graph_value] = emulated_value

    def translate(self, value: Any) -> Any:
        if isinstance(value, dict):
            if value.get(SIG_KEY) == SECRET_SIG:
                return core.EMULATED_PASSWORD
            return {k: self.translate(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.translate(v) for v in value]
        if isinstance(value, str):
            if value in self.ids:
                return self.ids[value]
            for graph_value, emulated in self.ids.items():
                if len(graph_value) >= 12 and graph_value in value:
                    value = value.replace(graph_value, emulated)
        return value

    def skip(self, reason: str) -> SkipResource:
        return SkipResource(reason)

    def close(self) -> None:
        for client in self._clients.values():
            client.close()


def materialize(graph: Graph, endpoints: dict[str, str], account: str,
                progress: Callable[[str], None] = lambda _: None) -> Materialized:
    started = time.perf_counter()
    result = Materialized()
    build = Build(graph, endpoints, account)
    try:
        ordered = [r for r in _dependency_order(graph) if r.custom and not r.is_provider]
        wanted = [r for r in ordered if r.type in CREATORS]
        progress(f"creating {len(wanted)} of {len(ordered)} resources in the emulated regions "
                 f"({', '.join(sorted(endpoints))})")
        for resource in ordered:
            creator = CREATORS.get(resource.type)
            if creator is None:
                result.skipped.append(Skipped(resource.urn, resource.type, NOT_NEEDED))
                continue
            try:
                emulated = creator(resource, build.translate(resource.inputs), build)
            except SkipResource as exc:
                result.skipped.append(Skipped(resource.urn, resource.type, str(exc)))
                continue
            except (ClientError, BotoCoreError) as exc:
                _skip(result, resource, f"moto could not create it: {exc}", progress)
                continue
            except (KeyError, TypeError, ValueError) as exc:
                _skip(result, resource, f"its inputs lack what the emulation needs ({type(exc).__name__}: {exc})",
                      progress)
                continue
            mock = build.mock_identity(resource)
            for key, value in emulated.items():
                if isinstance(mock.get(key), str):
                    build.alias(mock[key], value)
            result.created.append(resource)
            if len(result.created) % PROGRESS_EVERY == 0:
                progress(f"created {len(result.created)} of {len(wanted)}")
        _seed_last_backups(build, progress)
        result.ids = dict(build.ids)
        result.outputs = build.translate(graph.outputs)
    finally:
        build.close()
    result.seconds = time.perf_counter() - started
    progress(f"created {len(result.created)} resources in {result.seconds:.2f} s; "
             f"left out {len(result.skipped)} that no drill needs or moto cannot hold")
    return result


def _skip(result: Materialized, resource: Resource, reason: str, progress: Callable[[str], None]) -> None:
    result.skipped.append(Skipped(resource.urn, resource.type, reason))
    progress(f"left out {resource.type} {resource.name}: {reason}")


def _dependency_order(graph: Graph) -> list[Resource]:
    """Every resource after what it depends on; ties keep the order the program registered them."""
    by_urn = graph.by_urn()
    done: set[str] = set()
    ordered: list[Resource] = []

    def visit(resource: Resource, path: set[str]) -> None:
        if resource.urn in done or resource.urn in path:
            return
        path.add(resource.urn)
        needs = list(resource.dependencies) + [u for urns in resource.property_dependencies.values() for u in urns]
        for urn in needs:
            if urn in by_urn:
                visit(by_urn[urn], path)
        path.discard(resource.urn)
        done.add(resource.urn)
        ordered.append(resource)

    for resource in graph:
        visit(resource, set())
    return ordered


def _seed_last_backups(build: Build, progress: Callable[[str], None]) -> None:
    """What the backup plans' last scheduled run left: a recovery point per selected resource and its copies."""
    for region, selection in build.selections:
        try:
            name = _seed_selection(build, region, selection)
        except (ClientError, BotoCoreError, KeyError, SkipResource) as exc:
            progress(f"no backups seeded for selection {selection.get('name')}: {exc}")
            continue
        progress(f"seeded the last run of backup plan {name} in {region}")


def _seed_selection(build: Build, region: str, selection: dict[str, Any]) -> str:
    backup = build.client_in("backup", region)
    plan = backup.get_backup_plan(BackupPlanId=build.translate(selection["planId"]))["BackupPlan"]
    for rule in plan["Rules"]:
        for resource_arn in build.translate(selection.get("resources") or []):
            job = backup.start_backup_job(BackupVaultName=rule["TargetBackupVaultName"], ResourceArn=resource_arn,
                                          IamRoleArn=selection["iamRoleArn"])
            for copy in rule.get("CopyActions") or []:
                backup.start_copy_job(RecoveryPointArn=job["RecoveryPointArn"],
                                      SourceBackupVaultName=rule["TargetBackupVaultName"],
                                      DestinationBackupVaultArn=copy["DestinationBackupVaultArn"],
                                      IamRoleArn=selection["iamRoleArn"])
    return plan["BackupPlanName"]
