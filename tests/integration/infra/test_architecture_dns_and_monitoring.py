"""DNS failover and monitoring in the real program's resource graph: one PRIMARY and one SECONDARY record,
each checked by its own region's endpoint check, and alarms in both regions (and the metrics region) that
notify their own region's topic."""
from __future__ import annotations

import pytest

from tests.support.architecture import (ALARM, ALB, DASHBOARD, HEALTH_CHECK, METRICS_REGION, PRIMARY, RECORD, ROLES,
                                        SECONDARY, STACKS, SUBSCRIPTION, TOPIC, ZONE, arn_region, endpoint_check,
                                        failover_records, only, region_alb, stack)


# -- DNS failover ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", STACKS)
def test_failover_records_are_one_primary_and_one_secondary_for_the_record_name(name):
    s = stack(name)
    records = failover_records(s)
    assert set(records) == {"PRIMARY", "SECONDARY"}
    assert {r.inputs.get("name") for r in records.values()} == {s.config.dns.record_name}
    assert len({r.inputs.get("setIdentifier") for r in records.values()}) == 2
    for record in records.values():
        assert record.inputs.get("type") == "A"
    if s.config.dns.zone_id:  # an existing, delegated zone: the stack creates none and writes into that one
        assert s.of(ZONE) == []
        for record in s.of(RECORD):
            assert record.inputs.get("zoneId") == s.config.dns.zone_id, record.name
        assert s.graph.outputs["dns"]["zoneId"] == s.config.dns.zone_id and s.graph.outputs["dns"]["nameServers"] == []
    else:  # a zone of its own: its name servers are an output, to delegate it from the parent before validation
        zone = only(s.of(ZONE), "hosted zone")
        assert zone.inputs.get("name") == s.config.dns.zone_name
        for record in s.of(RECORD):
            assert s.refs(record, "zoneId", ZONE) == [zone], record.name
        assert len(s.graph.outputs["dns"]["nameServers"]) == 4


@pytest.mark.parametrize("name", STACKS)
@pytest.mark.parametrize("kind,role", [("PRIMARY", PRIMARY), ("SECONDARY", SECONDARY)])
def test_failover_record_checks_and_aliases_its_own_regions_alb(name, kind, role):
    s = stack(name)
    record = failover_records(s)[kind]
    alb = region_alb(s, role)
    aliases = record.inputs.get("aliases") or []
    assert len(aliases) == 1 and aliases[0].get("evaluateTargetHealth") is True
    assert s.refs(record, "aliases", ALB) == [alb], f"{kind} record does not alias the {role} ALB"
    check = endpoint_check(s, record, kind)
    assert check.inputs.get("type") == "HTTPS" and check.inputs.get("port") == 443
    assert check.inputs.get("resourcePath") == s.config.compute.health_check_path
    assert check.inputs.get("requestInterval") == s.config.dns.health_check_interval_seconds
    assert check.inputs.get("failureThreshold") == s.config.dns.health_check_failure_threshold
    assert s.refs(check, "fqdn", ALB) == [alb], f"{kind} health check probes another region's ALB"
    assert check.inputs.get("fqdn") == aliases[0].get("name")
    assert len(check.inputs.get("regions") or []) >= 3


@pytest.mark.parametrize("name", STACKS)
def test_failover_records_use_different_health_checks(name):
    records = failover_records(stack(name))
    ids = [r.inputs.get("healthCheckId") for r in records.values()]
    assert all(ids) and len(set(ids)) == 2


# -- monitoring and alerting -------------------------------------------------------------------------
@pytest.mark.parametrize("name", STACKS)
@pytest.mark.parametrize("role", ROLES)
def test_each_region_has_an_encrypted_topic_with_a_subscriber(name, role):
    s = stack(name)
    topic = only(s.in_role(TOPIC, role), f"alarm topic in the {role} region")
    key = topic.inputs.get("kmsMasterKeyId")
    assert key and arn_region(key) == s.region(topic)
    assert s.refs(topic, "kmsMasterKeyId"), "topic key is not a key of this stack"
    assert s.referring(SUBSCRIPTION, topic, "topic"), f"nobody is subscribed to {topic.name}"


@pytest.mark.parametrize("name", STACKS)
def test_alarms_in_both_regions_notify_their_own_regions_topic(name):
    s = stack(name)
    alarms = s.of(ALARM)
    assert {s.role(a) for a in alarms} >= set(ROLES)
    for alarm in alarms:
        actions = alarm.inputs.get("alarmActions") or []
        assert actions, f"{alarm.name} notifies nobody"
        assert all(arn_region(a) == s.region(alarm) for a in actions), (alarm.name, actions)
        topics = s.refs(alarm, "alarmActions", TOPIC)
        assert topics and all(s.region(t) == s.region(alarm) for t in topics), alarm.name


@pytest.mark.parametrize("name", STACKS)
def test_both_health_checks_have_an_alarm_in_the_metrics_region(name):
    s = stack(name)
    checks = s.of(HEALTH_CHECK)
    # Exempt: the control check mirrors our own fence alarm, and the calculated check combines checks that
    # have alarms of their own. Every other check probes an endpoint.
    exempt = [c for c in checks if c.inputs.get("type") in ("CALCULATED", "CLOUDWATCH_METRIC")]
    assert sorted(c.inputs.get("type") for c in exempt) == ["CALCULATED", "CLOUDWATCH_METRIC"]
    endpoint_checks = [c for c in checks if c not in exempt]
    assert all(c.inputs.get("type") == "HTTPS" for c in endpoint_checks), [c.name for c in endpoint_checks]
    probed = [only(s.refs(c, "fqdn", ALB), f"ALB probed by {c.name}") for c in endpoint_checks]
    assert sorted(s.role(alb) for alb in probed) == sorted(ROLES), "expected one endpoint check per region"
    missing = [c.name for c in endpoint_checks if not s.referring(ALARM, c, "dimensions")]
    assert not missing, f"no alarm watches the endpoint checks {missing}"
    for check in endpoint_checks:
        for alarm in s.referring(ALARM, check, "dimensions"):
            assert s.region(alarm) == METRICS_REGION and alarm.inputs.get("namespace") == "AWS/Route53", alarm.name
            assert s.refs(alarm, "dimensions", HEALTH_CHECK) == [check], alarm.name


@pytest.mark.parametrize("name", STACKS)
@pytest.mark.parametrize("role", ROLES)
def test_each_region_has_a_dashboard_of_its_own_serving_path(name, role):
    s = stack(name)
    dashboard = only(s.in_role(DASHBOARD, role), f"dashboard in the {role} region")
    assert region_alb(s, role) in s.refs(dashboard, "dashboardBody", ALB)
