"""Which AWS Config resource types a Pulumi resource puts in the account, so a conformance-pack rule can be shown
to have nothing to evaluate on this platform rather than merely declared so.

A Pulumi resource that configures another one (a bucket's versioning, a role's inline policy, a vault's lock)
maps to the resource it configures; one that makes AWS create others implicitly names those too (a VPC comes with
a default network ACL, route table and security group; Fargate tasks, load balancers and interface endpoints with
network interfaces). Account-wide settings (EBS encryption by default, Backup region settings) and build steps map
to nothing. Type names as AWS Config's resource-type list spells them, or CloudFormation's where Config records
no such type.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

NETWORK_INTERFACE = "AWS::EC2::NetworkInterface"

CONFIG_TYPES_OF: dict[str, tuple[str, ...]] = {
    "aws:acm/certificate:Certificate": ("AWS::ACM::Certificate",),
    "aws:acm/certificateValidation:CertificateValidation": ("AWS::ACM::Certificate",),
    "aws:appautoscaling/policy:Policy": ("AWS::ApplicationAutoScaling::ScalingPolicy",),
    "aws:appautoscaling/target:Target": ("AWS::ApplicationAutoScaling::ScalableTarget",),
    "aws:backup/plan:Plan": ("AWS::Backup::BackupPlan", "AWS::Backup::RecoveryPoint"),
    "aws:backup/regionSettings:RegionSettings": (),
    "aws:backup/restoreTestingPlan:RestoreTestingPlan": ("AWS::Backup::RestoreTestingPlan",),
    "aws:backup/restoreTestingSelection:RestoreTestingSelection": ("AWS::Backup::RestoreTestingPlan",),
    "aws:backup/selection:Selection": ("AWS::Backup::BackupSelection",),
    "aws:backup/vault:Vault": ("AWS::Backup::BackupVault",),
    "aws:backup/vaultLockConfiguration:VaultLockConfiguration": ("AWS::Backup::BackupVault",),
    "aws:backup/vaultPolicy:VaultPolicy": ("AWS::Backup::BackupVault",),
    "aws:cfg/deliveryChannel:DeliveryChannel": ("AWS::Config::DeliveryChannel",),
    "aws:cfg/recorder:Recorder": ("AWS::Config::ConfigurationRecorder",),
    "aws:cfg/recorderStatus:RecorderStatus": ("AWS::Config::ConfigurationRecorder",),
    "aws:cfg/rule:Rule": ("AWS::Config::ConfigRule",),
    "aws:cloudtrail/trail:Trail": ("AWS::CloudTrail::Trail",),
    "aws:cloudwatch/dashboard:Dashboard": ("AWS::CloudWatch::Dashboard",),
    "aws:cloudwatch/eventRule:EventRule": ("AWS::Events::Rule",),
    "aws:cloudwatch/eventTarget:EventTarget": ("AWS::Events::Rule",),
    "aws:cloudwatch/logGroup:LogGroup": ("AWS::Logs::LogGroup",),
    "aws:cloudwatch/metricAlarm:MetricAlarm": ("AWS::CloudWatch::Alarm",),
    "aws:dynamodb/table:Table": ("AWS::DynamoDB::Table",),
    "aws:dynamodb/tag:Tag": ("AWS::DynamoDB::Table",),
    "aws:ebs/encryptionByDefault:EncryptionByDefault": (),
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": ("AWS::EC2::SecurityGroup",),
    "aws:ec2/eip:Eip": ("AWS::EC2::EIP",),
    "aws:ec2/flowLog:FlowLog": ("AWS::EC2::FlowLog",),
    "aws:ec2/internetGateway:InternetGateway": ("AWS::EC2::InternetGateway",),
    "aws:ec2/natGateway:NatGateway": ("AWS::EC2::NatGateway", NETWORK_INTERFACE),
    "aws:ec2/route:Route": ("AWS::EC2::RouteTable",),
    "aws:ec2/routeTable:RouteTable": ("AWS::EC2::RouteTable",),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": ("AWS::EC2::RouteTable",),
    "aws:ec2/securityGroup:SecurityGroup": ("AWS::EC2::SecurityGroup",),
    "aws:ec2/subnet:Subnet": ("AWS::EC2::Subnet",),
    # AWS creates every VPC with a main route table, a default network ACL and a default security group.
    "aws:ec2/vpc:Vpc": ("AWS::EC2::VPC", "AWS::EC2::NetworkAcl", "AWS::EC2::RouteTable", "AWS::EC2::SecurityGroup"),
    "aws:ec2/vpcEndpoint:VpcEndpoint": ("AWS::EC2::VPCEndpoint", NETWORK_INTERFACE),
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": ("AWS::ECR::Repository",),
    "aws:ecr/repository:Repository": ("AWS::ECR::Repository",),
    "aws:ecs/cluster:Cluster": ("AWS::ECS::Cluster",),
    "aws:ecs/service:Service": ("AWS::ECS::Service", NETWORK_INTERFACE),  # awsvpc tasks get an interface each
    "aws:ecs/taskDefinition:TaskDefinition": ("AWS::ECS::TaskDefinition",),
    "aws:iam/role:Role": ("AWS::IAM::Role",),
    "aws:iam/rolePolicy:RolePolicy": ("AWS::IAM::Role",),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": ("AWS::IAM::Role",),
    "aws:kms/alias:Alias": ("AWS::KMS::Alias",),
    "aws:kms/key:Key": ("AWS::KMS::Key",),
    "aws:kms/replicaKey:ReplicaKey": ("AWS::KMS::Key",),
    "aws:lambda/function:Function": ("AWS::Lambda::Function",),
    "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": ("AWS::Lambda::Function",),
    "aws:lambda/permission:Permission": ("AWS::Lambda::Function",),
    "aws:lb/listener:Listener": ("AWS::ElasticLoadBalancingV2::Listener",),
    "aws:lb/loadBalancer:LoadBalancer": ("AWS::ElasticLoadBalancingV2::LoadBalancer", NETWORK_INTERFACE),
    "aws:lb/targetGroup:TargetGroup": ("AWS::ElasticLoadBalancingV2::TargetGroup",),
    # Aurora's automated backups are cluster snapshots.
    "aws:rds/cluster:Cluster": ("AWS::RDS::DBCluster", "AWS::RDS::DBClusterSnapshot"),
    "aws:rds/clusterInstance:ClusterInstance": ("AWS::RDS::DBInstance",),
    "aws:rds/clusterParameterGroup:ClusterParameterGroup": ("AWS::RDS::DBClusterParameterGroup",),
    "aws:rds/globalCluster:GlobalCluster": ("AWS::RDS::GlobalCluster",),
    "aws:rds/subnetGroup:SubnetGroup": ("AWS::RDS::DBSubnetGroup",),
    "aws:route53/healthCheck:HealthCheck": ("AWS::Route53::HealthCheck",),
    "aws:route53/record:Record": ("AWS::Route53::HostedZone",),
    "aws:route53/zone:Zone": ("AWS::Route53::HostedZone",),
    "aws:s3/bucket:Bucket": ("AWS::S3::Bucket",),
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": ("AWS::S3::Bucket",),
    "aws:s3/bucketLogging:BucketLogging": ("AWS::S3::Bucket",),
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": ("AWS::S3::Bucket",),
    "aws:s3/bucketPolicy:BucketPolicy": ("AWS::S3::Bucket",),
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": ("AWS::S3::Bucket",),
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig": ("AWS::S3::Bucket",),
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": ("AWS::S3::Bucket",),
    "aws:s3/bucketVersioning:BucketVersioning": ("AWS::S3::Bucket",),
    "aws:secretsmanager/secret:Secret": ("AWS::SecretsManager::Secret",),
    "aws:secretsmanager/secretVersion:SecretVersion": ("AWS::SecretsManager::Secret",),
    "aws:sns/topic:Topic": ("AWS::SNS::Topic",),
    "aws:sns/topicPolicy:TopicPolicy": ("AWS::SNS::Topic",),
    "aws:sns/topicSubscription:TopicSubscription": ("AWS::SNS::Subscription",),
    "aws:sqs/queue:Queue": ("AWS::SQS::Queue",),
    "aws:sqs/queuePolicy:QueuePolicy": ("AWS::SQS::Queue",),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": ("AWS::EC2::SecurityGroup",),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": ("AWS::EC2::SecurityGroup",),
    "aws:wafv2/webAcl:WebAcl": ("AWS::WAFv2::WebACL",),
    "aws:wafv2/webAclAssociation:WebAclAssociation": ("AWS::WAFv2::WebACL",),
    "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": ("AWS::WAFv2::LoggingConfiguration",),
    "docker-build:index:Image": (),  # builds and pushes an image into the ECR repository; no resource of its own
}


class UnmappedType(ValueError):
    """A cloud resource type nobody has said the Config types of: a new resource needs a line above."""


def config_types(resource_types: Iterable[str]) -> set[str]:
    """The AWS Config resource types a deployment of these Pulumi types creates in the account."""
    found: set[str] = set()
    for type_token in resource_types:
        if not _is_cloud_resource(type_token):
            continue
        if type_token not in CONFIG_TYPES_OF:
            raise UnmappedType(f"{type_token} has no AWS Config resource types in {__name__}.CONFIG_TYPES_OF")
        found.update(CONFIG_TYPES_OF[type_token])
    return found


def _is_cloud_resource(type_token: str) -> bool:
    # Components (ecommerce:...), the stack and providers create nothing themselves.
    package = type_token.split(":", 1)[0]
    return package in ("aws", "docker-build") and not type_token.startswith("pulumi:")


def rules_with_something_to_evaluate(identifiers: Iterable[str], evaluated_types: Mapping[str, Sequence[str]],
                                     present: set[str]) -> dict[str, list[str]]:
    """Of these rules, each that would find a resource among the `present` Config types, with those types.

    `evaluated_types` maps a rule to the resource types it evaluates (the managed-rule list's column)."""
    found = {}
    for identifier in identifiers:
        hits = sorted(set(evaluated_types[identifier]) & present)
        if hits:
            found[identifier] = hits
    return found
