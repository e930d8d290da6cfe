"""Faults the regional proxies inject, seen by real botocore clients over HTTP on loopback."""
from __future__ import annotations

import time

import pytest
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError, ReadTimeoutError

from drkit.emulation.moto_server import new_client
from tests.integration.emulation.conftest import PRIMARY, SECONDARY


def _throttle_code(client_call):
    with pytest.raises(ClientError) as throttled:
        client_call()
    return throttled.value.response["Error"]["Code"], throttled.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_a_refusing_region_refuses_connections_until_it_is_reachable_again(emulation):
    dynamodb = emulation.client("dynamodb", PRIMARY)
    url = emulation.proxies[PRIMARY].url
    emulation.faults[PRIMARY].make_unreachable("refuse")
    with pytest.raises(EndpointConnectionError):
        dynamodb.list_tables()
    assert emulation.client("dynamodb", SECONDARY).list_tables()["TableNames"] == []  # the other region is fine
    emulation.faults[PRIMARY].make_reachable()
    assert emulation.proxies[PRIMARY].url == url
    assert dynamodb.list_tables()["TableNames"] == []


def test_a_resetting_region_accepts_and_resets_connections(emulation):
    emulation.faults[PRIMARY].make_unreachable("reset")
    with pytest.raises(BotoCoreError) as failed:
        emulation.client("rds", PRIMARY).describe_db_clusters()
    assert not isinstance(failed.value, ClientError)


def test_a_blackholed_region_never_answers_and_the_client_times_out(emulation):
    emulation.faults[PRIMARY].make_unreachable("blackhole", hang_seconds=5)
    started = time.monotonic()
    with pytest.raises(ReadTimeoutError):
        emulation.client("kms", PRIMARY, read_timeout=0.5).list_keys()
    assert time.monotonic() - started < 4


@pytest.mark.parametrize("service, method, expected", [
    ("rds", "describe_db_clusters", ("Throttling", 400)),
    ("dynamodb", "list_tables", ("ThrottlingException", 400)),
    ("route53", "list_hosted_zones", ("Throttling", 400)),
    ("backup", "list_backup_vaults", ("ThrottlingException", 400)),
    ("cloudwatch", "describe_alarms", ("Throttling", 400)),
    ("s3", "list_buckets", ("SlowDown", 503)),
])
def test_throttling_comes_in_each_services_own_protocol(emulation, service, method, expected):
    client = emulation.client(service, SECONDARY)
    emulation.faults[SECONDARY].throttle(client.meta.method_to_api_mapping[method])
    assert _throttle_code(getattr(client, method)) == expected
    getattr(client, method)()  # only the next call was throttled


def test_the_sdks_standard_retries_ride_out_a_short_throttle(emulation):
    emulation.faults[SECONDARY].throttle("ListTables", times=2)
    mark = len(emulation.proxies[SECONDARY].calls_since())
    retrying = emulation.client("dynamodb", SECONDARY, retries={"total_max_attempts": 4, "mode": "standard"})
    assert retrying.list_tables()["TableNames"] == []
    statuses = [c.status for c in emulation.proxies[SECONDARY].calls_since(mark)]
    assert statuses == [400, 400, 200]


def test_a_throttle_hits_only_its_action_and_service(emulation):
    emulation.faults[SECONDARY].throttle("ListTables", service="dynamodb")
    assert emulation.client("dynamodb", PRIMARY).list_tables()["TableNames"] == []  # other region
    emulation.client("kms", SECONDARY).list_keys()  # other action
    assert emulation.faults[SECONDARY].pending_throttles("ListTables") == 1


def test_filled_actions_are_throttled_too(emulation):
    emulation.faults[SECONDARY].throttle("GetHealthCheckStatus")
    route53 = emulation.client("route53", SECONDARY)
    assert _throttle_code(lambda: route53.get_health_check_status(HealthCheckId="x")) == ("Throttling", 400)


def test_latency_delays_each_call(emulation):
    emulation.faults[SECONDARY].add_latency(0.4)
    started = time.monotonic()
    emulation.client("dynamodb", SECONDARY).list_tables()
    assert time.monotonic() - started >= 0.4


@pytest.mark.parametrize("bad", [lambda f: f.make_unreachable("sideways"), lambda f: f.throttle("X", times=0),
                                 lambda f: f.add_latency(120), lambda f: f.make_unreachable("blackhole", hang_seconds=0)])
def test_fault_settings_are_bounded(emulation, bad):
    with pytest.raises(ValueError):
        bad(emulation.faults[PRIMARY])


def test_a_request_signed_for_another_region_is_refused_like_aws_does(emulation):
    misdirected = emulation.proxies[SECONDARY].url
    with pytest.raises(ClientError) as refused:
        new_client("dynamodb", PRIMARY, misdirected).list_tables()
    assert refused.value.response["Error"]["Code"] == "InvalidSignatureException"
    with pytest.raises(ClientError) as refused:
        new_client("rds", PRIMARY, misdirected).describe_db_clusters()
    assert refused.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    global_service = new_client("route53", PRIMARY, misdirected)  # Route 53 is global: any regional endpoint
    assert global_service.list_hosted_zones()["HostedZones"] == []
