"""Pulumi AWS type tokens and property names -> their Terraform AWS provider equivalents.

pulumi-aws is bridged from the Terraform AWS provider, so every `aws:` resource is a Terraform resource under
another name. The bridge renames in three ways, all reflected here:
- the type: `aws:s3/bucketVersioning:BucketVersioning` is `aws_s3_bucket_versioning` (TERRAFORM_TYPES);
- properties: camelCase of the Terraform name (`tagsAll` is `tags_all`), which `terraform_attribute` undoes;
- list properties get a plural name when the Terraform name is singular (`rule` -> `rules`, `default_action`
  -> `defaultActions`), and a few get another name altogether (`alarm_name` -> `name`): PROPERTY_RENAMES.

Which list-of-block properties keep their Terraform name is decided per type too (LIST_BLOCKS_KEEPING_NAME), so a
test can require that every list of blocks the program produces has been looked at. The tables cover every
`aws:` type the program registers plus the neighbours it is likely to add; an unmapped type is an error, never
a guess, because a wrong Terraform type would silently run the wrong checks.
"""
from __future__ import annotations

import re

from drcore.errors import UsageError

TERRAFORM_TYPES: dict[str, str] = {
    "aws:acm/certificate:Certificate": "aws_acm_certificate",
    "aws:acm/certificateValidation:CertificateValidation": "aws_acm_certificate_validation",
    "aws:appautoscaling/policy:Policy": "aws_appautoscaling_policy",
    "aws:appautoscaling/target:Target": "aws_appautoscaling_target",
    "aws:backup/plan:Plan": "aws_backup_plan",
    "aws:backup/restoreTestingPlan:RestoreTestingPlan": "aws_backup_restore_testing_plan",
    "aws:backup/restoreTestingSelection:RestoreTestingSelection": "aws_backup_restore_testing_selection",
    "aws:backup/regionSettings:RegionSettings": "aws_backup_region_settings",
    "aws:backup/selection:Selection": "aws_backup_selection",
    "aws:backup/vault:Vault": "aws_backup_vault",
    "aws:backup/vaultLockConfiguration:VaultLockConfiguration": "aws_backup_vault_lock_configuration",
    "aws:backup/vaultNotifications:VaultNotifications": "aws_backup_vault_notifications",
    "aws:backup/vaultPolicy:VaultPolicy": "aws_backup_vault_policy",
    "aws:backup/reportPlan:ReportPlan": "aws_backup_report_plan",
    "aws:cfg/aggregateAuthorization:AggregateAuthorization": "aws_config_aggregate_authorization",
    "aws:cfg/configurationAggregator:ConfigurationAggregator": "aws_config_configuration_aggregator",
    "aws:cfg/conformancePack:ConformancePack": "aws_config_conformance_pack",
    "aws:cfg/deliveryChannel:DeliveryChannel": "aws_config_delivery_channel",
    "aws:cfg/recorder:Recorder": "aws_config_configuration_recorder",
    "aws:cfg/recorderStatus:RecorderStatus": "aws_config_configuration_recorder_status",
    "aws:cfg/remediationConfiguration:RemediationConfiguration": "aws_config_remediation_configuration",
    "aws:cfg/rule:Rule": "aws_config_config_rule",
    "aws:cloudtrail/trail:Trail": "aws_cloudtrail",
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": "aws_cloudwatch_composite_alarm",
    "aws:cloudwatch/dashboard:Dashboard": "aws_cloudwatch_dashboard",
    "aws:cloudwatch/eventRule:EventRule": "aws_cloudwatch_event_rule",
    "aws:cloudwatch/eventTarget:EventTarget": "aws_cloudwatch_event_target",
    "aws:cloudwatch/logGroup:LogGroup": "aws_cloudwatch_log_group",
    "aws:cloudwatch/logMetricFilter:LogMetricFilter": "aws_cloudwatch_log_metric_filter",
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": "aws_cloudwatch_log_resource_policy",
    "aws:cloudwatch/metricAlarm:MetricAlarm": "aws_cloudwatch_metric_alarm",
    "aws:dynamodb/table:Table": "aws_dynamodb_table",
    "aws:dynamodb/tableReplica:TableReplica": "aws_dynamodb_table_replica",
    "aws:dynamodb/tag:Tag": "aws_dynamodb_tag",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "aws_default_security_group",
    "aws:ec2/eip:Eip": "aws_eip",
    "aws:ec2/flowLog:FlowLog": "aws_flow_log",
    "aws:ec2/internetGateway:InternetGateway": "aws_internet_gateway",
    "aws:ec2/natGateway:NatGateway": "aws_nat_gateway",
    "aws:ec2/networkAcl:NetworkAcl": "aws_network_acl",
    "aws:ec2/route:Route": "aws_route",
    "aws:ec2/routeTable:RouteTable": "aws_route_table",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "aws_route_table_association",
    "aws:ec2/securityGroup:SecurityGroup": "aws_security_group",
    "aws:ec2/securityGroupRule:SecurityGroupRule": "aws_security_group_rule",
    "aws:ec2/subnet:Subnet": "aws_subnet",
    "aws:ec2/vpc:Vpc": "aws_vpc",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "aws_vpc_endpoint",
    "aws:ec2/vpcEndpointPolicy:VpcEndpointPolicy": "aws_vpc_endpoint_policy",
    "aws:ec2/vpcPeeringConnection:VpcPeeringConnection": "aws_vpc_peering_connection",
    "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl": "aws_default_network_acl",
    "aws:ebs/encryptionByDefault:EncryptionByDefault": "aws_ebs_encryption_by_default",
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": "aws_ecr_lifecycle_policy",
    "aws:ecr/repository:Repository": "aws_ecr_repository",
    "aws:ecs/cluster:Cluster": "aws_ecs_cluster",
    "aws:ecs/service:Service": "aws_ecs_service",
    "aws:ecs/taskDefinition:TaskDefinition": "aws_ecs_task_definition",
    "aws:iam/policy:Policy": "aws_iam_policy",
    "aws:iam/role:Role": "aws_iam_role",
    "aws:iam/rolePolicy:RolePolicy": "aws_iam_role_policy",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "aws_iam_role_policy_attachment",
    "aws:kms/alias:Alias": "aws_kms_alias",
    "aws:kms/key:Key": "aws_kms_key",
    "aws:kms/replicaKey:ReplicaKey": "aws_kms_replica_key",
    "aws:lambda/function:Function": "aws_lambda_function",
    "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": "aws_lambda_function_event_invoke_config",
    "aws:lambda/permission:Permission": "aws_lambda_permission",
    "aws:lb/listener:Listener": "aws_lb_listener",
    "aws:lb/listenerRule:ListenerRule": "aws_lb_listener_rule",
    "aws:lb/loadBalancer:LoadBalancer": "aws_lb",
    "aws:lb/targetGroup:TargetGroup": "aws_lb_target_group",
    "aws:rds/cluster:Cluster": "aws_rds_cluster",
    "aws:rds/clusterInstance:ClusterInstance": "aws_rds_cluster_instance",
    "aws:rds/clusterParameterGroup:ClusterParameterGroup": "aws_rds_cluster_parameter_group",
    "aws:rds/globalCluster:GlobalCluster": "aws_rds_global_cluster",
    "aws:rds/parameterGroup:ParameterGroup": "aws_db_parameter_group",
    "aws:rds/subnetGroup:SubnetGroup": "aws_db_subnet_group",
    "aws:route53/healthCheck:HealthCheck": "aws_route53_health_check",
    "aws:route53/record:Record": "aws_route53_record",
    "aws:route53/zone:Zone": "aws_route53_zone",
    "aws:s3/bucket:Bucket": "aws_s3_bucket",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": "aws_s3_bucket_lifecycle_configuration",
    "aws:s3/bucketLogging:BucketLogging": "aws_s3_bucket_logging",
    "aws:s3/bucketNotification:BucketNotification": "aws_s3_bucket_notification",
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration": "aws_s3_bucket_object_lock_configuration",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": "aws_s3_bucket_ownership_controls",
    "aws:s3/bucketPolicy:BucketPolicy": "aws_s3_bucket_policy",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "aws_s3_bucket_public_access_block",
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig": "aws_s3_bucket_replication_configuration",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration":
        "aws_s3_bucket_server_side_encryption_configuration",
    "aws:s3/bucketVersioning:BucketVersioning": "aws_s3_bucket_versioning",
    "aws:secretsmanager/secret:Secret": "aws_secretsmanager_secret",
    "aws:secretsmanager/secretPolicy:SecretPolicy": "aws_secretsmanager_secret_policy",
    "aws:secretsmanager/secretRotation:SecretRotation": "aws_secretsmanager_secret_rotation",
    "aws:secretsmanager/secretVersion:SecretVersion": "aws_secretsmanager_secret_version",
    "aws:sns/topic:Topic": "aws_sns_topic",
    "aws:sns/topicPolicy:TopicPolicy": "aws_sns_topic_policy",
    "aws:sns/topicSubscription:TopicSubscription": "aws_sns_topic_subscription",
    "aws:sqs/queue:Queue": "aws_sqs_queue",
    "aws:sqs/queuePolicy:QueuePolicy": "aws_sqs_queue_policy",
    "aws:sfn/stateMachine:StateMachine": "aws_sfn_state_machine",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "aws_vpc_security_group_egress_rule",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "aws_vpc_security_group_ingress_rule",
    "aws:wafv2/webAcl:WebAcl": "aws_wafv2_web_acl",
    "aws:wafv2/webAclAssociation:WebAclAssociation": "aws_wafv2_web_acl_association",
    "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": "aws_wafv2_web_acl_logging_configuration",
}

