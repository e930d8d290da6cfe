"""Mutations of the real prod graph: each breaks one control, and names the policy that must catch it and the
resource the finding must name. Used by the mutation tests and by the test that runs the pack alone."""
from __future__ import annotations

import json
from typing import Any, Callable

from drkit.graph.resource_graph import Graph, Resource


def one(graph: Graph, type_token: str, name_part: str = "") -> Resource:
    matches = [r for r in graph.of_type(type_token) if name_part in r.name]
    assert matches, f"no {type_token} named like {name_part!r} in the prod graph"
    return matches[0]


def drop(graph: Graph, type_token: str, name_part: str = "") -> str:
    victim = one(graph, type_token, name_part)
    graph.resources.remove(victim)
    return victim.urn


def set_input(type_token: str, name_part: str, path: str, value: Any,
              reported_on: tuple[str, str] | None = None) -> Callable[[Graph], str]:
    """A mutation setting inputs[path] (dots for nesting, digits for list indexes) on one resource.

    Returns the URN the finding must name: the mutated resource, or `reported_on` (type, name part) when a
    stack policy reports the store that lost its control rather than the helper resource that was edited.
    """
    def mutate(graph: Graph) -> str:
        resource = one(graph, type_token, name_part)
        node: Any = resource.inputs
        keys = path.split(".")
        for key in keys[:-1]:
            node = node[int(key)] if key.isdigit() else node[key]
        last = keys[-1]
        if value is ...:
            del node[int(last) if last.isdigit() else last]
        elif last.isdigit():
            node[int(last)] = value
        else:
            node[last] = value
        return one(graph, *reported_on).urn if reported_on else resource.urn
    return mutate


def remove(type_token: str, name_part: str = "") -> Callable[[Graph], str]:
    def mutate(graph: Graph) -> str:
        drop(graph, type_token, name_part)
        return ""  # the finding lands on what lost its control, not on the removed resource
    return mutate


def provider_without_tag(tag: str) -> Callable[[Graph], str]:
    def mutate(graph: Graph) -> str:
        provider = one(graph, "pulumi:providers:aws", "aws-secondary")
        tags = json.loads(provider.inputs["defaultTags"])
        del tags["tags"][tag]
        provider.inputs["defaultTags"] = json.dumps(tags)
        return ""
    return mutate


def secondary_in_primary_region(graph: Graph) -> str:
    provider = one(graph, "pulumi:providers:aws", "aws-secondary")
    provider.inputs["region"] = one(graph, "pulumi:providers:aws", "aws-primary").inputs["region"]
    return provider.urn


def unencrypted_volume(graph: Graph) -> str:
    """An EBS volume added next to the primary's database, as a hand-run `pulumi up` of a debugging box would."""
    neighbour = one(graph, "aws:rds/cluster:Cluster", "primary")
    urn = neighbour.urn.rsplit("::", 1)[0].rsplit("$", 1)[0] + "$aws:ebs/volume:Volume::scratch"
    graph.resources.append(Resource(urn=urn, type="aws:ebs/volume:Volume", name="scratch", custom=True,
                                    parent=neighbour.parent, provider=neighbour.provider, dependencies=[],
                                    inputs={"availabilityZone": "us-east-1a", "size": 20, "encrypted": False}))
    return urn


def drop_secondary_config_rules(graph: Graph) -> str:
    secondary = one(graph, "pulumi:providers:aws", "aws-secondary").urn
    rules = [r for r in graph.of_type("aws:cfg/rule:Rule") if r.provider == secondary]
    assert rules, "the secondary region deploys no Config rules to drop"
    for rule in rules:
        graph.resources.remove(rule)
    return ""


def wildcard_key_policy(graph: Graph) -> str:
    key = one(graph, "aws:kms/key:Key", "objects")
    document = json.loads(key.inputs["policy"])
    document["Statement"].append({"Sid": "Everyone", "Effect": "Allow", "Principal": "*", "Action": "kms:*",
                                  "Resource": "*"})
    key.inputs["policy"] = json.dumps(document)
    return key.urn


def admin_role_policy(graph: Graph) -> str:
    policy = one(graph, "aws:iam/rolePolicy:RolePolicy")
    policy.inputs["policy"] = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"}]})
    return policy.urn


