"""The platform side of failover (docs/failover-design.md), read from the real program's resource graph.

Traffic moves only through Route 53's data plane: the PRIMARY record's CALCULATED check needs both the
primary's endpoint check and a control check that follows the fence alarm in the secondary region.
The lock-and-journal table, the fence and the failover function live in the secondary region, and the
function's role reaches the primary region only to fence its service. Helpers and the per-stack graph
view come from tests/support/architecture.py.
"""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from drkit.graph.resource_graph import Resource
from infra.components import failover_code
from tests.support.architecture import (ALARM, ALB, DB_INSTANCE, HEALTH_CHECK, KMS_REPLICA, METRICS_REGION, PRIMARY,
                                        RECORD, ROLE, ROLES, SECONDARY, STACKS, SUBSCRIPTION, TABLE, TOPIC, Stack,
                                        arn_region, only, resolved_tags, stack)

FUNCTION = "aws:lambda/function:Function"
PERMISSION = "aws:lambda/permission:Permission"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
QUEUE = "aws:sqs/queue:Queue"
EVENT_RULE, EVENT_TARGET = "aws:cloudwatch/eventRule:EventRule", "aws:cloudwatch/eventTarget:EventTarget"
CONTROL_KEYS = {"tableName", "region", "metricNamespace", "metricName", "metricDimensions", "alarmName",
                "controlHealthCheckId", "primaryCalculatedHealthCheckId", "functionName"}
ARCHIVE_SIG, ASSET_SIG, SIG_KEY = ("0def7320c3a5731c473e5ecbe6d01bc7", "c44067f5952c0a294b673a41bacd8c17",
                                   "4dabf18193072939515e22adb298388d")


def _control(s: Stack) -> dict[str, Any]:
    return s.graph.outputs["control"]


def _failover_record(s: Stack, kind: str) -> Resource:
    return only([r for r in s.of(RECORD) if any(p.get("type") == kind for p in r.inputs.get("failoverRoutingPolicies")
                                                or [])], f"{kind} failover record")


def _function(s: Stack) -> Resource:
    return only(s.of(FUNCTION), "failover function")


def _fence_alarm(s: Stack) -> Resource:
    return only([a for a in s.of(ALARM) if a.inputs.get("name") == _control(s)["alarmName"]], "fence alarm")


def _statements(s: Stack, function: Resource) -> list[dict]:
    role = only(s.refs(function, "role", ROLE), f"role of {function.name}")
    policies = s.referring(ROLE_POLICY, role, "role")
    assert policies, f"{role.name} has no policy"
    found = []
    for policy in policies:
        document = json.loads(policy.inputs["policy"])
        found += document["Statement"] if isinstance(document["Statement"], list) else [document["Statement"]]
    return found


def _listed(value: Any) -> list:
    return value if isinstance(value, list) else [value]


# -- traffic control ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name", STACKS)
def test_control_check_follows_the_fence_alarm_in_the_secondary_region(name):
    s = stack(name)
    alarm = _fence_alarm(s)
    control = only([c for c in s.of(HEALTH_CHECK) if c.inputs.get("type") == "CLOUDWATCH_METRIC"], "control check")
    assert s.refs(control, "cloudwatchAlarmName", ALARM) == [alarm]
    assert control.inputs.get("cloudwatchAlarmRegion") == s.config.secondary_region == s.region(alarm)
    # A fence must hold while CloudWatch in the secondary cannot answer, and a fresh check starts healthy.
    assert control.inputs.get("insufficientDataHealthStatus") == "LastKnownStatus"
    out = _control(s)
    assert alarm.inputs.get("namespace") == out["metricNamespace"]
    assert alarm.inputs.get("metricName") == out["metricName"]
    assert alarm.inputs.get("dimensions") == out["metricDimensions"] == {"Environment": s.config.environment}
    assert alarm.inputs.get("comparisonOperator") == "GreaterThanOrEqualToThreshold"
    assert alarm.inputs.get("threshold") == 1 and alarm.inputs.get("statistic") == "Maximum"
    # Route 53 follows only alarms on standard-resolution metrics; the fence latches between publications.
    assert alarm.inputs.get("period") >= 60
    assert alarm.inputs.get("treatMissingData") == "ignore"


