"""S3 Cross-Region Replication between the primary buckets and their secondary twins, both ways.

Data buckets replicate in both directions: objects written in the secondary while it serves (after a failover)
reach the primary, so failback serves them too. S3 does not replicate a replica again, so the two rules do not
loop; replica modification sync keeps metadata changes made on either copy in step. The audit trail's bucket
replicates one way (evidence is only ever written in the primary).

Replication Time Control bounds the objects-tier RPO: S3 replicates 99.99% of objects
within 15 minutes and publishes metrics/events for anything later, which the recovery
model's 900-second objects RPO relies on. Objects are SSE-KMS under the multi-Region
objects key, so the role decrypts with the primary key and re-encrypts with its replica;
the role can do nothing else, on no other bucket or key.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pulumi
import pulumi_aws as aws

from infra.context import RegionContext, policy_json

if TYPE_CHECKING:
    from infra.components.storage import SecureBucket

RULE_ID = "replicate-to-secondary"
REVERSE_RULE_ID = "replicate-to-primary"  # secondary -> primary, for objects written while the secondary serves
RTC_MINUTES = 15  # the only threshold S3 Replication Time Control supports


@dataclass
class ReplicatedPair:
    purpose: str
    source: SecureBucket
    destination: SecureBucket


@dataclass
class BucketReplicationArgs:
    source_ctx: RegionContext
    destination_ctx: RegionContext
    pairs: list[ReplicatedPair]
    source_key_arn: pulumi.Input[str]
    destination_key_arn: pulumi.Input[str]
    rule_id: str = RULE_ID
    # Both directions: metadata changes on replicas replicate back (S3 replica modification sync).
    sync_replica_modifications: bool = False


def _objects(arn: pulumi.Input[str]) -> pulumi.Output[str]:
    return pulumi.Output.concat(arn, "/*")


def _encryption_context(arns: list[pulumi.Input[str]]) -> list[pulumi.Input[str]]:
    # With S3 Bucket Keys the KMS encryption context is the bucket ARN; without them, the object ARN.
    return [*arns, *(_objects(arn) for arn in arns)]


def replication_policy(args: BucketReplicationArgs) -> pulumi.Output[str]:
    sources = [pair.source.arn for pair in args.pairs]
    destinations = [pair.destination.arn for pair in args.pairs]
    return policy_json([
        {"Sid": "ReadSourceConfiguration", "Effect": "Allow",
         "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"], "Resource": sources},
        {"Sid": "ReadSourceVersions", "Effect": "Allow",
         "Action": ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
         "Resource": [_objects(arn) for arn in sources]},
        {"Sid": "WriteReplicas", "Effect": "Allow",
         "Action": ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
         "Resource": [_objects(arn) for arn in destinations]},
        {"Sid": "DecryptSourceObjects", "Effect": "Allow", "Action": "kms:Decrypt",
         "Resource": args.source_key_arn,
         "Condition": {"StringEquals": {"kms:ViaService": f"s3.{args.source_ctx.region}.amazonaws.com"},
                       "StringLike": {"kms:EncryptionContext:aws:s3:arn": _encryption_context(sources)}}},
        {"Sid": "EncryptReplicas", "Effect": "Allow", "Action": ["kms:Encrypt", "kms:GenerateDataKey"],
         "Resource": args.destination_key_arn,
         "Condition": {"StringEquals": {"kms:ViaService": f"s3.{args.destination_ctx.region}.amazonaws.com"},
                       "StringLike": {"kms:EncryptionContext:aws:s3:arn": _encryption_context(destinations)}}},
    ])


class BucketReplication(pulumi.ComponentResource):
    """One least-privilege role for all replicated pairs, and one replication configuration per source bucket."""

    role_arn: pulumi.Output[str]

    def __init__(self, name: str, args: BucketReplicationArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ecommerce:storage:BucketReplication", name, None, opts)
        ctx = args.source_ctx
        account = ctx.account_id()
        # Children are named after the component: the audit trail's replication is a second instance in the stack.
        role = aws.iam.Role(
            f"{name}-role",
            description=f"S3 Cross-Region Replication of the platform buckets to {args.destination_ctx.region}",
            assume_role_policy=policy_json([{
                "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sts:AssumeRole",
                # Only S3 acting for this account's source buckets may assume it (confused deputy).
                "Condition": {"StringEquals": {"aws:SourceAccount": account},
                              "ArnLike": {"aws:SourceArn": [pair.source.arn for pair in args.pairs]}}}]),
            opts=ctx.opts(self))
        permissions = aws.iam.RolePolicy(f"{name}-policy", role=role.id,
                                         policy=replication_policy(args), opts=ctx.opts(self))
        self.role_arn = role.arn
        for pair in args.pairs:
            aws.s3.BucketReplicationConfig(
                ctx.name(pair.purpose, "replication"),
                bucket=pair.source.bucket_name,
                role=role.arn,
                rules=[aws.s3.BucketReplicationConfigRuleArgs(
                    id=args.rule_id, status="Enabled", priority=1,
                    filter=aws.s3.BucketReplicationConfigRuleFilterArgs(),  # the whole bucket
                    # Deletes follow to the standby so it serves what the primary served, but a delete
                    # marker only hides versions: corruption is undone from versions in either region.
                    delete_marker_replication=aws.s3.BucketReplicationConfigRuleDeleteMarkerReplicationArgs(
                        status="Enabled"),
                    source_selection_criteria=aws.s3.BucketReplicationConfigRuleSourceSelectionCriteriaArgs(
                        sse_kms_encrypted_objects=aws.s3.
                        BucketReplicationConfigRuleSourceSelectionCriteriaSseKmsEncryptedObjectsArgs(status="Enabled"),
                        replica_modifications=aws.s3.
                        BucketReplicationConfigRuleSourceSelectionCriteriaReplicaModificationsArgs(status="Enabled")
                        if args.sync_replica_modifications else None),
                    destination=aws.s3.BucketReplicationConfigRuleDestinationArgs(
                        bucket=pair.destination.arn,
                        storage_class="STANDARD",  # the standby serves reads at once after failover
                        encryption_configuration=aws.s3.
                        BucketReplicationConfigRuleDestinationEncryptionConfigurationArgs(
                            replica_kms_key_id=args.destination_key_arn),
                        replication_time=aws.s3.BucketReplicationConfigRuleDestinationReplicationTimeArgs(
                            status="Enabled",
                            time=aws.s3.BucketReplicationConfigRuleDestinationReplicationTimeTimeArgs(
                                minutes=RTC_MINUTES)),
                        metrics=aws.s3.BucketReplicationConfigRuleDestinationMetricsArgs(
                            status="Enabled",
                            event_threshold=aws.s3.BucketReplicationConfigRuleDestinationMetricsEventThresholdArgs(
                                minutes=RTC_MINUTES)),
                    ),
                )],
                # S3 rejects a replication configuration unless both buckets are already versioned,
                # and replication fails until the role can act.
                opts=ctx.opts(self, depends_on=[pair.source.versioning, pair.destination.versioning, permissions]))
        self.register_outputs({"roleArn": self.role_arn})
