"""Traffic is verified on Route 53's DNS data plane (the zone's name servers, over UDP), not its control plane:
Route 53's API is served from us-east-1, prod's primary region, and may be gone with it."""
from __future__ import annotations

from drfailover.clients import GLOBAL_ENDPOINT_KEY
from drfailover.deployment import SECONDARY

VERIFY_S = 3.0  # how long these tests let traffic take to move (the recovery model's budget is minutes)


def _route53_api_calls(result) -> dict[str, int]:
    return {op: n for op, n in result.calls["byOperation"].items() if " route53:" in op}


def test_a_failover_verifies_traffic_at_the_zones_name_servers_while_route53s_api_is_down(platform):
    platform.primary_endpoint_down()
    d = platform.deployment
    # Route 53's checkers still see the primary fail and its alarm fires; only Route 53's API does not answer.
    platform.moto("cloudwatch", d.health_check_alarm_region).set_alarm_state(
        AlarmName=d.health_check_alarm_names["primary"], StateValue="ALARM", StateReason="checkers report failure")
    platform.aws.faults[GLOBAL_ENDPOINT_KEY].make_unreachable("refuse")
    queries = platform.aws.dns.queries
    result, progress = platform.run("failover", verify_timeout_s=VERIFY_S)
    assert result.outcome == "done", result.message
    assert platform.writer() == d.secondary.database_cluster_arn
    verify = next(line for line in progress.splitlines() if "verify-traffic-secondary" in line and " done" in line)
    assert f"answers {d.secondary_region}" in verify and "authoritative" in verify, verify
    assert "control check unknown" in verify, verify
    assert platform.aws.dns.queries > queries  # asked over UDP
    # TestDNSAnswer is never called; Route 53's API is tried at most once per step that reads it.
    assert not any("TestDNSAnswer" in op for op in _route53_api_calls(result)), result.calls["byOperation"]


def test_traffic_is_not_verified_while_the_name_servers_still_answer_the_old_region(platform):
    """The SECONDARY record is gone (a bad DNS change): the fence moves nothing, so the run must not say done."""
    d = platform.deployment
    route53 = platform.moto("route53", "us-east-1")
    secondary = next(r for r in route53.list_resource_record_sets(HostedZoneId=d.zone_id)["ResourceRecordSets"]
                     if r.get("Failover") == "SECONDARY")
    route53.change_resource_record_sets(HostedZoneId=d.zone_id, ChangeBatch={"Changes": [
        {"Action": "DELETE", "ResourceRecordSet": secondary}]})
    platform.primary_endpoint_down()
    result, _ = platform.run("failover", verify_timeout_s=VERIFY_S)
    assert result.outcome == "failed"
    assert "traffic not verified" in result.message and f"answers {d.primary_region}" in result.message, result.message
    assert platform.desired_count(SECONDARY) == d.primary.desired_count  # what was done stays done, and is reported


def test_with_no_name_server_answering_and_no_record_probe_traffic_cannot_be_verified(platform):
    platform.primary_endpoint_down()
    platform.aws.dns.answering = False
    result, _ = platform.run("failover", verify_timeout_s=VERIFY_S)
    assert result.outcome == "failed"
    assert "no authoritative name server" in result.message and "cannot verify" in result.message, result.message


def test_a_record_probe_served_by_the_target_verifies_when_dns_cannot_be_asked(platform):
    platform.primary_endpoint_down()
    platform.aws.dns.answering = False
    # The record's URL as a customer reaches it; here it lands on the secondary's storefront, which names its region.
    result, progress = platform.run("failover", verify_timeout_s=VERIFY_S,
                                    probes={**platform.probes, "record": platform.probes[SECONDARY]})
    assert result.outcome == "done", result.message
    assert f"served by {platform.deployment.secondary_region}" in progress
