"""Service baselines the peer packs check one setting at a time: descriptions that say what a resource is for, Lambda
tracing, load balancers that drop malformed headers, monitoring of databases and containers, alarms that notify
someone, and database engines that take minor-version fixes. The ECR repository checks are in container_registry.py,
DynamoDB capacity scaling and SQS dead-letter queues in data_service_baselines.py.

Peer rules read (code corpus) for what each check covers: compliance-policies aws-*-missing-description and
aws-lambda-function-*-tracing-config; cdk-nag AwsSolutions-EC27 and -ECS4, NIST.800.53.R5-CloudWatchAlarmAction and
-RDSEnhancedMonitoringEnabled, PCI.DSS.321-ALBHttpDropInvalidHeaderEnabled and -RDSAutomaticMinorVersionUpgradeEnabled.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

from pulumi_policy import ResourceValidationArgs, Severity

from drguard.common import as_list, is_true, label, number, resource_policy
from drguard.frameworks import NIST, PCI, SOC2, framework

SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SG_RULE_TYPES = ("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                 "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
                 "aws:ec2/securityGroupRule:SecurityGroupRule")
KMS_KEY_TYPES = ("aws:kms/key:Key", "aws:kms/replicaKey:ReplicaKey", "aws:kms/externalKey:ExternalKey",
                 "aws:kms/replicaExternalKey:ReplicaExternalKey")
LAMBDA_FUNCTION = "aws:lambda/function:Function"
SECRET = "aws:secretsmanager/secret:Secret"
# aws:alb is the provider's alias module for aws:lb; elasticloadbalancingv2 is its older, deprecated name.
LOAD_BALANCER_TYPES = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer",
                       "aws:elasticloadbalancingv2/loadBalancer:LoadBalancer")
RDS_INSTANCE_TYPES = ("aws:rds/instance:Instance", "aws:rds/clusterInstance:ClusterInstance")
RDS_CLUSTER = "aws:rds/cluster:Cluster"
ALARM_TYPES = ("aws:cloudwatch/metricAlarm:MetricAlarm", "aws:cloudwatch/compositeAlarm:CompositeAlarm")

MIN_DESCRIPTION_LENGTH = 6  # compliance-policies' aws-kms-key-missing-description uses the same floor
# What the provider fills in for a security group created without a description: text that describes nothing.
PULUMI_DEFAULT_DESCRIPTION = "managed by pulumi"


def is_false(value: Any) -> bool:
    """An explicit false (some inputs arrive as the strings "true"/"false")."""
    return value is False or (isinstance(value, str) and value.strip().lower() == "false")


# --- resource-descriptions --------------------------------------------------------------------------------------------

def description_problem(value: Any, prop: str = "description") -> Optional[str]:
    """Why `value` is not a description that says what the resource is for, or None when it is one."""
    if not isinstance(value, str) or not value.strip():
        return f"{prop} is not set"
    text = value.strip()
    if text.lower() == PULUMI_DEFAULT_DESCRIPTION:
        return f"{prop} is the provider's default '{text}'"
    if len(text) < MIN_DESCRIPTION_LENGTH:
        return f"{prop} '{text}' is shorter than {MIN_DESCRIPTION_LENGTH} characters"
    return None


def _descriptions(args: ResourceValidationArgs) -> list[str]:
    props = args.props
    problems = [p for p in [description_problem(props.get("description"))] if p]
    if args.resource_type == SECURITY_GROUP:
        # Inline rules carry their own description; each says why the opening exists (the peers' rule checks).
        for direction in ("ingress", "egress"):
            for index, rule in enumerate(as_list(props.get(direction))):
                if isinstance(rule, Mapping):
                    problem = description_problem(rule.get("description"), f"{direction}[{index}].description")
                    if problem:
                        problems.append(problem)
    if not problems:
        return []
    return [f"{label(args)} does not say what it is for: {'; '.join(problems)}. Fix: set a description of at least "
            f"{MIN_DESCRIPTION_LENGTH} characters naming its purpose (for a security group and each of its rules, the "
            "traffic it admits and why)."]


resource_descriptions = resource_policy(
    name="resource-descriptions",
    description="Security groups and their rules, KMS keys, Lambda functions and Secrets Manager secrets carry a "
                "description that says what they are for.",
    types=(SECURITY_GROUP, *SG_RULE_TYPES, *KMS_KEY_TYPES, LAMBDA_FUNCTION, SECRET),
    check=_descriptions,
    severity=Severity.LOW,
    framework=framework(NIST, "CM-8"),
    remediation="Set `description` (at least 6 characters, not the provider default 'Managed by Pulumi') on each "
                "aws.ec2.SecurityGroup and every inline ingress/egress rule, aws.vpc.SecurityGroupIngressRule / "
                "SecurityGroupEgressRule, aws.ec2.SecurityGroupRule, aws.kms.Key / ReplicaKey, aws.lambda.Function "
                "and aws.secretsmanager.Secret. A security group's description forces replacement when changed.",
)


# --- lambda-tracing-active --------------------------------------------------------------------------------------------

def _tracing(args: ResourceValidationArgs) -> list[str]:
    tracing = args.props.get("tracingConfig")
    mode = tracing.get("mode") if isinstance(tracing, Mapping) else None
    if mode == "Active":
        return []
    found = f"tracingConfig.mode is {mode}" if mode else "it has no tracingConfig"
    return [f"{label(args)} does not trace its invocations with X-Ray ({found}; PassThrough traces only requests "
            "that arrive already sampled). Fix: set tracingConfig: {mode: 'Active'} and allow its role "
            "xray:PutTraceSegments and xray:PutTelemetryRecords."]


lambda_tracing_active = resource_policy(
    name="lambda-tracing-active",
    description="Every Lambda function samples and traces its invocations with X-Ray (tracingConfig mode Active).",
    types=(LAMBDA_FUNCTION,),
    check=_tracing,
    severity=Severity.LOW,
    framework=framework(NIST, "AU-3"),
    remediation="Set tracingConfig: {mode: 'Active'} on each aws.lambda.Function and grant its execution role "
                "xray:PutTraceSegments and xray:PutTelemetryRecords (the AWSXRayDaemonWriteAccess permissions).",
)


# --- alb-drop-invalid-headers -----------------------------------------------------------------------------------------

def _drop_invalid_headers(args: ResourceValidationArgs) -> list[str]:
    kind = args.props.get("loadBalancerType") or "application"  # the provider's default
    if kind != "application" or is_true(args.props.get("dropInvalidHeaderFields")):
        return []
    return [f"{label(args)} forwards HTTP headers whose names are not valid to its targets "
            "(dropInvalidHeaderFields is not true), which request-smuggling and header-injection attacks rely on. "
            "Fix: set dropInvalidHeaderFields: true."]


alb_drop_invalid_headers = resource_policy(
    name="alb-drop-invalid-headers",
    description="Application load balancers drop HTTP headers whose names are not valid instead of forwarding them.",
    types=LOAD_BALANCER_TYPES,
    check=_drop_invalid_headers,
    severity=Severity.MEDIUM,
    framework=framework(NIST, "SC-7"),
    remediation="Set dropInvalidHeaderFields: true on each application aws.lb.LoadBalancer (aws.alb.LoadBalancer); "
                "network and gateway load balancers do not parse HTTP and are not checked.",
)


# --- rds-enhanced-monitoring, rds-auto-minor-version-upgrade ---------------------------------------------------------

def _is_multi_az_db_cluster(args: ResourceValidationArgs) -> bool:
    """A Multi-AZ DB cluster (RDS for MySQL/PostgreSQL, dbClusterInstanceClass set) is configured on the cluster;
    an Aurora cluster's monitoring is set on each of its instances."""
    engine = args.props.get("engine")
    return bool(args.props.get("dbClusterInstanceClass")) and not (isinstance(engine, str)
                                                                     and engine.startswith("aurora"))


