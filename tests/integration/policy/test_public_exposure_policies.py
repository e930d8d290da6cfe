"""Public-exposure policies (drguard.public_exposure, .public_network, .principals), run through the real pack
(plugin process, gRPC) over one hand-built two-region graph.

Other areas' policies are disabled in these runs so a finding, or a crash, of theirs cannot decide these tests.
"""
import json

import pytest

from tests.support.gate import (assert_published_metadata, check, graph_fixture, message_for, only, result_fixture,
                                violated)
from tests.support.graphs import ACCOUNT, GraphBuilder

BUCKET_POLICY = "s3-bucket-policy-no-public-principal"
LAMBDA = "lambda-permission-restricted-source"
RDS = "rds-instance-not-public"
DEFAULT_SG = "vpc-default-security-group-closed"
SUBNET = "subnet-no-public-ip-on-launch"
WAF = "alb-waf-web-acl"
MINE = (BUCKET_POLICY, LAMBDA, RDS, DEFAULT_SG, SUBNET, WAF)
KMS = "kms-key-policy-no-public-wildcard"

TLS_DENY = {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}


def read_for(principal, condition=None, effect="Allow", key="Principal"):
    statement = {"Sid": "Read", "Effect": effect, key: principal, "Action": "s3:GetObject",
                 "Resource": "arn:aws:s3:::b/*"}
    if condition is not None:
        statement["Condition"] = condition
    return statement


