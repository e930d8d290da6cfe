"""Route 53's DNS data plane on loopback: a UDP name server answering from the zones in moto's Route 53.

moto has Route 53's API (the control plane) but no name server. This one answers the way Route 53's
authoritative servers do, with the AA flag: a failover record by health (route53_dns.FailoverAnswers, the
same evaluation TestDNSAnswer uses), an alias with its target's addresses, NS and SOA at a zone's apex,
NXDOMAIN for a name the zone lacks, REFUSED for a name in no zone. It also answers the load balancers'
own names (what a resolver would find for them), each with a fixed loopback address of its own, so a
caller can tell which load balancer an alias answer is. Nothing ever connects to those addresses. An alias
to another kind of target answers like a load balancer; a record type other than A answers its own values.

Route 53's servers answer from their checkers' last results, at once; here health is evaluated when asked
(route53_health probes the storefronts, 2 s timeout each), so a query waits at most FRESH_WAIT_S for a fresh
evaluation and otherwise gets the last one while the evaluation goes on in the background.

The automation reaches it as endpoints-map key "dns" (dns://127.0.0.1:PORT), for both its authoritative
queries and its resolver, like it reaches moto's API through the "global" and regional keys.
"""
from __future__ import annotations

import ipaddress
import socketserver
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TYPE_CHECKING

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

from drcore.regions import ROUTE53_HOME_REGION
from drkit.emulation.gaps.route53_dns import normal_name
from drkit.emulation.moto_server import LOOPBACK
from drkit.emulation.serving import serve_in_thread, stop_serving

if TYPE_CHECKING:
    from drkit.emulation.gaps import GapFillers
    from drkit.emulation.gaps.route53_dns import FailoverAnswers

FRESH_WAIT_S = 0.3
EVALUATORS = 4
TTL_SECONDS = 60  # Route 53 answers an alias with its target's TTL; an ALB's is 60 s
LOAD_BALANCER_NETWORK = "127.0.1."  # one address per load balancer, in the order they are first asked about