@pytest.mark.parametrize("name", STACKS)
def test_primary_record_uses_the_calculated_check_of_its_endpoint_and_the_control_check(name):
    s = stack(name)
    record = _failover_record(s, "PRIMARY")
    calculated = only(s.refs(record, "healthCheckId", HEALTH_CHECK), "health check of the PRIMARY record")
    assert calculated.inputs.get("type") == "CALCULATED"
    children = s.refs(calculated, "childHealthchecks", HEALTH_CHECK)
    assert sorted(c.inputs.get("type") for c in children) == ["CLOUDWATCH_METRIC", "HTTPS"]
    endpoint = only([c for c in children if c.inputs.get("type") == "HTTPS"], "endpoint child")
    primary_alb = only(s.in_role(ALB, PRIMARY), "primary ALB")
    assert s.refs(endpoint, "fqdn", ALB) == [primary_alb]
    # Healthy only while every child is: the endpoint serves and the primary is not fenced.
    assert calculated.inputs.get("childHealthThreshold") == len(calculated.inputs.get("childHealthchecks")) == 2
    out = s.graph.outputs
    assert record.inputs["healthCheckId"] == out["control"]["primaryCalculatedHealthCheckId"]
    assert out["control"]["controlHealthCheckId"] in calculated.inputs["childHealthchecks"]
    assert out["regions"][PRIMARY]["healthCheckId"] in calculated.inputs["childHealthchecks"]


@pytest.mark.parametrize("name", STACKS)
def test_secondary_record_is_not_gated_by_the_fence(name):
    s = stack(name)
    check = only(s.refs(_failover_record(s, "SECONDARY"), "healthCheckId", HEALTH_CHECK), "SECONDARY check")
    assert check.inputs.get("type") == "HTTPS"
    assert s.refs(check, "fqdn", ALB) == [only(s.in_role(ALB, SECONDARY), "secondary ALB")]


# -- lock and journal --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", STACKS)
def test_control_table_lives_only_in_the_secondary_region(name):
    s = stack(name)
    control = [t for t in s.of(TABLE) if resolved_tags(s, t).get("Purpose") == "dr-control"]
    table = only(control, "dr-control table")
    assert s.role(table) == SECONDARY
    assert table.inputs.get("name") == _control(s)["tableName"] == f"ecommerce-{s.config.environment}-dr-control"
    assert _control(s)["region"] == s.config.secondary_region
    assert not table.inputs.get("replicas"), "a lock needs one strongly consistent home, not a global table"
    assert {(a["name"], a["type"]) for a in table.inputs["attributes"]} == {("pk", "S"), ("sk", "S")}
    assert (table.inputs.get("hashKey"), table.inputs.get("rangeKey")) == ("pk", "sk")
    assert (table.inputs.get("pointInTimeRecovery") or {}).get("enabled") is True
    assert table.inputs.get("deletionProtectionEnabled") is True
    # Encrypted with the secondary's platform key: the key that also encrypts the secondary's alarm topic.
    key = only(s.refs(table, "serverSideEncryption", KMS_REPLICA), "key of the control table")
    topic = only(s.in_role(TOPIC, SECONDARY), "secondary alarm topic")
    assert s.refs(topic, "kmsMasterKeyId") == [key]


# -- the failover function ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", STACKS)
def test_function_runs_in_the_secondary_region_one_at_a_time(name):
    s = stack(name)
    function = _function(s)
    assert s.role(function) == SECONDARY
    assert function.inputs.get("name") == _control(s)["functionName"]
    assert function.inputs.get("runtime") == "python3.11"
    assert function.inputs.get("handler") == "drfailover.lambda_handler.handle"
    assert function.inputs.get("timeout") == 900
    # One at a time where the account can reserve it (prod, dev); none reserved where it cannot (edited-prod).
    assert function.inputs.get("reservedConcurrentExecutions") == s.config.automation.reserved_concurrency
    assert s.config.automation.reserved_concurrency == (None if name == "edited-prod" else 1)
    assert (function.inputs.get("tracingConfig") or {}).get("mode") == "Active"
    assert arn_region(function.inputs.get("kmsKeyArn")) == s.config.secondary_region
    assert only(s.refs(function, "kmsKeyArn", KMS_REPLICA), "environment key")
    queue = only(s.refs(function, "deadLetterConfig", QUEUE), "dead-letter queue")
    assert s.role(queue) == SECONDARY and arn_region(queue.inputs.get("kmsMasterKeyId")) == s.config.secondary_region


