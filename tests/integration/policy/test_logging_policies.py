"""Activity-log policies (drguard.activity_logs) and the load balancers' SSE-S3 log buckets that
s3-bucket-kms-encryption accepts, run through the real pack (plugin process, gRPC) over one hand-built graph."""
import json

import pytest

from tests.support.gate import check, graph_fixture, message_for, only, result_fixture, violated
from tests.support.graphs import GraphBuilder

ALB_LOGS = "alb-access-logging"
FLOW_LOGS = "vpc-flow-logs-enabled"
WAF_LOGS = "waf-logging-enabled"
CONTAINER_LOGS = "ecs-container-logging"
RETENTION = "log-group-retention"
DATABASE_LOGS = "aurora-log-exports"
KMS = "s3-bucket-kms-encryption"
MINE = (ALB_LOGS, FLOW_LOGS, WAF_LOGS, CONTAINER_LOGS, RETENTION, DATABASE_LOGS, KMS)
LB = "aws:lb/loadBalancer:LoadBalancer"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"


def containers(*definitions):
    return json.dumps([{"name": name, "image": "app:1", **extra} for name, extra in definitions])


def encrypted_bucket(g, name, algorithm, purpose, role="primary"):
    g.add("aws:s3/bucket:Bucket", name, {"bucket": name, "tags": {"Purpose": purpose}}, role=role)
    default = {"sseAlgorithm": algorithm, **({"kmsMasterKeyId": "arn:aws:kms:us-east-1:111122223333:key/k"}
                                             if algorithm == "aws:kms" else {})}
    rule = {"applyServerSideEncryptionByDefault": default, **({"bucketKeyEnabled": True}
                                                                if algorithm == "aws:kms" else {})}
    g.add(SSE, f"{name}-sse", {"bucket": name, "rules": [rule]}, role=role)


def build_graph():
    g = GraphBuilder()
    # -- alb-access-logging (application, network, classic; gateway load balancers have no access logs)
    g.add(LB, "good-alb-logging", {"loadBalancerType": "application", "accessLogs": {
        "enabled": True, "bucket": "alb-logs-primary", "prefix": "alb"}})
    g.add(LB, "bad-alb-no-logs", {"loadBalancerType": "application", "internal": False})
    g.add(LB, "bad-alb-logs-disabled", {"loadBalancerType": "application", "accessLogs": {
        "enabled": False, "bucket": "alb-logs-primary"}}, role="secondary")
    g.add(LB, "bad-nlb-no-bucket", {"loadBalancerType": "network", "accessLogs": {"enabled": True}})
    g.add(LB, "good-gateway-lb", {"loadBalancerType": "gateway"})
    g.add("aws:alb/loadBalancer:LoadBalancer", "bad-alb-alias-no-logs", {"loadBalancerType": "application"})
    g.add("aws:elb/loadBalancer:LoadBalancer", "bad-classic-no-logs", {"listeners": []})
    g.add("aws:elb/loadBalancer:LoadBalancer", "good-classic-logging", {"accessLogs": {
        "enabled": True, "bucket": "alb-logs-primary"}})

    # -- vpc-flow-logs-enabled (linked by the vpcId property dependency, as the engine records it)
    good_vpc = g.add("aws:ec2/vpc:Vpc", "good-vpc", {"cidrBlock": "10.0.0.0/16"})
    flow = g.add("aws:ec2/flowLog:FlowLog", "good-flow-log", {"vpcId": "vpc-1", "trafficType": "ALL",
                                                            "logDestination": "arn:aws:logs:us-east-1:1:log-group:x"})
    g.depends(flow, "vpcId", good_vpc)
    g.add("aws:ec2/vpc:Vpc", "bad-vpc-no-flow-log", {"cidrBlock": "10.1.0.0/16"}, role="secondary")
    partial_vpc = g.add("aws:ec2/vpc:Vpc", "partial-vpc", {"cidrBlock": "10.2.0.0/16"})
    rejects = g.add("aws:ec2/flowLog:FlowLog", "bad-flow-log-rejects-only",
                    {"vpcId": "vpc-2", "trafficType": "REJECT", "logDestination": "arn:aws:s3:::flows"})
    g.depends(rejects, "vpcId", partial_vpc)
    nowhere = g.add("aws:ec2/flowLog:FlowLog", "bad-flow-log-no-destination", {"vpcId": "vpc-2", "trafficType": "ALL"})
    g.depends(nowhere, "vpcId", partial_vpc)

    # -- waf-logging-enabled (WAFv2 by the resourceArn dependency; classic inline)
    acl = g.add("aws:wafv2/webAcl:WebAcl", "good-web-acl", {"scope": "REGIONAL"})
    logging = g.add("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration", "good-web-acl-logging", {
        "resourceArn": "arn:aws:wafv2:us-east-1:1:regional/webacl/a", "logDestinationConfigs": [
            "arn:aws:logs:us-east-1:1:log-group:aws-waf-logs-a"]})
    g.depends(logging, "resourceArn", acl)
    g.add("aws:wafv2/webAcl:WebAcl", "bad-web-acl-unlogged", {"scope": "REGIONAL"}, role="secondary")
    empty_acl = g.add("aws:wafv2/webAcl:WebAcl", "bad-web-acl-logging-nowhere", {"scope": "REGIONAL"})
    empty = g.add("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration", "empty-logging", {
        "resourceArn": "arn:aws:wafv2:us-east-1:1:regional/webacl/b", "logDestinationConfigs": []})
    g.depends(empty, "resourceArn", empty_acl)
    g.add("aws:wafregional/webAcl:WebAcl", "bad-classic-web-acl", {"defaultAction": {"type": "ALLOW"}})

    # -- ecs-container-logging
    awslogs = {"logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/app"}}}
    g.add("aws:ecs/taskDefinition:TaskDefinition", "good-task-logging",
          {"family": "app", "containerDefinitions": containers(("app", awslogs), ("sidecar", {
              "logConfiguration": {"logDriver": "awsfirelens"}}))})
    g.add("aws:ecs/taskDefinition:TaskDefinition", "bad-task-sidecar-unlogged",
          {"family": "app2", "containerDefinitions": containers(("app", awslogs), ("sidecar", {}))})
    g.add("aws:ecs/taskDefinition:TaskDefinition", "bad-task-driver-none", {"family": "app3", "containerDefinitions":
          containers(("app", {"logConfiguration": {"logDriver": "none"}}))}, role="secondary")

    # -- log-group-retention
    g.add("aws:cloudwatch/logGroup:LogGroup", "good-log-group-year", {"retentionInDays": 365})
    g.add("aws:cloudwatch/logGroup:LogGroup", "good-log-group-forever", {})
    g.add("aws:cloudwatch/logGroup:LogGroup", "bad-log-group-month", {"retentionInDays": 30}, role="secondary")

    # -- aurora-log-exports (every member of a global database; non-Aurora instances; not Aurora instances)
    g.add("aws:rds/cluster:Cluster", "good-aurora-primary", {"engine": "aurora-postgresql", "masterUsername": "admin",
                                                            "enabledCloudwatchLogsExports": ["postgresql"]})
    g.add("aws:rds/cluster:Cluster", "bad-aurora-secondary-member", {
        "engine": "aurora-postgresql", "globalClusterIdentifier": "global"}, role="secondary")
    g.add("aws:rds/cluster:Cluster", "bad-aurora-mysql-partial", {"engine": "aurora-mysql",
                                                                 "enabledCloudwatchLogsExports": ["error"]})
    g.add("aws:rds/instance:Instance", "bad-mysql-instance", {"engine": "mysql"})
    g.add("aws:rds/instance:Instance", "good-aurora-instance", {"engine": "aurora-postgresql"})

    # -- s3-bucket-kms-encryption: SSE-S3 only for a load balancer's log bucket that a load balancer logs to
    encrypted_bucket(g, "alb-logs-primary", "AES256", "alb-access-logs")
    encrypted_bucket(g, "bad-alb-logs-bucket-nobody-logs-to", "AES256", "alb-access-logs", role="secondary")
    encrypted_bucket(g, "bad-data-bucket-sse-s3", "AES256", "media")
    encrypted_bucket(g, "good-data-bucket-kms", "aws:kms", "media")
    return g.build()


