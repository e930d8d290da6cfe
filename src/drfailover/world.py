"""Where the platform stands, read from the world, not from what this tool remembers.

The control table's journal says what this tool did; the world says where traffic goes and who writes. An
emptied or stale table must never make a failback answer "traffic is already in the primary" while the fence
alarm holds the primary out of DNS and the secondary's cluster is the writer. Two reads, both in the recovery
region (so they work with the primary region gone):
- the fence alarm (control region): ALARM means the PRIMARY record is unhealthy, so Route 53 answers the
  SECONDARY; OK means the primary takes traffic (its own health permitting);
- the global cluster's members: which region's cluster is the writer (a detached, standalone cluster that
  writes counts as the writer of its region).
"""
from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from drfailover.clients import AwsClients, RegionUnreachable
from drfailover.deployment import PRIMARY, SECONDARY, Deployment


@dataclass(frozen=True)
class World:
    traffic_role: str | None  # primary | secondary; None when the fence alarm cannot be read
    writer_role: str | None  # primary | secondary; None when it cannot be read or no member writes
    detail: str

    def settled_in(self, role: str) -> bool:
        """Traffic and the writer are both in `role`: an operation moving there has nothing left to do."""
        return self.traffic_role == role and self.writer_role == role


def read_world(d: Deployment, clients: AwsClients) -> World:
    notes = []
    traffic = writer = None
    try:
        alarms = clients.get("cloudwatch", d.control.region).describe_alarms(
            AlarmNames=[d.control.alarm_name]).get("MetricAlarms", [])
        state = alarms[0].get("StateValue") if alarms else None
        traffic = {"ALARM": SECONDARY, "OK": PRIMARY}.get(state or "")
        notes.append(f"fence alarm {d.control.alarm_name} {state or 'missing'}")
    except (ClientError, BotoCoreError, RegionUnreachable) as exc:
        notes.append(f"fence alarm unreadable ({type(exc).__name__})")
    try:
        writer = _writer_role(d, clients)
        notes.append(f"writer {d.regions[writer].database_cluster_identifier}" if writer else "no writer member")
    except (ClientError, BotoCoreError, RegionUnreachable) as exc:
        notes.append(f"global cluster unreadable ({type(exc).__name__})")
    return World(traffic, writer, "; ".join(notes))


def _writer_role(d: Deployment, clients: AwsClients) -> str | None:
    rds = clients.get("rds", d.secondary_region)
    clusters = rds.describe_global_clusters(GlobalClusterIdentifier=d.global_cluster_identifier).get("GlobalClusters", [])
    members = clusters[0].get("GlobalClusterMembers", []) if clusters else []
    by_arn = {region.database_cluster_arn: role for role, region in d.regions.items()}
    # First the secondary detached and promoted (the fallback when managed failover is refused): the old primary
    # still shows as the global database's writer member, but it was fenced first and the newest writes are here.
    if detached_writer(d, clients, members):
        return SECONDARY
    for member in members:
        if member.get("IsWriter") and member.get("DBClusterArn") in by_arn:
            return by_arn[member["DBClusterArn"]]
    return None


def detached_writer(d: Deployment, clients: AwsClients, members: list[dict] | None = None) -> bool:
    """Is the secondary's cluster out of the global database and a writer of its own (detached and promoted)?"""
    rds = clients.get("rds", d.secondary_region)
    if members is None:
        clusters = rds.describe_global_clusters(
            GlobalClusterIdentifier=d.global_cluster_identifier).get("GlobalClusters", [])
        members = clusters[0].get("GlobalClusterMembers", []) if clusters else []
    if d.secondary.database_cluster_arn in {m.get("DBClusterArn") for m in members}:
        return False
    found = rds.describe_db_clusters(DBClusterIdentifier=d.secondary.database_cluster_identifier).get("DBClusters", [])
    return bool(found) and not found[0].get("GlobalClusterIdentifier")
