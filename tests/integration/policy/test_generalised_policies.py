"""Policies written for the intent rather than for the platform's shape, run through the real pack (plugin process,
gRPC) over one hand-built two-region graph: every canned ACL that grants outside the account, IAM authentication on
every Aurora cluster, administrator grants on wildcard resources and through NotAction, S3 Bucket Keys with
SSE-KMS, and the two management-conflict policies (drguard.management_conflicts).

Other areas' policies are disabled in these runs so a finding, or a crash, of theirs cannot decide these tests.
"""
import json

import pytest

from tests.support.gate import check, graph_fixture, message_for, only, result_fixture, violated
from tests.support.graphs import ACCOUNT, GraphBuilder

PUBLIC = "s3-bucket-public-access-blocked"
IAM_AUTH = "aurora-iam-authentication"
ADMIN = "iam-no-wildcard-admin"
KMS = "s3-bucket-kms-encryption"
ROLE_CONFLICT = "iam-role-policy-management-conflict"
SG_CONFLICT = "security-group-rule-management-conflict"
MINE = (PUBLIC, IAM_AUTH, ADMIN, KMS, ROLE_CONFLICT, SG_CONFLICT)

BUCKET = "aws:s3/bucket:Bucket"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
CMK = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/mrk-1111aaaa2222bbbb3333cccc4444dddd"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
HTTPS_OUT = {"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["10.0.0.0/16"]}


def sse_rule(algorithm="aws:kms", key=CMK, bucket_key=True):
    """A default-encryption rule (bucket_key None leaves bucketKeyEnabled out)."""
    default = {"sseAlgorithm": algorithm, **({"kmsMasterKeyId": key} if key else {})}
    return {"applyServerSideEncryptionByDefault": default, **({} if bucket_key is None else
                                                               {"bucketKeyEnabled": bucket_key})}


def bucket(g, name, *, encryption=sse_rule(), purpose="media", **inputs):
    """A bucket with all four Block Public Access flags on and a standalone default-encryption configuration
    (encryption None: none, the bucket's inputs carry it), so each test decides one setting only."""
    urn = g.add(BUCKET, name, {"bucket": name, "tags": {"Purpose": purpose}, **inputs})
    g.add("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", f"{name}-pab", {"bucket": name, **{
        flag: True for flag in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")}})
    if encryption is not None:
        g.add(SSE, f"{name}-sse", {"bucket": name, "rules": [encryption]})
    return urn


def document(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(resource, action="*", **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def not_action(excluded, resource="*", effect="Allow"):
    return {"Effect": effect, "NotAction": excluded, "Resource": resource}


def build_graph():
    g = GraphBuilder()  # primary us-east-1, secondary us-west-2

    # -- s3-bucket-public-access-blocked: authenticated-read lets any AWS account in, like AllUsers grants
    bucket(g, "bad-bucket-authenticated-read", acl="authenticated-read")
    bucket(g, "bad-bucket-public-read-mixed-case", acl="Public-Read")
    bucket(g, "bad-bucket-inline-all-users-grant", grants=[{
        "type": "Group", "uri": "http://acs.amazonaws.com/groups/global/AllUsers", "permissions": ["READ"]}])
    bucket(g, "good-bucket-log-delivery-write", acl="log-delivery-write")
    bucket(g, "good-bucket-private", acl="private")
    g.add("aws:s3/bucketAclV2:BucketAclV2", "bad-aclv2-authenticated-read",
          {"bucket": "good-bucket-private", "acl": "authenticated-read"})
    g.add("aws:s3/bucketAcl:BucketAcl", "bad-acl-authenticated-read",
          {"bucket": "good-bucket-private", "acl": "authenticated-read"})
    g.add("aws:s3/bucketAcl:BucketAcl", "bad-acl-authenticated-users-grant", {
        "bucket": "good-bucket-private", "accessControlPolicy": {"owner": {"id": "owner"}, "grants": [{
            "permission": "READ", "grantee": {
                "type": "Group", "uri": "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"}}]}})
    g.add("aws:s3/bucketAcl:BucketAcl", "good-acl-log-delivery-write",
          {"bucket": "good-bucket-log-delivery-write", "acl": "log-delivery-write"})
    g.add("aws:s3/bucketAcl:BucketAcl", "good-acl-owner-grant", {
        "bucket": "good-bucket-private", "accessControlPolicy": {"owner": {"id": "owner"}, "grants": [{
            "permission": "FULL_CONTROL", "grantee": {"type": "CanonicalUser", "id": "owner"}}]}})

    # -- aurora-iam-authentication: every Aurora cluster, the members of a global database too
    g.add("aws:rds/cluster:Cluster", "bad-aurora-secondary-member", {
        "engine": "aurora-postgresql", "globalClusterIdentifier": "global"}, role="secondary")
    g.add("aws:rds/cluster:Cluster", "bad-aurora-mysql-iam-off", {
        "engine": "aurora-mysql", "iamDatabaseAuthenticationEnabled": False})
    g.add("aws:rds/cluster:Cluster", "bad-aurora-primary", {
        "engine": "aurora-postgresql", "masterUsername": "admin", "globalClusterIdentifier": "global"})
    g.add("aws:rds/cluster:Cluster", "good-aurora-secondary-member", {
        "engine": "aurora-postgresql", "globalClusterIdentifier": "global", "iamDatabaseAuthenticationEnabled": True},
        role="secondary")
    g.add("aws:rds/cluster:Cluster", "good-postgres-multi-az-cluster", {"engine": "postgres",
                                                                         "masterUsername": "admin"})
    g.add("aws:rds/cluster:Cluster", "good-mysql-multi-az-cluster", {"engine": "mysql"})

    # -- iam-no-wildcard-admin: Action * on wildcard ARNs, with NotResource, and NotAction
    bucket_objects = "arn:aws:s3:::media/*"
    g.add("aws:iam/policy:Policy", "bad-policy-star-on-bucket-objects", {"policy": document(allow(bucket_objects))})
    g.add(ROLE_POLICY, "bad-role-policy-star-star-on-all-buckets", {"role": "app", "policy": document(
        allow("arn:aws:s3:::media"), allow(["arn:aws:s3:::*"], ["*:*"]))})
    g.add("aws:iam/groupPolicy:GroupPolicy", "bad-group-policy-star-on-tables", {"group": "ops", "policy": document(
        allow(f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/*"))})
    g.add("aws:iam/policy:Policy", "bad-policy-star-not-resource", {"policy": document(
        {"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:s3:::audit/*"})})
    g.add("aws:iam/policy:Policy", "bad-policy-not-action-on-everything", {"policy": document(
        not_action(["iam:*", "organizations:*"]))})
    g.add("aws:iam/userPolicy:UserPolicy", "bad-user-policy-not-action-on-objects", {"user": "ops", "policy": document(
        not_action("s3:DeleteObject", [bucket_objects]))})
    g.add(ROLE, "bad-role-inline-not-action", {"inlinePolicies": [
        {"name": "almost-everything", "policy": document(not_action("iam:*", ["*"]))}]})
    g.add("aws:iam/policy:Policy", "good-policy-star-on-one-object", {"policy": document(
        allow("arn:aws:s3:::media/index.html"))})
    g.add("aws:iam/policy:Policy", "good-policy-service-actions-on-objects", {"policy": document(
        allow(bucket_objects, ["s3:GetObject", "s3:PutObject"]))})
    g.add("aws:iam/policy:Policy", "good-policy-deny-not-action", {"policy": document(
        not_action("iam:GetRole", effect="Deny"))})
    g.add("aws:iam/policy:Policy", "good-policy-not-action-everything", {"policy": document(not_action("*"))})
    g.add("aws:iam/policy:Policy", "good-policy-not-action-one-resource", {"policy": document(
        not_action("s3:DeleteBucket", "arn:aws:s3:::media"))})

    # -- s3-bucket-kms-encryption: SSE-KMS needs an S3 Bucket Key; DSSE-KMS cannot have one; SSE-S3 log buckets none
    bucket(g, "bad-bucket-kms-no-bucket-key", encryption=sse_rule(bucket_key=None))
    bucket(g, "bad-bucket-kms-bucket-key-off", encryption=sse_rule(bucket_key=False))
    bucket(g, "bad-bucket-inline-kms-no-bucket-key", encryption=None,
           serverSideEncryptionConfiguration={"rule": sse_rule(bucket_key=None)})
    bucket(g, "bad-bucket-managed-key-with-bucket-key",
           encryption=sse_rule(key=f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/aws/s3"))
    bucket(g, "good-bucket-kms-bucket-key")
    bucket(g, "good-bucket-inline-kms-bucket-key", encryption=None, serverSideEncryptionConfiguration={
        "rule": sse_rule()})
    bucket(g, "good-bucket-dsse", encryption=sse_rule("aws:kms:dsse", bucket_key=None))
    bucket(g, "good-alb-logs-bucket", encryption=sse_rule("AES256", key=None, bucket_key=None),
           purpose="alb-access-logs")
    g.add("aws:lb/loadBalancer:LoadBalancer", "alb", {"loadBalancerType": "application", "accessLogs": {
        "enabled": True, "bucket": "good-alb-logs-bucket"}})

    # -- iam-role-policy-management-conflict
    def role(name, physical=True, **inputs):
        return g.add(ROLE, name, {**({"name": name} if physical else {}), **inputs})

    role("inline-role", inlinePolicies=[{"name": "read", "policy": document(allow(bucket_objects, "s3:GetObject"))}])
    role("managed-role", managedPolicyArns=[READ_ONLY])
    autonamed = role("autonamed-managed-role", physical=False, managedPolicyArns=[READ_ONLY])
    emptied = role("empty-managed-role", physical=False, managedPolicyArns=[])
    wiped = role("wiped-inline-role", inlinePolicies=[{}])
    role("plain-role")
    role("empty-inline-role", inlinePolicies=[])
    plain_autonamed = role("plain-autonamed-role", physical=False)
    narrow = document(allow(bucket_objects, "s3:GetObject"))
    g.add(ROLE_POLICY, "bad-role-policy-on-inline-role", {"role": "inline-role", "policy": narrow})
    g.add(ROLE_POLICY, "bad-role-policy-on-managed-role", {"role": "managed-role", "policy": narrow})
    g.depends(g.add(ATTACHMENT, "bad-attachment-on-autonamed-managed-role", {
        "role": "autonamed-managed-role-1a2b3c", "policyArn": READ_ONLY}), "role", autonamed)
    g.depends(g.add(ATTACHMENT, "bad-attachment-on-emptied-role", {
        "role": "empty-managed-role-4d5e6f", "policyArn": READ_ONLY}), "role", emptied)
    g.depends(g.add(ROLE_POLICY, "bad-role-policy-on-wiped-inline-role", {
        "role": "wiped-inline-role", "policy": narrow}), "role", wiped)
    g.add("aws:iam/policyAttachment:PolicyAttachment", "bad-policy-attachment-roles-list", {
        "name": "readers", "roles": ["plain-role", "managed-role"], "policyArn": READ_ONLY})
    g.add("aws:iam/rolePoliciesExclusive:RolePoliciesExclusive", "bad-exclusive-inline-on-inline-role",
          {"roleName": "inline-role", "policyNames": ["read"]})
    g.add(ROLE_POLICY, "good-role-policy-on-plain-role", {"role": "plain-role", "policy": narrow})
    g.add(ROLE_POLICY, "good-role-policy-on-empty-inline-role", {"role": "empty-inline-role", "policy": narrow})
    g.depends(g.add(ATTACHMENT, "good-attachment-on-plain-autonamed-role", {
        "role": "plain-autonamed-role-7a8b9c", "policyArn": READ_ONLY}), "role", plain_autonamed)
    g.add("aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
          "good-exclusive-attachments-on-inline-role", {"roleName": "inline-role", "policyArns": [READ_ONLY]})
    g.add(ATTACHMENT, "good-attachment-on-similarly-named-role", {"role": "inline-role-2", "policyArn": READ_ONLY})

    # -- security-group-rule-management-conflict
    def group(name, type_token=SG, **inline):
        return g.add(type_token, name, {"vpcId": "vpc-1", "description": name, **inline})

    def rule(type_token, name, target, **inputs):
        urn = g.add(type_token, name, {"securityGroupId": "sg-0123456789abcdef0", **inputs})
        g.depends(urn, "securityGroupId", target)
        return urn

    inline_ingress = group("sg-inline-ingress", ingress=[{**HTTPS_OUT}])
    inline_egress = group("sg-inline-egress", egress=[{**HTTPS_OUT}])
    empty_ingress = group("sg-empty-ingress", ingress=[])
    standalone = group("sg-standalone")
    default_group = group("sg-default", "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", ingress=[{**HTTPS_OUT}])
    https = {"ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "cidrIpv4": "10.0.0.0/16"}
    legacy = {"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["10.0.0.0/16"]}
    rule(INGRESS, "bad-ingress-rule-on-inline-ingress", inline_ingress, **https)
    rule(EGRESS, "bad-egress-rule-on-inline-egress", inline_egress, **https)
    rule(SG_RULE, "bad-sgrule-ingress-on-inline-ingress", inline_ingress, type="ingress", **legacy)
    rule(SG_RULE, "bad-sgrule-egress-on-inline-egress", inline_egress, type="egress", **legacy)
    rule(INGRESS, "bad-ingress-rule-on-emptied-ingress", empty_ingress, **https)
    rule(INGRESS, "bad-ingress-rule-on-default-group", default_group, **https)
    rule(EGRESS, "good-egress-rule-on-inline-ingress", inline_ingress, **https)
    rule(SG_RULE, "good-sgrule-ingress-on-inline-egress", inline_egress, type="ingress", **legacy)
    rule(INGRESS, "good-ingress-rule-on-standalone-group", standalone, **https)
    referencing = rule(INGRESS, "good-ingress-rule-from-inline-group", standalone, ipProtocol="tcp", fromPort=443,
                       toPort=443, referencedSecurityGroupId="sg-0fedcba9876543210")
    g.depends(referencing, "referencedSecurityGroupId", inline_ingress)
    return g.build()


graph = graph_fixture(build_graph)
result = result_fixture(only(MINE))
no_bucket_key_result = result_fixture(only(MINE, **{KMS: {"requireBucketKey": False}}))


def reported_only_bad(result, policy, good):
    """Every resource the policy reports is named bad-...; none of `good` is reported."""
    found = violated(result, policy)
    assert all(name.startswith("bad-") for name in found), sorted(found)
    assert not (set(good) & found), sorted(set(good) & found)


# -- s3-bucket-public-access-blocked --

@pytest.mark.parametrize("bad", ["bad-bucket-authenticated-read", "bad-bucket-public-read-mixed-case",
                                 "bad-bucket-inline-all-users-grant", "bad-aclv2-authenticated-read",
                                 "bad-acl-authenticated-read", "bad-acl-authenticated-users-grant"])
def test_every_acl_that_grants_outside_the_account_is_public(result, bad):
    check(result, PUBLIC, bad, "good-bucket-private")


def test_private_and_log_delivery_acls_are_not_public(result):
    reported_only_bad(result, PUBLIC, ["good-bucket-log-delivery-write", "good-bucket-private",
                                       "good-acl-log-delivery-write", "good-acl-owner-grant"])


def test_the_public_acl_finding_names_the_canned_acl(result):
    assert message_for(result, PUBLIC, "(authenticated-read)")


# -- aurora-iam-authentication --

@pytest.mark.parametrize("bad", ["bad-aurora-secondary-member", "bad-aurora-mysql-iam-off", "bad-aurora-primary"])
def test_every_aurora_cluster_needs_iam_authentication(result, bad):
    check(result, IAM_AUTH, bad, "good-aurora-secondary-member")


def test_non_aurora_clusters_are_left_out(result):
    reported_only_bad(result, IAM_AUTH, ["good-postgres-multi-az-cluster", "good-mysql-multi-az-cluster"])


def test_a_secondary_member_is_told_it_becomes_the_writer(result):
    assert message_for(result, IAM_AUTH, "global database member serves writes after a failover")


# -- iam-no-wildcard-admin --

@pytest.mark.parametrize("bad", ["bad-policy-star-on-bucket-objects", "bad-role-policy-star-star-on-all-buckets",
                                 "bad-group-policy-star-on-tables", "bad-policy-star-not-resource",
                                 "bad-policy-not-action-on-everything", "bad-user-policy-not-action-on-objects",
                                 "bad-role-inline-not-action"])
def test_admin_over_wildcard_resources_and_through_not_action(result, bad):
    check(result, ADMIN, bad, "good-policy-star-on-one-object")


def test_narrow_grants_deny_and_empty_not_action_are_not_admin(result):
    reported_only_bad(result, ADMIN, ["good-policy-star-on-one-object", "good-policy-service-actions-on-objects",
                                      "good-policy-deny-not-action", "good-policy-not-action-everything",
                                      "good-policy-not-action-one-resource"])


def test_the_admin_finding_names_the_statement_and_resource(result):
    [finding] = message_for(result, ADMIN, "bad-role-policy-star-star-on-all-buckets")
    assert "Statement[1] (Action * on arn:aws:s3:::*)" in finding and "Statement[0]" not in finding


# -- s3-bucket-kms-encryption --

@pytest.mark.parametrize("bad", ["bad-bucket-kms-no-bucket-key", "bad-bucket-kms-bucket-key-off",
                                 "bad-bucket-inline-kms-no-bucket-key", "bad-bucket-managed-key-with-bucket-key"])
def test_sse_kms_without_a_bucket_key_is_reported(result, bad):
    check(result, KMS, bad, "good-bucket-kms-bucket-key")


def test_bucket_keys_are_not_asked_of_dsse_or_s3_managed_log_buckets(result):
    reported_only_bad(result, KMS, ["good-bucket-kms-bucket-key", "good-bucket-inline-kms-bucket-key",
                                    "good-bucket-dsse", "good-alb-logs-bucket"])


def test_the_bucket_key_finding_says_what_to_set(result):
    [finding] = message_for(result, KMS, "bad-bucket-kms-bucket-key-off")
    assert "does not set bucketKeyEnabled: true" in finding and "rules[0].bucketKeyEnabled = true" in finding


def test_require_bucket_key_false_waives_only_the_bucket_key(no_bucket_key_result):
    found = violated(no_bucket_key_result, KMS)
    assert not {"bad-bucket-kms-no-bucket-key", "bad-bucket-kms-bucket-key-off",
                "bad-bucket-inline-kms-no-bucket-key"} & found
    assert "bad-bucket-managed-key-with-bucket-key" in found


# -- iam-role-policy-management-conflict --

@pytest.mark.parametrize("bad", ["bad-role-policy-on-inline-role", "bad-role-policy-on-managed-role",
                                 "bad-attachment-on-autonamed-managed-role", "bad-attachment-on-emptied-role",
                                 "bad-role-policy-on-wiped-inline-role", "bad-policy-attachment-roles-list",
                                 "bad-exclusive-inline-on-inline-role"])
def test_standalone_policies_on_a_role_with_inline_lists_are_reported(result, bad):
    check(result, ROLE_CONFLICT, bad, "good-role-policy-on-plain-role")


def test_standalone_policies_on_roles_without_inline_lists_pass(result):
    reported_only_bad(result, ROLE_CONFLICT, [
        "good-role-policy-on-plain-role", "good-role-policy-on-empty-inline-role",
        "good-attachment-on-plain-autonamed-role", "good-exclusive-attachments-on-inline-role",
        "good-attachment-on-similarly-named-role", "inline-role", "managed-role"])


def test_the_role_conflict_finding_names_the_role_and_what_it_declares(result):
    [finding] = message_for(result, ROLE_CONFLICT, "bad-role-policy-on-inline-role")
    assert "role inline-role" in finding and "inlinePolicies (read)" in finding
    [emptied] = message_for(result, ROLE_CONFLICT, "bad-attachment-on-emptied-role")
    assert "managedPolicyArns: [] (detaches every managed policy)" in emptied


# -- security-group-rule-management-conflict --

@pytest.mark.parametrize("bad", ["bad-ingress-rule-on-inline-ingress", "bad-egress-rule-on-inline-egress",
                                 "bad-sgrule-ingress-on-inline-ingress", "bad-sgrule-egress-on-inline-egress",
                                 "bad-ingress-rule-on-emptied-ingress", "bad-ingress-rule-on-default-group"])
def test_standalone_rules_on_a_group_with_inline_rules_of_that_direction_are_reported(result, bad):
    check(result, SG_CONFLICT, bad, "good-ingress-rule-on-standalone-group")


def test_other_directions_other_groups_and_referenced_groups_pass(result):
    reported_only_bad(result, SG_CONFLICT, [
        "good-egress-rule-on-inline-ingress", "good-sgrule-ingress-on-inline-egress",
        "good-ingress-rule-on-standalone-group", "good-ingress-rule-from-inline-group", "sg-inline-ingress"])


def test_the_group_conflict_finding_names_group_and_direction(result):
    [finding] = message_for(result, SG_CONFLICT, "bad-sgrule-egress-on-inline-egress")
    assert "security group sg-inline-egress" in finding and "1 inline egress rule " in finding
