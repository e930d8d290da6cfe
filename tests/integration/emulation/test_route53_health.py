"""Route 53 health-check status and failover answers that follow endpoints, alarms and children."""
from __future__ import annotations

import socket

import pytest
from botocore.exceptions import ClientError

from tests.integration.emulation.conftest import PRIMARY, SECONDARY

ALB = "storefront-alb.us-east-1.elb.amazonaws.com"


def _status(emulation, check_id):
    observations = emulation.client("route53", SECONDARY).get_health_check_status(
        HealthCheckId=check_id)["HealthCheckObservations"]
    statuses = {o["StatusReport"]["Status"].split(":")[0] for o in observations}
    assert len(statuses) == 1, observations
    return statuses.pop()


def _https_check(emulation, fqdn=ALB, **extra):
    config = {"Type": "HTTPS", "FullyQualifiedDomainName": fqdn, "Port": 443, "ResourcePath": "/health/deep",
              "RequestInterval": 10, "FailureThreshold": 3, **extra}
    return emulation.client("route53").create_health_check(CallerReference=fqdn + str(extra),
                                                           HealthCheckConfig=config)["HealthCheck"]["Id"]


def _alarm_check(emulation, insufficient="LastKnownStatus"):
    emulation.client("cloudwatch", SECONDARY).put_metric_alarm(
        AlarmName="primary-fenced", Namespace="ECommerceDR/Traffic", MetricName="PrimaryFenced", Statistic="Maximum",
        Period=10, EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold",
        Dimensions=[{"Name": "Environment", "Value": "test"}], TreatMissingData="notBreaching")
    return emulation.client("route53").create_health_check(CallerReference="control", HealthCheckConfig={
        "Type": "CLOUDWATCH_METRIC", "AlarmIdentifier": {"Region": SECONDARY, "Name": "primary-fenced"},
        "InsufficientDataHealthStatus": insufficient})["HealthCheck"]["Id"]


def _fence(emulation, value):
    emulation.client("cloudwatch", SECONDARY).put_metric_data(Namespace="ECommerceDR/Traffic", MetricData=[{
        "MetricName": "PrimaryFenced", "Value": value, "Dimensions": [{"Name": "Environment", "Value": "test"}]}])


def test_an_https_check_follows_its_endpoints_answer(emulation, site):
    emulation.gaps.health.register_probe(ALB, site.url)
    check = _https_check(emulation)
    assert _status(emulation, check) == "Success"
    site.status = 503
    assert _status(emulation, check) == "Failure"
    site.status = 200
    assert _status(emulation, check) == "Success"


def test_an_https_check_fails_when_nothing_listens_or_nothing_is_registered(emulation):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    emulation.gaps.health.register_probe(ALB, closed)
    assert _status(emulation, _https_check(emulation)) == "Failure"
    assert _status(emulation, _https_check(emulation, fqdn="unregistered.example.com")) == "Failure"


def test_string_match_checks_need_the_search_string(emulation, site):
    emulation.gaps.health.register_probe(ALB, site.url)
    site.body = b'{"status": "degraded"}'
    check = _https_check(emulation, Type="HTTPS_STR_MATCH", SearchString='"ok"')
    assert _status(emulation, check) == "Failure"
    site.body = b'{"status": "ok"}'
    assert _status(emulation, check) == "Success"


def test_inverted_and_disabled_checks_behave_as_in_route53(emulation, site):
    emulation.gaps.health.register_probe(ALB, site.url)
    inverted = _https_check(emulation, Inverted=True)
    disabled = _https_check(emulation, Disabled=True)
    site.status = 500
    assert (_status(emulation, inverted), _status(emulation, disabled)) == ("Success", "Success")


def test_probes_must_be_on_loopback(emulation):
    with pytest.raises(ValueError):
        emulation.gaps.health.register_probe(ALB, "http://192.0.2.10:8080")


def test_a_cloudwatch_check_follows_the_alarm_that_put_metric_data_moves(emulation):
    check = _alarm_check(emulation)
    assert _status(emulation, check) == "Success"
    _fence(emulation, 1)
    assert _status(emulation, check) == "Failure"
    _fence(emulation, 0)
    assert _status(emulation, check) == "Success"


@pytest.mark.parametrize("policy, last, expected", [("Healthy", 1, "Success"), ("Unhealthy", 0, "Failure"),
                                                    ("LastKnownStatus", 1, "Failure"), ("LastKnownStatus", 0, "Success")])
