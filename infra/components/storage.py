"""Object storage: one bucket per purpose in each region, replicated primary -> secondary.

Media and exports must survive the loss of the primary region, so every bucket whose
classification is replicated has a twin in the secondary that S3 Cross-Region Replication
fills within 15 minutes (Replication Time Control), which is what the objects-tier RPO is
built on. Both twins are hardened the same way (`SecureBucket`) so the standby is not the
weak copy: versioned, encrypted with that region's replica of the multi-Region objects key,
private, TLS-only, and access-logged to a log bucket in the same region.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import pulumi
import pulumi_aws as aws

from drcore.platform import PRIMARY, SECONDARY
from drcore.stack_config import StackConfig
from drcore.tags import (ACCESS_LOGGED, ACCESS_LOGS_TAG, CUSTOMER_MANAGED_KEY, ENCRYPTION_TAG, PURPOSE_TAG, REPLICATED,
                         REPLICATION_TAG)
from infra.components.storage_replication import (REVERSE_RULE_ID, BucketReplication, BucketReplicationArgs,
                                                  ReplicatedPair)
from infra.context import RegionContext, bucket_name, classification_tags, policy_json

ACCESS_LOG_RETENTION_DAYS = 365
ACCESS_LOG_CLASSIFICATION = "internal"  # request metadata (keys, requesters), no object contents
# The load balancers' access-log buckets: Elastic Load Balancing delivers access logs only to a bucket in its own
# region encrypted with S3-managed keys ("The only server-side encryption option that's supported is Amazon
# S3-managed keys (SSE-S3)", ELB user guide), so these buckets alone use SSE-S3, and the pack's
# s3-bucket-kms-encryption accepts that for this Purpose only, and only while a load balancer logs there.
LOAD_BALANCER_LOGS_PART = LOAD_BALANCER_LOGS_PURPOSE = "alb-access-logs"
LOAD_BALANCER_LOGS_PREFIX = "alb"

StatementsFor = Callable[[pulumi.Output[str]], list[dict]]  # bucket ARN -> extra bucket policy statements


def bucket_arn_for(name: pulumi.Input[str]) -> pulumi.Output[str]:
    # S3 ARNs carry neither region nor account, so a policy can name a bucket before it exists.
    return pulumi.Output.concat("arn:aws:s3:::", name)


def objects_of(bucket_arn: pulumi.Input[str]) -> pulumi.Output[str]:
    return pulumi.Output.concat(bucket_arn, "/*")


def tls_only_statements(bucket_arn: pulumi.Input[str]) -> list[dict]:
    """Deny any request over plain HTTP or TLS older than 1.2, for the bucket and its objects."""
    resources = [bucket_arn, objects_of(bucket_arn)]
    return [
        {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": resources, "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        {"Sid": "DenyOutdatedTls", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": resources, "Condition": {"NumericLessThan": {"s3:TlsVersion": "1.2"}}},
    ]


@dataclass
class SecureBucketArgs:
    ctx: RegionContext
    parts: tuple[str, ...]  # name parts for ctx.name; the physical bucket name derives from them
    kms_key_arn: pulumi.Input[str] | None  # customer-managed key in this bucket's region; None: SSE-S3 (see above)
    classification: str
    purpose: str  # Purpose tag: data buckets name their use; log buckets say which logs, so policies can tell them apart
    extra_statements: StatementsFor | None = None  # service grants on top of the TLS-only policy
    access_log_bucket: pulumi.Input[str] | None = None  # target bucket name for server access logs
    access_log_prefix: str = ""
    access_log_depends_on: list[pulumi.Resource] = field(default_factory=list)
    expire_after_days: int | None = None  # for log buckets: current and noncurrent versions expire
    replicated: bool = False  # replicates to the other region: tagged so, for the rule scoped to it
    noncurrent_version_days: int = 90  # how long an overwritten or deleted object can still be restored


class SecureBucket(pulumi.ComponentResource):
    """A bucket with every baseline control as its own resource (the v7 provider's split S3 model)."""

    bucket_name: pulumi.Output[str]
    arn: pulumi.Output[str]
    versioning: aws.s3.BucketVersioning
    policy: aws.s3.BucketPolicy

    def __init__(self, name: str, args: SecureBucketArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ecommerce:storage:SecureBucket", name, None, opts)
        ctx, parts = args.ctx, args.parts
        bucket = aws.s3.Bucket(
            ctx.name(*parts),
            bucket=bucket_name(ctx, *parts),
            force_destroy=False,  # a stack destroy must never take data with it
            tags={**classification_tags(args.classification), PURPOSE_TAG: args.purpose,
                  **({REPLICATION_TAG: REPLICATED} if args.replicated else {}),
                  **({ACCESS_LOGS_TAG: ACCESS_LOGGED} if args.access_log_bucket is not None else {}),
                  **({ENCRYPTION_TAG: CUSTOMER_MANAGED_KEY} if args.kms_key_arn is not None else {})},
            opts=ctx.opts(self),
        )
        self.bucket_name, self.arn = bucket.bucket, bucket.arn
        # Versioning is what replication reads and what lets a corrupted or deleted object be restored.
        self.versioning = aws.s3.BucketVersioning(
            ctx.name(*parts, "versioning"), bucket=bucket.id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
            opts=ctx.opts(self))
        aws.s3.BucketServerSideEncryptionConfiguration(
            ctx.name(*parts, "encryption"), bucket=bucket.id,
            rules=[aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                apply_server_side_encryption_by_default=aws.s3.
                BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                    sse_algorithm="aws:kms", kms_master_key_id=args.kms_key_arn)
                if args.kms_key_arn is not None else aws.s3.
                BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                    sse_algorithm="AES256"),
                # One KMS call per bucket key, not per object: cost and throttling.
                bucket_key_enabled=True if args.kms_key_arn is not None else None,
            )],
            opts=ctx.opts(self))
        public_access = aws.s3.BucketPublicAccessBlock(
            ctx.name(*parts, "public-access"), bucket=bucket.id, block_public_acls=True,
            block_public_policy=True, ignore_public_acls=True, restrict_public_buckets=True,
            opts=ctx.opts(self))
        # ACLs disabled: access is decided by policies alone, and the bucket owner owns every object.
        aws.s3.BucketOwnershipControls(
            ctx.name(*parts, "ownership"), bucket=bucket.id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=ctx.opts(self))
        statements = tls_only_statements(bucket.arn)
        if args.extra_statements:
            statements += args.extra_statements(bucket.arn)
        # After the public access block, so S3 never evaluates the policy against an unblocked bucket.
        self.policy = aws.s3.BucketPolicy(
            ctx.name(*parts, "policy"), bucket=bucket.id, policy=policy_json(statements),
            opts=ctx.opts(self, depends_on=[public_access]))
        if args.access_log_bucket is not None:
            aws.s3.BucketLogging(
                ctx.name(*parts, "access-logging"), bucket=bucket.id, target_bucket=args.access_log_bucket,
                target_prefix=args.access_log_prefix,
                opts=ctx.opts(self, depends_on=args.access_log_depends_on))
        # Every bucket gets a lifecycle: old versions and abandoned multipart uploads do not pile up forever.
        expiry = [aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=args.expire_after_days)] \
            if args.expire_after_days else []
        aws.s3.BucketLifecycleConfiguration(
            ctx.name(*parts, "lifecycle"), bucket=bucket.id,
            rules=[aws.s3.BucketLifecycleConfigurationRuleArgs(
                id="versions-and-uploads", status="Enabled",
                filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(),  # the whole bucket
                expiration=expiry[0] if expiry else None,
                noncurrent_version_expiration=aws.s3.
                BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                    noncurrent_days=30 if args.expire_after_days else args.noncurrent_version_days),
                abort_incomplete_multipart_upload=aws.s3.
                BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(days_after_initiation=7),
            )],
            opts=ctx.opts(self, depends_on=[self.versioning]))
        self.register_outputs({"bucketName": self.bucket_name, "arn": self.arn})


