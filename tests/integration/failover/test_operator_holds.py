"""An abandoned planned move never holds up a region loss; an operator can cancel or retry a run (drkit cancel,
drkit retry). Against the emulated platform over HTTP, the commands through the real CLI."""
from __future__ import annotations

import json

from drfailover.deployment import SECONDARY
from tests.support.cli import drkit

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


def _declined_switchover(platform):
    result, _ = platform.run("switchover", approve=True, approver=lambda prompt: False)
    assert result.outcome == "refused" and "not approved" in result.message, result.message
    return result.run_id


def _headers(platform) -> dict[str, str]:
    return {i["pk"]["S"][4:]: i["state"]["S"] for i in platform.control_items() if i["sk"]["S"] == "header"}


def _files(platform, tmp_path):
    outputs, endpoints = tmp_path / "outputs.json", tmp_path / "endpoints.json"
    outputs.write_text(json.dumps(platform.outputs))
    endpoints.write_text(json.dumps(platform.aws.endpoints))
    return ["--outputs", str(outputs), "--endpoints", str(endpoints)]


def test_an_abandoned_switchover_does_not_hold_up_a_region_loss(platform):
    abandoned = _declined_switchover(platform)
    assert _headers(platform) == {abandoned: "failed"}
    platform.primary_endpoint_down()
    result, progress = platform.run("failover")
    assert result.outcome == "done", result.message
    assert platform.writer() == platform.deployment.regions[SECONDARY].database_cluster_arn
    assert _headers(platform)[abandoned] == "superseded" and "superseded" in progress


def test_a_failover_that_finds_the_primary_serving_leaves_the_planned_run_to_its_operator(platform):
    abandoned = _declined_switchover(platform)
    refused, _ = platform.run("failover")  # e.g. the function's scheduled look, with the primary healthy
    assert refused.outcome == "refused" and "serving" in refused.message
    assert _headers(platform) == {abandoned: "failed"}


def test_a_planned_move_blocked_by_another_names_retry_and_cancel(platform):
    abandoned = _declined_switchover(platform)
    blocked, _ = platform.run("failback")
    assert blocked.outcome == "refused"
    assert f"drkit retry --run {abandoned}" in blocked.message and f"drkit cancel --run {abandoned}" in blocked.message


def test_cancel_ends_a_run_for_good_and_retry_resumes_one(platform, tmp_path):
    files = _files(platform, tmp_path)
    abandoned = _declined_switchover(platform)
    cancelled = drkit("cancel", *files, "--run", abandoned, env=CREDENTIALS)
    assert cancelled.code == 0, cancelled.err + cancelled.out
    assert "cancelled; it will not be resumed" in cancelled.out and "acquire-lock" in cancelled.out
    assert _headers(platform) == {abandoned: "cancelled"}
    again = drkit("cancel", *files, "--run", abandoned, env=CREDENTIALS)
    assert again.code == 0 and "already cancelled" in again.out

    # A second declined switchover, then retried: it resumes from its first step not done and finishes.
    second = _declined_switchover(platform)
    probes = [f"--probe={role}={url}" for role, url in platform.probes.items()]
    retried = drkit("retry", *files, "--run", second, *probes, "--json", env=CREDENTIALS, timeout=300)
    assert retried.code == 0, retried.err[-2000:]
    document = json.loads(retried.out)
    assert document["outcome"] == "done" and document["runId"] == second
    assert platform.writer() == platform.deployment.regions[SECONDARY].database_cluster_arn


def test_cancel_refuses_a_run_whose_process_still_renews_the_lock(platform, tmp_path):
    files = _files(platform, tmp_path)
    outcome = {}

    def cancel_while_running(record):
        if record.name == "acquire-lock":
            run_id = next(i["runId"]["S"] for i in platform.control_items() if i["pk"]["S"] == "lock")
            outcome["cancel"] = drkit("cancel", *files, "--run", run_id, env=CREDENTIALS)

    result, _ = platform.run("switchover", after_step=cancel_while_running)
    assert result.outcome == "done", result.message
    assert outcome["cancel"].code == 1 and "is active" in outcome["cancel"].out
