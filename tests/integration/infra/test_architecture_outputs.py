"""The stack outputs the failover automation reads, checked against the resources in the real program's
resource graph."""
from __future__ import annotations

import pytest

from drfailover.deployment import deployment_from_outputs
from drkit.graph.resource_graph import Resource
from tests.support.architecture import (ALARM, DASHBOARD, DB_CLUSTER, GLOBAL_CLUSTER, LISTENER, PRIMARY, ROLES,
                                        SECONDARY, STACKS, TOPIC, VAULT, Stack, arn_region, contains_unknown,
                                        control_tables, data_bucket, data_tables, endpoint_check, failover_records,
                                        only, primary_gate, region_alb, region_service, stack)

# -- stack outputs for failover automation -----------------------------------------------------------
REGION_OUTPUT_KEYS = ("region", "albDnsName", "albArn", "clusterName", "serviceName", "databaseClusterIdentifier",
                      "databaseClusterArn", "healthCheckId", "alertTopicArn", "backupVaultName", "bucketNames",
                      "dashboardName")


def _health_check_id(s: Stack, check: Resource) -> str:
    """The check's ID as the graph carries it: the HealthCheckId dimension of the alarms fed by that check alone."""
    ids = {a.inputs["dimensions"].get("HealthCheckId") for a in s.referring(ALARM, check, "dimensions")
           if a.property_dependencies.get("dimensions") == [check.urn]}
    return only(sorted(ids, key=str), f"ID of {check.name} in its alarms' dimensions")


@pytest.mark.parametrize("name", STACKS)
def test_outputs_hold_what_failover_automation_needs(name):
    s = stack(name)
    outputs = s.graph.outputs
    assert not contains_unknown(outputs)
    for key in ("primaryRegion", "secondaryRegion", "regions", "dns", "globalClusterIdentifier", "tableNames"):
        assert key in outputs, key
    assert outputs["primaryRegion"] == s.config.primary_region
    assert outputs["secondaryRegion"] == s.config.secondary_region
    assert set(outputs["regions"]) == set(ROLES)
    for role in ROLES:
        missing = [k for k in REGION_OUTPUT_KEYS if not outputs["regions"][role].get(k)]
        assert not missing, (role, missing)
        assert outputs["regions"][role]["region"] == s.role_regions[role]
    assert outputs["dns"].get("recordName") == s.config.dns.record_name


@pytest.mark.parametrize("name", STACKS)
@pytest.mark.parametrize("role,kind", [(PRIMARY, "PRIMARY"), (SECONDARY, "SECONDARY")])
def test_output_endpoints_match_the_failover_records(name, role, kind):
    s = stack(name)
    out = s.graph.outputs["regions"][role]
    record = failover_records(s)[kind]
    check = endpoint_check(s, record, kind)
    if kind == "PRIMARY":
        # The output names the endpoint check, which the PRIMARY record reaches through its calculated check.
        gate, control = primary_gate(s, record), s.graph.outputs["control"]
        endpoint_id = _health_check_id(s, check)
        assert out["healthCheckId"] == endpoint_id
        assert control["primaryCalculatedHealthCheckId"] == record.inputs["healthCheckId"]
        assert control["controlHealthCheckId"] != endpoint_id
        # The calculated check's two children: the HTTPS child is the endpoint, so the other is the control check.
        assert sorted(gate.calculated.inputs["childHealthchecks"]) == sorted([endpoint_id,
                                                                              control["controlHealthCheckId"]])
    else:
        assert out["healthCheckId"] == record.inputs["healthCheckId"]
    assert out["albDnsName"] == record.inputs["aliases"][0]["name"]
    assert out["albDnsName"] == check.inputs["fqdn"]
    assert s.graph.outputs["dns"].get("zoneId") == record.inputs.get("zoneId")
    alb = region_alb(s, role)
    listeners = s.referring(LISTENER, alb, "loadBalancerArn")
    assert listeners and all(lst.inputs["loadBalancerArn"] == out["albArn"] for lst in listeners)


