"""Audit trail: CloudTrail across all regions, and AWS Config recording and evaluating in both DR regions."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import (PolicyConfigSchema, PolicyResource, ReportViolation, Severity, StackValidationArgs,
                           StackValidationPolicy)

from drguard.common import (ROLES, aws_providers, label, of_type, provider_region, resolved_tags, resource_region,
                            role_of_region, role_providers, role_regions)
from drguard.frameworks import CIS, NIST, PCI, framework
from drguard.s3_links import BUCKET_TYPES, configs_of, declared_name
from drguard.vendor.drcore.tags import PURPOSE_TAG

TRAIL = "aws:cloudtrail/trail:Trail"
RECORDER = "aws:cfg/recorder:Recorder"
DELIVERY_CHANNEL = "aws:cfg/deliveryChannel:DeliveryChannel"
RECORDER_STATUS = "aws:cfg/recorderStatus:RecorderStatus"
CONFIG_RULE = "aws:cfg/rule:Rule"


def _set(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


# -- cloudtrail-multi-region-enabled ----------------------------------------------------------------------------

def _trail_gaps(props: Mapping[str, Any]) -> list[str]:
    gaps = []
    if props.get("isMultiRegionTrail") is not True:
        gaps.append("isMultiRegionTrail is not true (set isMultiRegionTrail: true)")
    if props.get("includeGlobalServiceEvents") is False:  # AWS default: true
        gaps.append("includeGlobalServiceEvents is false (set includeGlobalServiceEvents: true)")
    if props.get("enableLogFileValidation") is not True:
        gaps.append("enableLogFileValidation is not true (set enableLogFileValidation: true)")
    if not _set(props.get("kmsKeyId")):
        gaps.append("kmsKeyId is not set (set it to the ARN of a customer-managed KMS key)")
    if not _set(props.get("cloudWatchLogsGroupArn")):
        gaps.append("cloudWatchLogsGroupArn is not set (set it to '<log group ARN>:*' with cloudWatchLogsRoleArn)")
    if props.get("enableLogging") is False:  # AWS default: true
        gaps.append("enableLogging is false (set enableLogging: true)")
    return gaps


def _cloudtrail(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    qualifying = 0
    for trail in of_type(args.resources, TRAIL):
        gaps = _trail_gaps(trail.props)
        if gaps:
            report_violation(f"CloudTrail trail {label(trail)}: {'; '.join(gaps)}.", trail.urn)
        else:
            qualifying += 1
    if not qualifying:
        report_violation("No aws:cloudtrail/trail:Trail in the stack is multi-region with global service events, "
                         "log file validation, KMS encryption (kmsKeyId) and CloudWatch Logs delivery "
                         "(cloudWatchLogsGroupArn): add one, or fix the trail reported above.", None)


cloudtrail_multi_region = StackValidationPolicy(
    name="cloudtrail-multi-region-enabled",
    description="At least one CloudTrail trail records all regions and global services, validates its log files, "
                "encrypts them with KMS and delivers them to CloudWatch Logs.",
    validate=_cloudtrail,
    severity=Severity.HIGH,
    remediation_steps="On an aws:cloudtrail/trail:Trail set isMultiRegionTrail: true, includeGlobalServiceEvents: "
                      "true, enableLogFileValidation: true, kmsKeyId: <customer-managed KMS key ARN>, "
                      "cloudWatchLogsGroupArn: '<log group ARN>:*' and cloudWatchLogsRoleArn: <role that may write "
                      "to it>.",
    framework=framework(CIS, "3.1"),
)


# -- config-recorder-both-regions -------------------------------------------------------------------------------

def _managed_regions(resources: list[PolicyResource]) -> dict[str, list]:
    """Region -> the providers that manage it: the DRRole primary/secondary providers, else every AWS provider."""
    regions: dict[str, list] = {}
    by_role = role_providers(resources)
    providers = [p for role in ROLES for p in by_role[role]] or list(aws_providers(resources).values())
    for provider in providers:
        region = provider_region(provider)
        if region:
            regions.setdefault(region, []).append(provider)
    return regions


def _name_or_default(name: Any) -> str:
    """A recorder's name (AWS default: "default")."""
    return name if isinstance(name, str) and name else "default"


def _where(region: str, providers: list) -> str:
    return f"{region} (provider {', '.join(p.name for p in providers)})"


