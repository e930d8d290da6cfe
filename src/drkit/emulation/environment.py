"""The emulated two-region environment of a stack, on loopback, for drills and tests:

    with EmulatedEnvironment("prod") as env:
        os.environ["DRKIT_AWS_ENDPOINTS"] = env.endpoints_json()
        env.endpoint_down("primary"); env.region_outage("primary") ...

It runs the stack's program offline (or takes its graph), starts moto's server, one regional proxy per
region the program deploys to, creates the resources in moto from the graph (materialize), starts a
health endpoint per DR role standing in for its load balancer, and registers each as the target of its
Route 53 health checks. Everything it started is stopped on exit, whatever happened.
"""
from __future__ import annotations

import json
import re
import sys
import time
from typing import Any, Callable

from botocore.config import Config

from drcore.database_access import APP_DATABASE_USER, RDS_IAM_ROLE, app_role_sql
from drcore.errors import UsageError
from drcore.platform import ROLES
from drfailover.dns_answer import DNS_ENDPOINT_KEY
from drkit.emulation.database_engine import RealDatabases
from drkit.emulation.dns_server import DnsDataPlane
from drkit.emulation.faults import RegionFaults
from drkit.emulation.gaps import GapFillers
from drkit.emulation.health_endpoints import HealthEndpoint
from drkit.emulation.link import DEFAULT_ONE_WAY_LATENCY_S
from drkit.emulation.materialize import Materialized, materialize
from drkit.emulation.moto_server import DEFAULT_ACCOUNT, MotoServer, new_client
from drkit.emulation.postgres import PostgresPair
from drkit.emulation.proxy import Call, RegionalProxy
from drkit.emulation.replication_metrics import publish_replication_lag, replication_metrics
from drkit.emulation.storefront_process import StorefrontProcess
from drkit.graph.resource_graph import Graph

# The endpoints-map key of the global services' endpoint (Route 53), apart from every region's, so a
# regional outage leaves it up; the failover clients send Route 53 there (drfailover.clients).
GLOBAL_ENDPOINT = "global"
GLOBAL_SIGNING_REGION = "us-east-1"
BASELINE_REPLICATION_LAG_SECONDS = 1.0  # a healthy steady state, well inside every RPO target
_ACCOUNT_IN_ARN = re.compile(r"arn:aws:[a-z0-9-]+:[a-z0-9-]*:(\d{12}):")


def _stderr(message: str) -> None:
    print(f"emulation: {message}", file=sys.stderr, flush=True)


DATABASES = ("emulated", "postgres")


