"""AWS clients: endpoint overrides, a dead region costs one attempt, timeouts bound a silent region."""
from __future__ import annotations

import json
import time

import pytest

from drcore.errors import UsageError
from drfailover.clients import AwsClients, RegionUnreachable, load_endpoints
from tests.support.moto_server import closed_port_url


def test_an_optional_client_gives_up_on_a_dead_region_after_one_attempt():
    clients = AwsClients({"us-east-1": closed_port_url()})
    ecs = clients.get("ecs", "us-east-1", optional=True)
    with pytest.raises(Exception) as first:
        ecs.describe_services(cluster="c", services=["s"])
    assert not isinstance(first.value, RegionUnreachable)
    assert clients.unreachable("us-east-1")
    # The later call is refused before any connection: no second HTTP attempt (not timed: client creation alone
    # varies with the machine's load).
    with pytest.raises(RegionUnreachable):
        clients.get("cloudwatch", "us-east-1", optional=True).describe_alarms()
    assert clients.counter.snapshot()["httpAttempts"] == 1


def test_a_silent_primary_region_costs_one_short_timeout(platform):
    region = platform.deployment.primary_region
    platform.aws.faults[region].make_unreachable("blackhole", hang_seconds=20)
    clients = platform.new_clients()
    started = time.perf_counter()
    with pytest.raises(Exception):
        clients.get("ecs", region, optional=True).describe_clusters()
    elapsed = time.perf_counter() - started
    assert elapsed < 6  # connect 2 s / read 3 s, one attempt — not 20 s, not four attempts
    assert clients.unreachable(region)


def test_a_required_client_retries_throttling(platform):
    region = platform.deployment.secondary_region
    platform.aws.faults[region].throttle("DescribeAlarms", times=2)
    clients = platform.new_clients()
    clients.get("cloudwatch", region).describe_alarms()
    assert clients.counter.snapshot() == {"calls": 1, "httpAttempts": 3,
                                          "byOperation": {f"{region} cloudwatch:DescribeAlarms": 1}}


def test_route53_uses_the_global_endpoint(platform):
    platform.aws.faults[platform.deployment.primary_region].make_unreachable("refuse")
    clients = platform.new_clients()
    status = clients.get("route53", "us-west-2").get_health_check_status(
        HealthCheckId=platform.deployment.secondary.health_check_id)
    assert status["HealthCheckObservations"]


def test_endpoints_come_from_the_file_or_the_environment(tmp_path):
    path = tmp_path / "endpoints.json"
    path.write_text(json.dumps({"us-west-2": "http://127.0.0.1:5001"}))
    assert load_endpoints(path, environ={}) == {"us-west-2": "http://127.0.0.1:5001"}
    assert load_endpoints(None, environ={"DRKIT_AWS_ENDPOINTS": '{"global": "http://127.0.0.1:5002"}'}) == {
        "global": "http://127.0.0.1:5002"}
    assert load_endpoints(None, environ={}) == {}


@pytest.mark.parametrize("content, fragment", [
    ("{", "is not JSON"), ("[]", "non-empty JSON object"), ('{"us-west-2": "ftp://x"}', "http:// or https://")])
def test_bad_endpoint_files_are_one_clear_error(tmp_path, content, fragment):
    path = tmp_path / "endpoints.json"
    path.write_text(content)
    with pytest.raises(UsageError, match=fragment):
        load_endpoints(path, environ={})


def test_a_missing_endpoint_file_is_named(tmp_path):
    with pytest.raises(UsageError, match="cannot be read"):
        load_endpoints(tmp_path / "nope.json", environ={})
