"""What the DNS data plane answers for the failover record: the zone's authoritative name servers asked directly
(no recursion, so no resolver cache and no TTL in between), and the load balancers' own addresses.

Route 53's control plane (TestDNSAnswer, GetHealthCheckStatus) is served from us-east-1, which is prod's primary
region: in the outage this automation exists for it may be gone. Route 53's data plane — the authoritative name
servers that answer queries and evaluate failover records from health-check results — is spread over AWS's edge
locations and keeps answering ("Route 53 Application Recovery Controller: data plane vs control plane" and the
Route 53 Developer Guide, "Creating disaster recovery mechanisms using Amazon Route 53": rely on the data plane
for failover, never on control-plane calls). So traffic is verified here, and the control-plane calls are at most
extra signals (drfailover.steps_traffic).

Where the servers are: the zone's name servers from the stack outputs (dns.nameServers, known for a zone the stack
created), else found through the resolver (the zone that holds the record, and its NS set). An emulator gives one
address for everything DNS, as endpoints map key "dns" ("dns://HOST:PORT"), like it gives AWS's endpoints.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Sequence
from urllib.parse import urlsplit

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype
import dns.resolver

from drcore.errors import UsageError

DNS_ENDPOINT_KEY = "dns"  # endpoints map: the emulator's DNS server, authoritative and resolver in one
QUERY_TIMEOUT_S = 1.5  # per name server; Route 53 answers in milliseconds, a dead path should cost little
MAX_SERVERS_ASKED = 4  # Route 53 delegates every zone to four name servers


@dataclass(frozen=True)
class NameServer:
    host: str  # an IP address
    port: int = 53

    def __str__(self) -> str:
        return self.host if self.port == 53 else f"{self.host}:{self.port}"


@dataclass(frozen=True)
class RecordAnswer:
    """What the authoritative servers that answered agree the record is; `conflict` when they did not agree."""

    addresses: frozenset[str]
    names: frozenset[str]  # CNAME targets, lower case without the final dot
    servers: tuple[str, ...]
    conflict: bool = False


def endpoint_server(url: str) -> NameServer:
    """The NameServer of an endpoints-map "dns" entry: dns://HOST[:PORT]."""
    parts = urlsplit(url)
    if parts.scheme != "dns" or not parts.hostname:
        raise UsageError(f"endpoint '{DNS_ENDPOINT_KEY}' is {url!r}; give dns://HOST[:PORT], e.g. dns://127.0.0.1:5353")
    return NameServer(parts.hostname, parts.port or 53)


