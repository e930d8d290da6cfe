"""Service-baseline policies (drguard.service_baselines, .container_registry, .data_service_baselines), run through the
real pack (plugin process, gRPC) over one hand-built two-region graph.

Other areas' policies are disabled in these runs so a finding, or a crash, of theirs cannot decide these tests.
"""
import json

import pytest

from tests.support.gate import assert_published_metadata, check, graph_fixture, only, result_fixture, violated
from tests.support.graphs import ACCOUNT, GraphBuilder

ECR = "ecr-repository-hardened"
DESCRIPTIONS = "resource-descriptions"
TRACING = "lambda-tracing-active"
HEADERS = "alb-drop-invalid-headers"
MONITORING = "rds-enhanced-monitoring"
MINOR = "rds-auto-minor-version-upgrade"
INSIGHTS = "ecs-container-insights"
ALARMS = "cloudwatch-alarm-actions"
SCALING = "dynamodb-capacity-scaling"
DLQ = "sqs-queue-dead-letter"
MINE = (ECR, DESCRIPTIONS, TRACING, HEADERS, MONITORING, MINOR, INSIGHTS, ALARMS, SCALING, DLQ)

CMK = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/mrk-1234"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/rds-monitoring"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:alerts"


def queue_arn(name, region="us-east-1"):
    return f"arn:aws:sqs:{region}:{ACCOUNT}:{name}"


def document(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def pull(principal, condition=None):
    statement = {"Effect": "Allow", "Principal": principal, "Action": ["ecr:BatchGetImage"]}
    return {**statement, "Condition": condition} if condition else statement


def add_ecr(g):
    def repository(name, role="primary", **overrides):
        inputs = {"name": name, "imageTagMutability": "IMMUTABLE", "imageScanningConfiguration": {"scanOnPush": True},
                  "encryptionConfigurations": [{"encryptionType": "KMS", "kmsKey": CMK}]}
        g.add("aws:ecr/repository:Repository", name, {**inputs, **overrides}, role=role)

    repository("good-repo")
    repository("good-repo-secondary", role="secondary")
    repository("good-repo-dual-layer", encryptionConfigurations=[{"encryptionType": "KMS_DSSE", "kmsKey": CMK}])
    repository("bad-repo-mutable", imageTagMutability="MUTABLE")
    repository("bad-repo-default-mutability", imageTagMutability=None)
    repository("bad-repo-mutable-exclusions", imageTagMutability="IMMUTABLE_WITH_EXCLUSION")
    repository("bad-repo-no-scan", imageScanningConfiguration={"scanOnPush": False})
    repository("bad-repo-no-scan-config", imageScanningConfiguration=None)
    repository("bad-repo-no-encryption", encryptionConfigurations=None)
    repository("bad-repo-aes256", encryptionConfigurations=[{"encryptionType": "AES256"}])
    repository("bad-repo-kms-no-key", encryptionConfigurations=[{"encryptionType": "KMS"}])
    repository("bad-repo-aws-managed-key", encryptionConfigurations=[{"encryptionType": "KMS",
                                                                      "kmsKey": "alias/aws/ecr"}])
    # Registry-level scanning in the secondary region covers repositories matching its filter there only.
    g.add("aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration", "registry-scanning", {
        "scanType": "ENHANCED", "rules": [{"scanFrequency": "CONTINUOUS_SCAN",
                                           "repositoryFilters": [{"filter": "apps-*", "filterType": "WILDCARD"}]}]},
        role="secondary")
    repository("apps-good-registry-scanned", role="secondary", imageScanningConfiguration=None)
    repository("bad-repo-registry-filter-misses", role="secondary", imageScanningConfiguration=None)
    repository("apps-bad-other-region", imageScanningConfiguration=None)  # the rule is in the secondary region

    policy = "aws:ecr/repositoryPolicy:RepositoryPolicy"
    g.add(policy, "good-repo-policy-named-account", {"repository": "good-repo", "policy": document(
        pull({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}))})
    g.add(policy, "good-repo-policy-org-pinned", {"repository": "good-repo", "policy": document(
        pull("*", {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}))})
    g.add(policy, "good-repo-policy-deny-everyone", {"repository": "good-repo", "policy": document(
        {"Effect": "Deny", "Principal": "*", "Action": "ecr:*"})})
    g.add(policy, "bad-repo-policy-star", {"repository": "good-repo", "policy": document(pull("*"))})
    g.add(policy, "bad-repo-policy-star-list", {"repository": "good-repo", "policy": document(pull(["*"]))})
    g.add(policy, "bad-repo-policy-aws-map", {"repository": "good-repo", "policy": json.loads(document(
        pull({"AWS": ["*"]})))})
    g.add(policy, "bad-repo-policy-wildcard-arn", {"repository": "good-repo", "policy": document(
        pull({"AWS": "arn:aws:iam::*:root"}))})
    g.add(policy, "bad-repo-policy-unrestricting-condition", {"repository": "good-repo", "policy": document(
        pull("*", {"StringNotEquals": {"aws:PrincipalOrgID": "o-abc123"}}))})
    g.add("aws:ecr/registryPolicy:RegistryPolicy", "bad-registry-policy-star", {"policy": document(
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ["ecr:ReplicateImage"]})})
    g.add("aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate", "bad-creation-template-star", {
        "prefix": "cache", "appliedFors": ["PULL_THROUGH_CACHE"], "repositoryPolicy": document(pull("*"))})