def document(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": [TLS_DENY, *statements]})


BUCKET_POLICY_CASES = {
    # failing shapes: every way of writing "anyone", and conditions that do not confine it
    "bad-star-string": read_for("*"),
    "bad-star-list": read_for(["*"]),
    "bad-aws-star": read_for({"AWS": "*"}),
    "bad-aws-star-list": read_for({"AWS": [f"arn:aws:iam::{ACCOUNT}:root", "*"]}),
    "bad-wildcard-account": read_for({"AWS": "arn:aws:iam::*:root"}),
    "bad-not-principal": read_for({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, key="NotPrincipal"),
    "bad-secure-transport-only": read_for("*", {"Bool": {"aws:SecureTransport": "true"}}),
    "bad-string-like-star": read_for("*", {"StringLike": {"aws:PrincipalOrgID": "*"}}),
    "bad-null-condition": read_for("*", {"Null": {"aws:PrincipalOrgID": "false"}}),
    "bad-if-exists": read_for("*", {"StringEqualsIfExists": {"aws:SourceAccount": ACCOUNT}}),
    "bad-for-all-values": read_for("*", {"ForAllValues:StringEquals": {"aws:PrincipalOrgID": ["o-abc123"]}}),
    "bad-not-equals": read_for("*", {"StringNotEquals": {"aws:PrincipalAccount": ACCOUNT}}),
    "bad-unlisted-key": read_for("*", {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}),
    # passing shapes
    "good-named-account": read_for({"AWS": f"arn:aws:iam::{ACCOUNT}:role/app"}),
    "good-service": read_for({"Service": "cloudtrail.amazonaws.com"},
                             {"StringEquals": {"aws:SourceArn": f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/t"}}),
    "good-org-condition": read_for("*", {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}),
    "good-account-condition": read_for({"AWS": "*"}, {"StringEquals": {"aws:PrincipalAccount": [ACCOUNT]}}),
    "good-vpce-condition": read_for("*", {"StringEquals": {"aws:SourceVpce": "vpce-0abc"}}),
    "good-arn-like-pinned-account": read_for("*", {"ArnLike": {"aws:SourceArn": f"arn:aws:events:*:{ACCOUNT}:rule/*"}}),
    "good-deny-everyone": read_for("*", effect="Deny"),
}


def build_graph():
    g = GraphBuilder()  # primary us-east-1, secondary us-west-2

    # -- s3-bucket-policy-no-public-principal: standalone policies, inline bucket policies, access point policies
    for name, statement in BUCKET_POLICY_CASES.items():
        g.add("aws:s3/bucketPolicy:BucketPolicy", name, {"bucket": "b", "policy": document(statement)})
    g.add("aws:s3/bucketPolicy:BucketPolicy", "bad-object-form-secondary",
          {"bucket": "b", "policy": {"Statement": [read_for({"AWS": ["*"]})]}}, role="secondary")
    g.add("aws:s3/bucket:Bucket", "bad-inline-bucket-policy", {"bucket": "inline", "policy": document(read_for("*"))})
    g.add("aws:s3/bucketV2:BucketV2", "good-inline-bucket-v2-policy",
          {"bucket": "inline-v2", "policy": document(read_for({"AWS": ACCOUNT}))})
    g.add("aws:s3control/accessPointPolicy:AccessPointPolicy", "bad-access-point-policy",
          {"accessPointArn": "arn:aws:s3:us-east-1:111122223333:accesspoint/ap", "policy": document(read_for("*"))})

    # -- lambda-permission-restricted-source
    permission = "aws:lambda/permission:Permission"

    def invoke(name, principal, **extra):
        g.add(permission, name, {"function": "fn", "action": "lambda:InvokeFunction", "principal": principal,
                                 **extra})

    invoke("bad-permission-star", "*")
    invoke("bad-permission-star-wildcard-arn", "*", sourceArn="arn:aws:sns:*:*:topic")
    invoke("bad-permission-sns-no-source", "sns.amazonaws.com")
    invoke("bad-permission-events-source-account-only", "events.amazonaws.com", sourceAccount=ACCOUNT)
    invoke("bad-permission-s3-no-account", "s3.amazonaws.com", sourceArn="arn:aws:s3:::uploads")
    invoke("bad-permission-url-public", "*", action="lambda:InvokeFunctionUrl", functionUrlAuthType="NONE")
    invoke("good-permission-sns", "sns.amazonaws.com", sourceArn=f"arn:aws:sns:us-east-1:{ACCOUNT}:alerts")
    invoke("good-permission-events-secondary", "events.amazonaws.com",
           sourceArn=f"arn:aws:events:us-west-2:{ACCOUNT}:rule/detect")
    invoke("good-permission-s3-with-account", "s3.amazonaws.com", sourceArn="arn:aws:s3:::uploads",
           sourceAccount=ACCOUNT)
    invoke("good-permission-api-wildcard-path", "apigateway.amazonaws.com",
           sourceArn=f"arn:aws:execute-api:us-east-1:{ACCOUNT}:abc123/*/*/*")
    invoke("good-permission-star-org", "*", principalOrgId="o-abc123")
    invoke("good-permission-star-account", "*", sourceAccount=ACCOUNT)
    invoke("good-permission-other-account", "444455556666")
    g.add("aws:lambda/functionUrl:FunctionUrl", "bad-function-url-none", {"functionName": "fn",
                                                                           "authorizationType": "NONE"})
    g.add("aws:lambda/functionUrl:FunctionUrl", "good-function-url-iam", {"functionName": "fn",
                                                                           "authorizationType": "AWS_IAM"})
    layer = "aws:lambda/layerVersionPermission:LayerVersionPermission"
    g.add(layer, "bad-layer-everyone", {"layerName": "l", "versionNumber": 1, "statementId": "s",
                                        "action": "lambda:GetLayerVersion", "principal": "*"})
    g.add(layer, "good-layer-org", {"layerName": "l", "versionNumber": 1, "statementId": "s",
                                    "action": "lambda:GetLayerVersion", "principal": "*",
                                    "organizationId": "o-abc123"})

    # -- rds-instance-not-public (primary and secondary members alike)
    g.add("aws:rds/instance:Instance", "bad-instance-public", {"instanceClass": "db.t4g.micro",
                                                               "publiclyAccessible": True})
    g.add("aws:rds/instance:Instance", "bad-instance-unset", {"instanceClass": "db.t4g.micro"})
    g.add("aws:rds/instance:Instance", "good-instance", {"instanceClass": "db.t4g.micro", "publiclyAccessible": False})
    g.add("aws:rds/clusterInstance:ClusterInstance", "good-cluster-instance",
          {"clusterIdentifier": "db", "instanceClass": "db.r6g.large", "publiclyAccessible": False})
    g.add("aws:rds/clusterInstance:ClusterInstance", "bad-secondary-cluster-instance-public",
          {"clusterIdentifier": "db-2", "instanceClass": "db.r6g.large", "publiclyAccessible": True}, role="secondary")
    g.add("aws:rds/clusterInstance:ClusterInstance", "bad-cluster-instance-default-subnet-group",
          {"clusterIdentifier": "db", "instanceClass": "db.r6g.large", "dbSubnetGroupName": "default"})
    g.add("aws:rds/clusterInstance:ClusterInstance", "bad-cluster-instance-unset-in-own-subnet-group",
          {"clusterIdentifier": "db", "instanceClass": "db.r6g.large", "dbSubnetGroupName": "isolated"})
    g.add("aws:rds/cluster:Cluster", "good-aurora-cluster-without-the-setting", {"engine": "aurora-postgresql"})
    g.add("aws:rds/cluster:Cluster", "bad-multi-az-cluster-public",
          {"engine": "postgres", "dbClusterInstanceClass": "db.m6gd.large", "publiclyAccessible": True})

    # -- vpc-default-security-group-closed
    vpc_closed = g.add("aws:ec2/vpc:Vpc", "good-vpc-closed", {"cidrBlock": "10.0.0.0/16"})
    closed = g.add("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "good-default-sg-closed",
                   {"vpcId": "vpc-1", "ingress": [], "egress": []})
    g.depends(closed, "vpcId", vpc_closed)
    vpc_secondary = g.add("aws:ec2/vpc:Vpc", "good-vpc-secondary", {"cidrBlock": "10.1.0.0/16"}, role="secondary")
    unset = g.add("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "good-default-sg-rules-unset",
                  {"vpcId": "vpc-2"}, role="secondary")
    g.depends(unset, "vpcId", vpc_secondary)
    g.add("aws:ec2/vpc:Vpc", "bad-vpc-unmanaged-default-sg", {"cidrBlock": "10.2.0.0/16"})
    g.add("aws:ec2/defaultVpc:DefaultVpc", "bad-default-vpc-unmanaged-default-sg", {})
    vpc_open = g.add("aws:ec2/vpc:Vpc", "good-vpc-with-open-default-sg", {"cidrBlock": "10.3.0.0/16"})
    egress = g.add("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "bad-default-sg-egress", {
        "vpcId": "vpc-3", "egress": [{"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}]})
    g.depends(egress, "vpcId", vpc_open)
    g.add("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "bad-default-sg-self-ingress", {
        "vpcId": "vpc-4", "ingress": [{"protocol": "-1", "fromPort": 0, "toPort": 0, "self": True}]})
    rule_on_default = g.add("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "bad-rule-on-default-sg",
                            {"securityGroupId": "sg-default", "ipProtocol": "tcp", "fromPort": 443, "toPort": 443,
                             "cidrIpv4": "10.0.0.0/16"})
    g.depends(rule_on_default, "securityGroupId", closed)
    rule_on_vpc_default = g.add("aws:ec2/securityGroupRule:SecurityGroupRule", "bad-rule-on-vpc-default-sg-id",
                                {"type": "egress", "securityGroupId": "sg-default-2", "protocol": "-1",
                                 "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]})
    g.depends(rule_on_vpc_default, "securityGroupId", vpc_closed)  # vpc.defaultSecurityGroupId
    app_sg = g.add("aws:ec2/securityGroup:SecurityGroup", "good-app-sg", {"vpcId": "vpc-1"})
    rule_on_app = g.add("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "good-rule-on-app-sg",
                        {"securityGroupId": "sg-app", "ipProtocol": "tcp", "fromPort": 443, "toPort": 443,
                         "cidrIpv4": "0.0.0.0/0"})
    g.depends(rule_on_app, "securityGroupId", app_sg)
    g.add("aws:ec2/securityGroup:SecurityGroup", "bad-group-named-default", {"name": "default", "ingress": [
        {"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrBlocks": ["10.0.0.0/8"]}]})

    # -- subnet-no-public-ip-on-launch
    igw = g.add("aws:ec2/internetGateway:InternetGateway", "igw", {"vpcId": "vpc-1"})
    public_rt = g.add("aws:ec2/routeTable:RouteTable", "rt-public", {"vpcId": "vpc-1"})
    route = g.add("aws:ec2/route:Route", "route-public", {"routeTableId": "rtb-public", "gatewayId": "igw-1",
                                                          "destinationCidrBlock": "0.0.0.0/0"})
    g.depends(route, "routeTableId", public_rt)
    g.depends(route, "gatewayId", igw)
    nat = g.add("aws:ec2/natGateway:NatGateway", "nat", {"subnetId": "subnet-public"})
    private_rt = g.add("aws:ec2/routeTable:RouteTable", "rt-private", {"vpcId": "vpc-1", "routes": [
        {"cidrBlock": "0.0.0.0/0", "natGatewayId": "nat-1"}]})
    g.depends(private_rt, "routes", nat)
    inline_rt = g.add("aws:ec2/routeTable:RouteTable", "rt-inline-public", {"vpcId": "vpc-1", "routes": [
        {"cidrBlock": "0.0.0.0/0", "gatewayId": "igw-literal"}, {"ipv6CidrBlock": "::/0", "gatewayId": "igw-literal"}]})
    egress_only = g.add("aws:ec2/routeTable:RouteTable", "rt-egress-only-ipv6", {"vpcId": "vpc-1", "routes": [
        {"ipv6CidrBlock": "::/0", "egressOnlyGatewayId": "eigw-1"}]})

    def subnet(name, table=None, role="primary", vpc=vpc_closed, **inputs):
        urn = g.add("aws:ec2/subnet:Subnet", name, {"vpcId": "vpc-1", "cidrBlock": "10.0.0.0/24", **inputs},
                    role=role)
        g.depends(urn, "vpcId", vpc)
        if table:
            association = g.add("aws:ec2/routeTableAssociation:RouteTableAssociation", f"{name}-rta",
                                {"subnetId": f"{name}-id", "routeTableId": f"{name}-table"}, role=role)
            g.depends(association, "subnetId", urn)
            g.depends(association, "routeTableId", table)
        return urn

    # Public-tier subnets map addresses only where publicTierMayAssign allows it (tier_result); by default they fail.
    subnet("tier-public-subnet-maps-ip", public_rt, mapPublicIpOnLaunch=True, tags={"Tier": "public"})
    subnet("tier-inline-public-subnet-ipv6", inline_rt, assignIpv6AddressOnCreation=True, mapPublicIpOnLaunch=True)
    subnet("good-private-subnet", private_rt, mapPublicIpOnLaunch=False)
    subnet("good-public-subnet-no-mapping", public_rt, tags={"Tier": "public"})
    g.add("aws:ec2/defaultSubnet:DefaultSubnet", "bad-default-subnet-left-unset", {"availabilityZone": "us-east-1a"})
    g.add("aws:ec2/defaultSubnet:DefaultSubnet", "good-default-subnet-turned-off",
          {"availabilityZone": "us-east-1b", "mapPublicIpOnLaunch": False})
    subnet("bad-private-subnet-maps-ip", private_rt, mapPublicIpOnLaunch=True)
    subnet("bad-tagged-public-without-igw-route", private_rt, mapPublicIpOnLaunch=True, tags={"Tier": "public"})
    subnet("bad-subnet-without-route-table", mapPublicIpOnLaunch=True)
    subnet("bad-egress-only-subnet-ipv6", egress_only, assignIpv6AddressOnCreation=True)
    subnet("bad-public-v4-subnet-ipv6", public_rt, assignIpv6AddressOnCreation=True)
    # The main route table: a VPC whose main table routes to the internet makes unassociated subnets public.
    vpc_main = g.add("aws:ec2/vpc:Vpc", "vpc-main-public", {"cidrBlock": "10.9.0.0/16"})
    main_rt = g.add("aws:ec2/defaultRouteTable:DefaultRouteTable", "rt-main", {
        "defaultRouteTableId": "rtb-main", "routes": [{"cidrBlock": "0.0.0.0/0", "gatewayId": "igw-9"}]})
    g.depends(main_rt, "defaultRouteTableId", vpc_main)
    subnet("tier-subnet-on-public-main-table", vpc=vpc_main, mapPublicIpOnLaunch=True)

    # -- alb-waf-web-acl
    lb = "aws:lb/loadBalancer:LoadBalancer"
    protected = g.add(lb, "good-alb-with-waf", {"name": "shop", "loadBalancerType": "application", "internal": False})
    association = g.add("aws:wafv2/webAclAssociation:WebAclAssociation", "waf-association",
                        {"resourceArn": "arn-of-shop", "webAclArn": "arn:aws:wafv2:us-east-1:1:regional/webacl/x"})
    g.depends(association, "resourceArn", protected)
    g.add(lb, "good-alb-waf-by-arn-secondary", {"name": "shop-west"}, role="secondary")
    g.add("aws:wafv2/webAclAssociation:WebAclAssociation", "waf-association-literal", {
        "resourceArn": f"arn:aws:elasticloadbalancing:us-west-2:{ACCOUNT}:loadbalancer/app/shop-west/50dc6c495c0c9188",
        "webAclArn": "arn:aws:wafv2:us-west-2:1:regional/webacl/y"}, role="secondary")
    g.add(lb, "bad-alb-no-waf", {"name": "naked", "loadBalancerType": "application", "internal": False})
    g.add(lb, "bad-alb-default-type-no-waf", {"name": "naked-2"})
    g.add("aws:alb/loadBalancer:LoadBalancer", "bad-alb-alias-type-no-waf", {"name": "naked-3"})
    g.add(lb, "bad-internal-alb-no-waf", {"name": "inside", "loadBalancerType": "application", "internal": True})
    g.add(lb, "good-network-lb", {"name": "nlb", "loadBalancerType": "network"})

    # -- kms-key-policy-no-public-wildcard shares principals.py: a list principal and a ForAllValues condition
    g.add("aws:kms/key:Key", "bad-key-for-all-values", {"policy": json.dumps({"Statement": [
        {"Effect": "Allow", "Principal": {"AWS": ["*"]}, "Action": "kms:Decrypt", "Resource": "*",
         "Condition": {"ForAllValues:StringEquals": {"aws:PrincipalOrgID": ["o-abc123"]}}}]})})
    g.add("aws:kms/key:Key", "good-key-org", {"policy": json.dumps({"Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*",
         "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}}]})})
    return g.build()


graph = graph_fixture(build_graph)
result = result_fixture(only((*MINE, KMS)))
source_ip_result = result_fixture(only(MINE, **{BUCKET_POLICY: {"restrictingConditionKeys": ["aws:SourceIp"]}}))


def names(prefix):
    return [name for name in BUCKET_POLICY_CASES if name.startswith(prefix)]


def test_published_metadata(result):
    published = assert_published_metadata(result, MINE)
    assert {published[name].framework["reference"] for name in MINE} == {"AC-3", "1.4.4", "5.4", "1.4.1", "SC-7"}


# -- s3-bucket-policy-no-public-principal --

@pytest.mark.parametrize("bad", [*names("bad-"), "bad-object-form-secondary", "bad-inline-bucket-policy",
                                 "bad-access-point-policy"])
def test_bucket_policy_public_principal(result, bad):
    check(result, BUCKET_POLICY, bad, "good-named-account")


def test_bucket_policy_good_resources(result):
    assert not {*names("good-"), "good-inline-bucket-v2-policy"} & violated(result, BUCKET_POLICY)


def test_bucket_policy_message_names_the_statement(result):
    [message] = message_for(result, BUCKET_POLICY, "bad-star-string")
    assert "statement Read (s3:GetObject)" in message and "DenyInsecureTransport" not in message


def test_bucket_policy_restricting_keys_setting(source_ip_result):
    found = violated(source_ip_result, BUCKET_POLICY)
    assert "bad-unlisted-key" not in found  # aws:SourceIp now restricts
    assert "good-org-condition" in found  # and aws:PrincipalOrgID no longer does


# -- lambda-permission-restricted-source --

@pytest.mark.parametrize("bad", ["bad-permission-star", "bad-permission-star-wildcard-arn",
                                 "bad-permission-sns-no-source", "bad-permission-events-source-account-only",
                                 "bad-permission-s3-no-account", "bad-permission-url-public", "bad-function-url-none",
                                 "bad-layer-everyone"])
def test_lambda_permission(result, bad):
    check(result, LAMBDA, bad, "good-permission-sns")


def test_lambda_permission_good_resources(result):
    assert not {"good-permission-sns", "good-permission-events-secondary", "good-permission-s3-with-account",
                "good-permission-api-wildcard-path", "good-permission-star-org", "good-permission-star-account",
                "good-permission-other-account", "good-function-url-iam", "good-layer-org"} & violated(result, LAMBDA)


def test_lambda_permission_s3_message_asks_for_source_account(result):
    [message] = message_for(result, LAMBDA, "bad-permission-s3-no-account")
    assert "add sourceAccount" in message


# -- rds-instance-not-public --

@pytest.mark.parametrize("bad", ["bad-instance-public", "bad-secondary-cluster-instance-public",
                                 "bad-cluster-instance-default-subnet-group", "bad-multi-az-cluster-public",
                                 "bad-instance-unset", "bad-cluster-instance-unset-in-own-subnet-group"])
def test_rds_public(result, bad):
    check(result, RDS, bad, "good-cluster-instance")


def test_rds_public_good_resources(result):
    assert not {"good-instance", "good-cluster-instance", "good-aurora-cluster-without-the-setting"} & violated(
        result, RDS)


# -- vpc-default-security-group-closed --

@pytest.mark.parametrize("bad", ["bad-vpc-unmanaged-default-sg", "bad-default-vpc-unmanaged-default-sg",
                                 "bad-default-sg-egress", "bad-default-sg-self-ingress", "bad-rule-on-default-sg",
                                 "bad-rule-on-vpc-default-sg-id", "bad-group-named-default"])
def test_default_security_group(result, bad):
    check(result, DEFAULT_SG, bad, "good-vpc-closed")


def test_default_security_group_good_resources(result):
    assert not {"good-vpc-closed", "good-default-sg-closed", "good-vpc-secondary", "good-default-sg-rules-unset",
                "good-vpc-with-open-default-sg", "good-app-sg", "good-rule-on-app-sg"} & violated(result, DEFAULT_SG)


# -- subnet-no-public-ip-on-launch --

TIER_SUBNETS = ["tier-public-subnet-maps-ip", "tier-inline-public-subnet-ipv6", "tier-subnet-on-public-main-table"]
TIER_BAD = ["bad-private-subnet-maps-ip", "bad-tagged-public-without-igw-route", "bad-subnet-without-route-table",
            "bad-egress-only-subnet-ipv6", "bad-public-v4-subnet-ipv6"]
tier_result = result_fixture(only([SUBNET], **{SUBNET: {"publicTierMayAssign": True}}))


@pytest.mark.parametrize("bad", [*TIER_BAD, *TIER_SUBNETS, "bad-default-subnet-left-unset"])
def test_no_subnet_assigns_public_addresses_by_default(result, bad):
    check(result, SUBNET, bad, "good-public-subnet-no-mapping")


def test_subnet_public_ip_good_resources(result):
    assert not {"good-private-subnet", "good-public-subnet-no-mapping", "good-default-subnet-turned-off"} & violated(
        result, SUBNET)


@pytest.mark.parametrize("bad", TIER_BAD)
def test_with_public_tier_allowed_only_subnets_routing_to_an_internet_gateway_may_assign(tier_result, bad):
    check(tier_result, SUBNET, bad, "tier-public-subnet-maps-ip")


def test_with_public_tier_allowed_the_public_tier_passes(tier_result):
    assert not set(TIER_SUBNETS) & violated(tier_result, SUBNET)


def test_subnet_message_names_the_setting(result, tier_result):
    [message] = message_for(tier_result, SUBNET, "bad-egress-only-subnet-ipv6")
    assert "assignIpv6AddressOnCreation" in message and "::/0" in message
    [default] = message_for(result, SUBNET, "bad-default-subnet-left-unset")
    assert "mapPublicIpOnLaunch unset (AWS default: true)" in default


# -- alb-waf-web-acl --

@pytest.mark.parametrize("bad", ["bad-alb-no-waf", "bad-alb-default-type-no-waf", "bad-alb-alias-type-no-waf",
                                 "bad-internal-alb-no-waf"])
def test_alb_waf(result, bad):
    check(result, WAF, bad, "good-alb-with-waf")


def test_alb_waf_good_resources(result):
    assert not {"good-alb-with-waf", "good-alb-waf-by-arn-secondary", "good-network-lb"} & violated(result, WAF)


# -- the shared reading of principals, as the KMS key policy check now uses it --

def test_kms_key_policy_shares_the_principal_reading(result):
    check(result, KMS, "bad-key-for-all-values", "good-key-org")