@pytest.mark.parametrize("name", STACKS)
def test_function_role_grants_no_wildcard_action_and_stays_in_the_secondary(name):
    s = stack(name)
    statements = _statements(s, _function(s))
    primary = s.graph.outputs["regions"][PRIMARY]
    primary_service = (f"arn:aws:ecs:{s.config.primary_region}:{primary['albArn'].split(':')[4]}:service/"
                       f"{primary['clusterName']}/{primary['serviceName']}")
    account = primary["albArn"].split(":")[4]
    # Resources outside the secondary the role may name: the old primary's service (scaled down to fence it,
    # best effort) and its scaling floor (switchover and failback move it), its Aurora cluster in global-cluster
    # calls made in the secondary, and the stack's alarms in us-east-1, where the Route 53 endpoint alarms live.
    allowed_primary = {primary_service: {"ecs:UpdateService", "ecs:DescribeServices"},
                       f"arn:aws:application-autoscaling:{s.config.primary_region}:{account}:scalable-target/*":
                           {"application-autoscaling:RegisterScalableTarget"},
                       f"arn:aws:cloudwatch:us-east-1:{account}:alarm:ecommerce-{s.config.environment}-*":
                           {"cloudwatch:DescribeAlarms"},
                       primary["databaseClusterArn"]: {"rds:FailoverGlobalCluster", "rds:SwitchoverGlobalCluster",
                                                       "rds:DescribeGlobalClusters", "rds:DescribeDBClusters"}}
    for statement in statements:
        actions, resources = _listed(statement["Action"]), _listed(statement["Resource"])
        assert statement["Effect"] == "Allow"
        assert not any(a == "*" or a.endswith(":*") for a in actions), statement
        for resource in resources:
            if arn_region(resource) not in (None, "", s.config.secondary_region):
                assert set(actions) <= allowed_primary.get(resource, set()), (resource, statement)
    by_action = {a: statement for statement in statements for a in _listed(statement["Action"])}
    assert by_action["cloudwatch:PutMetricData"]["Condition"] == {
        "StringEquals": {"cloudwatch:namespace": _control(s)["metricNamespace"]}}
    table_arns = _listed(by_action["dynamodb:PutItem"]["Resource"])
    assert [(arn_region(a), a.rsplit("/", 1)[1]) for a in table_arns] == [(s.config.secondary_region,
                                                                          _control(s)["tableName"])]
    assert _listed(by_action["sns:Publish"]["Resource"]) == [s.graph.outputs["regions"][SECONDARY]["alertTopicArn"]]
    checked = {r.rsplit("/", 1)[1] for r in _listed(by_action["route53:GetHealthCheckStatus"]["Resource"])}
    assert {_control(s)["controlHealthCheckId"], _control(s)["primaryCalculatedHealthCheckId"]} <= checked


