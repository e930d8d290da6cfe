"""Readiness against the dev stack's emulated environment: ready as deployed, and each check made to fail once."""
from __future__ import annotations

import time
from typing import Any

from drkit.readiness.check import NOT_READY, READY, UNKNOWN
from tests.support.readiness import readiness, status_of

DAY_S = 86400


def _detail(report, check: str) -> str:
    return next(c.detail for c in report.checks if c.name == check)


def test_the_environment_as_deployed_is_ready_on_every_check(dev_env):
    report = readiness(dev_env)
    assert report.ready, report.render_text()
    assert {c.status for c in report.checks} == {READY}
    names = {c.name for c in report.checks}
    assert {f"dynamodb-replication:{t}" for t in dev_env.outputs["tableNames"]} <= names
    assert {f"kms-replica-key:{k}" for k in dev_env.outputs["regions"]["secondary"]["dataKeyArns"]} <= names
    assert {f"s3-replication:{p}" for p in dev_env.outputs["regions"]["secondary"]["bucketNames"]} <= names
    secondary = dev_env.region("secondary")
    assert all(c.source.startswith((secondary, "global", "us-east-1", "HTTP")) for c in report.checks)
    assert report.summary().startswith(f"READY: {secondary} can take over")


def test_a_disabled_replica_key_makes_the_secondary_not_ready(dev_env):
    key_id = dev_env.outputs["regions"]["secondary"]["dataKeyArns"]["sessions"].rsplit("/", 1)[-1]
    kms = dev_env.client("kms", "secondary")
    kms.disable_key(KeyId=key_id)  # moto takes a key id here, not an ARN
    try:
        report = readiness(dev_env)
    finally:
        kms.enable_key(KeyId=key_id)
    assert not report.ready
    assert [c.name for c in report.failing()] == ["kms-replica-key:sessions"]
    assert "Disabled" in _detail(report, "kms-replica-key:sessions")


def test_no_recent_copy_in_the_secondary_vault_makes_it_not_ready(dev_env):
    secondary = dev_env.region("secondary")
    copies = [p for p in dev_env.gaps.backup.recovery_points if p["_region"] == secondary]
    saved = [(p["CreationDate"], p["CompletionDate"]) for p in copies]
    for point in copies:  # the copy job stopped working three days ago
        point["CreationDate"] = point["CompletionDate"] = time.time() - 3 * DAY_S
    try:
        report = readiness(dev_env)
    finally:
        for point, (created, completed) in zip(copies, saved):
            point["CreationDate"], point["CompletionDate"] = created, completed
    assert [c.name for c in report.failing()] == ["backup-copies"]
    assert f"{len(copies)} of {len(copies)} resources have no copy younger than 31.0 h" in _detail(report, "backup-copies")


def test_an_alarm_with_actions_disabled_is_not_armed(dev_env):
    cloudwatch = dev_env.client("cloudwatch", "secondary")
    lag_alarm = next(a["AlarmName"] for a in cloudwatch.describe_alarms()["MetricAlarms"]
                     if a["MetricName"] == "AuroraGlobalDBReplicationLag")
    cloudwatch.disable_alarm_actions(AlarmNames=[lag_alarm])
    try:
        report = readiness(dev_env)
    finally:
        cloudwatch.enable_alarm_actions(AlarmNames=[lag_alarm])
    assert [c.name for c in report.failing()] == ["alarms-armed"]
    assert f"actions disabled or no action: {lag_alarm}" in _detail(report, "alarms-armed")


def test_an_unreachable_primary_leaves_parity_unknown_but_the_secondary_ready(dev_env):
    dev_env.fault("primary").make_unreachable("refuse")
    try:
        report = readiness(dev_env)
    finally:
        dev_env.fault("primary").make_reachable()
    assert report.ready, report.render_text()
    assert status_of(report, "task-definition-parity") == UNKNOWN
    assert "secrets and endpoints" in _detail(report, "task-definition-parity")
    assert status_of(report, "autoscaling-parity") == READY
    assert "deployed outputs" in _detail(report, "autoscaling-parity")
    assert report.seconds < 5  # one refused connection, then every primary read is skipped


def _readiness_with_secondary_containers(dev_env, change) -> Any:
    """Readiness while the secondary's service runs its task definition with `change` applied to each container."""
    outputs = dev_env.outputs["regions"]["secondary"]
    ecs = dev_env.client("ecs", "secondary")
    original = ecs.describe_services(cluster=outputs["clusterName"], services=[outputs["serviceName"]])["services"][0]
    definition = ecs.describe_task_definition(taskDefinition=original["taskDefinition"])["taskDefinition"]
    drifted = [change(c) for c in definition["containerDefinitions"]]
    task_level = {k: definition[k] for k in ("cpu", "memory", "networkMode", "requiresCompatibilities") if k in definition}
    revision = ecs.register_task_definition(family=definition["family"], containerDefinitions=drifted, **task_level)
    ecs.update_service(cluster=outputs["clusterName"], service=outputs["serviceName"],
                       taskDefinition=revision["taskDefinition"]["taskDefinitionArn"])
    try:
        return readiness(dev_env)
    finally:
        ecs.update_service(cluster=outputs["clusterName"], service=outputs["serviceName"],
                           taskDefinition=original["taskDefinition"])