def access_log_delivery_statements(account_id: pulumi.Output[str],
                                   source_bucket_arns: list[pulumi.Output[str]]) -> StatementsFor:
    """S3 server access logging writes as the logging service, only for our buckets in our account."""
    def statements(bucket_arn: pulumi.Output[str]) -> list[dict]:
        return [{"Sid": "S3ServerAccessLogsDelivery", "Effect": "Allow",
                 "Principal": {"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject",
                 "Resource": objects_of(bucket_arn),
                 "Condition": {"StringEquals": {"aws:SourceAccount": account_id},
                               "ArnLike": {"aws:SourceArn": source_bucket_arns}}}]
    return statements


def load_balancer_log_delivery_statements(ctx: RegionContext, lookup: RegionContext) -> StatementsFor:
    """Elastic Load Balancing writes access logs as the region's Elastic Load Balancing account (regions opened
    before August 2022, which aws.elb.get_service_account names) or as logdelivery.elasticloadbalancing.amazonaws.com
    (later regions), only under our account's prefix.

    The look-up is a table in the provider, asked for `ctx`'s region through `lookup`'s provider (the recovery
    region's): a deployment during a primary-region outage must ask that region nothing."""
    elb_account = aws.elb.get_service_account_output(region=ctx.region,
                                                     opts=pulumi.InvokeOptions(provider=lookup.provider))
    account_id = ctx.account_id()

    def statements(bucket_arn: pulumi.Output[str]) -> list[dict]:
        return [{"Sid": "LoadBalancerAccessLogsDelivery", "Effect": "Allow",
                 "Principal": {"AWS": elb_account.arn, "Service": "logdelivery.elasticloadbalancing.amazonaws.com"},
                 "Action": "s3:PutObject",
                 "Resource": pulumi.Output.concat(bucket_arn, f"/{LOAD_BALANCER_LOGS_PREFIX}/AWSLogs/", account_id,
                                                  "/*")}]
    return statements


# Audit buckets (infra/components/audit.py) log their access to this component's log buckets too.
AUDIT_BUCKET_PARTS = ("cloudtrail", "config")


@dataclass
class ReplicatedStorageArgs:
    config: StackConfig
    primary: RegionContext
    secondary: RegionContext
    kms_key_arns: dict[str, pulumi.Input[str]]  # role -> multi-Region objects key / its replica


class ReplicatedStorage(pulumi.ComponentResource):
    """Every configured bucket in both regions, plus per-region access-log buckets and CRR."""

    bucket_names: dict[str, dict[str, pulumi.Output[str]]]
    bucket_arns: dict[str, dict[str, pulumi.Output[str]]]
    log_bucket_names: dict[str, pulumi.Output[str]]
    load_balancer_log_buckets: dict[str, SecureBucket]  # role -> where that region's load balancer logs
    replication_role_arn: pulumi.Output[str] | None

    def __init__(self, name: str, args: ReplicatedStorageArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ecommerce:storage:ReplicatedStorage", name, None, opts)
        contexts = {PRIMARY: args.primary, SECONDARY: args.secondary}
        purposes = dict(args.config.data.buckets)
        self.bucket_names = {purpose: {} for purpose in purposes}
        self.bucket_arns = {purpose: {} for purpose in purposes}
        self.log_bucket_names = {}
        self.log_buckets: dict[str, SecureBucket] = {}
        self.load_balancer_log_buckets = {}
        buckets: dict[tuple[str, str], SecureBucket] = {}
        for role, ctx in contexts.items():
            sources = [bucket_arn_for(bucket_name(ctx, part))
                       for part in (*purposes, *AUDIT_BUCKET_PARTS, LOAD_BALANCER_LOGS_PART)]
            log_bucket = SecureBucket(ctx.name("access-logs"), SecureBucketArgs(
                ctx=ctx, parts=("access-logs",), kms_key_arn=args.kms_key_arns[role],
                classification=ACCESS_LOG_CLASSIFICATION, purpose="access-logs",
                extra_statements=access_log_delivery_statements(ctx.account_id(), sources),
                expire_after_days=ACCESS_LOG_RETENTION_DAYS), opts=pulumi.ResourceOptions(parent=self))
            self.log_bucket_names[role] = log_bucket.bucket_name
            self.log_buckets[role] = log_bucket
            self.load_balancer_log_buckets[role] = SecureBucket(ctx.name(LOAD_BALANCER_LOGS_PART), SecureBucketArgs(
                ctx=ctx, parts=(LOAD_BALANCER_LOGS_PART,), kms_key_arn=None, classification=ACCESS_LOG_CLASSIFICATION,
                purpose=LOAD_BALANCER_LOGS_PURPOSE,
                extra_statements=load_balancer_log_delivery_statements(ctx, lookup=args.secondary),
                access_log_bucket=log_bucket.bucket_name, access_log_prefix=f"{LOAD_BALANCER_LOGS_PART}/",
                access_log_depends_on=[log_bucket.policy], expire_after_days=ACCESS_LOG_RETENTION_DAYS),
                opts=pulumi.ResourceOptions(parent=self))
            for purpose, classification in purposes.items():
                bucket = SecureBucket(ctx.name(purpose), SecureBucketArgs(
                    ctx=ctx, parts=(purpose,), kms_key_arn=args.kms_key_arns[role], classification=classification, purpose=purpose,
                    access_log_bucket=log_bucket.bucket_name, access_log_prefix=f"{purpose}/",
                    replicated=classification in args.config.data.replicated_classifications,
                    # Logging is accepted only once the log bucket lets the logging service write.
                    access_log_depends_on=[log_bucket.policy]), opts=pulumi.ResourceOptions(parent=self))
                buckets[(purpose, role)] = bucket
                self.bucket_names[purpose][role] = bucket.bucket_name
                self.bucket_arns[purpose][role] = bucket.arn

        pairs = [ReplicatedPair(purpose=purpose, source=buckets[(purpose, PRIMARY)],
                                destination=buckets[(purpose, SECONDARY)])
                 for purpose, classification in purposes.items()
                 if classification in args.config.data.replicated_classifications]
        self.replication_role_arn = None
        if pairs:
            replication = BucketReplication(args.primary.name("replication"), BucketReplicationArgs(
                source_ctx=args.primary, destination_ctx=args.secondary, pairs=pairs,
                source_key_arn=args.kms_key_arns[PRIMARY], destination_key_arn=args.kms_key_arns[SECONDARY],
                sync_replica_modifications=True), opts=pulumi.ResourceOptions(parent=self))
            self.replication_role_arn = replication.role_arn
            # And back: what the secondary takes while it serves must be in the primary after failback.
            BucketReplication(args.secondary.name("replication"), BucketReplicationArgs(
                source_ctx=args.secondary, destination_ctx=args.primary,
                pairs=[ReplicatedPair(purpose=p.purpose, source=p.destination, destination=p.source) for p in pairs],
                source_key_arn=args.kms_key_arns[SECONDARY], destination_key_arn=args.kms_key_arns[PRIMARY],
                rule_id=REVERSE_RULE_ID, sync_replica_modifications=True), opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({"bucketNames": self.bucket_names, "bucketArns": self.bucket_arns,
                               "logBucketNames": self.log_bucket_names,
                               "replicationRoleArn": self.replication_role_arn})
