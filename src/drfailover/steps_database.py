"""Database steps: promote the Aurora global database's cluster in the target region, re-protect, and
wait for replication to drain before a planned move. Every call goes to the recovery region's RDS
endpoint (global-cluster actions are answered from any member region)."""
from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from drfailover.deployment import PRIMARY, SECONDARY, Deployment, RegionDeployment
from drfailover.steps import Step, StepContext, StepFailed, StepRefused
from drfailover.world import detached_writer

PROMOTE_TIMEOUT_S = 900  # AWS: typically under a minute; a headless cluster first needs an instance
DRAIN_TIMEOUT_S = 300
DRAINED_LAG_S = 1.0


def _rds(ctx: StepContext) -> Any:
    return ctx.clients.get("rds", ctx.deployment.secondary_region)


def global_members(ctx: StepContext) -> dict[str, bool]:
    """Member cluster ARN -> is it the writer."""
    clusters = _rds(ctx).describe_global_clusters(
        GlobalClusterIdentifier=ctx.deployment.global_cluster_identifier).get("GlobalClusters", [])
    if not clusters:
        raise StepFailed(f"global cluster {ctx.deployment.global_cluster_identifier} not found")
    return {m["DBClusterArn"]: bool(m.get("IsWriter")) for m in clusters[0].get("GlobalClusterMembers", [])}


class PromoteDatabase(Step):
    """Make the target region's cluster the writer: managed failover allowing data loss (unplanned; detach
    and promote when AWS refuses it, only once the old primary's storefront is fenced, so the old cluster can take
    no more writes from it), or managed switchover with no data loss (planned)."""

    kind, budget, point_of_no_return = "PromoteDatabase", "promote+scale", True

    def __init__(self, target_role: str, method: str):
        if method not in ("failover", "switchover"):
            raise ValueError(f"method must be failover or switchover, not {method}")
        super().__init__(f"promote-database-{target_role}")
        self.target_role, self.method = target_role, method

    def describe(self, d: Deployment) -> str:
        target = d.regions[self.target_role]
        how = ("managed failover (AllowDataLoss), detach-and-promote if refused" if self.method == "failover"
               else "managed switchover (no data loss)")
        return f"make {target.database_cluster_identifier} ({target.region}) the writer of " \
               f"{d.global_cluster_identifier}: {how}"

    def run(self, ctx: StepContext) -> str:
        d = ctx.deployment
        target = d.regions[self.target_role]
        members = global_members(ctx)
        if members.get(target.database_cluster_arn):
            return f"{target.database_cluster_identifier} is already the writer"
        if target.database_cluster_arn not in members:
            if self.method == "failover" and self._standalone(ctx, target):
                return f"{target.database_cluster_identifier} was already detached and promoted (standalone writer)"
            raise StepFailed(f"{target.database_cluster_identifier} is not a member of {d.global_cluster_identifier}; "
                             "re-protect the database first (docs/runbooks.md, 'Failback after detach-and-promote')")
        added = self._ensure_instance(ctx, target)
        rds = _rds(ctx)
        if self.method == "switchover":
            rds.switchover_global_cluster(GlobalClusterIdentifier=d.global_cluster_identifier,
                                          TargetDbClusterIdentifier=target.database_cluster_arn)
            how = "managed switchover"
        else:
            try:
                rds.failover_global_cluster(GlobalClusterIdentifier=d.global_cluster_identifier,
                                            TargetDbClusterIdentifier=target.database_cluster_arn, AllowDataLoss=True)
                how = "managed failover (AllowDataLoss)"
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code", "error")
                if not ctx.facts.get("primary_fenced"):
                    # Detaching makes the secondary a writer of its own while the old primary's cluster stays one:
                    # two writers, unless nothing writes to the old one any more. Try again later instead.
                    raise StepFailed(f"managed failover refused ({code}) and the old primary's storefront is not "
                                     "fenced, so detach-and-promote would leave two writers; nothing was detached. "
                                     "The next run retries the managed failover") from None
                rds.remove_from_global_cluster(GlobalClusterIdentifier=d.global_cluster_identifier,
                                               DbClusterIdentifier=target.database_cluster_arn)
                detached = ctx.wait.poll(lambda: self._standalone(ctx, target), timeout_s=PROMOTE_TIMEOUT_S,
                                         interval_s=ctx.options.poll_interval_s)
                if not detached:
                    raise StepFailed(f"{target.database_cluster_identifier} did not become a standalone writer "
                                     f"within {PROMOTE_TIMEOUT_S} s after detaching") from None
                return f"managed failover refused ({code}); detached {target.database_cluster_identifier} from " \
                       f"{d.global_cluster_identifier} and promoted it{added}"
        promoted = ctx.wait.poll(lambda: global_members(ctx).get(target.database_cluster_arn),
                                 timeout_s=PROMOTE_TIMEOUT_S, interval_s=ctx.options.poll_interval_s)
        if not promoted:
            raise StepFailed(f"{how} to {target.database_cluster_identifier} did not finish within {PROMOTE_TIMEOUT_S} s")
        return f"{how}: {target.database_cluster_identifier} ({target.region}) is the writer{added}"

    def _standalone(self, ctx: StepContext, target: RegionDeployment) -> bool:
        try:
            clusters = _rds(ctx).describe_db_clusters(DBClusterIdentifier=target.database_cluster_identifier)["DBClusters"]
        except ClientError:
            return False
        return bool(clusters) and not clusters[0].get("GlobalClusterIdentifier") and clusters[0].get("Status") == "available"

    def _ensure_instance(self, ctx: StepContext, target: RegionDeployment) -> str:
        """A headless secondary cluster has storage but nothing to serve from: give it a writer instance."""
        if target.database_instance_count != 0:
            return ""
        rds = ctx.clients.get("rds", target.region)
        cluster = rds.describe_db_clusters(DBClusterIdentifier=target.database_cluster_identifier)["DBClusters"][0]
        if cluster.get("DBClusterMembers"):
            return ""
        if not target.database_instance_class:
            raise StepFailed(f"{target.database_cluster_identifier} has no instance and the outputs do not say which "
                             "class to add; pass --stack so the stack config names database.instanceClass")
        rds.create_db_instance(DBInstanceIdentifier=f"{target.database_cluster_identifier}-failover-1",
                               DBClusterIdentifier=target.database_cluster_identifier,
                               DBInstanceClass=target.database_instance_class, Engine=cluster["Engine"])
        return f"; added instance {target.database_cluster_identifier}-failover-1 ({target.database_instance_class})"


