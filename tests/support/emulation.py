"""The one emulation harness the tests share: moto's server and one regional proxy per region on loopback (the
proxies fill moto's gaps and inject faults, drkit.emulation), optionally with the global Route 53 endpoint of its
own, and loopback storefronts kept across tests. Nothing is materialized: each test creates what it needs, or
tests/support/emulated_platform.py builds the few resources the failover automation touches."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from botocore.config import Config

from drcore.regions import ROUTE53_HOME_REGION
from drfailover.clients import GLOBAL_ENDPOINT_KEY
from drfailover.dns_answer import DNS_ENDPOINT_KEY
from drkit.emulation.dns_server import DnsDataPlane
from drkit.emulation.faults import RegionFaults
from drkit.emulation.gaps import GapFillers
from drkit.emulation.health_endpoints import HealthEndpoint
from drkit.emulation.moto_server import MotoServer, new_client
from drkit.emulation.proxy import RegionalProxy

ACCOUNT = "111122223333"  # the account of the preview's ARNs, so ARNs in stack outputs stay valid


@dataclass
class EmulatedAws:
    moto: MotoServer
    faults: dict[str, RegionFaults]
    gaps: GapFillers
    proxies: dict[str, RegionalProxy]
    dns: DnsDataPlane | None = None  # Route 53's name server, over the same zones
    storefronts: dict[str, HealthEndpoint] = field(default_factory=dict)  # kept across tests: each costs a session

    _clients: dict = field(default_factory=dict)

    @classmethod
    def start(cls, regions: list[str], *, global_endpoint: bool = True) -> "EmulatedAws":
        """Route 53 is global: with `global_endpoint`, its own endpoint, which a regional outage does not take down."""
        moto = MotoServer(account=ACCOUNT).start()
        faults = {key: RegionFaults(key) for key in [*regions, *([GLOBAL_ENDPOINT_KEY] if global_endpoint else [])]}
        gaps = GapFillers(moto, {r: faults[r] for r in regions})
        proxies = {key: RegionalProxy(ROUTE53_HOME_REGION if key == GLOBAL_ENDPOINT_KEY else key, moto, gaps,
                                      faults[key]).start() for key in faults}
        return cls(moto, faults, gaps, proxies, DnsDataPlane(gaps).start())

    @property
    def endpoints(self) -> dict[str, str]:
        """What the automation takes: each proxy by region (and "global"), and the name server as "dns"."""
        return {**{key: proxy.url for key, proxy in self.proxies.items()}, DNS_ENDPOINT_KEY: self.dns.url}

    def stop(self) -> None:
        for storefront in self.storefronts.values():
            storefront.close()
        for proxy in self.proxies.values():
            proxy.stop()
        self.dns.close()
        self.moto.stop()

    def reset(self, gaps: bool = False) -> None:
        """Fault-free and empty; with `gaps`, the gap fillers' own state (health checks, copies...) goes too."""
        for faults in self.faults.values():
            faults.clear()
        self.dns.answering = True
        self.moto.reset()
        if gaps:
            self.gaps.reset()

    @property
    def first_region(self) -> str:
        return next(iter(self.proxies))

    def client(self, service: str, region: str | None = None, **config: Any) -> Any:
        """A client to the region's proxy (default: the first region); one attempt unless the test asks for
        retries."""
        region = region or self.first_region
        key = (service, region, repr(sorted(config.items())))
        if key not in self._clients:
            settings = {"retries": {"total_max_attempts": 1}, "connect_timeout": 2, "read_timeout": 10, **config}
            self._clients[key] = new_client(service, region, self.proxies[region].url, Config(**settings))
        return self._clients[key]

    def direct(self, service: str, region: str | None = None) -> Any:
        """A client to moto itself, bypassing the proxies: what moto does on its own."""
        return self.moto.client(service, region or self.first_region)


