"""The failover function's entry point: it acts only on its schedule and its alarm topic, and by default a person
decides (drkit approve) before it fails over. Against the emulated platform over HTTP."""
from __future__ import annotations

import json
import time

import pytest

from drfailover import lambda_handler
from drfailover.approval import ApprovalBook
from drfailover.control_table import ControlTable
from drfailover.deployment import SECONDARY
from tests.support.cli import drkit

SCHEDULE = {"source": "aws.events", "detail-type": "Scheduled Event", "resources": ["arn:aws:events:rule/detect"]}


def _bundle(platform, tmp_path, monkeypatch, **automation) -> None:
    outputs = json.loads(json.dumps(platform.outputs))
    outputs["automation"].update(automation)
    # The emulated checkers answer at once: observations need no 10-s gap between them.
    outputs["dns"]["healthCheckIntervalSeconds"] = 0
    (tmp_path / "drkit-deployment.json").write_text(json.dumps(outputs))
    (tmp_path / "outputs.json").write_text(json.dumps(outputs))
    monkeypatch.setenv("LAMBDA_TASK_ROOT", str(tmp_path))
    monkeypatch.setenv("DRKIT_DEPLOYMENT_FILE", "drkit-deployment.json")
    monkeypatch.setenv("DRKIT_AWS_ENDPOINTS", json.dumps(platform.aws.endpoints))
    # The emulation's storefronts stand in for the ALBs, whose DNS names nothing resolves here.
    monkeypatch.setenv("DRKIT_PROBE_URLS", json.dumps(platform.probes))


@pytest.fixture
def function_env(monkeypatch, tmp_path, platform):
    _bundle(platform, tmp_path, monkeypatch)
    platform.tmp = tmp_path
    return platform


@pytest.fixture
def automatic_env(monkeypatch, tmp_path, platform):
    _bundle(platform, tmp_path, monkeypatch, unplannedFailover="automatic")
    return platform


def _alarm(platform, name: str, state: str, topic: str | None = None) -> dict:
    topic = topic or platform.outputs["dns"]["healthCheckAlarmTopicArn"]
    return {"Records": [{"EventSource": "aws:sns", "Sns": {"TopicArn": topic, "Message": json.dumps(
        {"AlarmName": name, "NewStateValue": state})}}]}


def _pages(platform) -> int:
    return platform.calls(platform.deployment.secondary_region, "Publish")


def _approval_item(platform):
    return next((i for i in platform.control_items() if i["pk"]["S"] == "approval"), None)


def test_an_alarm_going_back_to_ok_changes_nothing(function_env):
    name = function_env.deployment.health_check_alarm_names["primary"]
    answer = lambda_handler.handle(_alarm(function_env, name, "OK"))
    assert answer["outcome"] == "no-op" and "OK" in answer["message"]
    assert function_env.control_items() == []


def test_another_alarm_changes_nothing(function_env):
    name = function_env.deployment.health_check_alarm_names["secondary"]
    assert lambda_handler.handle(_alarm(function_env, name, "ALARM"))["outcome"] == "no-op"


def test_the_schedule_looks_once_and_leaves_a_serving_primary_alone(function_env):
    answer = lambda_handler.handle(SCHEDULE)
    assert answer["outcome"] == "refused" and "serving" in answer["message"]
    assert function_env.writer() == function_env.deployment.primary.database_cluster_arn


def test_by_default_a_confirmed_outage_is_proposed_and_paged_and_nothing_changes(function_env):
    d = function_env.deployment
    function_env.primary_endpoint_down()
    answer = lambda_handler.handle(SCHEDULE)
    assert answer["outcome"] == "awaiting-approval", answer["message"]
    assert "drkit approve --outputs" in answer["message"]
    assert function_env.writer() == d.primary.database_cluster_arn
    assert function_env.desired_count("primary") == d.primary.desired_count
    assert function_env.fence_alarm_state() == "OK"
    assert _approval_item(function_env)["state"]["S"] == "proposed"
    assert _pages(function_env) == 1
    # The next minute's run finds the proposal standing: no second page.
    assert lambda_handler.handle(SCHEDULE)["outcome"] == "awaiting-approval"
    assert _pages(function_env) == 1


def test_an_approval_recorded_by_drkit_approve_lets_the_next_run_fail_over(function_env):
    d = function_env.deployment
    function_env.primary_endpoint_down()
    assert lambda_handler.handle(SCHEDULE)["outcome"] == "awaiting-approval"
    endpoints = function_env.tmp / "endpoints.json"
    endpoints.write_text(json.dumps(function_env.aws.endpoints))
    approved = drkit("approve", "--outputs", str(function_env.tmp / "outputs.json"), "--endpoints", str(endpoints),
                     env={"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"})
    assert approved.code == 0, approved.err + approved.out
    assert "approved by arn:aws:" in approved.out
    answer = lambda_handler.handle(SCHEDULE)
    assert answer["outcome"] == "done", answer["message"]
    assert answer["approvedBy"].startswith("arn:aws:")
    assert function_env.writer() == d.secondary.database_cluster_arn
    assert _approval_item(function_env) is None, "an approval serves one run"


