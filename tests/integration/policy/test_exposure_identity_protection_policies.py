"""Exposure, identity and data-protection policies (drguard.exposure, .network, .identity, .data_protection), run
through the real pack (plugin process, gRPC) over one hand-built two-region graph.

Other areas' policies are disabled in these runs so a finding, or a crash, of theirs cannot decide these tests.
"""
import json

import pytest

from tests.support.gate import check, graph_fixture, message_for, only, result_fixture, violated
from tests.support.graphs import BASE_TAGS, GraphBuilder

PUBLIC = "s3-bucket-public-access-blocked"
SG = "security-group-no-public-ingress"
DELETION = "database-deletion-protection"
IAM = "iam-no-wildcard-admin"
PITR = "dynamodb-point-in-time-recovery"
VERSIONING = "s3-bucket-versioning-enabled"
LOGGING = "s3-bucket-access-logging"
IAM_AUTH = "aurora-iam-authentication"
HTTP = "security-group-no-plain-http-ingress"
MINE = (PUBLIC, SG, DELETION, IAM, PITR, VERSIONING, LOGGING, IAM_AUTH, HTTP)
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


def bucket(g, name, *, pab="all", versioning="Enabled", log_to="log-bucket", purpose=None, role="primary",
           physical=None, **inputs):
    """A bucket and its configuration resources; physical=False leaves the name to autonaming (property deps)."""
    tags = {"Purpose": purpose} if purpose else {}
    bucket_name = name if physical is None else physical
    urn = g.add("aws:s3/bucket:Bucket", name, {**({"bucket": bucket_name} if bucket_name else {}), "tags": tags,
                                              **inputs}, role=role)
    ref = bucket_name or f"{name}-20260101abcdef"

    def config(type_token, suffix, extra):
        child = g.add(type_token, f"{name}-{suffix}", {"bucket": ref, **extra}, role=role)
        if not bucket_name:
            g.depends(child, "bucket", urn)
        return child

    if pab:
        flags = {f: True for f in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")}
        if pab != "all":
            flags[pab] = False
        config("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "pab", flags)
    if versioning:
        config("aws:s3/bucketVersioning:BucketVersioning", "versioning",
               {"versioningConfiguration": {"status": versioning}})
    if log_to:
        config("aws:s3/bucketLogging:BucketLogging", "logging", {"targetBucket": log_to, "targetPrefix": f"{name}/"})
    return urn


def document(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action, resource):
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def build_graph():
    g = GraphBuilder()  # primary us-east-1, secondary us-west-2
    # -- buckets (s3-bucket-public-access-blocked, s3-bucket-versioning-enabled, s3-bucket-access-logging)
    bucket(g, "log-bucket", log_to=None, purpose="access-logs")
    bucket(g, "good-bucket", purpose="media")
    bucket(g, "good-autonamed-bucket", physical=False)
    bucket(g, "bad-bucket-no-pab", pab=None)
    bucket(g, "partial-bucket", pab="restrictPublicBuckets")  # its PAB resource is the bad one
    bucket(g, "bad-bucket-inline-acl", acl="public-read-write")
    g.add("aws:s3/bucketAclV2:BucketAclV2", "bad-acl-public-read", {"bucket": "good-bucket", "acl": "public-read"})
    g.add("aws:s3/bucketAcl:BucketAcl", "bad-acl-all-users-grant", {"bucket": "good-bucket", "accessControlPolicy": {
        "owner": {"id": "owner"}, "grants": [{"permission": "READ", "grantee": {
            "type": "Group", "uri": "http://acs.amazonaws.com/groups/global/AllUsers"}}]}})
    g.add("aws:s3/bucketAcl:BucketAcl", "good-acl-private", {"bucket": "good-bucket", "acl": "private"})
    bucket(g, "bad-bucket-no-versioning", versioning=None)
    bucket(g, "suspended-bucket", versioning="Suspended")  # its versioning resource is the bad one
    g.add("aws:s3/bucket:Bucket", "good-inline-versioning-bucket", {
        "bucket": "inline-bucket", "versioning": {"enabled": True}, "logging": {"targetBucket": "log-bucket"}})
    g.add("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "inline-bucket-pab", {
        "bucket": "inline-bucket", "blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True,
        "restrictPublicBuckets": True})
    bucket(g, "bad-bucket-no-logging", log_to=None)
    bucket(g, "bad-bucket-self-logging", log_to="bad-bucket-self-logging")
    # Purpose from the provider's default tags, and a resource tag overriding it
    g.provider("logs", "us-east-1", tags={**BASE_TAGS, "DRRole": "primary", "Purpose": "access-logs"})
    bucket(g, "good-provider-tagged-log-bucket", log_to=None, role="logs")
    bucket(g, "bad-purpose-overridden-bucket", log_to=None, role="logs", purpose="exports")

    # -- security-group-no-public-ingress
    g.add("aws:ec2/securityGroup:SecurityGroup", "good-sg-https", {"vpcId": "vpc-1", "ingress": [
        {"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["0.0.0.0/0"], "ipv6CidrBlocks": ["::/0"]},
        {"protocol": "tcp", "fromPort": 5432, "toPort": 5432, "cidrBlocks": ["10.0.0.0/16"]}]})
    g.add("aws:ec2/securityGroup:SecurityGroup", "bad-sg-ssh", {"vpcId": "vpc-1", "ingress": [
        {"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrBlocks": ["0.0.0.0/0"]}]})
    g.add("aws:ec2/securityGroup:SecurityGroup", "bad-sg-range", {"vpcId": "vpc-1", "ingress": [
        {"protocol": "tcp", "fromPort": 443, "toPort": 8443, "cidrBlocks": ["0.0.0.0/0"]}]})
    g.add("aws:ec2/securityGroup:SecurityGroup", "bad-sg-all-ipv6", {"vpcId": "vpc-1", "ingress": [
        {"protocol": "-1", "fromPort": 0, "toPort": 0, "ipv6CidrBlocks": ["::/0"]}]})
    g.add("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "bad-default-sg", {"vpcId": "vpc-1", "ingress": [
        {"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}]})
    g.add("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "good-default-sg",
          {"vpcId": "vpc-2", "ingress": [], "egress": []})
    rule = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
    g.add(rule, "good-ingress-rule-https", {"securityGroupId": "sg-1", "ipProtocol": "tcp", "fromPort": 443,
                                            "toPort": 443, "cidrIpv4": "0.0.0.0/0"})
    g.add(rule, "good-ingress-rule-vpc", {"securityGroupId": "sg-1", "ipProtocol": "tcp", "fromPort": 80,
                                          "toPort": 80, "cidrIpv4": "10.0.0.0/16"})
    g.add(rule, "good-ingress-rule-from-sg", {"securityGroupId": "sg-1", "ipProtocol": "-1",
                                              "referencedSecurityGroupId": "sg-2"})
    g.add(rule, "bad-ingress-rule-all", {"securityGroupId": "sg-1", "ipProtocol": "-1", "cidrIpv4": "0.0.0.0/0"})
    g.add(rule, "bad-ingress-rule-http", {"securityGroupId": "sg-1", "ipProtocol": "tcp", "fromPort": 80,
                                          "toPort": 80, "cidrIpv6": "::/0"})
    g.add(rule, "good-ingress-rule-app-port", {"securityGroupId": "sg-1", "ipProtocol": "tcp", "fromPort": 8080,
                                               "toPort": 8080, "referencedSecurityGroupId": "sg-2"})
    g.add(rule, "good-ingress-rule-udp-80", {"securityGroupId": "sg-1", "ipProtocol": "udp", "fromPort": 80,
                                             "toPort": 80, "cidrIpv4": "10.0.0.0/16"})
    g.add("aws:ec2/securityGroup:SecurityGroup", "bad-sg-low-ports-from-vpc", {"vpcId": "vpc-1", "ingress": [
        {"protocol": "tcp", "fromPort": 0, "toPort": 1023, "cidrBlocks": ["10.0.0.0/16"]}]})
    sg_rule = "aws:ec2/securityGroupRule:SecurityGroupRule"
    g.add(sg_rule, "bad-sgrule-http-from-sg", {"type": "ingress", "securityGroupId": "sg-1", "protocol": "6",
                                               "fromPort": 80, "toPort": 80, "sourceSecurityGroupId": "sg-2"})
    g.add(sg_rule, "good-sgrule-egress-http", {"type": "egress", "securityGroupId": "sg-1", "protocol": "tcp",
                                               "fromPort": 80, "toPort": 80, "cidrBlocks": ["10.0.0.0/16"]})
    g.add(sg_rule, "good-sgrule-egress", {"type": "egress", "securityGroupId": "sg-1", "protocol": "-1",
                                          "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]})
    g.add(sg_rule, "bad-sgrule-rdp", {"type": "ingress", "securityGroupId": "sg-1", "protocol": "tcp",
                                      "fromPort": 3389, "toPort": 3389, "cidrBlocks": ["0.0.0.0/0"]})

    # -- database-deletion-protection, aurora-iam-authentication
    g.add("aws:rds/cluster:Cluster", "good-cluster", {
        "clusterIdentifier": "db-primary", "engine": "aurora-postgresql", "masterUsername": "admin",
        "deletionProtection": True, "iamDatabaseAuthenticationEnabled": True})
    g.add("aws:rds/cluster:Cluster", "good-secondary-cluster", {
        "clusterIdentifier": "db-secondary", "engine": "aurora-postgresql", "deletionProtection": True,
        "iamDatabaseAuthenticationEnabled": True}, role="secondary")
    g.add("aws:rds/cluster:Cluster", "bad-cluster-unprotected", {
        "clusterIdentifier": "db-other", "engine": "aurora-postgresql", "deletionProtection": False})
    g.add("aws:rds/cluster:Cluster", "bad-cluster-no-iam-auth", {
        "clusterIdentifier": "db-legacy", "engine": "aurora-postgresql", "masterUsername": "admin",
        "deletionProtection": True, "iamDatabaseAuthenticationEnabled": False})
    g.add("aws:rds/globalCluster:GlobalCluster", "good-global-cluster", {
        "globalClusterIdentifier": "global", "engine": "aurora-postgresql", "deletionProtection": True})
    g.add("aws:rds/globalCluster:GlobalCluster", "bad-global-cluster", {
        "globalClusterIdentifier": "global-2", "engine": "aurora-postgresql"})
    g.add("aws:rds/instance:Instance", "good-instance", {"instanceClass": "db.t4g.micro", "deletionProtection": True})
    g.add("aws:rds/instance:Instance", "bad-instance", {"instanceClass": "db.t4g.micro"})

    # -- database-deletion-protection, dynamodb-point-in-time-recovery
    def table(name, protected=True, pitr=True, replica_protected=True, replica_pitr=True):
        g.add("aws:dynamodb/table:Table", name, {
            "name": name, "hashKey": "pk", "deletionProtectionEnabled": protected,
            "pointInTimeRecovery": {"enabled": pitr},
            "replicas": [{"regionName": "us-west-2", "deletionProtectionEnabled": replica_protected,
                          "pointInTimeRecovery": replica_pitr}]})

    table("good-table")
    table("bad-table-unprotected", protected=False)
    table("bad-table-replica-unprotected", replica_protected=False)
    table("bad-table-no-pitr", pitr=False)
    table("bad-table-replica-no-pitr", replica_pitr=False)

    # -- iam-no-wildcard-admin
    narrow = document(allow(["s3:GetObject"], "arn:aws:s3:::good-bucket/*"))
    g.add("aws:iam/policy:Policy", "good-policy", {"policy": json.dumps(narrow)})
    g.add("aws:iam/policy:Policy", "good-deny-everything", {"policy": json.dumps(document(
        {"Effect": "Deny", "Action": "*", "Resource": "*"}))})
    g.add("aws:iam/policy:Policy", "good-star-on-one-resource", {"policy": json.dumps(document(
        allow("*", "arn:aws:s3:::good-bucket")))})
    g.add("aws:iam/policy:Policy", "bad-policy-star", {"policy": json.dumps(document(allow("*", "*")))})
    g.add("aws:iam/rolePolicy:RolePolicy", "bad-role-policy-star-star", {"role": "app", "policy": json.dumps(
        document(allow(["s3:GetObject"], "*"), allow(["*:*"], ["*"])))})
    g.add("aws:iam/userPolicy:UserPolicy", "bad-user-policy-object-form", {"user": "ops", "policy": document(
        allow(["*"], "*"))})
    g.add("aws:iam/groupPolicy:GroupPolicy", "good-group-policy-object-form", {"group": "ops", "policy": narrow})
    g.add("aws:iam/role:Role", "good-role", {
        "assumeRolePolicy": json.dumps(document({"Effect": "Allow", "Action": "sts:AssumeRole",
                                                 "Principal": {"Service": "ecs-tasks.amazonaws.com"}})),
        "inlinePolicies": [{"name": "read", "policy": json.dumps(narrow)}],
        "managedPolicyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]})
    g.add("aws:iam/role:Role", "bad-role-inline-admin", {
        "inlinePolicies": [{"name": "read", "policy": json.dumps(narrow)},
                           {"name": "everything", "policy": json.dumps(document(allow("*", "*")))}]})
    g.add("aws:iam/role:Role", "bad-role-managed-admin", {"managedPolicyArns": [ADMIN]})
    g.add("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "good-attachment",
          {"role": "app", "policyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"})
    g.add("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "bad-role-admin-attachment",
          {"role": "app", "policyArn": ADMIN})
    g.add("aws:iam/userPolicyAttachment:UserPolicyAttachment", "bad-user-admin-attachment",
          {"user": "ops", "policyArn": ADMIN})
    g.add("aws:iam/policyAttachment:PolicyAttachment", "bad-policy-admin-attachment",
          {"name": "admins", "roles": ["app"], "policyArn": ADMIN})
    return g.build()


graph = graph_fixture(build_graph)
result = result_fixture(only(MINE))
port80_result = result_fixture(only(MINE, **{SG: {"publicIngressPorts": [80]}}))


# -- s3-bucket-public-access-blocked --

@pytest.mark.parametrize("bad", ["bad-bucket-no-pab", "partial-bucket-pab", "bad-bucket-inline-acl",
                                 "bad-acl-public-read", "bad-acl-all-users-grant"])
def test_public_access(result, bad):
    check(result, PUBLIC, bad, "good-bucket")


def test_public_access_good_resources(result):
    assert not {"good-bucket", "good-autonamed-bucket", "partial-bucket", "good-acl-private", "log-bucket",
                "good-inline-versioning-bucket"} & violated(result, PUBLIC)


def test_public_access_message_names_the_flag(result):
    [message] = message_for(result, PUBLIC, "partial-bucket-pab")
    assert "restrictPublicBuckets: true" in message and "blockPublicAcls" not in message


# -- s3-bucket-versioning-enabled --

@pytest.mark.parametrize("bad", ["bad-bucket-no-versioning", "suspended-bucket-versioning"])
def test_versioning(result, bad):
    check(result, VERSIONING, bad, "good-bucket")


def test_versioning_good_resources(result):
    assert not {"good-autonamed-bucket", "good-inline-versioning-bucket", "suspended-bucket"} & violated(
        result, VERSIONING)


# -- s3-bucket-access-logging --

@pytest.mark.parametrize("bad", ["bad-bucket-no-logging", "bad-bucket-self-logging", "bad-purpose-overridden-bucket"])
def test_access_logging(result, bad):
    check(result, LOGGING, bad, "good-bucket")


def test_access_logging_exempts_access_log_buckets_and_accepts_inline(result):
    assert not {"log-bucket", "good-provider-tagged-log-bucket", "good-autonamed-bucket",
                "good-inline-versioning-bucket"} & violated(result, LOGGING)


# -- security-group-no-public-ingress --

@pytest.mark.parametrize("bad", ["bad-sg-ssh", "bad-sg-range", "bad-sg-all-ipv6", "bad-default-sg",
                                 "bad-ingress-rule-all", "bad-ingress-rule-http", "bad-sgrule-rdp"])
def test_public_ingress(result, bad):
    check(result, SG, bad, "good-sg-https")


def test_public_ingress_good_resources(result):
    assert not {"good-sg-https", "good-default-sg", "good-ingress-rule-https", "good-ingress-rule-vpc",
                "good-ingress-rule-from-sg", "good-sgrule-egress"} & violated(result, SG)


# -- security-group-no-plain-http-ingress --

@pytest.mark.parametrize("bad", ["bad-ingress-rule-http", "good-ingress-rule-vpc", "good-ingress-rule-from-sg",
                                 "bad-sg-all-ipv6", "bad-default-sg", "bad-ingress-rule-all",
                                 "bad-sg-low-ports-from-vpc", "bad-sgrule-http-from-sg"])
def test_plain_http_ingress_from_any_source(result, bad):
    check(result, HTTP, bad, "good-sg-https")


def test_plain_http_ingress_good_resources(result):
    assert not {"good-sg-https", "good-ingress-rule-https", "good-ingress-rule-app-port", "good-ingress-rule-udp-80",
                "bad-sg-range", "good-sgrule-egress", "good-sgrule-egress-http", "good-default-sg"} & violated(
        result, HTTP)


def test_plain_http_message_names_the_range(result):
    [message] = message_for(result, HTTP, "bad-sg-low-ports-from-vpc")
    assert "ingress[0] admits tcp ports 0-1023" in message


def test_public_ingress_ports_setting_changes_the_verdict(port80_result):
    found = violated(port80_result, SG)
    assert "bad-ingress-rule-http" not in found  # port 80 is now allowed
    assert {"good-ingress-rule-https", "good-sg-https"} <= found  # and 443 no longer is


# -- database-deletion-protection --

@pytest.mark.parametrize("bad", ["bad-cluster-unprotected", "bad-global-cluster", "bad-instance",
                                 "bad-table-unprotected", "bad-table-replica-unprotected"])
def test_deletion_protection(result, bad):
    check(result, DELETION, bad, "good-cluster")


def test_deletion_protection_good_resources(result):
    assert not {"good-cluster", "good-secondary-cluster", "good-global-cluster", "good-instance",
                "good-table"} & violated(result, DELETION)


# -- iam-no-wildcard-admin --

@pytest.mark.parametrize("bad", ["bad-policy-star", "bad-role-policy-star-star", "bad-user-policy-object-form",
                                 "bad-role-inline-admin", "bad-role-managed-admin", "bad-role-admin-attachment",
                                 "bad-user-admin-attachment", "bad-policy-admin-attachment"])
def test_wildcard_admin(result, bad):
    check(result, IAM, bad, "good-policy")


def test_wildcard_admin_good_resources(result):
    assert not {"good-policy", "good-deny-everything", "good-star-on-one-resource", "good-group-policy-object-form",
                "good-role", "good-attachment"} & violated(result, IAM)


# -- dynamodb-point-in-time-recovery --

@pytest.mark.parametrize("bad", ["bad-table-no-pitr", "bad-table-replica-no-pitr"])
def test_pitr(result, bad):
    check(result, PITR, bad, "good-table")


# -- aurora-iam-authentication --

def test_iam_auth(result):
    check(result, IAM_AUTH, "bad-cluster-no-iam-auth", "good-cluster")


def test_iam_auth_checks_clusters_without_master_username(result):
    # secondary members too (test_generalised_policies.py has the failing shapes)
    check(result, IAM_AUTH, "bad-cluster-unprotected", "good-secondary-cluster")