class EmulatedEnvironment:
    """`database`: "emulated" — orders in the DynamoDB table behind a stand-in endpoint per region
    (health_endpoints.py); "postgres" — two real PostgreSQL servers replicating across a link with latency, and the
    reference storefront (storefront/) per region on them: what a drill measures customers by."""

    def __init__(self, stack: str, *, graph: Graph | None = None, progress: Callable[[str], None] | None = _stderr,
                 database: str = "emulated", link_latency_s: float = DEFAULT_ONE_WAY_LATENCY_S):
        if database not in DATABASES:
            raise UsageError(f"database must be one of {', '.join(DATABASES)}, not {database!r}")
        self.stack, self.database, self.link_latency_s = stack, database, link_latency_s
        self.graph = graph
        self.progress = progress or (lambda _: None)
        self.moto: MotoServer | None = None
        self.faults: dict[str, RegionFaults] = {}
        self.gaps: GapFillers | None = None
        self.proxies: dict[str, RegionalProxy] = {}
        self.health: dict[str, HealthEndpoint | StorefrontProcess] = {}
        self.databases: RealDatabases | None = None
        self.dns: DnsDataPlane | None = None
        self.materialized = Materialized()
        self.startup_seconds = 0.0

    # -- lifecycle -------------------------------------------------------------------------------------
    def __enter__(self) -> "EmulatedEnvironment":
        return self.start()

    def __exit__(self, *_: Any) -> None:
        self.stop()

    def start(self) -> "EmulatedEnvironment":
        started = time.perf_counter()
        try:
            if self.graph is None:
                self.graph = _capture(self.stack, self.progress)
            outputs = self.graph.outputs
            for role in ROLES:
                if not isinstance(outputs.get("regions", {}).get(role, {}).get("region"), str):
                    raise UsageError(f"stack '{self.stack}' exports no regions.{role}.region; the emulation needs the "
                                     "outputs of infra/outputs.py")
            account = _account_of(self.graph)
            regions = sorted({self.graph.region_of(r) for r in self.graph if r.is_provider} - {None}
                             | {outputs["regions"][role]["region"] for role in ROLES})
            self.progress(f"starting moto and proxies for {', '.join(regions)} and the global endpoint on 127.0.0.1")
            self.moto = MotoServer(account).start()
            self.faults = {region: RegionFaults(region) for region in regions}
            self.gaps = GapFillers(self.moto, dict(self.faults))
            self.faults[GLOBAL_ENDPOINT] = RegionFaults(GLOBAL_ENDPOINT)
            for key in self.faults:
                region = GLOBAL_SIGNING_REGION if key == GLOBAL_ENDPOINT else key
                self.proxies[key] = RegionalProxy(region, self.moto, self.gaps, self.faults[key]).start()
            self.dns = DnsDataPlane(self.gaps).start()
            regional = {key: url for key, url in self.endpoints.items() if key not in (GLOBAL_ENDPOINT, DNS_ENDPOINT_KEY)}
            self.materialized = materialize(self.graph, regional, account, self.progress)
            if self.database == "postgres":
                self._start_real_storefronts()
            else:
                self._start_health_endpoints()
            self.set_replication_lag(BASELINE_REPLICATION_LAG_SECONDS)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.perf_counter() - started
        self.progress(f"emulated environment for '{self.stack}' ready in {self.startup_seconds:.1f} s")
        return self

    def stop(self) -> None:
        """Stop everything this environment started; safe to call twice and after a failed start."""
        for endpoint in self.health.values():
            endpoint.close()
        if self.databases is not None:
            self.databases.pair.stop()
            self.databases = None
        for proxy in self.proxies.values():
            proxy.stop()
        if self.dns is not None:
            self.dns.close()
        if self.moto is not None:
            self.moto.stop()
        self.health, self.proxies, self.moto, self.dns = {}, {}, None, None

    def _start_health_endpoints(self) -> None:
        table, hash_key, range_key = self._orders_table()
        for role in ROLES:
            region = self.region(role)
            endpoint = HealthEndpoint(role, region, self.proxies[region].url, table, hash_key, range_key).start()
            self.health[role] = endpoint
            alb = self.outputs["regions"][role].get("albDnsName")
            if isinstance(alb, str) and alb:
                self.gaps.health.register_probe(alb, endpoint.url)

    def _start_real_storefronts(self) -> None:
        name = self._database_name()
        self.progress("starting PostgreSQL (primary + streaming standby) and the storefront per region")
        pair = PostgresPair(latency_s=self.link_latency_s)
        self.databases = RealDatabases(pair, {self.region(role): role for role in ROLES}, database_name=name)
        pair.start([("postgres", f"CREATE ROLE {RDS_IAM_ROLE}"), ("postgres", f"CREATE DATABASE {name}"),
                    (name, app_role_sql(name))])
        self.gaps.rds.databases = self.databases
        tables = {str(k): str(v) for k, v in (self.outputs.get("tableNames") or {}).items()}
        for role in ROLES:
            region = self.region(role)
            storefront = StorefrontProcess(role, region, pair.servers[role], name, APP_DATABASE_USER,
                                           self.proxies[region].url, tables)
            self.health[role] = storefront.start()
            alb = self.outputs["regions"][role].get("albDnsName")
            if isinstance(alb, str) and alb:
                self.gaps.health.register_probe(alb, storefront.url)

    def _database_name(self) -> str:
        names = {c.inputs.get("databaseName") for c in self.graph.of_type("aws:rds/cluster:Cluster")} - {None}
        if len(names) != 1:
            raise UsageError(f"stack '{self.stack}' has no single Aurora database name ({sorted(names)}); the real "
                             "databases need the clusters' databaseName")
        return names.pop()

    def _orders_table(self) -> tuple[str, str, str | None]:
        names = self.outputs.get("tableNames") or {}
        name = names.get("carts") or next(iter(sorted(names.values())), "")
        for table in self.graph.of_type("aws:dynamodb/table:Table"):
            if table.inputs.get("name") == name:
                return name, table.inputs.get("hashKey", "pk"), table.inputs.get("rangeKey")
        raise UsageError(f"stack '{self.stack}' exports no DynamoDB table the emulated storefront can write orders to")

    # -- what callers use --------------------------------------------------------------------------------
    @property
    def outputs(self) -> dict[str, Any]:
        """The stack outputs with the identifiers the emulated AWS gave (health checks, zone, keys, ...)."""
        return self.materialized.outputs

    @property
    def endpoints(self) -> dict[str, str]:
        """Region -> proxy URL, "global" -> Route 53's API and "dns" -> its name server: what DRKIT_AWS_ENDPOINTS
        takes."""
        dns_plane = {DNS_ENDPOINT_KEY: self.dns.url} if self.dns is not None else {}
        return {**{region: proxy.url for region, proxy in self.proxies.items()}, **dns_plane}

    def endpoints_json(self) -> str:
        return json.dumps(self.endpoints, sort_keys=True)

    @property
    def probes(self) -> dict[str, str]:
        """Role -> deep health URL of the region's storefront (what `--probe ROLE=URL` takes)."""
        return {role: endpoint.health_url for role, endpoint in self.health.items()}

    @property
    def regions(self) -> list[str]:
        """The regions the program deploys to, each emulated behind its own proxy."""
        return sorted(key for key in self.proxies if key != GLOBAL_ENDPOINT)

    def region(self, role: str) -> str:
        return self.graph.outputs["regions"][role]["region"]

    def fault(self, role_or_region: str) -> RegionFaults:
        region = self.region(role_or_region) if role_or_region in ROLES else role_or_region
        return self.faults[region]

    def client(self, service: str, role_or_region: str, **config: Any) -> Any:
        """A boto3 client to a region's proxy (or the "global" one), as the automation would have: faults apply."""
        key = self.region(role_or_region) if role_or_region in ROLES else role_or_region
        region = GLOBAL_SIGNING_REGION if key == GLOBAL_ENDPOINT else key
        return new_client(service, region, self.proxies[key].url, Config(**config) if config else None)

    def calls(self, since: dict[str, int] | None = None) -> list[Call]:
        """Every call the proxies served (after the marks of `since`, from mark())."""
        return [call for region, proxy in self.proxies.items() for call in proxy.calls_since((since or {}).get(region, 0))]

    def mark(self) -> dict[str, int]:
        return {region: len(proxy.calls_since()) for region, proxy in self.proxies.items()}

    # -- drill controls --------------------------------------------------------------------------------
    def endpoint_down(self, role: str) -> None:
        """The storefront of `role` fails its deep health check (503), its region otherwise fine."""
        self.health[role].set_healthy(False)

    def endpoint_up(self, role: str) -> None:
        self.health[role].set_healthy(True)

    def region_outage(self, role: str, mode: str = "refuse") -> None:
        """The whole region of `role` is gone: its AWS endpoint and its load balancer stop answering; with real
        databases its storefront and its PostgreSQL are killed (SIGKILL) and the cross-region link is cut."""
        self.fault(role).make_unreachable(mode)
        self.health[role].set_reachable(False)
        if self.databases is not None:
            self.databases.region_lost(self.region(role))

    def region_recovered(self, role: str) -> None:
        self.fault(role).make_reachable()
        if self.databases is not None:  # its server comes back first, as a standby of the writer elsewhere
            self.databases.region_back(self.region(role))
        self.health[role].set_reachable(True)
        self.gaps.s3.deliver_pending()  # S3 retries replication to a region that was gone

    def cut_link(self) -> None:
        """The cross-region link drops: the standby stops receiving WAL (real databases only)."""
        if self.databases is None:
            raise UsageError("only the real databases (database='postgres') replicate over a link")
        for link in self.databases.pair.links.values():
            link.cut()

    def set_link_latency(self, one_way_s: float) -> None:
        """The cross-region link's latency from now on (real databases only)."""
        if self.databases is None:
            raise UsageError("only the real databases (database='postgres') replicate over a link")
        self.databases.pair.latency_s = one_way_s
        for link in self.databases.pair.links.values():
            link.latency_s = one_way_s

    def heal(self) -> None:
        """Every fault cleared: a lost region comes back (its server as a standby of the writer), stopped
        storefronts start, the link is whole again at its first latency."""
        for role in ROLES:
            if self.fault(role).unreachable is not None:
                self.region_recovered(role)
            self.fault(role).clear()
            self.health[role].set_reachable(True)
        if self.databases is not None:
            self.set_link_latency(self.link_latency_s)
            for link in self.databases.pair.links.values():
                link.heal()

    def set_replication_lag(self, seconds: float) -> None:
        """Publish the replication lag of every replicated store, as AWS's own metrics would show it."""
        publish_replication_lag(self.moto, self.gaps.alarms, self.gaps.rds.writer_arn, replication_metrics(self.graph),
                                seconds)

    def resolve(self, record_name: str | None = None, record_type: str = "A") -> list[str]:
        """What Route 53 answers for the failover record now (alias targets as DNS names)."""
        dns = self.outputs["dns"]
        return self.gaps.dns.answer(dns["zoneId"], record_name or dns["recordName"], record_type)[0]

    def serving_role(self) -> str | None:
        """Which role's load balancer the failover record sends traffic to now."""
        answer = set(self.resolve())
        for role in ROLES:
            if str(self.outputs["regions"][role].get("albDnsName", "")).lower() in answer:
                return role
        return None


def _capture(stack: str, progress: Callable[[str], None]) -> Graph:
    from drkit.graph.capture import run_program
    from drkit.stacks import load_stack

    loaded = load_stack(stack)
    progress(f"running the program for stack '{stack}' under the Pulumi mock runtime")
    return run_program(loaded.project.main, loaded.project.name, stack, loaded.raw)


def _account_of(graph: Graph) -> str:
    """The account the program deploys to, as its own ARNs name it, so the emulated ARNs match."""
    match = _ACCOUNT_IN_ARN.search(json.dumps(graph.outputs))
    return match.group(1) if match else DEFAULT_ACCOUNT
