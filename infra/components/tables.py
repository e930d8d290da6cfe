"""Session and cart state: DynamoDB global tables (version 2019.11.21) replicated to the secondary region.

Each table is a single resource in the primary region whose `replicas` make it global:
DynamoDB replicates writes to the secondary in about a second and both replicas accept
reads and writes, so after a failover the standby storefront keeps carts and sessions.
A replica has the same name as its source; only the region in its ARN differs.
"""
from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from drcore.platform import PRIMARY, SECONDARY
from drcore.stack_config import StackConfig
from infra.context import RegionContext, classification_tags, replica_arn

DATA_CLASSIFICATION = "confidential"
PARTITION_KEY, SORT_KEY = "pk", "sk"
TTL_ATTRIBUTE = "expiresAt"  # epoch seconds; DynamoDB deletes expired sessions and abandoned carts for free


@dataclass
class GlobalTablesArgs:
    config: StackConfig
    primary: RegionContext
    secondary: RegionContext
    kms_key_arns: dict[str, pulumi.Input[str]]  # role -> multi-Region sessions key / its replica


class GlobalTables(pulumi.ComponentResource):
    """One global table per configured name, encrypted in each region with that region's copy of the key."""

    table_names: dict[str, pulumi.Output[str]]
    table_arns_by_role: dict[str, dict[str, pulumi.Output[str]]]

    def __init__(self, name: str, args: GlobalTablesArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ecommerce:data:GlobalTables", name, None, opts)
        primary, secondary = args.primary, args.secondary
        self.table_names = {}
        self.table_arns_by_role = {PRIMARY: {}, SECONDARY: {}}
        for logical in args.config.data.tables:
            table = aws.dynamodb.Table(
                primary.name("table", logical),
                # Both replicas share this name, so it carries no DR role.
                name=f"{primary.prefix}-{logical}",
                billing_mode="PAY_PER_REQUEST",  # no capacity to pre-scale in the standby before failover
                hash_key=PARTITION_KEY,
                range_key=SORT_KEY,
                attributes=[aws.dynamodb.TableAttributeArgs(name=PARTITION_KEY, type="S"),
                            aws.dynamodb.TableAttributeArgs(name=SORT_KEY, type="S")],
                ttl=aws.dynamodb.TableTtlArgs(attribute_name=TTL_ATTRIBUTE, enabled=True),
                point_in_time_recovery=aws.dynamodb.TablePointInTimeRecoveryArgs(enabled=True),
                server_side_encryption=aws.dynamodb.TableServerSideEncryptionArgs(
                    enabled=True, kms_key_arn=args.kms_key_arns[PRIMARY]),
                # Global tables replicate from the stream, so it must carry both images.
                stream_enabled=True,
                stream_view_type="NEW_AND_OLD_IMAGES",
                deletion_protection_enabled=True,
                replicas=[aws.dynamodb.TableReplicaArgs(
                    region_name=secondary.region,
                    kms_key_arn=args.kms_key_arns[SECONDARY],
                    point_in_time_recovery=True,
                    # Propagated, the replica would carry the primary's DRRole and every Config rule scoped to the
                    # primary's stores (DYNAMODB_IN_BACKUP_PLAN, the backup-plan checks) would judge the replica
                    # too: it is tagged as its own region's below instead.
                    propagate_tags=False,
                    deletion_protection_enabled=True,
                )],
                tags=classification_tags(DATA_CLASSIFICATION),
                opts=primary.opts(self),
            )
            replica = replica_arn(table.arn, secondary.region)
            self._tag_replica(secondary, logical, replica, table)
            self.table_names[logical] = table.name
            self.table_arns_by_role[PRIMARY][logical] = table.arn
            self.table_arns_by_role[SECONDARY][logical] = replica
        self.register_outputs({"tableNames": self.table_names, "tableArnsByRole": self.table_arns_by_role})

    def _tag_replica(self, secondary: RegionContext, logical: str, replica: pulumi.Output[str],
                     table: aws.dynamodb.Table) -> None:
        """The secondary region's tags on the replica, one aws.dynamodb.Tag each: the resource pulumi-aws documents
        for "Table replicas in other regions", which the table resource does not tag itself."""
        for key, value in {**secondary.tags, **classification_tags(DATA_CLASSIFICATION)}.items():
            aws.dynamodb.Tag(secondary.name("table", logical, "tag", key.lower()), resource_arn=replica, key=key,
                             value=value, opts=secondary.opts(self, depends_on=[table]))