def container_setting(name_part: str, key: str, value: Any) -> Callable[[Graph], str]:
    """A mutation setting `key` on the first container of a task definition (containerDefinitions is JSON text)."""
    def mutate(graph: Graph) -> str:
        task = one(graph, "aws:ecs/taskDefinition:TaskDefinition", name_part)
        containers = json.loads(task.inputs["containerDefinitions"])
        containers[0][key] = value
        task.inputs["containerDefinitions"] = json.dumps(containers)
        return task.urn
    return mutate


def service_wildcard_role_policy(graph: Graph) -> str:
    policy = one(graph, "aws:iam/rolePolicy:RolePolicy", "storefront-task-primary")
    document = json.loads(policy.inputs["policy"])
    document["Statement"].append({"Sid": "AllOfS3", "Effect": "Allow", "Action": ["s3:*"], "Resource": ["*"]})
    policy.inputs["policy"] = json.dumps(document)
    return policy.urn


def table_full_access_role_policy(graph: Graph) -> str:
    """Every DynamoDB action on one named table: not administrator, not every resource, but still full access."""
    policy = one(graph, "aws:iam/rolePolicy:RolePolicy", "storefront-task-secondary")
    document = json.loads(policy.inputs["policy"])
    document["Statement"].append({"Sid": "AllOnCarts", "Effect": "Allow", "Action": "dynamodb:*",
                                  "Resource": "arn:aws:dynamodb:us-west-2:123456789012:table/carts"})
    policy.inputs["policy"] = json.dumps(document)
    return policy.urn


def admin_over_bucket_objects(graph: Graph) -> str:
    """Every action on every object of the media bucket: administrative over those objects, though not on "*"."""
    policy = one(graph, "aws:iam/rolePolicy:RolePolicy", "storefront-task-primary")
    media = one(graph, "aws:s3/bucket:Bucket", "media-primary").inputs["bucket"]
    document = json.loads(policy.inputs["policy"])
    document["Statement"].append({"Sid": "AllOnMedia", "Effect": "Allow", "Action": "*",
                                  "Resource": f"arn:aws:s3:::{media}/*"})
    policy.inputs["policy"] = json.dumps(document)
    return policy.urn


def public_bucket_policy(graph: Graph) -> str:
    policy = one(graph, "aws:s3/bucketPolicy:BucketPolicy", "media-policy-secondary")
    document = json.loads(policy.inputs["policy"])
    document["Statement"].append({"Sid": "AnyoneReads", "Effect": "Allow", "Principal": {"AWS": ["*"]},
                                  "Action": "s3:GetObject", "Resource": "arn:aws:s3:::media/*"})
    policy.inputs["policy"] = json.dumps(document)
    return policy.urn


def drop_secondary_waf_association(graph: Graph) -> str:
    drop(graph, "aws:wafv2/webAclAssociation:WebAclAssociation", "waf-alb-secondary")
    return one(graph, "aws:lb/loadBalancer:LoadBalancer", "alb-secondary").urn


def drop_secondary_failover_record(graph: Graph) -> str:
    records = [r for r in graph.of_type("aws:route53/record:Record") if r.inputs.get("failoverRoutingPolicies")]
    secondary = [r for r in records if r.inputs["failoverRoutingPolicies"][0]["type"] == "SECONDARY"]
    assert secondary
    graph.resources.remove(secondary[0])
    return ""


def slow_dns(graph: Graph) -> str:
    # Failing over through a record cached for an hour cannot meet a 15-minute regional RTO.
    records = [r for r in graph.of_type("aws:route53/record:Record") if r.inputs.get("failoverRoutingPolicies")]
    for record in records:
        record.inputs.pop("aliases", None)
        record.inputs["ttl"] = 3600
        record.inputs["records"] = ["203.0.113.10"]
    return ""


def without_tls_statement(policy_type: str, name_part: str, reported_on: tuple[str, str]) -> Callable[[Graph], str]:
    """A mutation dropping the statements that deny plain-HTTP requests from an SNS topic / SQS queue policy; the
    finding names the topic or queue, which is what now accepts them."""
    def mutate(graph: Graph) -> str:
        policy = one(graph, policy_type, name_part)
        document = json.loads(policy.inputs["policy"])
        kept = [s for s in document["Statement"] if "aws:SecureTransport" not in json.dumps(s.get("Condition", {}))]
        assert len(kept) < len(document["Statement"]), f"{policy.name} has no TLS statement to drop"
        document["Statement"] = kept
        policy.inputs["policy"] = json.dumps(document)
        return one(graph, *reported_on).urn
    return mutate


