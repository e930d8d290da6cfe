"""Container, IAM-scope and secret-rotation policies (drguard.workloads, .iam_scope, .credentials), run through the
real pack (plugin process, gRPC) over one hand-built two-region graph.

Other areas' policies are disabled in these runs so a finding, or a crash, of theirs cannot decide these tests.
"""
import json

import pytest

from tests.support.gate import assert_published_metadata, check, graph_fixture, message_for, only, result_fixture, \
    violated
from tests.support.graphs import BASE_TAGS, GraphBuilder

PRIVILEGED = "ecs-container-not-privileged"
NON_ROOT = "ecs-container-non-root-user"
READONLY = "ecs-container-readonly-root-filesystem"
HOST_NS = "ecs-task-no-host-namespaces"
SERVICE_WILDCARD = "iam-no-service-wide-actions"
MANAGED_ADMIN = "iam-no-aws-managed-admin-policies"
ROTATION = "secretsmanager-secret-rotation"
CONTAINER_POLICIES = (PRIVILEGED, NON_ROOT, READONLY)
MINE = (*CONTAINER_POLICIES, HOST_NS, SERVICE_WILDCARD, MANAGED_ADMIN, ROTATION)

TASK = "aws:ecs/taskDefinition:TaskDefinition"
SECRET = "aws:secretsmanager/secret:Secret"
SECRET_ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"
AWS_POLICY = "arn:aws:iam::aws:policy/"
ROTATION_LAMBDA = "arn:aws:lambda:us-east-1:111122223333:function:rotate"


def container(name="app", **changes):
    """A container that every container policy accepts, with `changes` (None removes a key)."""
    base = {"name": name, "image": "public.ecr.aws/docker/library/python:3.12-slim", "essential": True,
            "user": "65534:65534", "readonlyRootFilesystem": True, "privileged": False}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def task(g, name, *containers, as_text=True, **inputs):
    definitions = list(containers) or [container()]
    g.add(TASK, name, {"family": name, "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
                       "cpu": "256", "memory": "512",
                       "containerDefinitions": json.dumps(definitions) if as_text else definitions, **inputs})


