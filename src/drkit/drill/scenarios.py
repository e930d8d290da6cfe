"""The drills of compliance/drills.yaml as the local emulation plays them: what is broken, which operation the
automation runs, and what the drill then requires. The emulation's time budgets (DrillSettings) are seconds
where AWS takes minutes: the drill measures the automation and the platform's wiring, not AWS's own waits.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Callable

from drcore.errors import UsageError
from drcore.platform import PRIMARY, SECONDARY
from drkit.emulation.link import DEFAULT_ONE_WAY_LATENCY_S

if TYPE_CHECKING:
    from drkit.emulation import EmulatedEnvironment

DEFAULT_SEQUENCE = ("region-loss-failover", "failback")
METRIC_PERIOD_S = 60  # CloudWatch's standard resolution, what the automation reads replication lag at


@dataclass(frozen=True)
class DrillSettings:
    """How fast the emulated drill goes. AWS's figures (30 s probes, minutes of promotion) stay in the RTO budget."""

    confirm_interval_s: float = 0.2  # between outage observations; AWS: dns.healthCheckIntervalSeconds
    confirm_count: int | None = None  # consecutive failing observations; default dns.healthCheckFailureThreshold
    poll_interval_s: float = 0.05  # while the automation waits for something to finish
    verify_timeout_s: float = 15.0  # the drill's own wait for DNS and writes to follow the automation
    orders: int = 5  # orders written before the disruption (the data whose survival is the RPO)
    unreachable_hang_s: float = 5.0  # a blackholed endpoint resets connections after this long
    rto_target_s: float | None = None  # None: the stack's recoveryTargets.regionLoss.rtoMinutes
    rpo_target_s: float | None = None  # None: the regionLoss RPO of the orders' tier (sessions); planned moves: 0
    # "postgres": orders in a real PostgreSQL pair through the reference storefront (drkit.emulation.environment);
    # "emulated": the DynamoDB stand-in, for machines without PostgreSQL.
    database: str = "postgres"
    load_rate_per_s: float = 50.0  # orders per second placed through the record name for the whole scenario; 0: none
    link_latency_s: float = DEFAULT_ONE_WAY_LATENCY_S  # one way, between the two regions' databases

    @property
    def orders_tier(self) -> str:
        """The regionLoss RPO tier the orders belong to: Aurora's (transactional), or the stand-in's DynamoDB table."""
        return "transactional" if self.database == "postgres" else "sessions"


@dataclass(frozen=True)
class Scenario:
    name: str  # as compliance/drills.yaml and the catalogue's drill evidence name it
    operation: str  # failover | switchover | failback: the automation's command
    target_role: str  # where traffic must end up
    disruption: str  # what the drill breaks, in words for the report
    inject: Callable[["EmulatedEnvironment", DrillSettings], None] | None = None
    prepare: Callable[["EmulatedEnvironment", DrillSettings], str] | None = None  # before readiness and orders
    lossless: bool = False  # planned moves must lose no order
    check_readiness: bool = True  # readiness is about the secondary taking over; not asked before a failback

    @property
    def source_role(self) -> str:
        return PRIMARY if self.target_role == SECONDARY else SECONDARY


def _region_outage(env: "EmulatedEnvironment", settings: DrillSettings) -> None:
    env.region_outage(PRIMARY)


def _aws_unreachable(env: "EmulatedEnvironment", settings: DrillSettings) -> None:
    # The storefront keeps listening; its deep check fails because its region's data store does not answer.
    env.fault(PRIMARY).make_unreachable("blackhole", hang_seconds=settings.unreachable_hang_s)


def _replication_drained(env: "EmulatedEnvironment") -> None:
    """A planned move starts once writes are quiesced and the replicas have caught up. CloudWatch shows that a
    metric period later (the period's Maximum still holds the lag before); the drill does not wait the period:
    it publishes the drained lag now and, stamped one period ahead, the datapoint AWS would publish then."""
    from drkit.emulation.replication_metrics import replication_metrics

    env.set_replication_lag(0.0)
    later = datetime.now(timezone.utc) + timedelta(seconds=METRIC_PERIOD_S - 1)
    account = env.moto.account
    for metric in replication_metrics(env.graph):
        cluster = dict(metric.dimensions).get("DBClusterIdentifier")
        writer = (env.gaps.rds.writer_arn(metric.replica_of) if metric.replica_of else None) or ""
        if cluster and writer.endswith(f":{metric.region}:{account}:cluster:{cluster}"):
            continue  # the writer replicates to the others; it has no lag of its own
        env.moto.client("cloudwatch", metric.region).put_metric_data(
            Namespace=metric.namespace, MetricData=[{**metric.datum(0.0), "Timestamp": later}])


def _drained(env: "EmulatedEnvironment", settings: DrillSettings) -> str:
    _replication_drained(env)
    return "writes quiesced: replication lag 0 s in CloudWatch"


def _primary_back(env: "EmulatedEnvironment", settings: DrillSettings) -> str:
    env.region_recovered(PRIMARY)
    env.endpoint_up(PRIMARY)
    _replication_drained(env)
    return f"{env.region(PRIMARY)} is back (AWS endpoint and storefront answer); replication to it caught up"


SCENARIOS: dict[str, Scenario] = {s.name: s for s in (
    Scenario("region-loss-failover", "failover", SECONDARY,
             "the primary region is lost: its AWS endpoint refuses connections and its load balancer stops answering",
             inject=_region_outage),
    Scenario("planned-switchover", "switchover", SECONDARY,
             "none: a planned move of production to the secondary region", prepare=_drained, lossless=True),
    Scenario("failback", "failback", PRIMARY,
             "none: production returns to the original primary after a failover", prepare=_primary_back,
             lossless=True, check_readiness=False),
    Scenario("primary-aws-unreachable", "failover", SECONDARY,
             "the primary region's AWS endpoint accepts connections and never answers (blackhole); its storefront "
             "still listens but fails its deep health check", inject=_aws_unreachable),
)}


def chosen(names: list[str] | None) -> list[Scenario]:
    """The scenarios to run, in order: the default pair, every one ('all'), or those named."""
    if not names:
        return [SCENARIOS[n] for n in DEFAULT_SEQUENCE]
    if "all" in names:  # each failover followed by its failback; the runner starts afresh where it must
        return [SCENARIOS[n] for n in ("region-loss-failover", "failback", "planned-switchover",
                                       "primary-aws-unreachable")]
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        raise UsageError(f"unknown drill scenario {unknown[0]!r}; choose from {', '.join(SCENARIOS)} or 'all'")
    return [SCENARIOS[n] for n in names]
