"""Audit trail and configuration history: CloudTrail for every region, AWS Config in each region.

A failover is itself a change under audit: who promoted the database, who moved traffic.
One multi-region trail (home: the primary) records the API calls of both regions, with
digest files so tampering is detectable and a CloudWatch Logs copy that alarms can read.
AWS Config records resource configuration in each region separately, because Config is
regional: the standby's drift from the primary is only visible if the standby records too.
The managed rules that evaluate those recordings come from `config_rules` (the seam in
infra/config_rules.py), so adding a rule never touches this module.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from drcore.platform import PRIMARY, SECONDARY
from drcore.stack_config import StackConfig
from infra.components.storage import AUDIT_BUCKET_PARTS, SecureBucket, SecureBucketArgs, objects_of
from infra.components.storage_replication import BucketReplication, BucketReplicationArgs, ReplicatedPair
from infra.config_rules import ConfigRuleSpec
from infra.context import RegionContext, classification_tags, physical_name, policy_json

# Audit records name principals, source IPs and resource configuration: more than internal.
AUDIT_CLASSIFICATION = "confidential"
TRAIL_LOG_RETENTION_DAYS = 365
CONFIG_ROLE_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AWS_ConfigRole"


@dataclass
class AuditArgs:
    config: StackConfig
    contexts: dict[str, RegionContext]
    kms_key_arns: dict[str, pulumi.Input[str]]  # role -> multi-Region platform key / its replica
    access_log_buckets: dict[str, SecureBucket] = field(default_factory=dict)  # role -> access-log bucket
    config_rules: list[ConfigRuleSpec] = field(default_factory=list)


def _access_logging(args: AuditArgs, role: str, prefix: str) -> dict:
    """SecureBucketArgs fields that send an audit bucket's access logs to the region's access-log bucket."""
    log_bucket = args.access_log_buckets.get(role)
    if log_bucket is None:
        return {}
    return {"access_log_bucket": log_bucket.bucket_name, "access_log_prefix": prefix,
            "access_log_depends_on": [log_bucket.policy]}


def service_role(ctx: RegionContext, parent: pulumi.Resource, purpose: str, service: str,
                 condition: dict) -> aws.iam.Role:
    """A role only the named service may assume, and only on this account's behalf (confused deputy)."""
    return aws.iam.Role(
        ctx.name(purpose),
        assume_role_policy=policy_json([{"Effect": "Allow", "Principal": {"Service": service},
                                         "Action": "sts:AssumeRole", "Condition": condition}]),
        opts=ctx.opts(parent))


def _cloudtrail_delivery(account: pulumi.Output[str], trail_arn: pulumi.Output[str]):
    def statements(bucket_arn: pulumi.Output[str]) -> list[dict]:
        only_our_trail = {"StringEquals": {"aws:SourceArn": trail_arn}}
        return [
            {"Sid": "CloudTrailAclCheck", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
             "Action": "s3:GetBucketAcl", "Resource": bucket_arn, "Condition": only_our_trail},
            {"Sid": "CloudTrailWrite", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
             "Action": "s3:PutObject", "Resource": pulumi.Output.concat(bucket_arn, "/AWSLogs/", account, "/*"),
             "Condition": {"StringEquals": {"aws:SourceArn": trail_arn,
                                            "s3:x-amz-acl": "bucket-owner-full-control"}}},
        ]
    return statements


def _config_delivery(account: pulumi.Output[str]):
    def statements(bucket_arn: pulumi.Output[str]) -> list[dict]:
        ours = {"StringEquals": {"aws:SourceAccount": account}}
        return [
            {"Sid": "ConfigAclCheck", "Effect": "Allow", "Principal": {"Service": "config.amazonaws.com"},
             "Action": ["s3:GetBucketAcl", "s3:ListBucket"], "Resource": bucket_arn, "Condition": ours},
            {"Sid": "ConfigWrite", "Effect": "Allow", "Principal": {"Service": "config.amazonaws.com"},
             "Action": "s3:PutObject",
             "Resource": pulumi.Output.concat(bucket_arn, "/AWSLogs/", account, "/Config/*"),
             "Condition": {"StringEquals": {"aws:SourceAccount": account,
                                            "s3:x-amz-acl": "bucket-owner-full-control"}}},
        ]
    return statements


def _scope(spec: ConfigRuleSpec) -> aws.cfg.RuleScopeArgs | None:
    if spec.tag_scope:
        return aws.cfg.RuleScopeArgs(tag_key=spec.tag_scope[0], tag_value=spec.tag_scope[1])
    if spec.resource_types:
        return aws.cfg.RuleScopeArgs(compliance_resource_types=list(spec.resource_types))
    return None


