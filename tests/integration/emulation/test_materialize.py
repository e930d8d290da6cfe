"""The emulated environment of the real dev and prod stacks: what the graph declares is what AWS answers.

Every expectation is read from the stack's own graph, so these tests follow the program as it changes.
"""
from __future__ import annotations

from typing import Iterator

import pytest

from drkit.emulation import EmulatedEnvironment
from drkit.emulation.materialize import CREATORS
from drkit.emulation.replication_metrics import replication_metrics
from tests.support.program import stack_graph


@pytest.fixture(scope="module", params=["dev", "prod"])
def env(request) -> Iterator[EmulatedEnvironment]:
    with EmulatedEnvironment(request.param, graph=stack_graph(request.param), progress=None) as environment:
        yield environment


def _of_type(env, type_token):
    return [(r, env.graph.region_of(r)) for r in env.graph.of_type(type_token)]


def test_moto_holds_every_resource_the_emulation_creates(env):
    failures = [(s.type, s.urn.split("::")[-1], s.reason) for s in env.materialized.skipped
                if s.type in CREATORS and s.type != "aws:backup/selection:Selection"]
    assert failures == []
    assert {r.type for r in env.materialized.created} == {r.type for r in env.graph if r.type in CREATORS} - \
        {"aws:backup/selection:Selection"}


def test_tables_exist_with_their_replicas(env):
    for table, region in _of_type(env, "aws:dynamodb/table:Table"):
        name, replicas = table.inputs["name"], [r["regionName"] for r in table.inputs.get("replicas") or []]
        described = env.client("dynamodb", region).describe_table(TableName=name)["Table"]
        assert [r["RegionName"] for r in described.get("Replicas", [])] == replicas
        for replica in replicas:
            assert env.client("dynamodb", replica).describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE"


def test_the_global_database_has_the_programs_clusters_with_the_primary_writing(env):
    (global_cluster, region), = _of_type(env, "aws:rds/globalCluster:GlobalCluster")
    members = env.client("rds", region).describe_global_clusters(
        GlobalClusterIdentifier=global_cluster.inputs["globalClusterIdentifier"])["GlobalClusters"][0]["GlobalClusterMembers"]
    expected = {f"arn:aws:rds:{r}:{env.moto.account}:cluster:{c.inputs['clusterIdentifier']}": bool(c.inputs.get("masterUsername"))
                for c, r in _of_type(env, "aws:rds/cluster:Cluster")}
    assert {m["DBClusterArn"]: m["IsWriter"] for m in members} == expected
    for role in ("primary", "secondary"):
        outputs = env.outputs["regions"][role]
        assert outputs["databaseClusterArn"] in expected


def test_services_run_the_programs_task_counts(env):
    for service, region in _of_type(env, "aws:ecs/service:Service"):
        described = env.client("ecs", region).describe_services(cluster=service.inputs["cluster"],
                                                                services=[service.inputs["name"]])["services"][0]
        assert (described["desiredCount"], described["runningCount"]) == (service.inputs["desiredCount"],) * 2
    for role in ("primary", "secondary"):
        outputs = env.outputs["regions"][role]
        described = env.client("ecs", role).describe_services(cluster=outputs["clusterName"],
                                                              services=[outputs["serviceName"]])["services"]
        assert described[0]["desiredCount"] == outputs["desiredCount"]


def test_alarms_exist_in_the_regions_the_program_puts_them(env):
    for region in env.regions:
        declared = sorted(a.inputs["name"] for a, r in _of_type(env, "aws:cloudwatch/metricAlarm:MetricAlarm") if r == region)
        alarms = env.client("cloudwatch", region).get_paginator("describe_alarms").paginate()
        assert sorted(a["AlarmName"] for page in alarms for a in page["MetricAlarms"]) == declared


