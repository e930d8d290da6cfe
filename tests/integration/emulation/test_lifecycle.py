"""EmulatedEnvironment's lifecycle, on a graph of one replicated table: nothing is left behind, ever."""
from __future__ import annotations

import socket
import threading
import time

import pytest

from drcore.errors import UsageError
from drkit.emulation import EmulatedEnvironment
from tests.support.graphs import GraphBuilder
from tests.support.loopback import post_order, refused


def _tiny_graph(with_table: bool = True):
    builder = GraphBuilder()
    if with_table:
        builder.add("aws:dynamodb/table:Table", "orders", {
            "name": "orders", "hashKey": "pk", "rangeKey": "sk", "billingMode": "PAY_PER_REQUEST",
            "attributes": [{"name": "pk", "type": "S"}, {"name": "sk", "type": "S"}], "streamEnabled": True,
            "streamViewType": "NEW_AND_OLD_IMAGES", "replicas": [{"regionName": "us-west-2"}]})
    graph = builder.build()
    graph.outputs = {"regions": {"primary": {"region": "us-east-1", "albDnsName": "east.elb.amazonaws.com"},
                                 "secondary": {"region": "us-west-2", "albDnsName": "west.elb.amazonaws.com"}},
                     "tableNames": {"orders": "orders"}}
    return graph


def _our_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("drkit-")]


def test_leaving_the_environment_stops_everything_it_started():
    before = set(threading.enumerate())
    with EmulatedEnvironment("tiny", graph=_tiny_graph(), progress=None) as env:
        # TCP listeners; the name server (UDP) is one of the threads that must be gone
        urls = [*(u for u in env.endpoints.values() if u.startswith("http")), *env.probes.values(), env.moto.url]
        assert _our_threads()
        assert post_order(env, "primary", {"orderId": "o"})[0] == 201
        env.fault("primary").make_unreachable("blackhole", hang_seconds=30)
        port = int(env.endpoints[env.region("primary")].rsplit(":", 1)[1])
        hanging = socket.create_connection(("127.0.0.1", port))
        hanging.sendall(b"GET / HTTP/1.1\r\nHost: emulation\r\n\r\n")
    assert all(refused(url) for url in urls)
    deadline = time.monotonic() + 5
    while set(threading.enumerate()) - before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [t.name for t in set(threading.enumerate()) - before] == []
    hanging.close()
    with EmulatedEnvironment("tiny", graph=_tiny_graph(), progress=None):
        pass  # moto's one-per-process slot was given back


def test_a_failed_start_stops_what_it_had_started():
    env = EmulatedEnvironment("tiny", graph=_tiny_graph(with_table=False), progress=None)
    with pytest.raises(UsageError, match="no DynamoDB table"):
        env.start()
    assert env.proxies == {} and env.moto is None and _our_threads() == []
    with EmulatedEnvironment("tiny", graph=_tiny_graph(), progress=None):
        pass


def test_a_graph_without_the_stack_outputs_is_refused_before_anything_starts():
    graph = _tiny_graph()
    graph.outputs = {}
    with pytest.raises(UsageError, match="regions.primary.region"):
        EmulatedEnvironment("tiny", graph=graph, progress=None).start()
    assert _our_threads() == []


def test_only_one_environment_runs_per_process():
    with EmulatedEnvironment("tiny", graph=_tiny_graph(), progress=None) as first:
        with pytest.raises(UsageError, match="already running"):
            EmulatedEnvironment("tiny", graph=_tiny_graph(), progress=None).start()
        assert first.client("dynamodb", "primary").describe_table(TableName="orders")["Table"]["TableName"] == "orders"


def test_progress_goes_to_the_callback():
    lines: list[str] = []
    with EmulatedEnvironment("tiny", graph=_tiny_graph(), progress=lines.append) as env:
        assert env.startup_seconds > 0
    assert any("ready in" in line for line in lines)
    assert any("creating 1 of 1 resources" in line for line in lines)


def test_what_cannot_be_created_is_left_out_with_the_reason():
    graph = _tiny_graph()
    builder = GraphBuilder()
    builder.add("aws:kms/alias:Alias", "orphan-alias", {"name": "alias/orphan", "targetKeyId": "mrk-does-not-exist"})
    builder.add("aws:dynamodb/table:Table", "keyless", {"name": "keyless", "attributes": []})
    builder.add("aws:ec2/vpc:Vpc", "network", {"cidrBlock": "10.0.0.0/16"})
    graph.resources += [r for r in builder.build().resources if not r.is_provider and r.parent]
    with EmulatedEnvironment("tiny", graph=graph, progress=None) as env:
        reasons = {s.urn.split("::")[-1]: s.reason for s in env.materialized.skipped}
        assert [r.name for r in env.materialized.created] == ["orders"]
    assert reasons["orphan-alias"].startswith("moto could not create it")
    assert reasons["keyless"].startswith("its inputs lack what the emulation needs")
    assert reasons["network"] == "not used by the automation, readiness checks or drills"


def test_an_unknown_stack_is_one_clear_error_and_starts_nothing():
    with pytest.raises(UsageError, match="unknown stack 'nope'"):
        EmulatedEnvironment("nope", progress=None).start()
    assert _our_threads() == []