class DataPlaneDns:
    """Asks DNS, never Route 53's API. Every failure to get an answer is None plus a note: unknown, not down."""

    def __init__(self, zone_name_servers: Sequence[str] = (), *, endpoint: str | None = None,
                 resolver: dns.resolver.Resolver | None = None, timeout_s: float = QUERY_TIMEOUT_S):
        self.override = endpoint_server(endpoint) if endpoint else None
        self.zone_name_servers = tuple(zone_name_servers)
        self.timeout_s = timeout_s
        if resolver is None:
            resolver = dns.resolver.Resolver(configure=self.override is None)
            if self.override is not None:
                resolver.nameservers, resolver.port = [self.override.host], self.override.port
        resolver.lifetime = resolver.timeout = timeout_s * 2
        self.resolver = resolver

    # -- the record, from its zone's own servers -----------------------------------------------------------
    def record_answer(self, name: str, rdtype: str = "A") -> tuple[RecordAnswer | None, str]:
        try:
            servers = self.authoritative_servers(name)
        except (dns.exception.DNSException, OSError) as exc:
            return None, f"the name servers of {name} cannot be found ({_reason(exc)})"
        answers: list[tuple[str, frozenset[str], frozenset[str]]] = []
        failures: list[str] = []
        for server in servers[:MAX_SERVERS_ASKED]:
            try:
                addresses, names = self._ask(server, name, rdtype)
            except (dns.exception.DNSException, OSError, _Refused) as exc:
                failures.append(f"{server}: {_reason(exc)}")
                continue
            answers.append((str(server), addresses, names))
        if not answers:
            return None, f"no authoritative name server of {name} answered ({'; '.join(failures)})"
        distinct = {(a, n) for _, a, n in answers}
        addresses = frozenset().union(*(a for _, a, _ in answers))
        names = frozenset().union(*(n for _, _, n in answers))
        answer = RecordAnswer(addresses, names, tuple(s for s, _, _ in answers), conflict=len(distinct) > 1)
        asked = f"{len(answers)} of {len(answers) + len(failures)} authoritative servers"
        return answer, f"{asked} answer {', '.join(sorted(names | addresses)) or 'nothing'}" + \
            (" (they disagree: still changing)" if answer.conflict else "")

    def authoritative_servers(self, name: str) -> list[NameServer]:
        if self.override is not None:
            return [self.override]
        hosts = list(self.zone_name_servers)
        if not hosts:
            zone = dns.resolver.zone_for_name(name, resolver=self.resolver, lifetime=self.resolver.lifetime)
            hosts = sorted(str(r.target) for r in self.resolver.resolve(zone, "NS"))
        servers = [NameServer(address) for host in hosts for address in sorted(self._addresses_of_server(host))[:1]]
        if not servers:
            raise dns.exception.DNSException(f"no address for {', '.join(hosts) or 'any name server'}")
        return servers

    def _addresses_of_server(self, host: str) -> set[str]:
        try:
            return {str(ipaddress.ip_address(host))}
        except ValueError:
            return self.addresses(host)

    def _ask(self, server: NameServer, name: str, rdtype: str) -> tuple[frozenset[str], frozenset[str]]:
        query = dns.message.make_query(name, rdtype, flags=0)  # no RD: the server's own zone data, not a lookup
        response, _ = dns.query.udp_with_fallback(query, server.host, timeout=self.timeout_s, port=server.port)
        if response.rcode() not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
            raise _Refused(dns.rcode.to_text(response.rcode()))
        if not response.flags & dns.flags.AA:
            raise _Refused("not authoritative for the zone")
        addresses = {r.to_text() for rrset in response.answer if rrset.rdtype == dns.rdatatype.A for r in rrset}
        names = {_normal(r.target.to_text()) for rrset in response.answer if rrset.rdtype == dns.rdatatype.CNAME
                 for r in rrset}
        return frozenset(addresses), frozenset(names)

    # -- anything else, through the resolver -------------------------------------------------------------
    def addresses(self, name: str) -> set[str]:
        """A addresses of `name` through the resolver; empty when it has none or cannot be resolved."""
        try:
            return {r.to_text() for r in self.resolver.resolve(name, "A")}
        except (dns.exception.DNSException, OSError):
            return set()


def region_of_answer(answer: RecordAnswer, load_balancers: dict[str, str], data_plane: DataPlaneDns) -> str | None:
    """The key of `load_balancers` (role -> load balancer DNS name) the answer sends traffic to; None if unclear.

    An alias answers its target's addresses (Route 53 resolves aliases itself), so the load balancers' own
    addresses, resolved now, say which one it is; a CNAME answers the name."""
    names = {role: _normal(host) for role, host in load_balancers.items()}
    by_name = [role for role, host in names.items() if host in answer.names]
    if len(by_name) == 1:
        return by_name[0]
    by_address = [role for role, host in names.items() if data_plane.addresses(host) & answer.addresses]
    return by_address[0] if len(by_address) == 1 else None


class _Refused(Exception):
    """The server answered, but not with its zone's data."""


def _normal(name: str) -> str:
    return name.lower().rstrip(".")


def _reason(exc: BaseException) -> str:
    if isinstance(exc, dns.exception.Timeout):
        return "timed out"
    return str(exc) or type(exc).__name__
