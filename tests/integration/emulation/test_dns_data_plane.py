"""Route 53's DNS data plane in the emulation (drkit.emulation.dns_server), asked over UDP the way the
automation asks it (drfailover.dns_answer): authoritative answers that follow health, aliases answered
with their target's address, NS discovery, and what happens when the servers do not answer."""
from __future__ import annotations

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.resolver

from drfailover.dns_answer import DataPlaneDns, NameServer, region_of_answer
from tests.integration.emulation.test_route53_health import ALB, _alarm_check, _failover_zone, _fence, _https_check

WEST_ALB = "west-alb.elb.amazonaws.com"
RECORD = "www.shop.example.com"


def _plane(emulation) -> DataPlaneDns:
    return DataPlaneDns(endpoint=emulation.dns.url, timeout_s=0.5)


def _served(emulation) -> str | None:
    plane = _plane(emulation)
    answer, note = plane.record_answer(RECORD)
    assert answer is not None, note
    return region_of_answer(answer, {"primary": ALB, "secondary": WEST_ALB}, plane)


def test_the_name_server_answers_the_failover_record_with_the_healthy_load_balancers_address(emulation, site):
    emulation.gaps.health.register_probe(ALB, site.url)
    emulation.gaps.health.register_probe(WEST_ALB, site.url)
    _failover_zone(emulation, _https_check(emulation), _alarm_check(emulation))
    assert _served(emulation) == "primary"
    site.status = 503  # the primary's health check fails: the SECONDARY record is answered
    assert _served(emulation) == "secondary"
    site.status = 200
    assert _served(emulation) == "primary"
    _fence(emulation, 1)  # both unhealthy (the secondary's check follows the alarm): Route 53 answers the PRIMARY
    site.status = 503
    assert _served(emulation) == "primary"


def test_answers_are_authoritative_without_recursion_and_nxdomain_or_refused_outside_the_zone(emulation):
    _failover_zone(emulation, _https_check(emulation), _alarm_check(emulation))
    server = NameServer("127.0.0.1", emulation.dns.port)

    def ask(name: str) -> dns.message.Message:
        return dns.query.udp(dns.message.make_query(name, "A", flags=0), server.host, port=server.port, timeout=2)

    answer = ask(RECORD)
    assert answer.flags & dns.flags.AA and not answer.flags & dns.flags.RA
    # No storefront stands behind the primary's load balancer here, so its check fails: the secondary's address.
    assert [r.to_text() for rrset in answer.answer for r in rrset] == [emulation.dns.address_of(WEST_ALB)]
    assert ask("nope.shop.example.com").rcode() == dns.rcode.NXDOMAIN
    assert ask("www.elsewhere.example").rcode() == dns.rcode.REFUSED


def test_without_name_servers_in_the_outputs_the_zone_and_its_ns_set_are_found_through_the_resolver(emulation):
    _failover_zone(emulation, _https_check(emulation), _alarm_check(emulation))
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers, resolver.port = ["127.0.0.1"], emulation.dns.port
    plane = DataPlaneDns(resolver=resolver, timeout_s=0.5)
    zone = emulation.direct("route53").list_hosted_zones()["HostedZones"][0]
    delegation = emulation.direct("route53").get_hosted_zone(Id=zone["Id"])["DelegationSet"]["NameServers"]
    # The NS names are the zone's delegation set; they resolve nowhere here, so no server is left to ask.
    answer, note = plane.record_answer(RECORD)
    assert answer is None
    assert all(name.rstrip(".") in note for name in delegation), note


def test_name_servers_that_do_not_answer_give_no_answer_and_say_so(emulation):
    _failover_zone(emulation, _https_check(emulation), _alarm_check(emulation))
    emulation.dns.answering = False
    answer, note = _plane(emulation).record_answer(RECORD)
    assert answer is None
    assert "no authoritative name server" in note and "timed out" in note