def document(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action, resource, **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def build_graph():
    g = GraphBuilder()  # primary us-east-1, secondary us-west-2

    # -- containers
    task(g, "good-task")
    task(g, "good-task-object-form", container(user="app"), as_text=False)
    task(g, "good-task-root-group", container(user="1000:0"), container("sidecar", user="nobody:nogroup"))
    task(g, "good-task-narrow-capabilities", container(linuxParameters={"capabilities": {
        "add": ["NET_BIND_SERVICE"], "drop": ["ALL"]}}))
    task(g, "good-task-pid-task", pidMode="task", ipcMode="none")
    task(g, "bad-task-privileged", container(privileged=True))
    task(g, "bad-task-cap-sys-admin", container(linuxParameters={"capabilities": {"add": ["SYS_ADMIN"]}}))
    task(g, "bad-task-cap-all", container(linuxParameters={"capabilities": {"add": ["CHOWN", "ALL"]}}))
    task(g, "bad-task-no-user", container(user=None))
    task(g, "bad-task-blank-user", container(user=" "))
    task(g, "bad-task-root-user", container(user="root"))
    task(g, "bad-task-uid-0", container(user="0"))
    task(g, "bad-task-uid-0-with-group", container(user="0:1000"))
    task(g, "bad-task-root-with-group", container(user="root:wheel"))
    task(g, "bad-task-second-container-root", container(), container("sidecar", user="ROOT"))
    task(g, "bad-task-readonly-absent", container(readonlyRootFilesystem=None))
    task(g, "bad-task-readonly-false", container(readonlyRootFilesystem=False))
    task(g, "bad-task-sidecar-writable", container(), container("sidecar", readonlyRootFilesystem=False))
    g.add(TASK, "bad-task-unreadable", {"family": "x", "networkMode": "awsvpc", "containerDefinitions": "{not json"})
    task(g, "bad-task-host-network", networkMode="host")
    task(g, "bad-task-host-pid", pidMode="host")
    task(g, "bad-task-host-ipc", ipcMode="host")

    # -- iam-no-service-wide-actions
    def policy(type_token, name, doc, *, as_object=False, **inputs):
        g.add(type_token, name, {"policy": doc if as_object else json.dumps(doc), **inputs})

    policy("aws:iam/policy:Policy", "bad-policy-s3-star", document(allow("s3:*", "*")))
    policy("aws:iam/policy:Policy", "bad-policy-upper-case", document(allow("S3:*", ["*"])))
    policy("aws:iam/rolePolicy:RolePolicy", "bad-role-policy-in-list", document(
        allow(["logs:PutLogEvents"], "arn:aws:logs:us-east-1:111122223333:log-group:app:*"),
        allow(["logs:CreateLogStream", "ec2:*"], ["arn:aws:logs:us-east-1:111122223333:log-group:app", "*"])),
        role="app")
    policy("aws:iam/userPolicy:UserPolicy", "bad-user-policy-object-form", document(
        allow(["iam:*Policy*"], "*")), user="ops", as_object=True)
    policy("aws:iam/groupPolicy:GroupPolicy", "bad-group-policy-not-action", document(
        {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}), group="ops")
    policy("aws:iam/policy:Policy", "bad-policy-not-resource", document(
        {"Effect": "Allow", "Action": "kms:*", "NotResource": "arn:aws:kms:us-east-1:111122223333:key/k1"}))
    policy("aws:iam/policy:Policy", "bad-policy-cross-service", document(allow("*:Get*", "*")))
    policy("aws:iam/policy:Policy", "bad-policy-every-bucket", document(allow("s3:*", "arn:aws:s3:::*")))
    policy("aws:iam/policy:Policy", "bad-policy-with-condition", document(allow(
        "dynamodb:*", "*", Condition={"StringEquals": {"aws:RequestedRegion": "us-east-1"}})))
    g.add("aws:iam/role:Role", "bad-role-inline-service-wildcard", {"inlinePolicies": [
        {"name": "read", "policy": json.dumps(document(allow("s3:GetObject", "arn:aws:s3:::b/*")))},
        {"name": "tables", "policy": json.dumps(document(allow("dynamodb:*", "arn:aws:dynamodb:*:*:*")))}]})
    policy("aws:iam/policy:Policy", "bad-policy-service-star-on-one-table", document(
        allow("dynamodb:*", "arn:aws:dynamodb:us-east-1:111122223333:table/carts")))
    policy("aws:iam/policy:Policy", "bad-policy-object-wildcard-on-prefix", document(
        allow("s3:*Object", "arn:aws:s3:::media/*")))
    policy("aws:iam/rolePolicy:RolePolicy", "bad-role-policy-every-action-on-one-key", document(
        allow("*", "arn:aws:kms:us-east-1:111122223333:key/k1")), role="app")
    policy("aws:iam/policy:Policy", "bad-policy-not-action-on-one-bucket", document(
        {"Effect": "Allow", "NotAction": "s3:DeleteBucket", "Resource": "arn:aws:s3:::media"}))
    policy("aws:iam/policy:Policy", "good-policy-scoped", document(
        allow(["s3:GetObject", "s3:PutObject"], "arn:aws:s3:::media/*"),
        allow("s3:Get*", "*"),  # one kind of access: a verb prefix is not service-wide
        allow(["dynamodb:GetItem", "dynamodb:Query"], "arn:aws:dynamodb:us-east-1:111122223333:table/carts"),
        {"Effect": "Deny", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Deny", "NotAction": "s3:*", "Resource": "*"},
        {"Effect": "Allow", "NotAction": "*", "Resource": "*"}))
    policy("aws:iam/rolePolicy:RolePolicy", "good-role-policy-admin-left-to-its-policy",
           document(allow("*", "*")), role="app")
    g.add("aws:iam/role:Role", "good-role-inline-narrow", {"inlinePolicies": [
        {"name": "read", "policy": json.dumps(document(allow(["s3:GetObject", "s3:List*"], "*")))}]})

    # -- iam-no-aws-managed-admin-policies
    attach = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
    g.add("aws:iam/role:Role", "bad-role-managed-full-access", {
        "managedPolicyArns": [AWS_POLICY + "ReadOnlyAccess", AWS_POLICY + "AmazonS3FullAccess"]})
    g.add(attach, "bad-attachment-admin", {"role": "app", "policyArn": AWS_POLICY + "AdministratorAccess"})
    g.add(attach, "bad-attachment-power-user", {"role": "app", "policyArn": AWS_POLICY + "PowerUserAccess"})
    g.add(attach, "bad-attachment-gov-partition", {"role": "app",
                                                   "policyArn": "arn:aws-us-gov:iam::aws:policy/PowerUserAccess"})
    g.add("aws:iam/policyAttachment:PolicyAttachment", "bad-policy-attachment-iam-full", {
        "name": "ops", "roles": ["app"], "policyArn": AWS_POLICY + "IAMFullAccess"})
    g.add("aws:iam/userPolicyAttachment:UserPolicyAttachment", "bad-user-attachment-lambda-full", {
        "user": "ops", "policyArn": AWS_POLICY + "AWSLambda_FullAccess"})
    g.add("aws:iam/groupPolicyAttachment:GroupPolicyAttachment", "bad-group-attachment-job-function", {
        "group": "ops", "policyArn": AWS_POLICY + "job-function/SystemAdministrator"})
    g.add("aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive", "bad-exclusive-attachments", {
        "roleName": "app", "policyArns": [AWS_POLICY + "ReadOnlyAccess", AWS_POLICY + "AdministratorAccess-Amplify"]})
    for index, arn in enumerate(["service-role/AWS_ConfigRole", "service-role/AWSBackupServiceRolePolicyForBackup",
                                 "service-role/AmazonRDSEnhancedMonitoringRole", "ReadOnlyAccess",
                                 "aws-service-role/AmazonECSServiceRolePolicy"]):
        g.add(attach, f"good-attachment-{index}", {"role": "app", "policyArn": AWS_POLICY + arn})
    g.add(attach, "good-attachment-customer-managed", {
        "role": "app", "policyArn": "arn:aws:iam::111122223333:policy/AdministratorAccess"})
    g.add("aws:iam/role:Role", "good-role-service-role-managed", {
        "managedPolicyArns": [AWS_POLICY + "service-role/AWS_ConfigRole"]})

    # -- secretsmanager-secret-rotation
    def secret(name, *, named=True, tags=None, role="primary", **inputs):
        return g.add(SECRET, name, {**({"name": name} if named else {}), "tags": tags or {}, **inputs}, role=role)

    def rotation(name, secret_id, rules, **inputs):
        return g.add(SECRET_ROTATION, name, {"secretId": secret_id, "rotationLambdaArn": ROTATION_LAMBDA,
                                             "rotationRules": rules, **inputs})

    secret("good-secret-rotated")
    rotation("good-rotation-30-days", "good-secret-rotated", {"automaticallyAfterDays": 30})
    autonamed = secret("good-secret-autonamed", named=False)
    g.depends(rotation("good-rotation-by-dependency", "arn:aws:secretsmanager:us-east-1:111122223333:secret:x-AbCdEf",
                       {"scheduleExpression": "rate(7 days)"}), "secretId", autonamed)
    secret("good-secret-by-arn")
    rotation("good-rotation-by-arn", "arn:aws:secretsmanager:us-east-1:111122223333:secret:good-secret-by-arn-AbCdEf",
             {"scheduleExpression": "cron(0 4 1,15 * ? *)", "duration": "3h"})
    secret("good-secret-inline-rotation", rotationLambdaArn=ROTATION_LAMBDA,
           rotationRules={"automaticallyAfterDays": 60})
    secret("good-secret-aurora-global-master", tags={"RotationExemption": "aurora-global-database-master"})
    secret("good-secret-third-party", tags={"RotationExemption": "third-party-issued"})
    secret("bad-secret-never-rotates")
    secret("bad-secret-unaccepted-reason", tags={"RotationExemption": "too-hard"})
    g.provider("exempting", "us-east-1", tags={**BASE_TAGS, "DRRole": "primary",
                                               "RotationExemption": "third-party-issued"})
    secret("bad-secret-exempt-by-provider-default", role="exempting")
    secret("bad-secret-inline-too-long", rotationLambdaArn=ROTATION_LAMBDA,
           rotationRules={"automaticallyAfterDays": 120})
    secret("good-secret-slow-rotation")
    rotation("bad-rotation-180-days", "good-secret-slow-rotation", {"automaticallyAfterDays": 180})
    secret("good-secret-quarterly-cron")
    rotation("bad-rotation-quarterly-cron", "good-secret-quarterly-cron", {"scheduleExpression": "cron(0 0 1 */3 ? *)"})
    secret("good-secret-no-schedule")
    rotation("bad-rotation-no-schedule", "good-secret-no-schedule", {})
    return g.build()


graph = graph_fixture(build_graph)
result = result_fixture(only(MINE))
lenient_result = result_fixture(only([ROTATION], **{ROTATION: {"maxRotationDays": 200}}))


def test_each_policy_publishes_severity_remediation_and_framework(result):
    assert_published_metadata(result, MINE)


# -- the container policies --

@pytest.mark.parametrize("bad", ["bad-task-privileged", "bad-task-cap-sys-admin", "bad-task-cap-all"])
def test_privileged_containers(result, bad):
    check(result, PRIVILEGED, bad, "good-task")


@pytest.mark.parametrize("bad", ["bad-task-no-user", "bad-task-blank-user", "bad-task-root-user", "bad-task-uid-0",
                                 "bad-task-uid-0-with-group", "bad-task-root-with-group",
                                 "bad-task-second-container-root"])
def test_root_containers(result, bad):
    check(result, NON_ROOT, bad, "good-task")


@pytest.mark.parametrize("bad", ["bad-task-readonly-absent", "bad-task-readonly-false", "bad-task-sidecar-writable"])
def test_writable_root_filesystems(result, bad):
    check(result, READONLY, bad, "good-task")


@pytest.mark.parametrize("policy", CONTAINER_POLICIES)
def test_good_tasks_pass_every_container_policy(result, policy):
    assert not {"good-task", "good-task-object-form", "good-task-root-group", "good-task-narrow-capabilities",
                "good-task-pid-task"} & violated(result, policy)


@pytest.mark.parametrize("policy", CONTAINER_POLICIES)
def test_unreadable_container_definitions_are_reported_not_passed(result, policy):
    assert "bad-task-unreadable" in violated(result, policy)


def test_each_container_defect_is_reported_only_by_its_own_policy(result):
    assert "bad-task-privileged" not in violated(result, NON_ROOT) | violated(result, READONLY)
    assert "bad-task-no-user" not in violated(result, PRIVILEGED) | violated(result, READONLY)
    assert "bad-task-readonly-false" not in violated(result, PRIVILEGED) | violated(result, NON_ROOT)


def test_the_finding_names_the_failing_container(result):
    [root] = message_for(result, NON_ROOT, "bad-task-second-container-root")
    assert "sidecar runs as root" in root and "app " not in root
    [writable] = message_for(result, READONLY, "bad-task-sidecar-writable")
    assert "sidecar" in writable


@pytest.mark.parametrize("bad", ["bad-task-host-network", "bad-task-host-pid", "bad-task-host-ipc"])
def test_host_namespaces(result, bad):
    check(result, HOST_NS, bad, ["good-task", "good-task-pid-task"])


# -- iam-no-service-wide-actions --

@pytest.mark.parametrize("bad", ["bad-policy-s3-star", "bad-policy-upper-case", "bad-role-policy-in-list",
                                 "bad-user-policy-object-form", "bad-group-policy-not-action",
                                 "bad-policy-not-resource", "bad-policy-cross-service", "bad-policy-every-bucket",
                                 "bad-policy-with-condition", "bad-role-inline-service-wildcard",
                                 "bad-policy-service-star-on-one-table", "bad-policy-object-wildcard-on-prefix",
                                 "bad-role-policy-every-action-on-one-key", "bad-policy-not-action-on-one-bucket"])
def test_service_wide_actions_on_any_resource(result, bad):
    check(result, SERVICE_WILDCARD, bad, "good-policy-scoped")


def test_scoped_and_verb_limited_grants_pass(result):
    assert not {"good-policy-scoped", "good-role-policy-admin-left-to-its-policy", "good-role-inline-narrow",
                "bad-role-managed-full-access"} & violated(result, SERVICE_WILDCARD)


def test_the_finding_names_the_statement_and_action(result):
    [message] = message_for(result, SERVICE_WILDCARD, "bad-role-policy-in-list")
    assert "Statement[1] (ec2:*)" in message and "logs:CreateLogStream" not in message
    [inline] = message_for(result, SERVICE_WILDCARD, "bad-role-inline-service-wildcard")
    assert "inlinePolicies[1] (tables)" in inline


# -- iam-no-aws-managed-admin-policies --

@pytest.mark.parametrize("bad", ["bad-role-managed-full-access", "bad-attachment-admin", "bad-attachment-power-user",
                                 "bad-attachment-gov-partition", "bad-policy-attachment-iam-full",
                                 "bad-user-attachment-lambda-full", "bad-group-attachment-job-function",
                                 "bad-exclusive-attachments"])
def test_aws_managed_broad_policies(result, bad):
    check(result, MANAGED_ADMIN, bad, "good-attachment-0")


def test_service_role_read_only_and_customer_managed_policies_pass(result):
    good = {f"good-attachment-{index}" for index in range(5)} | {"good-attachment-customer-managed",
                                                                 "good-role-service-role-managed"}
    assert not good & violated(result, MANAGED_ADMIN)


def test_the_finding_names_only_the_broad_policy(result):
    [message] = message_for(result, MANAGED_ADMIN, "bad-role-managed-full-access")
    assert "AmazonS3FullAccess" in message and "ReadOnlyAccess" not in message


# -- secretsmanager-secret-rotation --

@pytest.mark.parametrize("bad", ["bad-secret-never-rotates", "bad-secret-unaccepted-reason",
                                 "bad-secret-exempt-by-provider-default", "bad-secret-inline-too-long",
                                 "bad-rotation-180-days", "bad-rotation-quarterly-cron", "bad-rotation-no-schedule"])
def test_secrets_without_a_rotation_or_a_reason(result, bad):
    check(result, ROTATION, bad, "good-secret-rotated")


def test_rotated_and_reasoned_secrets_pass(result):
    assert not {"good-secret-rotated", "good-secret-autonamed", "good-secret-by-arn", "good-secret-inline-rotation",
                "good-secret-aurora-global-master", "good-secret-third-party", "good-secret-slow-rotation",
                "good-secret-quarterly-cron", "good-secret-no-schedule", "good-rotation-30-days",
                "good-rotation-by-dependency", "good-rotation-by-arn"} & violated(result, ROTATION)


def test_an_unaccepted_reason_is_told_the_accepted_ones(result):
    [message] = message_for(result, ROTATION, "bad-secret-unaccepted-reason")
    assert "'too-hard'" in message and "aurora-global-database-master, third-party-issued" in message


def test_max_rotation_days_setting_changes_the_verdict(lenient_result):
    found = violated(lenient_result, ROTATION)
    assert not {"bad-rotation-180-days", "bad-rotation-quarterly-cron", "bad-secret-inline-too-long"} & found
    assert {"bad-secret-never-rotates", "bad-rotation-no-schedule"} <= found