def add_descriptions(g):
    sg = "aws:ec2/securityGroup:SecurityGroup"
    rule = {"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["10.0.0.0/16"]}
    g.add(sg, "good-sg", {"vpcId": "vpc-1", "description": "Storefront load balancer",
                          "ingress": [{**rule, "description": "HTTPS from the VPC"}],
                          "egress": [{**rule, "description": "HTTPS to the tasks"}]})
    g.add(sg, "bad-sg-no-description", {"vpcId": "vpc-1"})
    g.add(sg, "bad-sg-pulumi-default", {"vpcId": "vpc-1", "description": "Managed by Pulumi"})
    g.add(sg, "bad-sg-too-short", {"vpcId": "vpc-1", "description": "sg"})
    g.add(sg, "bad-sg-ingress-rule", {"vpcId": "vpc-1", "description": "Storefront tasks", "ingress": [rule]})
    g.add(sg, "bad-sg-egress-rule", {"vpcId": "vpc-1", "description": "Storefront tasks",
                                     "egress": [{**rule, "description": "  "}]})
    standalone = {"securityGroupId": "sg-1", "ipProtocol": "tcp", "fromPort": 443, "toPort": 443,
                  "cidrIpv4": "10.0.0.0/16"}
    g.add("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "good-ingress-rule",
          {**standalone, "description": "HTTPS from the VPC"})
    g.add("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "bad-ingress-rule", standalone)
    g.add("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "bad-egress-rule",
          {**standalone, "description": "out"})
    g.add("aws:ec2/securityGroupRule:SecurityGroupRule", "bad-sg-rule", {
        "type": "ingress", "securityGroupId": "sg-1", "protocol": "tcp", "fromPort": 443, "toPort": 443,
        "cidrBlocks": ["10.0.0.0/16"]})
    g.add("aws:kms/key:Key", "good-key", {"description": "orders data, multi-Region primary"})
    g.add("aws:kms/key:Key", "bad-key-no-description", {})
    g.add("aws:kms/replicaKey:ReplicaKey", "bad-replica-key-short", {"description": "key", "primaryKeyArn": CMK},
          role="secondary")
    g.add("aws:secretsmanager/secret:Secret", "good-secret", {"description": "Payment provider API key"})
    g.add("aws:secretsmanager/secret:Secret", "bad-secret-no-description", {"name": "app"})


def add_functions_and_balancers(g):
    function = "aws:lambda/function:Function"
    g.add(function, "good-function", {"description": "Failover automation", "tracingConfig": {"mode": "Active"}})
    g.add(function, "bad-function-passthrough", {"description": "Failover automation",
                                                 "tracingConfig": {"mode": "PassThrough"}})
    g.add(function, "bad-function-untraced-undescribed", {})
    for token in ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"):
        module = token.split("/")[0].split(":")[1]
        g.add(token, f"good-{module}-drops", {"loadBalancerType": "application", "dropInvalidHeaderFields": True})
        g.add(token, f"bad-{module}-default-type", {"dropInvalidHeaderFields": False})
        g.add(token, f"bad-{module}-unset", {"loadBalancerType": "application"})
    g.add("aws:lb/loadBalancer:LoadBalancer", "good-nlb", {"loadBalancerType": "network"})
    g.add("aws:lb/loadBalancer:LoadBalancer", "good-gwlb", {"loadBalancerType": "gateway"})


def add_databases(g):
    monitored = {"monitoringInterval": 60, "monitoringRoleArn": ROLE}
    instance, cluster = "aws:rds/clusterInstance:ClusterInstance", "aws:rds/cluster:Cluster"
    g.add(instance, "good-writer", {"clusterIdentifier": "db", **monitored, "autoMinorVersionUpgrade": True})
    g.add(instance, "good-secondary-reader", {"clusterIdentifier": "db-2", **monitored}, role="secondary")
    g.add(instance, "bad-secondary-unmonitored", {"clusterIdentifier": "db-2", "autoMinorVersionUpgrade": False},
          role="secondary")
    g.add(instance, "bad-interval-zero", {"clusterIdentifier": "db", "monitoringInterval": 0,
                                          "monitoringRoleArn": ROLE})
    g.add(instance, "bad-no-role", {"clusterIdentifier": "db", "monitoringInterval": 30})
    g.add("aws:rds/instance:Instance", "good-instance", {"instanceClass": "db.t4g.micro", **monitored})
    g.add("aws:rds/instance:Instance", "bad-instance", {"instanceClass": "db.t4g.micro",
                                                        "autoMinorVersionUpgrade": "false"})
    # Aurora clusters carry monitoring on their instances; a Multi-AZ DB cluster carries it itself.
    g.add(cluster, "good-aurora-cluster", {"engine": "aurora-postgresql"})
    g.add(cluster, "good-multi-az-cluster", {"engine": "postgres", "dbClusterInstanceClass": "db.m6gd.large",
                                             **monitored})
    g.add(cluster, "bad-multi-az-cluster", {"engine": "postgres", "dbClusterInstanceClass": "db.m6gd.large"})
    g.add(cluster, "bad-cluster-minor-upgrades-off", {"engine": "aurora-postgresql", "autoMinorVersionUpgrade": False})


def add_clusters_and_alarms(g):
    cluster = "aws:ecs/cluster:Cluster"
    g.add(cluster, "good-cluster-enabled", {"settings": [{"name": "containerInsights", "value": "enabled"}]})
    g.add(cluster, "good-cluster-enhanced", {"settings": [{"name": "containerInsights", "value": "enhanced"}]},
          role="secondary")
    g.add(cluster, "bad-cluster-disabled", {"settings": [{"name": "containerInsights", "value": "disabled"}]})
    g.add(cluster, "bad-cluster-no-settings", {})
    alarm = "aws:cloudwatch/metricAlarm:MetricAlarm"
    g.add(alarm, "good-alarm", {"alarmActions": [TOPIC], "okActions": [TOPIC]})
    g.add(alarm, "good-alarm-ok-only", {"okActions": [TOPIC], "actionsEnabled": True})
    g.add(alarm, "good-alarm-insufficient-data", {"insufficientDataActions": [TOPIC]})
    g.add(alarm, "bad-alarm-no-actions", {"alarmActions": []})
    g.add(alarm, "bad-alarm-disabled", {"alarmActions": [TOPIC], "actionsEnabled": False})
    g.add("aws:cloudwatch/compositeAlarm:CompositeAlarm", "bad-composite-no-actions", {"alarmRule": "ALARM(a)"})
    g.add("aws:cloudwatch/compositeAlarm:CompositeAlarm", "good-composite", {"alarmRule": "ALARM(a)",
                                                                             "alarmActions": [TOPIC]})


def add_tables(g):
    table = "aws:dynamodb/table:Table"

    def target(name, resource_id, dimension, role="primary"):
        return g.add("aws:appautoscaling/target:Target", name, {
            "serviceNamespace": "dynamodb", "resourceId": resource_id, "scalableDimension": dimension,
            "minCapacity": 5, "maxCapacity": 100}, role=role)

    def scale(name, resource_id, kind, role="primary"):
        for way in ("Read", "Write"):
            target(f"{name}-{way.lower()}", resource_id, f"dynamodb:{kind}:{way}CapacityUnits", role=role)

    g.add(table, "good-on-demand", {"name": "carts", "billingMode": "PAY_PER_REQUEST", "globalSecondaryIndexes": [
        {"name": "by-user"}]})
    g.add(table, "good-provisioned", {"name": "orders", "billingMode": "PROVISIONED", "readCapacity": 5,
                                      "writeCapacity": 5, "globalSecondaryIndexes": [{"name": "by-user"}]})
    scale("orders", "table/orders", "table")
    scale("orders-by-user", "table/orders/index/by-user", "index")
    g.add(table, "bad-provisioned-unscaled", {"name": "ledger", "billingMode": "PROVISIONED", "readCapacity": 5,
                                              "writeCapacity": 5})
    g.add(table, "bad-default-billing", {"name": "audit", "readCapacity": 5, "writeCapacity": 5})
    g.add(table, "bad-write-unscaled", {"name": "prices", "billingMode": "PROVISIONED", "readCapacity": 5,
                                        "writeCapacity": 5})
    target("prices-read", "table/prices", "dynamodb:table:ReadCapacityUnits")
    g.add(table, "bad-index-unscaled", {"name": "stock", "billingMode": "PROVISIONED", "readCapacity": 5,
                                        "writeCapacity": 5, "globalSecondaryIndexes": [{"name": "by-sku"}]})
    scale("stock", "table/stock", "table")
    g.add(table, "bad-scaled-in-other-region", {"name": "events", "billingMode": "PROVISIONED", "readCapacity": 5,
                                                "writeCapacity": 5})
    scale("events", "table/events", "table", role="secondary")
    # An auto-named table: the target's resourceId was computed from it (the engine records the dependency).
    urn = g.add(table, "good-autonamed-provisioned", {"name": "autonamed-1a2b3c", "readCapacity": 5,
                                                      "writeCapacity": 5})
    for way in ("Read", "Write"):
        target_urn = target(f"autonamed-{way.lower()}", "table/autonamed-1a2b3c",
                            f"dynamodb:table:{way}CapacityUnits")
        g.depends(target_urn, "resourceId", urn)


def add_queues(g):
    queue = "aws:sqs/queue:Queue"

    def add_queue(name, role="primary", **inputs):
        return g.add(queue, name, {"name": name, **inputs}, role=role)

    add_queue("good-work-queue", redrivePolicy=json.dumps({"deadLetterTargetArn": queue_arn("good-dlq-of-queue"),
                                                           "maxReceiveCount": 5}))
    add_queue("good-dlq-of-queue")
    add_queue("bad-plain-queue")
    add_queue("bad-redrive-without-target", redrivePolicy=json.dumps({"maxReceiveCount": 5}))
    # A queue named only in another region is not this queue's dead-letter user.
    add_queue("bad-dlq-other-region", role="secondary")
    add_queue("other-region-source", redrivePolicy=json.dumps({"deadLetterTargetArn": queue_arn(
        "bad-dlq-other-region", "us-east-1"), "maxReceiveCount": 5}), role="secondary")
    add_queue("good-dlq-of-function")
    g.add("aws:lambda/function:Function", "dlq-user-function", {
        "description": "Processes orders", "tracingConfig": {"mode": "Active"},
        "deadLetterConfig": {"targetArn": queue_arn("good-dlq-of-function")}})
    add_queue("good-dlq-of-invoke-config")
    g.add("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig", "invoke-config", {
        "functionName": "f", "destinationConfig": {"onFailure": {"destination": queue_arn(
            "good-dlq-of-invoke-config")}}})
    add_queue("good-dlq-of-subscription")
    g.add("aws:sns/topicSubscription:TopicSubscription", "subscription", {
        "topic": TOPIC, "protocol": "lambda", "endpoint": "arn:aws:lambda:us-east-1:111122223333:function:f",
        "redrivePolicy": json.dumps({"deadLetterTargetArn": queue_arn("good-dlq-of-subscription")})})
    add_queue("good-dlq-of-event-target")
    g.add("aws:cloudwatch/eventTarget:EventTarget", "event-target", {
        "rule": "r", "arn": "arn:aws:lambda:us-east-1:111122223333:function:f",
        "deadLetterConfig": {"arn": queue_arn("good-dlq-of-event-target")}})
    add_queue("good-redrive-allow-inline", redriveAllowPolicy=json.dumps({"redrivePermission": "allowAll"}))
    add_queue("bad-redrive-deny-all", redriveAllowPolicy=json.dumps({"redrivePermission": "denyAll"}))
    add_queue("good-redrive-allow-standalone")
    g.add("aws:sqs/redriveAllowPolicy:RedriveAllowPolicy", "allow-policy", {
        "queueUrl": f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/good-redrive-allow-standalone",
        "redriveAllowPolicy": json.dumps({"redrivePermission": "byQueue", "sourceQueueArns": [queue_arn("x")]})})
    add_queue("good-standalone-redrive")
    add_queue("good-dlq-of-standalone-redrive")
    g.add("aws:sqs/redrivePolicy:RedrivePolicy", "redrive-policy", {
        "queueUrl": f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/good-standalone-redrive",
        "redrivePolicy": json.dumps({"deadLetterTargetArn": queue_arn("good-dlq-of-standalone-redrive"),
                                     "maxReceiveCount": 3})})
    # An auto-named dead-letter queue, linked to its function by the engine's record of the input's origin.
    dlq = g.add(queue, "good-autonamed-dlq", {})
    user = g.add("aws:lambda/function:Function", "autonamed-dlq-user", {
        "description": "Processes refunds", "tracingConfig": {"mode": "Active"},
        "deadLetterConfig": {"targetArn": queue_arn("good-autonamed-dlq-8f3a")}})
    g.depends(user, "deadLetterConfig", dlq)


def build_graph():
    g = GraphBuilder()  # primary us-east-1, secondary us-west-2
    add_ecr(g)
    add_descriptions(g)
    add_functions_and_balancers(g)
    add_databases(g)
    add_clusters_and_alarms(g)
    add_tables(g)
    add_queues(g)
    return g.build()


graph = graph_fixture(build_graph)
result = result_fixture(only(MINE))


def goods(result, policy, prefix=("good-", "apps-good-")):
    """Every resource named good-* the graph holds is clear of `policy`."""
    return {name for name in violated(result, policy) if name.startswith(prefix)}


def test_each_policy_publishes_its_metadata(result):
    assert_published_metadata(result, MINE)


@pytest.mark.parametrize("bad", ["bad-repo-mutable", "bad-repo-default-mutability", "bad-repo-mutable-exclusions",
                                 "bad-repo-no-scan", "bad-repo-no-scan-config", "bad-repo-no-encryption",
                                 "bad-repo-aes256", "bad-repo-kms-no-key", "bad-repo-aws-managed-key",
                                 "bad-repo-registry-filter-misses", "apps-bad-other-region", "bad-repo-policy-star",
                                 "bad-repo-policy-star-list", "bad-repo-policy-aws-map",
                                 "bad-repo-policy-wildcard-arn", "bad-repo-policy-unrestricting-condition",
                                 "bad-registry-policy-star", "bad-creation-template-star"])
def test_ecr_repository_hardened_reports(result, bad):
    check(result, ECR, bad, [])


def test_ecr_repository_hardened_passes_hardened_repositories_and_restricted_policies(result):
    assert not goods(result, ECR)
    assert {"good-repo", "good-repo-secondary", "good-repo-dual-layer", "apps-good-registry-scanned",
            "good-repo-policy-named-account", "good-repo-policy-org-pinned"}.isdisjoint(violated(result, ECR))


@pytest.mark.parametrize("bad", ["bad-sg-no-description", "bad-sg-pulumi-default", "bad-sg-too-short",
                                 "bad-sg-ingress-rule", "bad-sg-egress-rule", "bad-ingress-rule", "bad-egress-rule",
                                 "bad-sg-rule", "bad-key-no-description", "bad-replica-key-short",
                                 "bad-secret-no-description", "bad-function-untraced-undescribed"])
def test_resource_descriptions_reports(result, bad):
    check(result, DESCRIPTIONS, bad, "good-sg")


def test_resource_descriptions_passes_described_resources(result):
    assert not goods(result, DESCRIPTIONS)
    assert {"good-ingress-rule", "good-key", "good-secret", "good-function"}.isdisjoint(violated(result,
                                                                                                 DESCRIPTIONS))


def test_lambda_tracing_active(result):
    check(result, TRACING, ["bad-function-passthrough", "bad-function-untraced-undescribed"],
          ["good-function", "dlq-user-function", "autonamed-dlq-user"])


def test_alb_drop_invalid_headers_on_both_tokens_and_only_application_balancers(result):
    check(result, HEADERS, ["bad-lb-default-type", "bad-lb-unset", "bad-alb-default-type", "bad-alb-unset"],
          ["good-lb-drops", "good-alb-drops", "good-nlb", "good-gwlb"])


def test_rds_enhanced_monitoring(result):
    check(result, MONITORING, ["bad-secondary-unmonitored", "bad-interval-zero", "bad-no-role", "bad-instance",
                               "bad-multi-az-cluster"],
          ["good-writer", "good-secondary-reader", "good-instance", "good-aurora-cluster", "good-multi-az-cluster",
           "bad-cluster-minor-upgrades-off"])


def test_rds_auto_minor_version_upgrade(result):
    check(result, MINOR, ["bad-secondary-unmonitored", "bad-instance", "bad-cluster-minor-upgrades-off"],
          ["good-writer", "good-secondary-reader", "good-instance", "good-aurora-cluster", "bad-interval-zero"])


def test_ecs_container_insights(result):
    check(result, INSIGHTS, ["bad-cluster-disabled", "bad-cluster-no-settings"],
          ["good-cluster-enabled", "good-cluster-enhanced"])


def test_cloudwatch_alarm_actions(result):
    check(result, ALARMS, ["bad-alarm-no-actions", "bad-alarm-disabled", "bad-composite-no-actions"],
          ["good-alarm", "good-alarm-ok-only", "good-alarm-insufficient-data", "good-composite"])


def test_dynamodb_capacity_scaling(result):
    check(result, SCALING, ["bad-provisioned-unscaled", "bad-default-billing", "bad-write-unscaled",
                            "bad-index-unscaled", "bad-scaled-in-other-region"],
          ["good-on-demand", "good-provisioned", "good-autonamed-provisioned"])


def test_dynamodb_capacity_scaling_names_what_is_unscaled(result):
    [index_message] = [d.message for d in result.diagnostics
                       if d.policy == SCALING and d.urn.endswith("bad-index-unscaled")]
    assert "index by-sku" in index_message and "capacity of the table" not in index_message
    [write_message] = [d.message for d in result.diagnostics
                       if d.policy == SCALING and d.urn.endswith("bad-write-unscaled")]
    assert "write capacity of the table" in write_message and "read capacity" not in write_message


def test_sqs_queue_dead_letter(result):
    check(result, DLQ, ["bad-plain-queue", "bad-redrive-without-target", "bad-dlq-other-region",
                        "bad-redrive-deny-all"],
          ["good-work-queue", "good-dlq-of-queue", "good-dlq-of-function", "good-dlq-of-invoke-config",
           "good-dlq-of-subscription", "good-dlq-of-event-target", "good-redrive-allow-inline",
           "good-redrive-allow-standalone", "good-standalone-redrive", "good-dlq-of-standalone-redrive",
           "good-autonamed-dlq"])