def _enhanced_monitoring(args: ResourceValidationArgs) -> list[str]:
    if args.resource_type == RDS_CLUSTER and not _is_multi_az_db_cluster(args):
        return []
    interval = number(args.props.get("monitoringInterval"), 0.0)
    role = args.props.get("monitoringRoleArn")
    problems = []
    if not interval or interval <= 0:
        problems.append("monitoringInterval is not above 0")
    if not (isinstance(role, str) and role.strip()):
        problems.append("monitoringRoleArn is not set")
    if not problems:
        return []
    return [f"{label(args)} has no Enhanced Monitoring of its operating system ({'; '.join(problems)}): CPU, memory "
            "and I/O per process are invisible when it degrades. Fix: set monitoringInterval to 1, 5, 10, 15, 30 "
            "or 60 seconds and monitoringRoleArn to a role trusted by monitoring.rds.amazonaws.com with "
            "AmazonRDSEnhancedMonitoringRole."]


rds_enhanced_monitoring = resource_policy(
    name="rds-enhanced-monitoring",
    description="RDS instances, Aurora cluster instances (primary and secondary) and Multi-AZ DB clusters send "
                "Enhanced Monitoring metrics through a monitoring role.",
    types=(*RDS_INSTANCE_TYPES, RDS_CLUSTER),
    check=_enhanced_monitoring,
    severity=Severity.LOW,
    framework=framework(NIST, "SI-4"),
    remediation="Set monitoringInterval (1, 5, 10, 15, 30 or 60) and monitoringRoleArn (an IAM role trusted by "
                "monitoring.rds.amazonaws.com with the AmazonRDSEnhancedMonitoringRole managed policy) on every "
                "aws.rds.Instance and aws.rds.ClusterInstance in both regions, and on Multi-AZ DB clusters.",
)


