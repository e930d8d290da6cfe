"""S3 default encryption with customer-managed KMS keys (SSE-KMS with a bucket key), the pack's one exception being
the buckets load balancers deliver access logs to, which Elastic Load Balancing allows only SSE-S3 for."""
from __future__ import annotations

from collections.abc import Mapping

from pulumi_policy import (PolicyConfigSchema, PolicyResource, ReportViolation, Severity, StackValidationArgs,
                           StackValidationPolicy)

from drguard.common import as_list, depends_through, is_true, label, of_type, resolved_tags
from drguard.encryption import cmk_problem, not_encrypted
from drguard.frameworks import PCI, framework
from drguard.s3_links import BUCKET_TYPES, bucket_name, bucket_targets, declared_name
from drguard.vendor.drcore.tags import PURPOSE_TAG

SSE_CONFIG_TYPES = ("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2")

# --- S3 -------------------------------------------------------------------------------------------------------------

# Elastic Load Balancing delivers access logs only to buckets encrypted with S3-managed keys ("The only server-side
# encryption option that's supported is Amazon S3-managed keys (SSE-S3)", ELB user guide): a bucket whose Purpose
# says it holds them may use AES256, and only while a load balancer in the stack logs there.
DEFAULT_S3_MANAGED_KEY_PURPOSES = ["alb-access-logs"]
LOAD_BALANCERS = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer",
                  "aws:elb/loadBalancer:LoadBalancer")


def _load_balancer_log_target(bucket: PolicyResource, load_balancers: list[PolicyResource]) -> bool:
    name = declared_name(bucket)
    for balancer in load_balancers:
        logs = balancer.props.get("accessLogs")
        if isinstance(logs, Mapping) and logs.get("enabled") is True and (
                (name is not None and logs.get("bucket") == name) or depends_through(balancer, "accessLogs", bucket)):
            return True
    return False


def _sse_rule_problems(rules: list, where: str, s3_managed_allowed: bool = False,
                       require_bucket_key: bool = True) -> list[str]:
    if not rules:
        return [f"{where} has no rules"]
    problems = []
    for index, rule in enumerate(rules):
        default = rule.get("applyServerSideEncryptionByDefault") if isinstance(rule, Mapping) else None
        if not isinstance(default, Mapping):
            problems.append(f"{where} rule {index} has no applyServerSideEncryptionByDefault")
            continue
        algorithm = default.get("sseAlgorithm")
        if algorithm == "AES256" and s3_managed_allowed:
            continue
        if algorithm not in ("aws:kms", "aws:kms:dsse"):
            problems.append(f"{where} rule {index} uses sseAlgorithm {algorithm!r} instead of 'aws:kms' or "
                            "'aws:kms:dsse'")
            continue
        problem = cmk_problem(default.get("kmsMasterKeyId"), "applyServerSideEncryptionByDefault.kmsMasterKeyId")
        if problem:
            problems.append(f"{where} rule {index}: {problem}")
        # An S3 Bucket Key cuts the KMS requests SSE-KMS makes (compliance-policies'
        # aws-s3-bucket-enable-server-side-encryption-bucket-key wants it); S3 does not support one with DSSE-KMS.
        if require_bucket_key and algorithm == "aws:kms" and not is_true(rule.get("bucketKeyEnabled")):
            problems.append(f"{where} rule {index} does not set bucketKeyEnabled: true (every object then costs a KMS "
                            "request)")
    return problems


def _s3_kms(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    buckets = of_type(args.resources, *BUCKET_TYPES)
    if not buckets:
        return
    configs = of_type(args.resources, *SSE_CONFIG_TYPES)
    matched = bucket_targets(buckets, configs)
    s3_managed_purposes = set(args.get_config().get("s3ManagedKeyPurposes", DEFAULT_S3_MANAGED_KEY_PURPOSES))
    require_bucket_key = args.get_config().get("requireBucketKey", True) is not False
    load_balancers = of_type(args.resources, *LOAD_BALANCERS)
    setting = ("rules[0].applyServerSideEncryptionByDefault = {sseAlgorithm: 'aws:kms', kmsMasterKeyId: "
               "<customer-managed KMS key ARN>}" + (" and rules[0].bucketKeyEnabled = true" if require_bucket_key
                                                    else ""))
    for bucket in buckets:
        name = bucket_name(bucket.props.get("bucket")) or bucket.name
        problems: list[str] = []
        found = matched[bucket.urn]
        purpose = resolved_tags(bucket.props, bucket.provider).get(PURPOSE_TAG)
        load_balancer_logs = purpose in s3_managed_purposes and _load_balancer_log_target(bucket, load_balancers)
        if found:
            for config in found:
                problems += _sse_rule_problems(as_list(config.props.get("rules")), f"encryption configuration "
                                                                                   f"{config.name}", load_balancer_logs,
                                               require_bucket_key)
        else:
            inline = bucket.props.get("serverSideEncryptionConfiguration")
            if isinstance(inline, Mapping):
                problems += _sse_rule_problems(as_list(inline.get("rule")), "inline serverSideEncryptionConfiguration",
                                               load_balancer_logs, require_bucket_key)
            else:
                problems.append("no aws:s3/BucketServerSideEncryptionConfiguration targets it, so objects get "
                                "only the default SSE-S3 (AES256) encryption")
        fix = (f"set {setting} in that configuration" if found else
               f"add an aws:s3/BucketServerSideEncryptionConfiguration with this bucket's name as `bucket` and "
               f"{setting}")
        for message in not_encrypted(f"S3 bucket {label(bucket)} '{name}'", problems, fix):
            report_violation(message, bucket.urn)


s3_bucket_kms_encryption = StackValidationPolicy(
    name="s3-bucket-kms-encryption",
    description="Every S3 bucket has a default server-side encryption configuration using a customer-managed "
                "KMS key (SSE-KMS with an S3 Bucket Key, or DSSE-KMS).",
    validate=_s3_kms,
    severity=Severity.HIGH,
    framework=framework(PCI, "3.5.1"),
    remediation_steps="Create an aws.s3.BucketServerSideEncryptionConfiguration whose `bucket` is the bucket's name "
                      "and whose rules[0].applyServerSideEncryptionByDefault sets sseAlgorithm 'aws:kms' (or "
                      "'aws:kms:dsse') and kmsMasterKeyId to the ARN of a customer-managed KMS key in the bucket's "
                      "Region (not alias/aws/s3), and with 'aws:kms' set bucketKeyEnabled true (S3 Bucket Key: far "
                      "fewer KMS requests; the setting requireBucketKey: false waives it). A bucket "
                      "that receives load balancer access logs (Purpose tag in s3ManagedKeyPurposes, named by a load "
                      "balancer's accessLogs) uses sseAlgorithm 'AES256', the only encryption ELB delivers to.",
    config_schema=PolicyConfigSchema(properties={"s3ManagedKeyPurposes": {
        "type": "array", "items": {"type": "string"}, "default": DEFAULT_S3_MANAGED_KEY_PURPOSES,
        "description": "Purpose tag values of buckets that may use SSE-S3 because a load balancer delivers its access "
                       "logs there (ELB supports no other encryption); only while one does."},
        "requireBucketKey": {
            "type": "boolean", "default": True,
            "description": "SSE-KMS default encryption must set bucketKeyEnabled true (an S3 Bucket Key)."}}),
)


POLICIES = [s3_bucket_kms_encryption]
