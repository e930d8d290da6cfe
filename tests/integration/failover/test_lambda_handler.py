"""The failover function's entry point: what each trigger makes it do."""
from __future__ import annotations

import json

import pytest

from drfailover import lambda_handler


@pytest.fixture
def function_env(monkeypatch, tmp_path, platform):
    bundle = tmp_path / "drkit-deployment.json"
    bundle.write_text(json.dumps(platform.outputs))
    monkeypatch.setenv("LAMBDA_TASK_ROOT", str(tmp_path))
    monkeypatch.setenv("DRKIT_DEPLOYMENT_FILE", bundle.name)
    monkeypatch.setenv("DRKIT_AWS_ENDPOINTS", json.dumps(platform.aws.endpoints))
    return platform


def _alarm(name: str, state: str) -> dict:
    return {"Records": [{"EventSource": "aws:sns", "Sns": {"Message": json.dumps(
        {"AlarmName": name, "NewStateValue": state})}}]}


def test_an_alarm_going_back_to_ok_changes_nothing(function_env):
    name = function_env.deployment.health_check_alarm_names["primary"]
    answer = lambda_handler.handle(_alarm(name, "OK"))
    assert answer["outcome"] == "no-op" and "OK" in answer["message"]
    assert function_env.control_items() == []


def test_another_alarm_changes_nothing(function_env):
    name = function_env.deployment.health_check_alarm_names["secondary"]
    assert lambda_handler.handle(_alarm(name, "ALARM"))["outcome"] == "no-op"


def test_the_schedule_looks_once_and_leaves_a_serving_primary_alone(function_env):
    answer = lambda_handler.handle({"source": "aws.events", "detail-type": "Scheduled Event"})
    assert answer["outcome"] == "refused" and "serving" in answer["message"]
    assert function_env.writer() == function_env.deployment.primary.database_cluster_arn


def test_an_on_demand_failover_runs_the_plan(function_env):
    function_env.primary_endpoint_down()
    answer = lambda_handler.handle({"operation": "failover", "probes": function_env.probes,
                                    "confirmIntervalSeconds": 0})
    assert answer["outcome"] == "done", answer["message"]
    assert function_env.writer() == function_env.deployment.secondary.database_cluster_arn
    assert json.loads(json.dumps(answer)) == answer  # Lambda returns it as JSON


def test_approval_cannot_be_given_to_a_function(function_env):
    answer = lambda_handler.handle({"operation": "failover", "approve": True})
    assert answer["outcome"] == "refused" and "--approve" in answer["message"]


def test_an_unknown_operation_is_refused(function_env):
    assert lambda_handler.handle({"operation": "explode"})["outcome"] == "refused"