def test_output_identities_are_the_ones_the_emulated_aws_gave(env):
    route53 = env.client("route53", "secondary")
    for role in ("primary", "secondary"):
        outputs = env.outputs["regions"][role]
        check = route53.get_health_check(HealthCheckId=outputs["healthCheckId"])["HealthCheck"]["HealthCheckConfig"]
        assert check["FullyQualifiedDomainName"] == outputs["albDnsName"]
        for key_arn in outputs["dataKeyArns"].values():
            key = env.client("kms", role).describe_key(KeyId=key_arn)["KeyMetadata"]
            assert (key["Arn"], key["KeyState"], key["MultiRegion"]) == (key_arn, "Enabled", True)
        secret = env.client("secretsmanager", role).describe_secret(SecretId=outputs["databaseSecretArn"])
        assert secret["ARN"] == outputs["databaseSecretArn"]
    assert route53.get_hosted_zone(Id=env.outputs["dns"]["zoneId"])["HostedZone"]["Name"].rstrip(".") == \
        next(z.inputs["name"] for z in env.graph.of_type("aws:route53/zone:Zone"))
    assert not set(env.materialized.ids) & set(_strings(env.outputs))


def test_the_failover_record_answers_the_primary_and_every_endpoint_is_healthy(env):
    assert env.serving_role() == "primary"
    route53 = env.client("route53", "secondary")
    for role in ("primary", "secondary"):
        observations = route53.get_health_check_status(
            HealthCheckId=env.outputs["regions"][role]["healthCheckId"])["HealthCheckObservations"]
        assert all(o["StatusReport"]["Status"].startswith("Success") for o in observations)


def test_the_secondary_vault_holds_copies_of_every_selected_resource(env):
    for selection in env.graph.of_type("aws:backup/selection:Selection"):
        vault = env.outputs["regions"]["secondary"]["backupVaultName"]
        copies = env.client("backup", "secondary").list_recovery_points_by_backup_vault(BackupVaultName=vault)
        assert sorted(p["ResourceArn"] for p in copies["RecoveryPoints"]) == sorted(selection.inputs["resources"])


def test_replication_alarms_are_ok_at_the_baseline_lag_and_fire_beyond_the_rpo(env):
    lag_metrics = {(m.namespace, m.name) for m in replication_metrics(env.graph)}
    alarms = [(a.inputs["name"], r) for a, r in _of_type(env, "aws:cloudwatch/metricAlarm:MetricAlarm")
              if (a.inputs.get("namespace"), a.inputs.get("metricName")) in lag_metrics]
    assert alarms

    def states():
        return {name: env.client("cloudwatch", region).describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["StateValue"]
                for name, region in alarms}

    assert set(states().values()) == {"OK"}
    worst_rpo = max(s for target in env.outputs["recoveryTargets"].values() for s in target["rpoSeconds"].values())
    env.set_replication_lag(worst_rpo + 1)
    try:
        assert set(states().values()) == {"ALARM"}
    finally:
        env.set_replication_lag(1.0)


def _strings(value):
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def test_publishing_the_fence_moves_traffic_through_the_control_health_checks(env):
    control = env.outputs["control"]
    cloudwatch, route53 = env.client("cloudwatch", control["region"]), env.client("route53", "secondary")

    def fence(value):
        cloudwatch.put_metric_data(Namespace=control["metricNamespace"], MetricData=[{
            "MetricName": control["metricName"], "Value": value,
            "Dimensions": [{"Name": k, "Value": v} for k, v in control["metricDimensions"].items()]}])

    def healthy(check_id):
        observations = route53.get_health_check_status(HealthCheckId=check_id)["HealthCheckObservations"]
        return all(o["StatusReport"]["Status"].startswith("Success") for o in observations)

    checks = (control["controlHealthCheckId"], control["primaryCalculatedHealthCheckId"])
    assert [healthy(c) for c in checks] == [True, True]
    fence(1)
    try:
        assert [healthy(c) for c in checks] == [False, False]
        assert env.serving_role() == "secondary"
    finally:
        fence(0)
    assert [healthy(c) for c in checks] == [True, True]
    assert env.serving_role() == "primary"