class Audit(pulumi.ComponentResource):
    """The multi-region trail in the primary, and per region the Config rules with a recorder and delivery channel
    (unless the organisation's recorder is used: audit.configRecorder existing), and the account's EBS encryption
    by default (CIS 2.2.1, which the Config rule EC2_EBS_ENCRYPTION_BY_DEFAULT evaluates per region)."""

    trail_arn: pulumi.Output[str]
    trail_name: pulumi.Output[str]
    trail_bucket_name: pulumi.Output[str]
    trail_log_group_name: pulumi.Output[str]
    recorder_names: dict[str, pulumi.Output[str]]
    config_rule_names: dict[str, list[pulumi.Output[str]]]

    def __init__(self, name: str, args: AuditArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ecommerce:audit:Audit", name, None, opts)
        self._trail(args)
        self.recorder_names, self.config_rule_names = {}, {}
        for role, ctx in args.contexts.items():
            self._recorder(args, role, ctx)
            # Account-wide per region: every EBS volume anyone creates here is encrypted. The platform itself
            # runs no EBS volumes (Fargate, Aurora); the setting is what the benchmark asks of the account.
            aws.ebs.EncryptionByDefault(ctx.name("ebs-encryption-by-default"), enabled=True, opts=ctx.opts(self))
        self.register_outputs({"trailArn": self.trail_arn, "trailName": self.trail_name,
                               "trailBucketName": self.trail_bucket_name,
                               "trailLogGroupName": self.trail_log_group_name,
                               "recorderNames": self.recorder_names, "configRuleNames": self.config_rule_names})

    def _trail(self, args: AuditArgs) -> None:
        ctx, key_arn = args.contexts[PRIMARY], args.kms_key_arns[PRIMARY]
        account = ctx.account_id()
        trail_name = physical_name(ctx, "trail", limit=128)
        # Built, not read from the trail: the bucket policy must name the trail before the trail can exist.
        trail_arn = account.apply(lambda a: f"arn:aws:cloudtrail:{ctx.region}:{a}:trail/{trail_name}")
        bucket = SecureBucket(ctx.name("cloudtrail"), SecureBucketArgs(
            ctx=ctx, parts=(AUDIT_BUCKET_PARTS[0],), kms_key_arn=key_arn, classification=AUDIT_CLASSIFICATION,
            purpose="audit-logs", extra_statements=_cloudtrail_delivery(account, trail_arn),
            replicated=True,  # to the secondary's replica bucket (below)
            **_access_logging(args, PRIMARY, "cloudtrail/")), opts=pulumi.ResourceOptions(parent=self))
        log_group = aws.cloudwatch.LogGroup(
            ctx.name("trail-logs"), name=f"/aws/cloudtrail/{trail_name}", kms_key_id=key_arn,
            retention_in_days=TRAIL_LOG_RETENTION_DAYS, tags=classification_tags(AUDIT_CLASSIFICATION),
            opts=ctx.opts(self))
        logs_role = service_role(ctx, self, "trail-to-logs", "cloudtrail.amazonaws.com",
                                 {"StringEquals": {"aws:SourceAccount": account, "aws:SourceArn": trail_arn}})
        logs_permissions = aws.iam.RolePolicy(
            ctx.name("trail-to-logs"), role=logs_role.id,
            policy=policy_json([{"Sid": "WriteTrailEvents", "Effect": "Allow",
                                 "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                                 "Resource": pulumi.Output.concat(log_group.arn, ":log-stream:*")}]),
            opts=ctx.opts(self))
        trail = aws.cloudtrail.Trail(
            ctx.name("trail"),
            name=trail_name,
            s3_bucket_name=bucket.bucket_name,
            is_multi_region_trail=True,  # the secondary's API calls are recorded even before it takes traffic
            include_global_service_events=True,  # IAM, STS, Route 53: the calls a failover makes
            enable_log_file_validation=True,
            enable_logging=True,
            kms_key_id=key_arn,
            cloud_watch_logs_group_arn=pulumi.Output.concat(log_group.arn, ":*"),
            cloud_watch_logs_role_arn=logs_role.arn,
            # CloudTrail checks bucket access and the role's permissions when the trail is created.
            opts=ctx.opts(self, depends_on=[bucket.policy, logs_permissions]))
        self._replicate_trail_bucket(args, bucket)
        self.trail_arn, self.trail_name = trail.arn, trail.name
        self.trail_bucket_name, self.trail_log_group_name = bucket.bucket_name, log_group.name

    def _replicate_trail_bucket(self, args: AuditArgs, bucket: SecureBucket) -> None:
        """The trail's log files are evidence: a copy in the secondary region survives the loss of the primary."""
        primary, secondary = args.contexts[PRIMARY], args.contexts[SECONDARY]
        replica = SecureBucket(secondary.name("cloudtrail"), SecureBucketArgs(
            ctx=secondary, parts=(AUDIT_BUCKET_PARTS[0],), kms_key_arn=args.kms_key_arns[SECONDARY],
            classification=AUDIT_CLASSIFICATION, purpose="audit-logs",
            **_access_logging(args, SECONDARY, "cloudtrail/")), opts=pulumi.ResourceOptions(parent=self))
        BucketReplication(primary.name("cloudtrail-replication"), BucketReplicationArgs(
            source_ctx=primary, destination_ctx=secondary,
            pairs=[ReplicatedPair(purpose="cloudtrail", source=bucket, destination=replica)],
            source_key_arn=args.kms_key_arns[PRIMARY], destination_key_arn=args.kms_key_arns[SECONDARY]),
            opts=pulumi.ResourceOptions(parent=self))
        self.trail_replica_bucket_name = replica.bucket_name

    def _recorder(self, args: AuditArgs, role: str, ctx: RegionContext) -> None:
        if not args.config.audit.creates_config_recorder:
            # The organisation's recorder (audit.configRecorder: existing) records this region: a second one is
            # refused ("only one configuration recorder for each AWS Region for each account",
            # PutConfigurationRecorder). PutConfigRule fails with NoAvailableConfigurationRecorderException where
            # there is none, so a missing organisation recorder stops the deployment rather than passing quietly.
            self.config_rule_names[role] = [self._rule(ctx, spec, None) for spec in args.config_rules]
            return
        key_arn, account = args.kms_key_arns[role], ctx.account_id()
        bucket = SecureBucket(ctx.name("config"), SecureBucketArgs(
            ctx=ctx, parts=(AUDIT_BUCKET_PARTS[1],), kms_key_arn=key_arn, classification=AUDIT_CLASSIFICATION,
            purpose="config-delivery", extra_statements=_config_delivery(account),
            **_access_logging(args, role, "config/")), opts=pulumi.ResourceOptions(parent=self))
        # A role of our own, not the service-linked role, so the S3 grant below can name one bucket.
        recorder_role = service_role(ctx, self, "config-recorder", "config.amazonaws.com",
                                     {"StringEquals": {"aws:SourceAccount": account}})
        managed = aws.iam.RolePolicyAttachment(ctx.name("config-recorder", "managed"), role=recorder_role.id,
                                               policy_arn=CONFIG_ROLE_POLICY_ARN, opts=ctx.opts(self))
        delivery_permissions = aws.iam.RolePolicy(
            ctx.name("config-delivery"), role=recorder_role.id,
            policy=policy_json([
                {"Sid": "CheckBucket", "Effect": "Allow", "Action": "s3:GetBucketAcl", "Resource": bucket.arn},
                {"Sid": "DeliverSnapshots", "Effect": "Allow", "Action": "s3:PutObject",
                 "Resource": pulumi.Output.concat(bucket.arn, "/AWSLogs/", account, "/Config/*"),
                 "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}},
                {"Sid": "EncryptSnapshots", "Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
                 "Resource": key_arn,
                 "Condition": {"StringEquals": {"kms:ViaService": f"s3.{ctx.region}.amazonaws.com"},
                               "StringLike": {"kms:EncryptionContext:aws:s3:arn": [
                                   bucket.arn, objects_of(bucket.arn)]}}},
            ]),
            opts=ctx.opts(self))
        recorder = aws.cfg.Recorder(
            ctx.name("recorder"), name=ctx.name("recorder"), role_arn=recorder_role.arn,
            recording_group=aws.cfg.RecorderRecordingGroupArgs(
                all_supported=True,
                # Global resources (IAM) are recorded once, in the primary, or every region would repeat them.
                include_global_resource_types=role == PRIMARY),
            opts=ctx.opts(self, depends_on=[managed]))
        channel = aws.cfg.DeliveryChannel(
            ctx.name("config-delivery"), name=ctx.name("config-delivery"), s3_bucket_name=bucket.bucket_name,
            s3_kms_key_arn=key_arn,
            snapshot_delivery_properties=aws.cfg.DeliveryChannelSnapshotDeliveryPropertiesArgs(
                delivery_frequency="TwentyFour_Hours"),
            # Config needs a recorder to attach to, and test-writes to the bucket when the channel is created.
            opts=ctx.opts(self, depends_on=[recorder, bucket.policy, delivery_permissions]))
        aws.cfg.RecorderStatus(ctx.name("recorder-status"), name=recorder.name, is_enabled=True,
                               opts=ctx.opts(self, depends_on=[channel]))
        self.recorder_names[role] = recorder.name
        self.config_rule_names[role] = [self._rule(ctx, spec, recorder) for spec in args.config_rules]

    def _rule(self, ctx: RegionContext, spec: ConfigRuleSpec,
              recorder: aws.cfg.Recorder | None) -> pulumi.Output[str]:
        rule = aws.cfg.Rule(
            ctx.name("rule", spec.name),
            name=physical_name(ctx, spec.name, limit=128),
            source=aws.cfg.RuleSourceArgs(owner="AWS", source_identifier=spec.source_identifier),
            input_parameters=json.dumps(dict(spec.parameters)) if spec.parameters else None,
            scope=_scope(spec),
            # A managed rule cannot be created in a region without a configuration recorder.
            opts=ctx.opts(self, depends_on=[recorder] if recorder else []))
        return rule.name