def test_insufficient_data_follows_the_checks_policy(emulation, policy, last, expected):
    check = _alarm_check(emulation, insufficient=policy)
    _fence(emulation, last)
    _status(emulation, check)  # Route 53 has seen the last known state
    emulation.direct("cloudwatch", SECONDARY).set_alarm_state(AlarmName="primary-fenced", StateValue="INSUFFICIENT_DATA",
                                                              StateReason="no data")
    assert _status(emulation, check) == expected


def test_the_alarm_identifier_moto_drops_is_shown_again(emulation):
    check = _alarm_check(emulation)
    config = emulation.client("route53").get_health_check(HealthCheckId=check)["HealthCheck"]["HealthCheckConfig"]
    assert config["AlarmIdentifier"] == {"Region": SECONDARY, "Name": "primary-fenced"}
    assert config["InsufficientDataHealthStatus"] == "LastKnownStatus"
    listed = emulation.client("route53").list_health_checks()["HealthChecks"]
    assert [c["HealthCheckConfig"].get("AlarmIdentifier", {}).get("Name") for c in listed] == ["primary-fenced"]


def test_a_calculated_check_counts_its_healthy_children(emulation, site):
    emulation.gaps.health.register_probe(ALB, site.url)
    endpoint, control = _https_check(emulation), _alarm_check(emulation)
    primary = emulation.client("route53").create_health_check(CallerReference="calc", HealthCheckConfig={
        "Type": "CALCULATED", "ChildHealthChecks": [endpoint, control], "HealthThreshold": 2})["HealthCheck"]["Id"]
    assert _status(emulation, primary) == "Success"
    _fence(emulation, 1)
    assert _status(emulation, primary) == "Failure"
    _fence(emulation, 0)
    site.status = 503
    assert _status(emulation, primary) == "Failure"


def test_status_of_an_unknown_check_is_not_found(emulation):
    with pytest.raises(ClientError) as raised:
        emulation.client("route53").get_health_check_status(HealthCheckId="11111111-2222-3333-4444-555555555555")
    assert raised.value.response["Error"]["Code"] == "NoSuchHealthCheck"


def _failover_zone(emulation, primary_check, secondary_check):
    route53 = emulation.client("route53")
    zone = route53.create_hosted_zone(Name="shop.example.com", CallerReference="z")["HostedZone"]["Id"].rsplit("/", 1)[-1]
    changes = []
    for role, check, target in (("PRIMARY", primary_check, ALB), ("SECONDARY", secondary_check, "west-alb.elb.amazonaws.com")):
        changes.append({"Action": "CREATE", "ResourceRecordSet": {
            "Name": "www.shop.example.com", "Type": "A", "SetIdentifier": role.lower(), "Failover": role,
            "HealthCheckId": check, "AliasTarget": {"HostedZoneId": "Z35SXDOTRQ7X7K", "DNSName": target,
                                                    "EvaluateTargetHealth": True}}})
    route53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": changes})
    return zone


def _answer(emulation, zone):
    answer = emulation.client("route53", SECONDARY).test_dns_answer(HostedZoneId=zone, RecordName="www.shop.example.com",
                                                                    RecordType="A")
    assert answer["ResponseCode"] == "NOERROR"
    return answer["RecordData"]


def test_test_dns_answer_resolves_failover_records_from_health(emulation, site):
    emulation.gaps.health.register_probe(ALB, site.url)
    zone = _failover_zone(emulation, _https_check(emulation), _alarm_check(emulation))
    assert _answer(emulation, zone) == [ALB]
    site.status = 503
    assert _answer(emulation, zone) == ["west-alb.elb.amazonaws.com"]


def test_when_both_records_are_unhealthy_route53_answers_the_primary(emulation, site):
    emulation.gaps.health.register_probe(ALB, site.url)
    zone = _failover_zone(emulation, _https_check(emulation), _alarm_check(emulation))
    site.status = 503
    _fence(emulation, 1)
    assert _answer(emulation, zone) == [ALB]


def test_test_dns_answer_for_a_name_the_zone_lacks_is_nxdomain(emulation):
    zone = emulation.client("route53").create_hosted_zone(Name="shop.example.com", CallerReference="z")["HostedZone"]["Id"]
    answer = emulation.client("route53").test_dns_answer(HostedZoneId=zone.rsplit("/", 1)[-1],
                                                         RecordName="nope.shop.example.com", RecordType="A")
    assert (answer["ResponseCode"], answer["RecordData"]) == ("NXDOMAIN", [])