# Pulumi property path (dotted, list indexes dropped) -> Terraform attribute name, where the bridge did more than
# camelCase the Terraform name. Paths are per type because the same Pulumi name maps differently per resource.
PROPERTY_RENAMES: dict[str, dict[str, str]] = {
    "aws:acm/certificate:Certificate": {"validationOptions": "validation_option"},
    "aws:backup/plan:Plan": {"rules": "rule", "rules.copyActions": "copy_action",
                             "advancedBackupSettings": "advanced_backup_setting"},
    "aws:backup/selection:Selection": {"selectionTags": "selection_tag", "conditions": "condition"},
    "aws:cfg/conformancePack:ConformancePack": {"inputParameters": "input_parameter"},
    "aws:cfg/rule:Rule": {"source.sourceDetails": "source_detail", "evaluationModes": "evaluation_mode"},
    "aws:cloudtrail/trail:Trail": {"eventSelectors": "event_selector", "eventSelectors.dataResources": "data_resource",
                                   "advancedEventSelectors": "advanced_event_selector",
                                   "advancedEventSelectors.fieldSelectors": "field_selector",
                                   "insightSelectors": "insight_selector"},
    "aws:cloudwatch/metricAlarm:MetricAlarm": {"name": "alarm_name", "metricQueries": "metric_query"},
    "aws:dynamodb/table:Table": {"attributes": "attribute", "replicas": "replica",
                                 "globalSecondaryIndexes": "global_secondary_index",
                                 "localSecondaryIndexes": "local_secondary_index"},
    "aws:ec2/routeTable:RouteTable": {"routes": "route"},
    "aws:ecr/repository:Repository": {"encryptionConfigurations": "encryption_configuration"},
    "aws:ecs/cluster:Cluster": {"settings": "setting"},
    "aws:ecs/service:Service": {"loadBalancers": "load_balancer",
                                "capacityProviderStrategies": "capacity_provider_strategy",
                                "orderedPlacementStrategies": "ordered_placement_strategy"},
    "aws:ecs/taskDefinition:TaskDefinition": {"volumes": "volume", "inferenceAccelerators": "inference_accelerator"},
    "aws:iam/role:Role": {"inlinePolicies": "inline_policy"},
    "aws:lambda/function:Function": {"name": "function_name", "code": "filename"},
    "aws:lambda/permission:Permission": {"function": "function_name"},
    "aws:lb/listener:Listener": {"defaultActions": "default_action"},
    "aws:lb/listenerRule:ListenerRule": {"actions": "action", "conditions": "condition"},
    "aws:lb/loadBalancer:LoadBalancer": {"subnetMappings": "subnet_mapping"},
    "aws:rds/clusterParameterGroup:ClusterParameterGroup": {"parameters": "parameter"},
    "aws:rds/parameterGroup:ParameterGroup": {"parameters": "parameter"},
    "aws:route53/record:Record": {"aliases": "alias", "failoverRoutingPolicies": "failover_routing_policy",
                                  "weightedRoutingPolicies": "weighted_routing_policy",
                                  "latencyRoutingPolicies": "latency_routing_policy",
                                  "geolocationRoutingPolicies": "geolocation_routing_policy"},
    "aws:route53/zone:Zone": {"vpcs": "vpc"},
    "aws:s3/bucket:Bucket": {"corsRules": "cors_rule", "grants": "grant", "lifecycleRules": "lifecycle_rule",
                             "lifecycleRules.transitions": "transition",
                             "lifecycleRules.noncurrentVersionTransitions": "noncurrent_version_transition"},
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": {
        "rules": "rule", "rules.transitions": "transition",
        "rules.noncurrentVersionTransitions": "noncurrent_version_transition"},
    "aws:s3/bucketLogging:BucketLogging": {"targetGrants": "target_grant"},
    "aws:s3/bucketNotification:BucketNotification": {"lambdaFunctions": "lambda_function", "queues": "queue",
                                                     "topics": "topic"},
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig": {"rules": "rule"},
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": {"rules": "rule"},
    "aws:secretsmanager/secret:Secret": {"replicas": "replica"},
    "aws:sns/topicSubscription:TopicSubscription": {"topic": "topic_arn"},
    "aws:wafv2/webAcl:WebAcl": {"rules": "rule", "customResponseBodies": "custom_response_body",
                                "rules.ruleLabels": "rule_label",
                                "rules.statement.managedRuleGroupStatement.ruleActionOverrides": "rule_action_override",
                                "rules.statement.managedRuleGroupStatement.managedRuleGroupConfigs":
                                    "managed_rule_group_config"},
    "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": {
        "loggingFilter.filters": "filter", "loggingFilter.filters.conditions": "condition"},
}