graph = graph_fixture(build_graph)
result = result_fixture(only(MINE))
strict_result = result_fixture(only(MINE, **{RETENTION: {"minRetentionDays": 400, "allowNeverExpire": False}}))


@pytest.mark.parametrize("bad", ["bad-alb-no-logs", "bad-alb-logs-disabled", "bad-nlb-no-bucket",
                                 "bad-alb-alias-no-logs", "bad-classic-no-logs"])
def test_load_balancers_without_access_logs_are_reported(result, bad):
    check(result, ALB_LOGS, bad, ["good-alb-logging", "good-gateway-lb", "good-classic-logging"])


def test_the_access_log_finding_says_where_elb_can_deliver(result):
    assert message_for(result, ALB_LOGS, "S3-managed keys (SSE-S3)")


@pytest.mark.parametrize("bad", ["bad-vpc-no-flow-log", "bad-flow-log-rejects-only", "bad-flow-log-no-destination"])
def test_vpcs_without_a_complete_flow_log_are_reported(result, bad):
    check(result, FLOW_LOGS, bad, ["good-vpc", "good-flow-log", "partial-vpc"])


@pytest.mark.parametrize("bad", ["bad-web-acl-unlogged", "bad-web-acl-logging-nowhere", "bad-classic-web-acl"])
def test_web_acls_that_log_nothing_are_reported(result, bad):
    check(result, WAF_LOGS, bad, "good-web-acl")


@pytest.mark.parametrize("bad", ["bad-task-sidecar-unlogged", "bad-task-driver-none"])
def test_containers_without_a_log_driver_are_reported(result, bad):
    check(result, CONTAINER_LOGS, bad, "good-task-logging")
    assert message_for(result, CONTAINER_LOGS, "Container sidecar")


def test_log_groups_kept_less_than_a_year_are_reported(result, strict_result):
    check(result, RETENTION, "bad-log-group-month", ["good-log-group-year", "good-log-group-forever"])
    # Settings: a longer minimum and no never-expiring groups.
    check(strict_result, RETENTION, ["good-log-group-year", "good-log-group-forever", "bad-log-group-month"], [])


@pytest.mark.parametrize("bad", ["bad-aurora-secondary-member", "bad-aurora-mysql-partial", "bad-mysql-instance"])
def test_databases_that_do_not_export_their_logs_are_reported(result, bad):
    check(result, DATABASE_LOGS, bad, ["good-aurora-primary", "good-aurora-instance"])


def test_only_a_load_balancers_log_bucket_may_use_s3_managed_keys(result):
    check(result, KMS, ["bad-alb-logs-bucket-nobody-logs-to", "bad-data-bucket-sse-s3"],
          ["alb-logs-primary", "good-data-bucket-kms"])


def test_nothing_else_is_reported(result):
    for policy in MINE:
        assert all(name.startswith("bad-") for name in violated(result, policy)), (policy, violated(result, policy))