def test_a_secondary_task_definition_unlike_the_primary_is_not_at_parity(dev_env):
    primary_host = dev_env.outputs["regions"]["primary"]["databaseWriterEndpoint"]
    report = _readiness_with_secondary_containers(dev_env, lambda c: {**c, "image": "storefront:hotfix", "environment": [
        {"name": e["name"], "value": primary_host if e["name"] == "DATABASE_HOST" else e["value"]}
        for e in c["environment"]]})
    detail = _detail(report, "task-definition-parity")
    assert [c.name for c in report.failing()] == ["task-definition-parity"]
    assert "image storefront:hotfix != primary" in detail
    assert f"env DATABASE_HOST points at {dev_env.region('primary')}" in detail


def test_a_secondary_that_pulls_its_image_from_the_primary_regions_registry_is_not_ready(dev_env):
    # The default stacks run the image built into each region's own repository; the same image named in the
    # primary's registry would be "the same" and still fail to start a task while the primary region is down.
    primary, secondary = dev_env.region("primary"), dev_env.region("secondary")
    report = _readiness_with_secondary_containers(dev_env, lambda c: {
        **c, "image": c["image"].replace(f".dkr.ecr.{secondary}.", f".dkr.ecr.{primary}.")})
    assert [c.name for c in report.failing()] == ["task-definition-parity"]
    assert f"pulls its image from ECR in {primary}" in _detail(report, "task-definition-parity")


def test_a_held_failover_lock_is_not_ready(dev_env):
    control = dev_env.outputs["control"]
    dynamodb = dev_env.client("dynamodb", "secondary")
    now = time.time()
    dynamodb.put_item(TableName=control["tableName"], Item={
        "pk": {"S": "lock"}, "sk": {"S": "failover"}, "owner": {"S": "operator-laptop:42:abc"}, "runId": {"S": "run-1"},
        "operation": {"S": "failover"}, "expiresAt": {"N": str(now + 600)}, "acquiredAt": {"N": str(now)}})
    try:
        report = readiness(dev_env)
    finally:
        dynamodb.delete_item(TableName=control["tableName"], Key={"pk": {"S": "lock"}, "sk": {"S": "failover"}})
    assert [c.name for c in report.failing()] == ["control-table"]
    assert "failover run run-1 by operator-laptop:42:abc" in _detail(report, "control-table")


def test_an_unfinished_run_is_not_ready_and_names_the_commands_that_clear_it(dev_env):
    # A switchover that stopped half-way (declined, crashed) leaves the platform between regions and refuses the next
    # planned move: readiness must say so, not READY.
    control = dev_env.outputs["control"]
    dynamodb = dev_env.client("dynamodb", "secondary")
    key = {"pk": {"S": "run#20261203T090000Z-abcdef"}, "sk": {"S": "header"}}
    dynamodb.put_item(TableName=control["tableName"], Item={
        **key, "state": {"S": "failed"}, "operation": {"S": "switchover"}, "mode": {"S": "graceful"},
        "startedAt": {"S": "2026-12-03T09:00:00.000Z"}})
    try:
        report = readiness(dev_env)
    finally:
        dynamodb.delete_item(TableName=control["tableName"], Key=key)
    assert [c.name for c in report.failing()] == ["control-table"]
    detail = _detail(report, "control-table")
    assert "switchover run 20261203T090000Z-abcdef is failed" in detail
    assert "drkit retry" in detail and "drkit cancel --outputs FILE --run 20261203T090000Z-abcdef" in detail


def test_a_secondary_storefront_failing_its_health_check_is_not_ready(dev_env):
    dev_env.endpoint_down("secondary")
    try:
        report = readiness(dev_env)
    finally:
        dev_env.endpoint_up("secondary")
    assert status_of(report, "secondary-endpoint") == NOT_READY
    assert "answered 503" in _detail(report, "secondary-endpoint")


def test_an_unreachable_recovery_region_is_not_ready_never_unknown(dev_env):
    dev_env.fault("secondary").make_unreachable("refuse")
    try:
        report = readiness(dev_env)
    finally:
        dev_env.fault("secondary").make_reachable()
    assert not report.ready
    failing = {c.name: c.detail for c in report.failing()}
    assert "aurora-global-cluster" in failing and "control-table" in failing
    assert failing["aurora-global-cluster"].startswith("cannot read it: Could not connect to the endpoint URL")
    assert report.seconds < 10


def test_an_alert_topic_nobody_confirmed_leaves_the_on_call_unpaged(dev_env):
    # SNS delivers nothing to an e-mail subscription until its recipient confirms it: the emulation's confirmed
    # subscriptions are removed, and one pending is put in their place, as a first deployment leaves them.
    sns = dev_env.client("sns", "secondary")
    topic = dev_env.outputs["regions"]["secondary"]["alertTopicArn"]
    existing = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    for subscription in existing:
        sns.unsubscribe(SubscriptionArn=subscription["SubscriptionArn"])
    try:
        report = readiness(dev_env)
    finally:
        for subscription in existing:
            sns.subscribe(TopicArn=topic, Protocol=subscription["Protocol"], Endpoint=subscription["Endpoint"])
    assert [c.name for c in report.failing()] == ["on-call-subscribed"]
    assert "nobody receives" in _detail(report, "on-call-subscribed")
    assert status_of(readiness(dev_env), "on-call-subscribed") == READY