def _config_recorder(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    resources = list(args.resources)
    regions = _managed_regions(resources)
    if not regions:
        report_violation("The stack has no AWS provider with a region, so AWS Config coverage cannot be checked: "
                         "create the primary and secondary providers with region and defaultTags DRRole.", None)
        return

    def in_region(type_token: str, region: str) -> list[PolicyResource]:
        return [r for r in of_type(resources, type_token) if resource_region(r) == region]

    organisation_regions = set(args.get_config().get("organizationRecorderRegions", []))
    for region, providers in regions.items():
        recorders = in_region(RECORDER, region)
        channels = in_region(DELIVERY_CHANNEL, region)
        statuses = in_region(RECORDER_STATUS, region)
        if region in organisation_regions:
            # AWS allows one recorder and one delivery channel per account and region: the organisation's are there.
            for resource in (*recorders, *channels):
                report_violation(f"{label(resource)} in {region} would be a second {resource.resource_type}: the "
                                 f"organisation records AWS Config there (setting organizationRecorderRegions); remove it, or "
                                 "remove the region from that setting.", resource.urn)
            continue
        missing = [f"an {t} ({what})" for t, what, found in (
            (RECORDER, "roleArn and recordingGroup.allSupported: true", recorders),
            (DELIVERY_CHANNEL, "s3BucketName of the config bucket", channels)) if not found]
        recorder_names = {_name_or_default(r.props.get("name")) for r in recorders}
        recorder_urns = {r.urn for r in recorders}

        def for_recorder(status: PolicyResource) -> bool:
            return (_name_or_default(status.props.get("name")) in recorder_names
                    or any(d.urn in recorder_urns for d in status.property_dependencies.get("name", [])))

        for status in statuses:
            if not for_recorder(status):
                report_violation(f"{label(status)} in {region} names recorder {status.props.get('name')!r}, which is "
                                 f"not a configuration recorder in {region}: set name to the recorder's name.",
                                 status.urn)
            elif status.props.get("isEnabled") is not True:
                report_violation(f"{label(status)} in {region} leaves the configuration recorder stopped: set "
                                 "isEnabled: true.", status.urn)
        if not statuses:
            missing.append(f"an {RECORDER_STATUS} (name of the recorder, isEnabled: true)")
        if missing:
            for provider in providers:
                report_violation(f"AWS Config is not fully set up in {_where(region, providers)}: add "
                                 f"{' and '.join(missing)}.", provider.urn)


config_recorder_both_regions = StackValidationPolicy(
    name="config-recorder-both-regions",
    description="AWS Config records, delivers and is switched on in every region the stack manages.",
    validate=_config_recorder,
    severity=Severity.HIGH,
    remediation_steps="In each of the primary and secondary regions create an aws:cfg/recorder:Recorder (roleArn, "
                      "recordingGroup.allSupported: true), an aws:cfg/deliveryChannel:DeliveryChannel (s3BucketName) "
                      "and an aws:cfg/recorderStatus:RecorderStatus with name set to the recorder's name and "
                      "isEnabled: true. Where an organisation's recorder already records a region (Control Tower, "
                      "org-wide Config), list the region in organizationRecorderRegions and create none there.",
    framework=framework(CIS, "3.3"),
    config_schema=PolicyConfigSchema(properties={
        "organizationRecorderRegions": {
            "type": "array", "items": {"type": "string"}, "uniqueItems": True, "default": [],
            "description": "Regions where the organisation's AWS Config recorder and delivery channel (AWS Control "
                           "Tower, org-wide Config) record every resource of the account; the stack must not "
                           "create its own there (stack config audit.configRecorder: existing).",
        },
    }),
)


# -- config-rules-both-regions ----------------------------------------------------------------------------------

def _rule_identifier(rule: PolicyResource) -> str | None:
    """The AWS managed rule identifier; custom rules (Lambda ARNs differ per region) are not compared."""
    source = rule.props.get("source")
    if not isinstance(source, Mapping):
        return None
    owner, identifier = source.get("owner"), source.get("sourceIdentifier")
    if owner not in (None, "AWS") or not _set(identifier):
        return None
    return identifier


def _config_rules(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    resources = list(args.resources)
    required = [str(i) for i in args.get_config().get("requiredRuleIdentifiers", [])]
    by_role = role_providers(resources)
    regions = role_regions(resources)
    if not all(regions.values()):
        report_violation("The stack lacks a provider tagged DRRole=primary or DRRole=secondary with a region, so AWS "
                         "Config rules cannot be compared between the regions: tag both providers.", None)
        return
    rules: dict[str, dict[str, list[PolicyResource]]] = {role: {} for role in ROLES}
    for rule in of_type(resources, CONFIG_RULE):
        role = role_of_region(resource_region(rule), regions)
        identifier = _rule_identifier(rule)
        if role is not None and identifier is not None:
            rules[role].setdefault(identifier, []).append(rule)
    for role, other in ((ROLES[0], ROLES[1]), (ROLES[1], ROLES[0])):
        other_where = f"the {other} region {', '.join(sorted(regions[other]))}"
        for identifier in sorted(set(rules[role]) - set(rules[other])):
            for rule in rules[role][identifier]:
                report_violation(f"AWS Config rule {label(rule)} ({identifier}) runs in the {role} region "
                                 f"{resource_region(rule)} but no rule with sourceIdentifier {identifier} runs in "
                                 f"{other_where}: add it there, so both regions are evaluated alike.", rule.urn)
    for role in ROLES:
        absent = [i for i in dict.fromkeys(required) if i not in rules[role]]
        if absent:
            for provider in by_role[role]:
                report_violation(f"Required AWS Config rules missing in the {role} region {provider_region(provider)}"
                                 f" (provider {provider.name}): {', '.join(absent)}; add an aws:cfg/rule:Rule with "
                                 "source {owner: AWS, sourceIdentifier: <id>} for each.", provider.urn)


config_rules_both_regions = StackValidationPolicy(
    name="config-rules-both-regions",
    description="The primary and secondary regions run the same AWS managed Config rules, including every "
                "required one.",
    validate=_config_rules,
    severity=Severity.MEDIUM,
    remediation_steps="For every AWS managed rule identifier deploy an aws:cfg/rule:Rule with source {owner: AWS, "
                      "sourceIdentifier: <identifier>} in both the primary and the secondary region, and include "
                      "every identifier listed in the setting requiredRuleIdentifiers.",
    framework=framework(NIST, "CA-7"),
    config_schema=PolicyConfigSchema(properties={
        "requiredRuleIdentifiers": {
            "type": "array", "items": {"type": "string"}, "uniqueItems": True, "default": [],
            "description": "AWS managed Config rule identifiers each DR region must run (e.g. "
                           "S3_BUCKET_VERSIONING_ENABLED).",
        },
    }),
)

LOGGINGS = ("aws:s3/bucketLogging:BucketLogging", "aws:s3/bucketLoggingV2:BucketLoggingV2")


# -- s3-bucket-access-logging -----------------------------------------------------------------------------------

def _access_logging(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    resources = list(args.resources)
    loggings = of_type(resources, *LOGGINGS)
    for bucket in of_type(resources, *BUCKET_TYPES):
        if resolved_tags(bucket.props, bucket.provider).get(PURPOSE_TAG) == "access-logs":
            continue
        name = declared_name(bucket)
        inline = bucket.props.get("logging")
        targets = [inline.get("targetBucket")] if isinstance(inline, Mapping) else []
        mine = configs_of(bucket, loggings)
        targets += [logging.props.get("targetBucket") for logging in mine]
        for logging in mine:
            if not logging.props.get("targetBucket"):
                report_violation(f"{label(logging)} for bucket {name or bucket.name} has no targetBucket: set it to "
                                 "the region's access-log bucket.", logging.urn)
        valid = [t for t in targets if isinstance(t, str) and t]
        if any(t == name for t in valid):
            report_violation(f"Bucket {label(bucket)} logs access to itself, so every log write is logged again: "
                             "set targetBucket to the region's access-log bucket.", bucket.urn)
        elif not valid and not mine:
            report_violation(f"Bucket {label(bucket)} has no server access logging: add an "
                             "aws:s3/bucketLogging:BucketLogging with bucket set to this bucket and targetBucket the "
                             "region's access-log bucket, or tag a log bucket itself Purpose=access-logs.", bucket.urn)


s3_access_logging = StackValidationPolicy(
    name="s3-bucket-access-logging",
    description="Every S3 bucket except the access-log buckets writes server access logs to another bucket.",
    validate=_access_logging,
    severity=Severity.MEDIUM,
    remediation_steps="For each bucket add an aws:s3/bucketLogging:BucketLogging with bucket = the bucket's name, "
                      "targetBucket = the region's access-log bucket and a targetPrefix; tag the access-log buckets "
                      "themselves Purpose=access-logs.",
    framework=framework(PCI, "10.2.1"),
)

POLICIES = [cloudtrail_multi_region, config_recorder_both_regions, config_rules_both_regions, s3_access_logging]
