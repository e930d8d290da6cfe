"""Activity logs: who reached the platform and what it did is recorded at every layer that can record it (load
balancer requests, VPC flows, web-ACL verdicts, container output, database logs), and kept long enough to be used.

Peers checked for intent: AWS Config ELB_LOGGING_ENABLED, VPC_FLOW_LOGS_ENABLED, WAFV2_LOGGING_ENABLED,
ECS_TASK_DEFINITION_LOG_CONFIGURATION, CW_LOGGROUP_RETENTION_PERIOD_CHECK, RDS_LOGGING_ENABLED; cdk-nag AwsSolutions
ELB2, VPC7, ECS7 and the NIST 800-53 r5 / PCI packs' logging rules.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import (PolicyConfigSchema, ReportViolation, ResourceValidationArgs, Severity, StackValidationArgs,
                           StackValidationPolicy)

from drguard.common import as_list, depends_through, label, number, of_type, parse_json_text, resource_policy
from drguard.frameworks import CIS, NIST, PCI, framework

LOAD_BALANCERS = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")
CLASSIC_LOAD_BALANCER = "aws:elb/loadBalancer:LoadBalancer"
VPC = "aws:ec2/vpc:Vpc"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
WEB_ACL = "aws:wafv2/webAcl:WebAcl"
WEB_ACL_LOGGING = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"
CLASSIC_WEB_ACLS = ("aws:waf/webAcl:WebAcl", "aws:wafregional/webAcl:WebAcl")
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
RDS_CLUSTER = "aws:rds/cluster:Cluster"
RDS_INSTANCE = "aws:rds/instance:Instance"


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


# -- alb-access-logging ---------------------------------------------------------------------------------------------

def _access_logs(args: ResourceValidationArgs) -> list[str]:
    props = args.props
    if args.resource_type in LOAD_BALANCERS and props.get("loadBalancerType") == "gateway":
        return []  # Gateway Load Balancers have no access logs to turn on
    logs = props.get("accessLogs")
    if not isinstance(logs, Mapping) or logs.get("enabled") is not True or not _text(logs.get("bucket")):
        return [f"Load balancer {label(args)} writes no access logs: set accessLogs {{enabled: true, bucket: <the "
                "region's load-balancer log bucket>}}; Elastic Load Balancing delivers them only to a bucket in the "
                "same region encrypted with S3-managed keys (SSE-S3)."]
    return []


alb_access_logging = resource_policy(
    name="alb-access-logging",
    description="Application, network and classic load balancers write access logs to an S3 bucket.",
    types=(*LOAD_BALANCERS, CLASSIC_LOAD_BALANCER),
    check=_access_logs,
    severity=Severity.MEDIUM,
    framework=framework(PCI, "10.2.1"),
    remediation="Set accessLogs = {enabled: true, bucket: <bucket>, prefix: <prefix>} on the load balancer. The "
                "bucket must be in the load balancer's region, use SSE-S3 (AES256) and let the region's Elastic Load "
                "Balancing account or logdelivery.elasticloadbalancing.amazonaws.com write AWSLogs/<account>/*.",
)


# -- vpc-flow-logs-enabled ------------------------------------------------------------------------------------------

def _flow_logs(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    allowed = set(args.get_config().get("trafficTypes") or ["ALL"])
    flow_logs = of_type(args.resources, FLOW_LOG)
    for vpc in of_type(args.resources, VPC):
        mine = [f for f in flow_logs if depends_through(f, "vpcId", vpc)]
        if not mine:
            report_violation(f"VPC {label(vpc)} has no flow log: add an aws:ec2/flowLog with vpcId set to this VPC, "
                             f"trafficType {' or '.join(sorted(allowed))} and a log destination.", vpc.urn)
        for flow_log in mine:
            traffic = flow_log.props.get("trafficType")
            if traffic not in allowed:
                report_violation(f"Flow log {label(flow_log)} of VPC {vpc.name} records trafficType {traffic!r}: "
                                 f"set trafficType to {' or '.join(sorted(allowed))}.", flow_log.urn)
            if not (_text(flow_log.props.get("logDestination")) or _text(flow_log.props.get("logGroupName"))):
                report_violation(f"Flow log {label(flow_log)} of VPC {vpc.name} names no log destination: set "
                                 "logDestination (a log group or bucket ARN).", flow_log.urn)


vpc_flow_logs_enabled = StackValidationPolicy(
    name="vpc-flow-logs-enabled",
    description="Every VPC has a flow log recording all traffic to a log destination.",
    validate=_flow_logs,
    severity=Severity.MEDIUM,
    framework=framework(CIS, "3.7"),
    remediation_steps="For each aws:ec2/vpc add an aws:ec2/flowLog with vpcId = the VPC's id, trafficType ALL and "
                      "logDestination = a KMS-encrypted CloudWatch Logs group (with iamRoleArn) or an S3 bucket.",
    config_schema=PolicyConfigSchema(properties={"trafficTypes": {
        "type": "array", "items": {"enum": ["ALL", "ACCEPT", "REJECT"]}, "minItems": 1, "uniqueItems": True,
        "default": ["ALL"], "description": "trafficType values a flow log may record."}}),
)


# -- waf-logging-enabled --------------------------------------------------------------------------------------------

def _waf_logging(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    logging_configs = of_type(args.resources, WEB_ACL_LOGGING)
    for acl in of_type(args.resources, WEB_ACL):
        mine = [c for c in logging_configs if depends_through(c, "resourceArn", acl)]
        if not any(as_list(c.props.get("logDestinationConfigs")) for c in mine):
            report_violation(f"Web ACL {label(acl)} logs no requests: add an aws:wafv2/webAclLoggingConfiguration "
                             "with resourceArn = this web ACL's ARN and logDestinationConfigs = [a log group named "
                             "aws-waf-logs-*, a bucket or a Firehose stream].", acl.urn)
    for acl in of_type(args.resources, *CLASSIC_WEB_ACLS):
        logging = acl.props.get("loggingConfiguration")
        if not isinstance(logging, Mapping) or not _text(logging.get("logDestination")):
            report_violation(f"Web ACL {label(acl)} logs no requests: set loggingConfiguration.logDestination (or "
                             "move to WAFv2 with an aws:wafv2/webAclLoggingConfiguration).", acl.urn)


waf_logging_enabled = StackValidationPolicy(
    name="waf-logging-enabled",
    description="Every web ACL (WAFv2 and classic) logs the requests it inspects, with its verdict.",
    validate=_waf_logging,
    severity=Severity.MEDIUM,
    framework=framework(NIST, "AU-12"),
    remediation_steps="Add an aws:wafv2/webAclLoggingConfiguration whose resourceArn is the web ACL's ARN and whose "
                      "logDestinationConfigs names a CloudWatch Logs group called aws-waf-logs-<...> (KMS-encrypted, "
                      "with retention), an S3 bucket or a Firehose stream.",
)


# -- ecs-container-logging ------------------------------------------------------------------------------------------

def _container_logging(args: ResourceValidationArgs) -> list[str]:
    definitions = parse_json_text(args.props.get("containerDefinitions"))
    problems = []
    for index, container in enumerate(as_list(definitions)):
        if not isinstance(container, Mapping):
            continue
        name = container.get("name") or f"containerDefinitions[{index}]"
        logging = container.get("logConfiguration")
        driver = logging.get("logDriver") if isinstance(logging, Mapping) else None
        if not _text(driver) or driver == "none":
            problems.append(f"Container {name} of task definition {label(args)} sends its output nowhere: set "
                            "logConfiguration {logDriver: awslogs, options: {awslogs-group, awslogs-region, "
                            "awslogs-stream-prefix}} (or awsfirelens).")
    return problems


ecs_container_logging = resource_policy(
    name="ecs-container-logging",
    description="Every container of an ECS task definition sends its output to a log driver.",
    types=(TASK_DEFINITION,),
    check=_container_logging,
    severity=Severity.MEDIUM,
    framework=framework(NIST, "AU-3"),
    remediation="In each entry of containerDefinitions set logConfiguration.logDriver to awslogs (with the log "
                "group, region and stream prefix options) or awsfirelens; 'none' discards the output.",
)


# -- log-group-retention --------------------------------------------------------------------------------------------

def _retention(args: ResourceValidationArgs) -> list[str]:
    minimum = args.get_config().get("minRetentionDays", 365)
    days = number(args.props.get("retentionInDays"))
    if days is None or days == 0:
        if args.get_config().get("allowNeverExpire", True):
            return []  # kept forever: more than any minimum
        return [f"Log group {label(args)} never expires its events: set retentionInDays to at least {minimum}."]
    if days < minimum:
        return [f"Log group {label(args)} keeps events {days:g} days, less than the {minimum} days required: set "
                f"retentionInDays to {minimum} or more."]
    return []


log_group_retention = resource_policy(
    name="log-group-retention",
    description="CloudWatch log groups keep their events at least the configured number of days (PCI DSS: a year).",
    types=(LOG_GROUP,),
    check=_retention,
    severity=Severity.MEDIUM,
    framework=framework(PCI, "10.5.1"),
    remediation="Set retentionInDays on the aws:cloudwatch/logGroup to a value CloudWatch accepts that is at least "
                "minRetentionDays (default 365: PCI DSS 10.5.1 keeps audit logs a year).",
    config_schema=PolicyConfigSchema(properties={
        "minRetentionDays": {"type": "integer", "minimum": 1, "default": 365,
                             "description": "Fewest days a log group may keep its events."},
        "allowNeverExpire": {"type": "boolean", "default": True,
                             "description": "Whether a log group without retention (kept forever) passes."},
    }),
)


# -- aurora-log-exports ---------------------------------------------------------------------------------------------

# The logs each engine can publish to CloudWatch Logs that record connections, errors and statements
# (RDS API: EnableCloudwatchLogsExports; for Aurora set per cluster, "managed by the DB cluster").
DEFAULT_REQUIRED_EXPORTS = {
    "aurora-postgresql": ["postgresql"], "postgres": ["postgresql"],
    "aurora-mysql": ["audit", "error", "slowquery"], "mysql": ["audit", "error", "slowquery"],
    "mariadb": ["audit", "error", "slowquery"],
}


def _database_logs(args: ResourceValidationArgs) -> list[str]:
    props = args.props
    engine = props.get("engine")
    if args.resource_type == RDS_INSTANCE and isinstance(engine, str) and engine.startswith("aurora"):
        return []  # an Aurora instance's logs are its cluster's setting
    required = (args.get_config().get("requiredExports") or DEFAULT_REQUIRED_EXPORTS).get(engine) if engine else None
    if not required:
        return []
    exported = {str(e) for e in as_list(props.get("enabledCloudwatchLogsExports"))}
    missing = [log for log in required if log not in exported]
    if missing:
        return [f"Database {label(args)} ({engine}) does not publish its {', '.join(missing)} log(s) to CloudWatch "
                f"Logs: add them to enabledCloudwatchLogsExports. A global database's secondary cluster needs them "
                "too: it becomes the writer on failover."]
    return []


aurora_log_exports = resource_policy(
    name="aurora-log-exports",
    description="Aurora clusters (every member of a global database) and RDS instances publish their engine's "
                "logs to CloudWatch Logs.",
    types=(RDS_CLUSTER, RDS_INSTANCE),
    check=_database_logs,
    severity=Severity.MEDIUM,
    framework=framework(NIST, "AU-3"),
    remediation="Set enabledCloudwatchLogsExports on each aws:rds/cluster (primary and secondary members alike) or "
                "non-Aurora aws:rds/instance to the engine's logs: postgresql for PostgreSQL; audit, error and "
                "slowquery for MySQL and MariaDB.",
    config_schema=PolicyConfigSchema(properties={"requiredExports": {
        "type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}},
        "default": DEFAULT_REQUIRED_EXPORTS, "description": "Engine -> the log types it must export."}}),
)

POLICIES = [alb_access_logging, vpc_flow_logs_enabled, waf_logging_enabled, ecs_container_logging,
            log_group_retention, aurora_log_exports]