@pytest.mark.parametrize("name", STACKS)
@pytest.mark.parametrize("role", ROLES)
def test_output_names_match_the_regions_resources(name, role):
    s = stack(name)
    out = s.graph.outputs["regions"][role]
    service = region_service(s, role)
    assert out["serviceName"] == service.inputs.get("name")
    assert out["desiredCount"] == service.inputs.get("desiredCount")
    cluster = only(s.in_role(DB_CLUSTER, role), f"Aurora cluster in the {role} region")
    assert out["databaseClusterIdentifier"] == cluster.inputs.get("clusterIdentifier")
    assert arn_region(out["databaseClusterArn"]) == s.role_regions[role]
    assert out["databaseClusterArn"].endswith(":cluster:" + cluster.inputs["clusterIdentifier"])
    vault = only(s.in_role(VAULT, role), f"backup vault in the {role} region")
    assert out["backupVaultName"] == vault.inputs.get("name")
    dashboard = only(s.in_role(DASHBOARD, role), "dashboard")
    assert out["dashboardName"] == dashboard.inputs.get("dashboardName")
    # The topic the region's alarms page is the topic named in the outputs.
    topic_arns = {a for alarm in s.in_role(ALARM, role) for a in alarm.inputs.get("alarmActions", [])}
    assert topic_arns == {out["alertTopicArn"]}
    topic = only(s.in_role(TOPIC, role), "topic")
    assert out["alertTopicArn"].endswith(":" + topic.inputs["name"])
    for purpose in s.config.data.buckets:
        assert out["bucketNames"][purpose] == data_bucket(s, purpose, role).inputs.get("bucket")


@pytest.mark.parametrize("name", STACKS)
def test_output_database_and_table_names_match_the_graph(name):
    s = stack(name)
    outputs = s.graph.outputs
    global_cluster = only(s.of(GLOBAL_CLUSTER), "global cluster")
    assert outputs["globalClusterIdentifier"] == global_cluster.inputs.get("globalClusterIdentifier")
    assert {c.inputs.get("globalClusterIdentifier") for c in s.of(DB_CLUSTER)} == {outputs["globalClusterIdentifier"]}
    assert set(outputs["tableNames"]) == set(s.config.data.tables)
    assert set(outputs["tableNames"].values()) == {t.inputs.get("name") for t in data_tables(s)}
    # The lock-and-journal table is not a data table: one, in the secondary region only, deliberately not global
    # (a lock needs one strongly consistent home), and named in the control outputs.
    control = only(control_tables(s), "dr-control table")
    assert s.role(control) == SECONDARY, f"{control.name} is in {s.region(control)}, not the secondary region"
    assert not control.inputs.get("replicas"), f"{control.name} must not be a global table"
    assert outputs["control"]["tableName"] == control.inputs.get("name")


@pytest.mark.parametrize("name", STACKS)
def test_output_health_check_alarms_watch_the_output_health_checks(name):
    s = stack(name)
    alarm_names = s.graph.outputs["dns"].get("healthCheckAlarmNames") or {}
    assert set(alarm_names) == set(ROLES)
    alarms = {a.inputs.get("name"): a for a in s.of(ALARM)}
    for role, alarm_name in alarm_names.items():
        alarm = alarms.get(alarm_name)
        assert alarm is not None, f"output names alarm {alarm_name}, which is not in the graph"
        assert alarm.inputs["dimensions"].get("HealthCheckId") == s.graph.outputs["regions"][role]["healthCheckId"]


@pytest.mark.parametrize("name", STACKS)
def test_the_function_learns_who_decides_an_unplanned_failover_from_the_outputs(name):
    s = stack(name)
    deployment = deployment_from_outputs(s.graph.outputs, name)
    assert deployment.unplanned_failover == s.config.automation.unplanned_failover
    assert deployment.outage_quorum == s.config.automation.outage_quorum >= 2
    assert deployment.health_check_alarm_topic_arn == s.graph.outputs["dns"]["healthCheckAlarmTopicArn"]