# Lists of blocks whose Pulumi name is the Terraform name (the Terraform name was plural already).
LIST_BLOCKS_KEEPING_NAME: dict[str, frozenset[str]] = {
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": frozenset({"ingress", "egress"}),
    "aws:ec2/securityGroup:SecurityGroup": frozenset({"ingress", "egress"}),
    "aws:ecs/service:Service": frozenset({"placementConstraints", "serviceRegistries"}),
    "aws:ecs/taskDefinition:TaskDefinition": frozenset({"placementConstraints"}),
}

_WORD_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_TERRAFORM_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


class UnmappedTypeError(UsageError):
    """A resource type with no Terraform equivalent in TERRAFORM_TYPES."""


def terraform_type(type_token: str) -> str:
    try:
        return TERRAFORM_TYPES[type_token]
    except KeyError:
        raise UnmappedTypeError(
            f"resource type '{type_token}' has no Terraform type for checkov; add it to TERRAFORM_TYPES in "
            f"src/drkit/checkov/typemap.py (the Terraform AWS provider's name for it)") from None


def camel_to_snake(name: str) -> str:
    """`tagsAll` -> `tags_all`, `s3KmsKeyArn` -> `s3_kms_key_arn`, `cidrIpv4` -> `cidr_ipv4`."""
    return _WORD_BOUNDARY.sub("_", name).lower()


def terraform_attribute(type_token: str, path: tuple[str, ...], name: str) -> str:
    """The Terraform attribute for Pulumi property `name` found under the block path `path` of a resource."""
    renames = PROPERTY_RENAMES.get(type_token, {})
    return renames.get(".".join((*path, name))) or camel_to_snake(name)


def terraform_name(pulumi_name: str) -> str:
    """A Terraform resource name (letters, digits, '_' and '-', not starting with a digit) for a Pulumi name."""
    safe = _TERRAFORM_NAME_UNSAFE.sub("_", pulumi_name) or "resource"
    return safe if not safe[0].isdigit() and safe[0] != "-" else f"r_{safe}"