class DnsDataPlane:
    def __init__(self, gaps: "GapFillers"):
        self.gaps = gaps
        self.port = 0
        self.answering = True  # False: queries go unanswered (the caller times out), like a path that drops them
        self.queries = 0
        self._addresses: dict[str, str] = {}
        self._lock = threading.RLock()
        self._server: socketserver.UDPServer | None = None
        self._evaluations: dict[tuple[str, str, str], Future] = {}
        self._last: dict[tuple[str, str, str], tuple[list[str], str]] = {}
        self._pool = ThreadPoolExecutor(EVALUATORS, thread_name_prefix="drkit-dns-health")
        self._thread: threading.Thread | None = None

    @property
    def answers(self) -> "FailoverAnswers":  # the fillers' current one: a reset of the gaps makes a new one
        return self.gaps.dns

    @property
    def url(self) -> str:
        """The endpoints-map value the automation takes (key "dns")."""
        return f"dns://{LOOPBACK}:{self.port}"

    def start(self) -> "DnsDataPlane":
        with self._lock:
            if self._server is None:
                self._server = _Server((LOOPBACK, 0), _handler_for(self))
                self.port = self._server.server_address[1]
                self._thread = serve_in_thread(self._server, "drkit-dns")
        return self

    def close(self) -> None:
        with self._lock:
            server, thread, self._server, self._thread = self._server, self._thread, None, None
        stop_serving(server, thread)
        self._pool.shutdown(wait=True, cancel_futures=True)

    def address_of(self, load_balancer: str) -> str:
        """The loopback address this data plane gives a load balancer's name."""
        name = normal_name(load_balancer)
        with self._lock:
            if name not in self._addresses:
                self._addresses[name] = f"{LOAD_BALANCER_NETWORK}{len(self._addresses) + 1}"
            return self._addresses[name]

    # -- answering ---------------------------------------------------------------------------------------
    def respond(self, query: dns.message.Message) -> dns.message.Message:
        response = dns.message.make_response(query)
        response.flags &= ~dns.flags.RA  # an authoritative server, not a resolver
        if len(query.question) != 1:
            response.set_rcode(dns.rcode.FORMERR)
            return response
        question = query.question[0]
        name, kind = normal_name(question.name.to_text()), dns.rdatatype.to_text(question.rdtype)
        if self._is_load_balancer(name):  # a load balancer's own name
            response.flags |= dns.flags.AA
            if kind == "A":
                response.answer.append(_rrset(question.name, "A", [self.address_of(name)]))
            return response
        zone = self._zone_for(name)
        if zone is None:
            response.set_rcode(dns.rcode.REFUSED)
            return response
        response.flags |= dns.flags.AA
        zone_id, zone_name, name_servers = zone
        if name == zone_name and kind in ("NS", "SOA"):
            values = [f"{ns}." for ns in name_servers] if kind == "NS" else \
                [f"{name_servers[0]}. hostmaster.{zone_name}. 1 7200 900 1209600 86400"]
            response.answer.append(_rrset(question.name, kind, values))
            return response
        values, code = self._evaluated(zone_id, name, kind)
        if code == "NXDOMAIN":
            response.set_rcode(dns.rcode.NXDOMAIN)
            return response
        if kind == "A":  # an alias answers its target's addresses, never its name
            values = [v if _is_address(v) else self.address_of(v) for v in values]
        try:
            if values:
                response.answer.append(_rrset(question.name, kind, values))
        except dns.exception.SyntaxError:  # a record type this server does not render
            response.set_rcode(dns.rcode.SERVFAIL)
        return response

    def _evaluated(self, zone_id: str, name: str, kind: str) -> tuple[list[str], str]:
        """The zone's answer: a fresh evaluation when it takes under FRESH_WAIT_S, else the last one (the first
        one is always waited for)."""
        key = (zone_id, name, kind)
        with self._lock:
            evaluation = self._evaluations.get(key)
            if evaluation is None or evaluation.done():
                evaluation = self._pool.submit(self.answers.answer, zone_id, name, kind)
                evaluation.add_done_callback(lambda done: self._remember(key, done))
                self._evaluations[key] = evaluation
            last = self._last.get(key)
        try:
            return evaluation.result(timeout=FRESH_WAIT_S if last is not None else None)
        except FutureTimeout:
            return last

    def _remember(self, key: tuple[str, str, str], done: Future) -> None:
        if not done.cancelled() and done.exception() is None:
            with self._lock:
                self._last[key] = done.result()

    def _is_load_balancer(self, name: str) -> bool:
        """A name an alias points at, or one the storefronts stand behind."""
        with self._lock:
            known = name in self._addresses
        return known or name in self.answers.health.probes

    def _zone_for(self, name: str) -> tuple[str, str, list[str]] | None:
        """(zone id, zone name, name servers) of the hosted zone that holds `name`: the longest matching one."""
        route53 = self.answers.moto.client("route53", ROUTE53_HOME_REGION)
        zones = [z for page in route53.get_paginator("list_hosted_zones").paginate() for z in page["HostedZones"]]
        matching = [z for z in zones if name == normal_name(z["Name"]) or name.endswith("." + normal_name(z["Name"]))]
        if not matching:
            return None
        zone = max(matching, key=lambda z: len(z["Name"]))
        delegation = route53.get_hosted_zone(Id=zone["Id"]).get("DelegationSet", {}).get("NameServers") or \
            ["ns-emulated.awsdns.test"]
        return zone["Id"].rsplit("/", 1)[-1], normal_name(zone["Name"]), [normal_name(ns) for ns in delegation]


class _Server(socketserver.ThreadingUDPServer):
    daemon_threads = True
    allow_reuse_address = True


def _handler_for(plane: DnsDataPlane) -> type[socketserver.BaseRequestHandler]:
    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            data, sock = self.request
            if not plane.answering:
                return
            try:
                query = dns.message.from_wire(data)
            except Exception:  # noqa: BLE001 - a malformed packet gets no answer, as from a real server
                return
            with plane._lock:
                plane.queries += 1
            sock.sendto(plane.respond(query).to_wire(), self.client_address)

    return Handler


def _rrset(name: dns.name.Name, kind: str, values: list[str]) -> dns.rrset.RRset:
    return dns.rrset.from_text_list(name, TTL_SECONDS, dns.rdataclass.IN, kind, values)


def _is_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
        return True
    except ValueError:
        return False