class ReprotectDatabase(Step):
    """Before going back: the old primary's cluster must have rejoined the global database as a secondary."""

    kind, mutates = "ReprotectDatabase", False

    def __init__(self, rejoining_role: str):
        super().__init__(f"reprotect-database-{rejoining_role}")
        self.rejoining_role = rejoining_role

    def describe(self, d: Deployment) -> str:
        cluster = d.regions[self.rejoining_role].database_cluster_identifier
        return f"check {cluster} replicates from the current writer in {d.global_cluster_identifier}"

    def run(self, ctx: StepContext) -> str:
        d = ctx.deployment
        rejoining = d.regions[self.rejoining_role]
        members = global_members(ctx)
        if self.rejoining_role == PRIMARY and detached_writer(d, ctx.clients):
            # The newest writes are on the detached secondary; the global database (and the old primary in it)
            # stopped at the failover. Switching back would serve the old data and strand everything since.
            raise StepRefused(
                f"the newest writes are on {d.secondary.database_cluster_identifier} ({d.secondary_region}), detached "
                f"from {d.global_cluster_identifier} and promoted during the failover; "
                f"{rejoining.database_cluster_identifier} stopped at the failover. Nothing was changed. Re-protect "
                "from the newest writer first — a new global database from "
                f"{d.secondary.database_cluster_identifier}, the primary region rebuilt as its secondary — then fail "
                "back (docs/runbooks.md, 'Failback after detach-and-promote')")
        if rejoining.database_cluster_arn not in members:
            raise StepRefused(f"{rejoining.database_cluster_identifier} is not in {d.global_cluster_identifier} (it was "
                              "detached during the failover): rebuild the global database from the current writer "
                              "before failing back (docs/runbooks.md, 'Failback after detach-and-promote')")
        writer = next((arn for arn, is_writer in members.items() if is_writer), "none")
        if members[rejoining.database_cluster_arn]:
            return f"{rejoining.database_cluster_identifier} is already the writer"
        return f"{rejoining.database_cluster_identifier} is a secondary of {writer.rsplit(':', 1)[-1]}: protected"


class CheckReplicationDrained(Step):
    """A planned move loses nothing only if the target has caught up: wait for the lag to drain."""

    kind, mutates = "CheckReplicationDrained", False

    def __init__(self, target_role: str):
        super().__init__(f"check-replication-drained-{target_role}")
        self.target_role = target_role

    def describe(self, d: Deployment) -> str:
        target = d.regions[self.target_role]
        return f"wait until {target.database_cluster_identifier} lags < {DRAINED_LAG_S:g} s (CloudWatch {target.region})"

    def run(self, ctx: StepContext) -> str:
        from drfailover.rpo_exposure import aurora_lag_seconds

        target = ctx.deployment.regions[self.target_role]
        client = ctx.clients.get("cloudwatch", target.region, optional=self.target_role != SECONDARY)
        lag = ctx.wait.poll(lambda: _drained(aurora_lag_seconds(client, target.database_cluster_identifier)),
                            timeout_s=DRAIN_TIMEOUT_S, interval_s=max(ctx.options.poll_interval_s, 10.0))
        if lag is None:
            raise StepRefused(f"replication to {target.database_cluster_identifier} has not drained within "
                              f"{DRAIN_TIMEOUT_S} s; try again later, or run 'drkit failover' if the primary is failing")
        return lag


def _drained(lag: float | None) -> str | None:
    if lag is None:
        return "no lag datapoints: the managed switchover itself waits for the secondary to catch up"
    return f"lag {lag:.2f} s" if lag < DRAINED_LAG_S else None
