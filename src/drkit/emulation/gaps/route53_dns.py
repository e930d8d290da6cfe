"""Route 53 TestDNSAnswer, which moto 5.2.5 does not have (404): what the zone answers for a name now.

Failover records are resolved from health, the way Route 53's resolvers do: the PRIMARY record while
its health check (see route53_health) is healthy and, for an alias with EvaluateTargetHealth, while
its target answers at all; else the SECONDARY when healthy; when both are unhealthy, the PRIMARY.
Simple records answer their values. An alias answers its target's DNS name (AWS would answer the
target's addresses), so a caller can tell which region's load balancer receives the traffic.
"""
from __future__ import annotations

import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any

from drcore.regions import ROUTE53_HOME_REGION
from drkit.emulation.gaps import GapFiller
from drkit.emulation.wire import XML_NAMESPACES, AwsRequest, ProxyResponse, error_response, xml_response, xml_text

if TYPE_CHECKING:
    from drkit.emulation.gaps import GapContext
    from drkit.emulation.gaps.route53_health import HealthCheckStatus
    from drkit.emulation.moto_server import MotoServer

TARGET_TIMEOUT_SECONDS = 2.0


class FailoverAnswers(GapFiller):
    def __init__(self, moto: "MotoServer", health: "HealthCheckStatus"):
        self.moto, self.health = moto, health

    def handlers(self) -> dict:
        return {("route53", "TestDNSAnswer"): self.test_dns_answer}


    def test_dns_answer(self, request: AwsRequest, context: "GapContext") -> ProxyResponse:
        params = request.query_params()
        zone_id, name, kind = params.get("hostedzoneid", ""), params.get("recordname", ""), params.get("recordtype", "")
        route53 = self.moto.client("route53", ROUTE53_HOME_REGION)
        try:
            values, code = self.answer(zone_id, name, kind)
        except route53.exceptions.NoSuchHostedZone:
            return error_response(request, "NoSuchHostedZone", f"No hosted zone found with ID: {zone_id}", status=404)
        entries = "".join(f"<RecordDataEntry>{xml_text(v)}</RecordDataEntry>" for v in values)
        return xml_response("TestDNSAnswerResponse",
                            f"<Nameserver>ns-emulated.awsdns.test</Nameserver><RecordName>{xml_text(name)}</RecordName>"
                            f"<RecordType>{xml_text(kind)}</RecordType><RecordData>{entries}</RecordData>"
                            f"<ResponseCode>{code}</ResponseCode><Protocol>UDP</Protocol>",
                            XML_NAMESPACES["route53"])

    def answer(self, zone_id: str, name: str, kind: str) -> tuple[list[str], str]:
        """(values, DNS response code) the zone gives for `name` and `kind` now."""
        wanted = normal_name(name)
        named = [r for r in self._record_sets(zone_id) if normal_name(r["Name"]) == wanted]
        if not named:
            return [], "NXDOMAIN"
        records = [r for r in named if r["Type"] == kind.upper()]
        failover = {r.get("Failover"): r for r in records if r.get("Failover")}
        if failover:
            primary, secondary = failover.get("PRIMARY"), failover.get("SECONDARY")
            if primary is not None and self._healthy(primary):
                chosen = primary
            elif secondary is not None and self._healthy(secondary):
                chosen = secondary
            else:
                chosen = primary or secondary
            records = [chosen]
        return [value for record in records for value in _values(record)], "NOERROR"

    def _healthy(self, record: dict[str, Any]) -> bool:
        if record.get("HealthCheckId") and not self.health.status(record["HealthCheckId"])[0]:
            return False
        alias = record.get("AliasTarget") or {}
        if alias.get("EvaluateTargetHealth"):
            return self._target_answers(normal_name(alias.get("DNSName", "")))
        return True

    def _target_answers(self, dns_name: str) -> bool:
        """An alias target is healthy while anything answers there; a target nobody registered is healthy."""
        base = self.health.probes.get(dns_name)
        if base is None:
            return True
        try:
            with urllib.request.urlopen(base + "/", timeout=TARGET_TIMEOUT_SECONDS) as answer:
                answer.read(0)
            return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False

    def _record_sets(self, zone_id: str) -> list[dict[str, Any]]:
        route53 = self.moto.client("route53", ROUTE53_HOME_REGION)
        pages = route53.get_paginator("list_resource_record_sets").paginate(HostedZoneId=zone_id)
        return [record for page in pages for record in page["ResourceRecordSets"]]


def normal_name(name: str) -> str:
    return name.lower().rstrip(".")


def _values(record: dict[str, Any]) -> list[str]:
    if record.get("AliasTarget"):
        return [normal_name(record["AliasTarget"]["DNSName"])]
    return [r["Value"] for r in record.get("ResourceRecords", [])]