def _auto_minor_version_upgrade(args: ResourceValidationArgs) -> list[str]:
    # The provider defaults autoMinorVersionUpgrade to true: only switching it off is a problem.
    if not is_false(args.props.get("autoMinorVersionUpgrade")):
        return []
    return [f"{label(args)} sets autoMinorVersionUpgrade: false, so engine security fixes wait for someone to apply "
            "them by hand. Fix: remove autoMinorVersionUpgrade or set it to true (upgrades run in the maintenance "
            "window)."]


rds_auto_minor_version_upgrade = resource_policy(
    name="rds-auto-minor-version-upgrade",
    description="No RDS instance, Aurora cluster instance or DB cluster switches off automatic minor version upgrades.",
    types=(*RDS_INSTANCE_TYPES, RDS_CLUSTER),
    check=_auto_minor_version_upgrade,
    severity=Severity.MEDIUM,
    framework=framework(PCI, "6.3.3"),
    remediation="Remove autoMinorVersionUpgrade: false from each aws.rds.Instance, aws.rds.ClusterInstance and "
                "aws.rds.Cluster (or set it to true) so minor engine versions with security fixes are applied in "
                "the preferred maintenance window.",
)


# --- ecs-container-insights -------------------------------------------------------------------------------------------

INSIGHTS_ON = ("enabled", "enhanced")


def _container_insights(args: ResourceValidationArgs) -> list[str]:
    values = [s.get("value") for s in as_list(args.props.get("settings"))
              if isinstance(s, Mapping) and s.get("name") == "containerInsights"]
    if values and all(isinstance(v, str) and v.strip().lower() in INSIGHTS_ON for v in values):
        return []
    found = f"containerInsights is {values[-1]}" if values else "its settings do not turn containerInsights on"
    return [f"{label(args)} collects no Container Insights metrics ({found}): task CPU, memory and restarts go "
            "unwatched. Fix: add settings: [{name: 'containerInsights', value: 'enhanced'}] (or 'enabled')."]


ecs_container_insights = resource_policy(
    name="ecs-container-insights",
    description="Every ECS cluster turns on Container Insights (enabled or enhanced).",
    types=("aws:ecs/cluster:Cluster",),
    check=_container_insights,
    severity=Severity.LOW,
    framework=framework(SOC2, "CC7.2"),
    remediation="Add settings: [{name: 'containerInsights', value: 'enhanced'}] (or 'enabled') to each "
                "aws.ecs.Cluster; an account-level default does not show in the program, so state it per cluster.",
)


# --- cloudwatch-alarm-actions -----------------------------------------------------------------------------------------

ALARM_ACTION_PROPS = ("alarmActions", "okActions", "insufficientDataActions")


def _alarm_actions(args: ResourceValidationArgs) -> list[str]:
    props = args.props
    problems = []
    if is_false(props.get("actionsEnabled")):
        problems.append("actionsEnabled is false")
    actions = [a for prop in ALARM_ACTION_PROPS for a in as_list(props.get(prop)) if isinstance(a, str) and a.strip()]
    if not actions:
        problems.append(f"none of {', '.join(ALARM_ACTION_PROPS)} names an action")
    if not problems:
        return []
    return [f"{label(args)} changes state without telling anyone ({'; '.join(problems)}). Fix: keep actionsEnabled "
            "true and add the region's alert topic ARN to alarmActions (and okActions)."]


cloudwatch_alarm_actions = resource_policy(
    name="cloudwatch-alarm-actions",
    description="Every CloudWatch metric or composite alarm has actions enabled and at least one alarm, OK or "
                "insufficient-data action.",
    types=ALARM_TYPES,
    check=_alarm_actions,
    severity=Severity.MEDIUM,
    framework=framework(PCI, "10.7.2"),
    remediation="On each aws.cloudwatch.MetricAlarm and CompositeAlarm leave actionsEnabled unset or true and list "
                "at least one target (an SNS topic, Auto Scaling or Systems Manager action) in alarmActions, "
                "okActions or insufficientDataActions.",
)

POLICIES = [resource_descriptions, lambda_tracing_active, alb_drop_invalid_headers, rds_enhanced_monitoring,
            rds_auto_minor_version_upgrade, ecs_container_insights, cloudwatch_alarm_actions]