def _approve_from_a_host_whose_clock_is_off_by(platform, seconds: float) -> None:
    control = platform.deployment.control
    table = ControlTable(platform.clients.get("dynamodb", control.region), control.table_name,
                         clock=lambda: time.time() + seconds)
    ApprovalBook(table).approve("arn:aws:iam::111122223333:user/on-call")


def test_an_approval_from_a_laptop_whose_clock_is_40_minutes_slow_still_counts(function_env):
    function_env.primary_endpoint_down()
    assert lambda_handler.handle(SCHEDULE)["outcome"] == "awaiting-approval"
    _approve_from_a_host_whose_clock_is_off_by(function_env, -40 * 60)
    answer = lambda_handler.handle(SCHEDULE)
    assert answer["outcome"] == "done", answer["message"]


def test_an_approval_of_a_stale_proposal_lapses_even_from_a_clock_that_runs_ahead(function_env):
    d = function_env.deployment
    function_env.primary_endpoint_down()
    assert lambda_handler.handle(SCHEDULE)["outcome"] == "awaiting-approval"
    # The proposal last paged 31 minutes ago (the function's clock); the approver's clock runs 40 minutes ahead.
    function_env.moto("dynamodb", SECONDARY).update_item(
        TableName=d.control.table_name, Key={"pk": {"S": "approval"}, "sk": {"S": "failover"}},
        UpdateExpression="SET proposedAtEpoch = :t", ExpressionAttributeValues={":t": {"N": str(time.time() - 31 * 60)}})
    _approve_from_a_host_whose_clock_is_off_by(function_env, 40 * 60)
    answer = lambda_handler.handle(SCHEDULE)
    assert answer["outcome"] == "awaiting-approval", answer["message"]  # proposed afresh, paged again
    assert function_env.writer() == d.primary.database_cluster_arn


def test_drkit_approve_with_nothing_proposed_says_so_and_exits_1(function_env):
    endpoints = function_env.tmp / "endpoints.json"
    endpoints.write_text(json.dumps(function_env.aws.endpoints))
    done = drkit("approve", "--outputs", str(function_env.tmp / "outputs.json"), "--endpoints", str(endpoints),
                 env={"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"})
    assert done.code == 1 and "nothing to approve" in done.out and "drkit failover" in done.out


def test_a_standing_proposal_is_withdrawn_when_the_primary_serves_again(function_env):
    function_env.primary_endpoint_down()
    assert lambda_handler.handle(SCHEDULE)["outcome"] == "awaiting-approval"
    function_env.primary_back()
    answer = lambda_handler.handle(SCHEDULE)
    assert answer["outcome"] == "refused" and "withdrawn" in answer["message"]
    assert _approval_item(function_env) is None


def test_in_automatic_mode_a_confirmed_outage_fails_over(automatic_env):
    automatic_env.primary_endpoint_down()
    answer = lambda_handler.handle(SCHEDULE)
    assert answer["outcome"] == "done", answer["message"]
    assert automatic_env.writer() == automatic_env.deployment.secondary.database_cluster_arn
    assert json.loads(json.dumps(answer)) == answer  # Lambda returns it as JSON


@pytest.mark.parametrize("event", [
    {"operation": "failover", "force": True},
    {"operation": "failover", "probes": {"primary": "http://127.0.0.1:9/down"}, "confirmIntervalSeconds": 0},
    {"operation": "switchover"},
    {"approve": True},
    {},
    "failover",
], ids=["force", "operation-with-probes", "switchover", "approve", "empty", "not-an-object"])
def test_an_invoke_with_anything_but_its_triggers_is_refused_and_changes_nothing(automatic_env, event):
    # Even in automatic mode, with the primary really down: only the schedule or the alarm topic may start a run.
    automatic_env.primary_endpoint_down()
    answer = lambda_handler.handle(event)
    assert answer["outcome"] == "refused" and "people run drkit" in answer["message"]
    assert automatic_env.writer() == automatic_env.deployment.primary.database_cluster_arn
    assert automatic_env.control_items() == []


def test_an_alarm_from_another_topic_is_refused(automatic_env):
    automatic_env.primary_endpoint_down()
    name = automatic_env.deployment.health_check_alarm_names["primary"]
    forged = _alarm(automatic_env, name, "ALARM", topic="arn:aws:sns:us-west-2:999999999999:someone-elses")
    answer = lambda_handler.handle(forged)
    assert answer["outcome"] == "refused" and "not the health-check alarm topic" in answer["message"]
    assert automatic_env.control_items() == []
    real = lambda_handler.handle(_alarm(automatic_env, name, "ALARM"))
    assert real["outcome"] == "done", real["message"]
    assert automatic_env.writer() == automatic_env.deployment.regions[SECONDARY].database_cluster_arn
