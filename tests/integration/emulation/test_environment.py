"""EmulatedEnvironment: built from the program as it is, drill controls, and nothing left behind."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Iterator

import pytest
from botocore.exceptions import EndpointConnectionError

from drfailover.dns_answer import DataPlaneDns, region_of_answer
from drkit.emulation import EmulatedEnvironment
from tests.support.loopback import get_json, post_order, refused
from tests.support.stacks import edited, stack_values, write_project

EDITS = {"standbyCapacityFraction": 1.0, "data.tables": ["carts", "sessions", "orders"]}


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> Iterator[EmulatedEnvironment]:
    """The dev stack with a full-size standby and a third table: the program's edit, not the emulation's.

    The environment runs the edited project's program itself, as `drkit drill --local` does."""
    values = stack_values("dev")
    for path, value in EDITS.items():
        values = edited(values, path, value)
    root = write_project(tmp_path_factory.mktemp("edited"), "dev", values)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DRKIT_PROJECT_DIR", str(root))
        with EmulatedEnvironment("dev", progress=None) as environment:
            yield environment


def test_a_change_to_the_program_changes_the_emulated_environment(env):
    secondary = env.outputs["regions"]["secondary"]
    service = env.client("ecs", "secondary").describe_services(cluster=secondary["clusterName"],
                                                               services=[secondary["serviceName"]])["services"][0]
    assert service["desiredCount"] == env.outputs["regions"]["primary"]["desiredCount"]
    orders = env.outputs["tableNames"]["orders"]
    for role in ("primary", "secondary"):
        assert env.client("dynamodb", role).describe_table(TableName=orders)["Table"]["TableStatus"] == "ACTIVE"


def test_each_roles_probe_and_the_endpoints_map_point_at_loopback(env):
    assert json.loads(env.endpoints_json()) == env.endpoints
    assert set(env.endpoints) == set(env.proxies) | {"dns"}
    assert set(env.proxies) >= {env.region("primary"), env.region("secondary"), "global"}
    assert env.endpoints["dns"].startswith("dns://127.0.0.1:")
    for role, url in env.probes.items():
        assert url.startswith("http://127.0.0.1:")
        assert get_json(url) == (200, {"status": "ok", "role": role, "region": env.region(role)})


def test_an_endpoint_down_moves_dns_to_the_secondary_and_back(env):
    env.endpoint_down("primary")
    try:
        assert get_json(env.probes["primary"])[0] == 503
        assert env.serving_role() == "secondary"
        assert _name_servers_answer(env) == "secondary"
    finally:
        env.endpoint_up("primary")
    assert env.serving_role() == "primary"
    assert _name_servers_answer(env) == "primary"


def _name_servers_answer(env) -> str | None:
    """Which role's load balancer the emulated name server answers for the record, asked over UDP."""
    data_plane = DataPlaneDns(endpoint=env.endpoints["dns"])
    answer, note = data_plane.record_answer(env.outputs["dns"]["recordName"])
    assert answer is not None and answer.addresses, note
    load_balancers = {role: env.outputs["regions"][role]["albDnsName"] for role in ("primary", "secondary")}
    return region_of_answer(answer, load_balancers, data_plane)


def test_a_region_outage_takes_its_aws_endpoint_and_load_balancer_away(env):
    env.region_outage("primary")
    try:
        with pytest.raises(EndpointConnectionError):
            env.client("dynamodb", "primary").list_tables()
        assert refused(env.probes["primary"])
        assert env.serving_role() == "secondary"
        primary_check = env.outputs["regions"]["primary"]["healthCheckId"]
        observations = env.client("route53", "global").get_health_check_status(HealthCheckId=primary_check)
        assert observations["HealthCheckObservations"][0]["StatusReport"]["Status"].startswith("Failure")
        status, stored = post_order(env, "secondary", {"orderId": "during-outage", "total": 12})
        assert (status, stored["region"]) == (201, env.region("secondary"))
    finally:
        env.region_recovered("primary")
    assert get_json(env.probes["primary"])[0] == 200
    status, order = get_json(env.health["primary"].url + "/orders/during-outage")
    assert (status, order["storedIn"]) == (200, env.region("secondary"))


def test_the_deep_health_check_fails_when_only_the_regions_aws_endpoint_is_gone(env):
    env.fault("primary").make_unreachable("refuse")
    try:
        status, body = get_json(env.probes["primary"])
        assert (status, body["status"]) == (503, "unhealthy")
        assert post_order(env, "primary", {"orderId": "lost"})[0] == 503
    finally:
        env.fault("primary").make_reachable()


def test_proxies_count_the_calls_made_after_a_mark(env):
    mark = env.mark()
    env.client("dynamodb", "secondary").list_tables()
    assert [(c.region, c.service, c.action) for c in env.calls(mark)] == [(env.region("secondary"), "dynamodb",
                                                                          "ListTables")]


def test_the_storefront_refuses_what_it_does_not_serve(env):
    storefront = env.health["secondary"].url
    assert get_json(storefront + "/nothing-here")[0] == 404
    assert get_json(storefront + "/orders/never-placed")[0] == 404
    assert post_order(env, "secondary", ["not", "an", "object"])[0] == 400


def _lag_datapoints(env, role):
    cluster = env.outputs["regions"][role]["databaseClusterIdentifier"]
    data = env.moto.client("cloudwatch", env.region(role)).get_metric_statistics(
        Namespace="AWS/RDS", MetricName="AuroraGlobalDBReplicationLag", Statistics=["Maximum"], Period=60,
        Dimensions=[{"Name": "DBClusterIdentifier", "Value": cluster}],
        StartTime=datetime.now(timezone.utc) - timedelta(minutes=5), EndTime=datetime.now(timezone.utc) + timedelta(minutes=1))
    return sorted(d["Maximum"] for d in data["Datapoints"])


def test_replication_lag_is_published_for_whichever_cluster_is_not_writing(env):
    rds = env.client("rds", "secondary")
    global_id, arns = env.outputs["globalClusterIdentifier"], {r: env.outputs["regions"][r]["databaseClusterArn"]
                                                                for r in ("primary", "secondary")}
    assert _lag_datapoints(env, "primary") == []
    rds.failover_global_cluster(GlobalClusterIdentifier=global_id, TargetDbClusterIdentifier=arns["secondary"],
                                AllowDataLoss=True)
    try:
        env.set_replication_lag(2.5)
        assert _lag_datapoints(env, "primary") == [2500.0]
        assert 2500.0 not in _lag_datapoints(env, "secondary")
    finally:
        rds.switchover_global_cluster(GlobalClusterIdentifier=global_id, TargetDbClusterIdentifier=arns["primary"])