def provisioned_table(name_part: str) -> Callable[[Graph], str]:
    """A mutation switching a table from on-demand to provisioned capacity with no auto scaling."""
    def mutate(graph: Graph) -> str:
        table = one(graph, "aws:dynamodb/table:Table", name_part)
        table.inputs.update({"billingMode": "PROVISIONED", "readCapacity": 5, "writeCapacity": 5})
        return table.urn
    return mutate


MUTATIONS: dict[str, tuple[Callable[[Graph], str], str]] = {
    "strip bucket encryption": (remove("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                                       "media-encryption-primary"), "s3-bucket-kms-encryption"),
    "bucket encryption AES256": (set_input("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                                           "exports-encryption-primary",
                                           "rules.0.applyServerSideEncryptionByDefault.sseAlgorithm", "AES256",
                                           reported_on=("aws:s3/bucket:Bucket", "exports-primary")),
                                 "s3-bucket-kms-encryption"),
    "aurora unencrypted": (set_input("aws:rds/cluster:Cluster", "primary", "storageEncrypted", False),
                           "rds-storage-encrypted-cmk"),
    "table without CMK": (set_input("aws:dynamodb/table:Table", "carts", "serverSideEncryption.kmsKeyArn", ...),
                          "dynamodb-table-cmk-encryption"),
    "topic unencrypted": (set_input("aws:sns/topic:Topic", "secondary", "kmsMasterKeyId", ...),
                          "sns-topic-kms-encryption"),
    "topic accepts plain HTTP": (without_tls_statement("aws:sns/topicPolicy:TopicPolicy", "alerts-policy-primary",
                                                       reported_on=("aws:sns/topic:Topic", "alerts-primary")),
                                 "sns-topic-tls-only"),
    "queue accepts plain HTTP": (without_tls_statement("aws:sqs/queuePolicy:QueuePolicy", "failover-dead-letters",
                                                       reported_on=("aws:sqs/queue:Queue", "failover-dead-letters")),
                                 "sqs-queue-tls-only"),
    "performance insights with AWS key": (set_input("aws:rds/clusterInstance:ClusterInstance", "aurora-1-secondary",
                                                    "performanceInsightsKmsKeyId", "alias/aws/rds"),
                                          "rds-performance-insights-cmk"),
    "replica key bypasses lockout check": (set_input("aws:kms/replicaKey:ReplicaKey", "database",
                                                     "bypassPolicyLockoutSafetyCheck", True),
                                           "kms-key-no-lockout-bypass"),
    "load balancer deletable": (set_input("aws:lb/loadBalancer:LoadBalancer", "alb-secondary",
                                          "enableDeletionProtection", False), "alb-deletion-protection"),
    "failover function drops failed events": (set_input("aws:lambda/function:Function", "failover",
                                                        "deadLetterConfig", ...), "lambda-dead-letter-queue"),
    "failover function unreserved": (set_input("aws:lambda/function:Function", "failover",
                                               "reservedConcurrentExecutions", ...), "lambda-reserved-concurrency"),
    "log group unencrypted": (set_input("aws:cloudwatch/logGroup:LogGroup", "", "kmsKeyId", ...),
                              "cloudwatch-log-group-kms-encryption"),
    "secret with AWS key": (set_input("aws:secretsmanager/secret:Secret", "", "kmsKeyId", "alias/aws/secretsmanager"),
                            "secretsmanager-secret-cmk-encryption"),
    "vault without CMK": (set_input("aws:backup/vault:Vault", "secondary", "kmsKeyArn", ...),
                          "backup-vault-cmk-encryption"),
    "key rotation off": (set_input("aws:kms/key:Key", "database", "enableKeyRotation", False),
                         "kms-key-rotation-enabled"),
    "key policy open to everyone": (wildcard_key_policy, "kms-key-policy-no-public-wildcard"),
    "TLS 1.0 listener": (set_input("aws:lb/listener:Listener", "https-primary", "sslPolicy",
                                   "ELBSecurityPolicy-2016-08"), "alb-listener-https-only"),
    "HTTPS listener downgraded to HTTP": (set_input("aws:lb/listener:Listener", "https-secondary", "protocol", "HTTP"),
                                         "alb-listener-https-only"),
    "listener certificate from IAM": (set_input("aws:lb/listener:Listener", "https-primary", "certificateArn",
                                                "arn:aws:iam::123456789012:server-certificate/shop"),
                                      "alb-listener-https-only"),
    "tasks reachable on port 80": (set_input("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                                             "app-in-alb-secondary", "fromPort", 80),
                                   "security-group-no-plain-http-ingress"),
    "bucket policy without TLS deny": (set_input("aws:s3/bucketPolicy:BucketPolicy", "media-policy-secondary", "policy",
                                                 json.dumps({"Version": "2012-10-17", "Statement": []}),
                                                 reported_on=("aws:s3/bucket:Bucket", "media-secondary")),
                                       "s3-bucket-tls-only"),
    "single-region trail": (set_input("aws:cloudtrail/trail:Trail", "", "isMultiRegionTrail", False),
                            "cloudtrail-multi-region-enabled"),
    "trail without log validation": (set_input("aws:cloudtrail/trail:Trail", "", "enableLogFileValidation", False),
                                     "cloudtrail-multi-region-enabled"),
    "drop CostCenter tag": (provider_without_tag("CostCenter"), "required-tags"),
    "DRRole outside allowed values": (set_input("aws:sns/topic:Topic", "primary", "tags", {"DRRole": "tertiary"}),
                                      "required-tags"),
    "remove vault lock": (remove("aws:backup/vaultLockConfiguration:VaultLockConfiguration", "secondary"),
                          "backup-vault-lock-compliance-mode"),
    "vault lock in governance mode": (set_input("aws:backup/vaultLockConfiguration:VaultLockConfiguration", "primary",
                                                "changeableForDays", ...), "backup-vault-lock-compliance-mode"),
    "backup plan without copy": (set_input("aws:backup/plan:Plan", "", "rules.0.copyActions", [],
                                           reported_on=("aws:rds/cluster:Cluster", "primary")),
                                 "backup-plan-cross-region-copy"),
    # The primary's rule: replication now runs both ways, and the policy guards the primary's copy to the standby.
    "remove replication rule": (remove("aws:s3/bucketReplicationConfig:BucketReplicationConfig",
                                       "exports-replication-primary"),
                                "s3-bucket-cross-region-replication"),
    "replication without RTC": (set_input("aws:s3/bucketReplicationConfig:BucketReplicationConfig",
                                           "media-replication-primary",
                                           "rules.0.destination.replicationTime.status", "Disabled",
                                           reported_on=("aws:s3/bucket:Bucket", "media-primary")),
                                "s3-bucket-cross-region-replication"),
    "no secondary Aurora member": (remove("aws:rds/cluster:Cluster", "secondary"),
                                   "aurora-global-cluster-secondary-member"),
    "table without replica": (set_input("aws:dynamodb/table:Table", "sessions", "replicas", []),
                              "dynamodb-global-table-replica"),
    "secret not replicated": (set_input("aws:secretsmanager/secret:Secret", "", "replicas", ...),
                              "secretsmanager-secret-replicated"),
    "replica key missing": (remove("aws:kms/replicaKey:ReplicaKey", "sessions"), "kms-replica-keys-present"),
    "no recorder in secondary": (remove("aws:cfg/recorder:Recorder", "secondary"), "config-recorder-both-regions"),
    "secondary's Config rules dropped": (drop_secondary_config_rules, "config-rules-both-regions"),
    "SSH open to the world": (set_input("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "alb-in-https-primary",
                                        "fromPort", 22), "security-group-no-public-ingress"),
    "bucket readable by any AWS account": (set_input("aws:s3/bucket:Bucket", "exports-primary", "acl",
                                                     "authenticated-read"), "s3-bucket-public-access-blocked"),
    "standby Aurora without IAM auth": (set_input("aws:rds/cluster:Cluster", "secondary",
                                                  "iamDatabaseAuthenticationEnabled", False),
                                        "aurora-iam-authentication"),
    "admin over a bucket's objects": (admin_over_bucket_objects, "iam-no-wildcard-admin"),
    "SSE-KMS without a bucket key": (set_input(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "exports-encryption-secondary", "rules.0.bucketKeyEnabled", False,
        reported_on=("aws:s3/bucket:Bucket", "exports-secondary")), "s3-bucket-kms-encryption"),
    "role lists managed policies its attachments also manage": (set_input(
        "aws:iam/role:Role", "backup-primary", "managedPolicyArns",
        ["arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"],
        reported_on=("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "backup-restore-primary")),
        "iam-role-policy-management-conflict"),
    "security group with inline and standalone ingress": (set_input(
        "aws:ec2/securityGroup:SecurityGroup", "sg-database-secondary", "ingress",
        [{"protocol": "tcp", "fromPort": 5432, "toPort": 5432, "cidrBlocks": ["10.1.0.0/16"]}],
        reported_on=("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "database-in-app-secondary")),
        "security-group-rule-management-conflict"),
    "aurora deletable": (set_input("aws:rds/cluster:Cluster", "secondary", "deletionProtection", False),
                         "database-deletion-protection"),
    "wildcard admin policy": (admin_role_policy, "iam-no-wildcard-admin"),
    "privileged container": (container_setting("storefront-primary", "privileged", True),
                             "ecs-container-not-privileged"),
    "container runs as root": (container_setting("db-bootstrap", "user", "0:999"), "ecs-container-non-root-user"),
    "writable root filesystem": (container_setting("storefront-secondary", "readonlyRootFilesystem", False),
                                 "ecs-container-readonly-root-filesystem"),
    "task shares host PID namespace": (set_input("aws:ecs/taskDefinition:TaskDefinition", "storefront-primary",
                                                 "pidMode", "host"), "ecs-task-no-host-namespaces"),
    "service-wide wildcard": (service_wildcard_role_policy, "iam-no-service-wide-actions"),
    "AWS-managed power user attached": (set_input("aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                                                  "config-recorder-managed-primary", "policyArn",
                                                  "arn:aws:iam::aws:policy/PowerUserAccess"),
                                        "iam-no-aws-managed-admin-policies"),
    "secret neither rotates nor says why": (set_input("aws:secretsmanager/secret:Secret", "secret-app", "tags",
                                                      {"DataClassification": "restricted"}),
                                            "secretsmanager-secret-rotation"),
    "public access allowed": (set_input("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "media",
                                        "restrictPublicBuckets", False), "s3-bucket-public-access-blocked"),
    "bucket policy open to everyone": (public_bucket_policy, "s3-bucket-policy-no-public-principal"),
    "any SNS topic may invoke the failover function": (
        set_input("aws:lambda/permission:Permission", "failover-from-health-alarms", "sourceArn", ...),
        "lambda-permission-restricted-source"),
    "public Aurora reader": (set_input("aws:rds/clusterInstance:ClusterInstance", "aurora-1-secondary",
                                       "publiclyAccessible", True), "rds-instance-not-public"),
    "default security group egress": (set_input("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
                                                "sg-default-primary", "egress",
                                                [{"protocol": "-1", "fromPort": 0, "toPort": 0,
                                                  "cidrBlocks": ["0.0.0.0/0"]}]),
                                      "vpc-default-security-group-closed"),
    "public subnet maps public IPs": (set_input("aws:ec2/subnet:Subnet", "subnet-public-az1-secondary",
                                                "mapPublicIpOnLaunch", True), "subnet-no-public-ip-on-launch"),
    "Aurora writer's publiclyAccessible left unset": (set_input("aws:rds/clusterInstance:ClusterInstance",
                                                                "aurora-1-primary", "publiclyAccessible", ...),
                                                      "rds-instance-not-public"),
    "standby reader without Performance Insights": (set_input("aws:rds/clusterInstance:ClusterInstance",
                                                              "aurora-1-secondary", "performanceInsightsEnabled",
                                                              False), "rds-performance-insights-cmk"),
    "replication back to the primary paused": (set_input("aws:s3/bucketReplicationConfig:BucketReplicationConfig",
                                                         "media-replication-secondary", "rules.0.status", "Disabled"),
                                               "s3-bucket-cross-region-replication"),
    "standby bucket no longer replicates back": (
        remove("aws:s3/bucketReplicationConfig:BucketReplicationConfig", "exports-replication-secondary"),
        "s3-bucket-cross-region-replication"),
    "full access to one table": (table_full_access_role_policy, "iam-no-service-wide-actions"),
    "private subnet maps public IPs": (set_input("aws:ec2/subnet:Subnet", "subnet-private-az1-primary",
                                                 "mapPublicIpOnLaunch", True),
                                       "subnet-no-public-ip-on-launch"),
    "ALB without WAF": (drop_secondary_waf_association, "alb-waf-web-acl"),
    "no secondary failover record": (drop_secondary_failover_record, "route53-failover-pair"),
    "DNS cached for an hour": (slow_dns, "rto-rpo-achievable"),
    "PITR off": (set_input("aws:dynamodb/table:Table", "carts", "pointInTimeRecovery.enabled", False),
                 "dynamodb-point-in-time-recovery"),
    "versioning suspended": (set_input("aws:s3/bucketVersioning:BucketVersioning", "media-versioning-primary",
                                       "versioningConfiguration.status", "Suspended"), "s3-bucket-versioning-enabled"),
    "access logging removed": (remove("aws:s3/bucketLogging:BucketLogging", "exports"), "s3-bucket-access-logging"),
    "ALB access logs off": (set_input("aws:lb/loadBalancer:LoadBalancer", "alb-secondary", "accessLogs.enabled", False),
                            "alb-access-logging"),
    "data bucket on S3-managed keys": (set_input(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "media-encryption-primary", "rules.0.applyServerSideEncryptionByDefault", {"sseAlgorithm": "AES256"},
        reported_on=("aws:s3/bucket:Bucket", "media-primary")), "s3-bucket-kms-encryption"),
    "flow log removed": (remove("aws:ec2/flowLog:FlowLog", "secondary"), "vpc-flow-logs-enabled"),
    "WAF logging removed": (remove("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration", "primary"),
                            "waf-logging-enabled"),
    "container output discarded": (container_setting("storefront-primary", "logConfiguration", {"logDriver": "none"}),
                                   "ecs-container-logging"),
    "log group kept a week": (set_input("aws:cloudwatch/logGroup:LogGroup", "storefront-logs-secondary",
                                        "retentionInDays", 7), "log-group-retention"),
    "standby keeps a day of backups": (set_input("aws:rds/cluster:Cluster", "secondary", "backupRetentionPeriod", 1),
                                       "aurora-backup-retention"),
    "standby Aurora exports no logs": (set_input("aws:rds/cluster:Cluster", "secondary", "enabledCloudwatchLogsExports",
                                                 []), "aurora-log-exports"),
    "IAM auth off": (set_input("aws:rds/cluster:Cluster", "primary", "iamDatabaseAuthenticationEnabled", False),
                     "aurora-iam-authentication"),
    "mutable image tags": (set_input("aws:ecr/repository:Repository", "secondary", "imageTagMutability", "MUTABLE"),
                           "ecr-repository-hardened"),
    "security group described by the default": (set_input("aws:ec2/securityGroup:SecurityGroup", "sg-database-primary",
                                                          "description", "Managed by Pulumi"), "resource-descriptions"),
    "failover function untraced": (set_input("aws:lambda/function:Function", "failover", "tracingConfig.mode",
                                             "PassThrough"), "lambda-tracing-active"),
    "ALB forwards invalid headers": (set_input("aws:lb/loadBalancer:LoadBalancer", "alb-primary",
                                               "dropInvalidHeaderFields", False), "alb-drop-invalid-headers"),
    "standby reader unmonitored": (set_input("aws:rds/clusterInstance:ClusterInstance", "aurora-1-secondary",
                                             "monitoringInterval", 0), "rds-enhanced-monitoring"),
    "engine fixes held back": (set_input("aws:rds/clusterInstance:ClusterInstance", "aurora-2-primary",
                                         "autoMinorVersionUpgrade", False), "rds-auto-minor-version-upgrade"),
    "container insights off": (set_input("aws:ecs/cluster:Cluster", "cluster-secondary", "settings",
                                         [{"name": "containerInsights", "value": "disabled"}]),
                               "ecs-container-insights"),
    "alarm notifies nobody": (set_input("aws:cloudwatch/metricAlarm:MetricAlarm", "aurora-rpo-lag", "actionsEnabled",
                                        False), "cloudwatch-alarm-actions"),
    "provisioned table without scaling": (provisioned_table("carts"), "dynamodb-capacity-scaling"),
    "secondary provider in the primary's region": (secondary_in_primary_region, "allowed-regions"),
    "trail on the AWS-managed key": (set_input("aws:cloudtrail/trail:Trail", "", "kmsKeyId", ...),
                                     "cloudtrail-kms-encryption"),
    "dead-letter queue on SQS-owned keys": (set_input("aws:sqs/queue:Queue", "failover-dead-letters",
                                                      "kmsMasterKeyId", ...), "sqs-queue-kms-encryption"),
    "unencrypted EBS volume": (unencrypted_volume, "ebs-volume-kms-encryption"),
    "dead-letter queue orphaned": (set_input("aws:lambda/function:Function", "failover", "deadLetterConfig", ...,
                                             reported_on=("aws:sqs/queue:Queue", "failover-dead-letters")),
                                   "sqs-queue-dead-letter"),
}