@pytest.mark.parametrize("name", STACKS)
def test_schedule_in_the_secondary_and_health_check_alarms_invoke_the_function(name):
    s = stack(name)
    function = _function(s)
    rule = only([r for r in s.of(EVENT_RULE) if r.inputs.get("scheduleExpression")], "detection schedule")
    assert s.role(rule) == SECONDARY and rule.inputs["scheduleExpression"] == "rate(1 minute)"
    target = only(s.referring(EVENT_TARGET, rule, "rule"), "schedule target")
    assert s.refs(target, "arn", FUNCTION) == [function]
    subscription = only([x for x in s.of(SUBSCRIPTION) if x.inputs.get("protocol") == "lambda"], "alarm subscription")
    assert s.region(subscription) == METRICS_REGION
    assert subscription.inputs.get("topic") == s.graph.outputs["dns"]["healthCheckAlarmTopicArn"]
    assert s.refs(subscription, "endpoint", FUNCTION) == [function]
    names = set(s.graph.outputs["dns"]["healthCheckAlarmNames"].values())
    assert json.loads(subscription.inputs["filterPolicy"]) == {"AlarmName": sorted(names)}
    assert subscription.inputs.get("filterPolicyScope") == "MessageBody"
    permissions = {p.inputs.get("principal"): p for p in s.referring(PERMISSION, function, "function")}
    assert set(permissions) == {"events.amazonaws.com", "sns.amazonaws.com"}
    assert s.refs(permissions["events.amazonaws.com"], "sourceArn", EVENT_RULE) == [rule]
    assert permissions["sns.amazonaws.com"].inputs.get("sourceArn") == subscription.inputs["topic"]


# -- the code bundle -----------------------------------------------------------------------------------
def _bundle(s: Stack) -> dict[str, dict]:
    code = _function(s).inputs["code"]
    assert code.get(SIG_KEY) == ARCHIVE_SIG
    return code["assets"]


@pytest.mark.parametrize("name", STACKS)
def test_bundle_carries_the_stack_outputs_the_automation_reads(name):
    s = stack(name)
    assets = _bundle(s)
    deployment = assets[failover_code.DEPLOYMENT_FILE]
    assert deployment.get(SIG_KEY) == ASSET_SIG
    assert json.loads(deployment["text"]) == s.graph.outputs
    assert set(_control(s)) == CONTROL_KEYS
    assert s.graph.outputs["dns"]["healthCheckPath"] == s.config.compute.health_check_path
    for role in ROLES:  # a headless standby must get a writer after promotion: the automation reads the count
        assert s.graph.outputs["regions"][role]["databaseInstanceCount"] == len(s.in_role(DB_INSTANCE, role))
    env = (_function(s).inputs.get("environment") or {}).get("variables") or {}
    assert env.get("DRKIT_DEPLOYMENT_FILE") == failover_code.DEPLOYMENT_FILE


# What the python3.11 Lambda runtime provides besides the standard library.
LAMBDA_RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six")


def test_bundle_is_the_automation_and_core_folders_and_imports_with_only_what_the_lambda_runtime_has(tmp_path):
    assets = _bundle(stack("prod"))
    packages = {name.split("/", 1)[0] for name in assets if name != failover_code.DEPLOYMENT_FILE}
    assert packages == set(failover_code.BUNDLED_PACKAGES) | set(failover_code.BUNDLED_LIBRARIES)
    for name, asset in assets.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if "path" in asset:
            target.write_bytes(Path(asset["path"]).read_bytes())
        else:
            target.write_text(asset["text"])
    modules = sorted(str(p.relative_to(tmp_path).with_suffix("")).replace("/", ".").removesuffix(".__init__")
                     for p in (tmp_path / "drfailover").rglob("*.py"))
    assert failover_code.HANDLER.rpartition(".")[0] in modules
    # A runtime of the standard library and the Lambda's own packages only (no site-packages, so no other
    # distribution's metadata either: dnspython looks for optional libraries by their metadata), then the bundle.
    runtime = tmp_path / "_lambda_runtime"
    runtime.mkdir()
    for package in LAMBDA_RUNTIME_PACKAGES:
        spec = importlib.util.find_spec(package)
        source = Path(next(iter(spec.submodule_search_locations))) if spec.submodule_search_locations \
            else Path(spec.origin)
        (runtime / source.name).symlink_to(source)
    script = f"""
import importlib, sys
sys.path[:0] = [{str(tmp_path)!r}, {str(runtime)!r}]
for module in {modules!r}:
    loaded = importlib.import_module(module)
    assert loaded.__file__.startswith({str(tmp_path)!r}), loaded.__file__
for library in {failover_code.BUNDLED_LIBRARIES!r}:  # imported by the automation, and from the bundle
    assert sys.modules[library].__file__.startswith({str(tmp_path)!r}), sys.modules[library].__file__
"""
    result = subprocess.run([sys.executable, "-I", "-S", "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
