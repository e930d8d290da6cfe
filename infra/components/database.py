"""The transactional store: one Aurora PostgreSQL global database spanning both regions.

Aurora replicates storage to the secondary cluster in about a second, which is what
lets the regionLoss RPO for transactional data be measured in seconds; a managed
failover or a detach-and-promote turns the secondary into the writer. The secondary
may run without instances (headless) to save cost and gains them during failover.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import pulumi
import pulumi_aws as aws

from drcore.platform import PRIMARY, SECONDARY
from drcore.recovery_model import AURORA_GLOBAL_RPO_MIN_S
from drcore.stack_config import StackConfig
from infra.context import RegionContext, classification_tags, policy_json

ENGINE = "aurora-postgresql"
DATA_CLASSIFICATION = "confidential"
PREFERRED_BACKUP_WINDOW = "03:00-04:00"  # UTC, outside the storefront's peak
PREFERRED_MAINTENANCE_WINDOW = "sun:04:30-sun:05:30"  # after the backup window, never overlapping it
PERFORMANCE_INSIGHTS_RETENTION_DAYS = 7  # the retention that carries no extra charge
CA_CERTIFICATE = "rds-ca-rsa2048-g1"
_ENHANCED_MONITORING_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"

# Cluster parameters: TLS is mandatory (encryption in transit) and connection/slow-query logs reach CloudWatch.
CLUSTER_PARAMETERS = {
    "rds.force_ssl": "1",
    "ssl_min_protocol_version": "TLSv1.2",
    "log_connections": "1",
    "log_disconnections": "1",
    "log_min_duration_statement": "1000",  # milliseconds: only statements slow enough to matter
    "log_statement": "ddl",
}


class DatabaseNetwork(Protocol):
    isolated_subnet_ids: Any  # list of subnet ids or an Output of one
    database_security_group_id: pulumi.Input[str]


@dataclass
class GlobalDatabaseArgs:
    config: StackConfig
    contexts: dict[str, RegionContext]
    networks: dict[str, DatabaseNetwork]
    kms_key_arns: dict[str, pulumi.Input[str]]  # role -> multi-Region database key / its replica
    master_username: str
    master_password: pulumi.Input[str]
    monitoring_interval_seconds: int = 0  # enhanced monitoring; 0 leaves it off (no IAM role is created)


def cluster_parameters(config: StackConfig) -> dict[str, str]:
    """CLUSTER_PARAMETERS, plus the enforced RPO where the regionLoss transactional target allows one: in both
    regions, since either cluster may be the primary after a failover."""
    parameters = dict(CLUSTER_PARAMETERS)
    target = config.recovery_targets["regionLoss"].rpo_seconds["transactional"]
    if target >= AURORA_GLOBAL_RPO_MIN_S:
        parameters["rds.global_db_rpo"] = str(int(target))
    return parameters


def parameter_group_family(engine_version: str) -> str:
    return f"{ENGINE}{engine_version.split('.')[0]}"


class GlobalDatabase(pulumi.ComponentResource):
    """Aurora global cluster with a writer cluster in the primary region and a replica cluster in the secondary."""

    global_cluster_id: pulumi.Output[str]
    cluster_arns: dict[str, pulumi.Output[str]]
    cluster_identifiers: dict[str, pulumi.Output[str]]
    writer_endpoints: dict[str, pulumi.Output[str]]
    reader_endpoints: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: GlobalDatabaseArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ecommerce:data:GlobalDatabase", name, None, opts)
        db = args.config.database
        primary_ctx = args.contexts[PRIMARY]

        global_cluster = aws.rds.GlobalCluster(
            primary_ctx.name("aurora-global"),
            # The global cluster spans both regions and outlives failovers, so its identifier has no DR role.
            global_cluster_identifier=f"{primary_ctx.prefix}-aurora-global",
            engine=ENGINE,
            engine_version=db.engine_version,
            database_name=db.database_name,
            storage_encrypted=True,
            deletion_protection=True,
            force_destroy=False,
            tags=classification_tags(DATA_CLASSIFICATION),
            opts=primary_ctx.opts(self),
        )
        self.global_cluster_id = global_cluster.id

        clusters: dict[str, aws.rds.Cluster] = {}
        instances: dict[str, list[aws.rds.ClusterInstance]] = {}
        subnet_group_names: dict[str, pulumi.Output[str]] = {}
        for role, count in ((PRIMARY, db.primary_instances), (SECONDARY, db.secondary_instances)):
            ctx = args.contexts[role]
            subnet_group, parameter_group = self._regional_groups(args, ctx)
            subnet_group_names[role] = subnet_group.name
            if role == PRIMARY:
                specific: dict[str, Any] = dict(
                    database_name=db.database_name,
                    master_username=args.master_username,
                    master_password=args.master_password,
                )
                # The generated password differs on every run; the program sets it once at creation and the
                # Secrets Manager secret is its record from then on. engine_version is owned by the global cluster.
                cluster_opts = ctx.opts(self, ignore_changes=["master_password", "engine_version"])
            else:
                # A secondary inherits database name and credentials from the global cluster. It can only join
                # once the primary has a writer; after a failover AWS rewrites these two fields, which must not
                # make the program try to rejoin or detach it.
                specific = {}
                cluster_opts = ctx.opts(self, depends_on=instances[PRIMARY], ignore_changes=[
                    "replication_source_identifier", "global_cluster_identifier", "engine_version"])
            cluster = aws.rds.Cluster(
                ctx.name("aurora"),
                cluster_identifier=ctx.name("aurora"),
                global_cluster_identifier=global_cluster.id,
                engine=ENGINE,
                engine_version=db.engine_version,
                db_subnet_group_name=subnet_group.name,
                db_cluster_parameter_group_name=parameter_group.name,
                vpc_security_group_ids=[args.networks[role].database_security_group_id],
                storage_encrypted=True,
                kms_key_id=args.kms_key_arns[role],
                deletion_protection=True,
                iam_database_authentication_enabled=True,
                backup_retention_period=db.backup_retention_days,
                preferred_backup_window=PREFERRED_BACKUP_WINDOW,
                preferred_maintenance_window=PREFERRED_MAINTENANCE_WINDOW,
                copy_tags_to_snapshot=True,
                enabled_cloudwatch_logs_exports=["postgresql"],
                skip_final_snapshot=False,
                final_snapshot_identifier=ctx.name("db-final"),
                tags=classification_tags(DATA_CLASSIFICATION),
                opts=cluster_opts,
                **specific,
            )
            clusters[role] = cluster
            instances[role] = self._instances(args, ctx, cluster, subnet_group, count)

        self.subnet_group_names = subnet_group_names  # where a restore of this region's recovery points lands
        self.cluster_arns = {role: c.arn for role, c in clusters.items()}
        self.cluster_identifiers = {role: c.cluster_identifier for role, c in clusters.items()}
        # The secondary's cluster endpoint resolves to its writer once it is promoted.
        self.writer_endpoints = {role: c.endpoint for role, c in clusters.items()}
        self.reader_endpoints = {role: c.reader_endpoint for role, c in clusters.items()}
        # IAM database authentication names a cluster by its resource id (rds-db:connect ARNs).
        self.cluster_resource_ids = {role: c.cluster_resource_id for role, c in clusters.items()}
        self.register_outputs({
            "globalClusterId": self.global_cluster_id,
            "clusterArns": self.cluster_arns,
            "clusterIdentifiers": self.cluster_identifiers,
            "writerEndpoints": self.writer_endpoints,
            "readerEndpoints": self.reader_endpoints,
        })

    def _regional_groups(self, args: GlobalDatabaseArgs,
                         ctx: RegionContext) -> tuple[aws.rds.SubnetGroup, aws.rds.ClusterParameterGroup]:
        """Subnet group over the isolated subnets (no route to the internet) and the TLS/logging parameters."""
        subnet_group = aws.rds.SubnetGroup(
            ctx.name("db-subnets"),
            name=ctx.name("db-subnets"),
            description="Isolated subnets for the Aurora cluster",
            subnet_ids=args.networks[ctx.role].isolated_subnet_ids,
            opts=ctx.opts(self),
        )
        family = parameter_group_family(args.config.database.engine_version)
        parameter_group = aws.rds.ClusterParameterGroup(
            ctx.name("aurora-params"),
            name=ctx.name("aurora-params", family),
            family=family,
            description="TLS-only connections and audit logging for the storefront database",
            parameters=[aws.rds.ClusterParameterGroupParameterArgs(name=k, value=v)
                        for k, v in cluster_parameters(args.config).items()],
            opts=ctx.opts(self),
        )
        return subnet_group, parameter_group

    def _instances(self, args: GlobalDatabaseArgs, ctx: RegionContext, cluster: aws.rds.Cluster,
                   subnet_group: aws.rds.SubnetGroup, count: int) -> list[aws.rds.ClusterInstance]:
        monitoring = self._monitoring_role(args, ctx) if count else None
        return [
            aws.rds.ClusterInstance(
                ctx.name("aurora", str(index)),
                identifier=ctx.name("aurora", str(index)),
                cluster_identifier=cluster.id,
                engine=ENGINE,
                instance_class=args.config.database.instance_class,
                db_subnet_group_name=subnet_group.name,
                publicly_accessible=False,
                auto_minor_version_upgrade=True,
                ca_cert_identifier=CA_CERTIFICATE,
                performance_insights_enabled=True,
                performance_insights_kms_key_id=args.kms_key_arns[ctx.role],
                performance_insights_retention_period=PERFORMANCE_INSIGHTS_RETENTION_DAYS,
                monitoring_interval=args.monitoring_interval_seconds,
                monitoring_role_arn=monitoring[0].arn if monitoring else None,
                promotion_tier=index - 1,  # a deterministic failover order within the region
                copy_tags_to_snapshot=True,
                tags=classification_tags(DATA_CLASSIFICATION),
                # RDS validates the role's permissions when the instance is created, so attach the policy first.
                opts=ctx.opts(self, depends_on=[monitoring[1]] if monitoring else None),
            )
            for index in range(1, count + 1)
        ]

    def _monitoring_role(self, args: GlobalDatabaseArgs,
                         ctx: RegionContext) -> tuple[aws.iam.Role, aws.iam.RolePolicyAttachment] | None:
        """The role enhanced monitoring assumes to publish OS metrics; only when monitoring is on."""
        if not args.monitoring_interval_seconds:
            return None
        role = aws.iam.Role(
            ctx.name("rds-monitoring"),
            name=ctx.name("rds-monitoring"),
            description="Lets RDS enhanced monitoring publish OS metrics for this account only",
            assume_role_policy=policy_json([{
                "Effect": "Allow", "Principal": {"Service": "monitoring.rds.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": ctx.account_id()}},
            }]),
            opts=ctx.opts(self),
        )
        # The AWS managed policy is scoped to the RDSOSMetrics log group, which is all this role needs.
        attachment = aws.iam.RolePolicyAttachment(ctx.name("rds-monitoring"), role=role.name,
                                                  policy_arn=_ENHANCED_MONITORING_POLICY, opts=ctx.opts(self))
        return role, attachment
