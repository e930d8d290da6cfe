"""Aurora global database: FailoverGlobalCluster, SwitchoverGlobalCluster, RemoveFromGlobalCluster.

moto 5.2.5 has no FailoverGlobalCluster or SwitchoverGlobalCluster (it answers 500, "not
implemented"), and its RemoveFromGlobalCluster silently does nothing unless it is called in
us-east-1 for a us-east-1 cluster (it looks the global cluster up in the calling region's backend).

Which member writes is a flag on moto's cluster model (`is_writer`) that no moto API sets, so these
fillers change moto's RDS models directly — the one filler that must — and answer with moto's own
DescribeGlobalClusters rendering of the result. Both operations complete at once (AWS takes a minute
or two; the automation's own time is what a drill measures):
- failover (AllowDataLoss=true): the target becomes the writer even when the old writer's region is
  unreachable; the old writer stays a member as a reader (AWS demotes it when its region recovers);
- switchover (SwitchoverGlobalCluster, or FailoverGlobalCluster without AllowDataLoss): refused with
  InvalidGlobalClusterStateFault while the writer's region is unreachable, as AWS needs it healthy.

With a `databases` engine attached (drkit.emulation.database_engine: real PostgreSQL servers behind the
clusters), each move also moves the real writer: a switchover waits until the target has replayed everything
the writer flushed (refused if it cannot catch up), then promotes it; a failover promotes at once, losing what
had not crossed; detaching promotes the detached cluster and leaves the old writer writable. Without one, only
the flags move.
"""
from __future__ import annotations

import threading
import time
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from drkit.emulation.gaps import GapFiller
from drkit.emulation.wire import AwsRequest, ProxyResponse, error_response, query_result

if TYPE_CHECKING:
    from drkit.emulation.faults import RegionFaults
    from drkit.emulation.gaps import GapContext
    from drkit.emulation.moto_server import MotoServer

GLOBAL_STORE_REGION = "us-east-1"  # where moto keeps every global cluster, whichever region created it


class GlobalClusterFailover(GapFiller):
    def __init__(self, moto: "MotoServer", faults: dict[str, "RegionFaults"]):
        self.moto, self.faults = moto, faults
        self.databases: Any = None  # drkit.emulation.database_engine.RealDatabases, when real servers stand behind
        self._lock = threading.Lock()
        self.operations: list[dict[str, Any]] = []  # what was done, for tests and drill reports

    def handlers(self) -> dict:
        return {("rds", "FailoverGlobalCluster"): self.failover,
                ("rds", "SwitchoverGlobalCluster"): self.switchover,
                ("rds", "RemoveFromGlobalCluster"): self.remove}

    # -- actions -----------------------------------------------------------------------------------
    def failover(self, request: AwsRequest, context: "GapContext") -> ProxyResponse:
        params = request.form()
        allow_loss = _flag(params.get("AllowDataLoss"))
        planned = _flag(params.get("Switchover")) or not allow_loss  # AWS: no AllowDataLoss means switchover
        return self._move_writer(request, params, planned=planned)

    def switchover(self, request: AwsRequest, context: "GapContext") -> ProxyResponse:
        return self._move_writer(request, request.form(), planned=True)

    def _move_writer(self, request: AwsRequest, params: dict[str, str], *, planned: bool) -> ProxyResponse:
        global_id = params.get("GlobalClusterIdentifier", "")
        target_ref = params.get("TargetDbClusterIdentifier", "")
        with self._lock:
            global_cluster = self._global_cluster(global_id)
            if global_cluster is None:
                return _not_found(request, global_id)
            target = _member(global_cluster, target_ref)
            if target is None:
                return error_response(request, "DBClusterNotFoundFault", f"The DB cluster {target_ref} is not a "
                                      f"member of global cluster {global_id}.", status=404)
            writer = next((m for m in global_cluster.members if m.is_writer), None)
            if writer is target:
                return error_response(request, "InvalidParameterValue", f"The DB cluster {target_ref} is "
                                      f"already the primary cluster of global cluster {global_id}.")
            if planned and writer is not None and self._unreachable(writer.region):
                return error_response(request, "InvalidGlobalClusterStateFault", f"Switchover needs the primary "
                                      f"cluster {writer.db_cluster_arn} to be available; use FailoverGlobalCluster "
                                      "with AllowDataLoss to fail over from an unavailable primary.")
            moved = ""
            if self.databases is not None:
                problem, moved = self.databases.move_writer(writer.region if writer is not None else None,
                                                            target.region, planned=planned)
                if problem:
                    return error_response(request, "InvalidGlobalClusterStateFault", problem)
            if writer is not None:
                writer.is_writer = False
            target.is_writer = True
            self.operations.append({"action": request.action, "planned": planned, "at": time.time(), "databases": moved,
                                    "globalClusterIdentifier": global_id,
                                    "from": writer.db_cluster_arn if writer is not None else None,
                                    "to": target.db_cluster_arn})
        return query_result(request, self._rendered(global_id))

    def remove(self, request: AwsRequest, context: "GapContext") -> ProxyResponse:
        params = request.form()
        global_id, cluster_ref = params.get("GlobalClusterIdentifier", ""), params.get("DbClusterIdentifier", "")
        with self._lock:
            global_cluster = self._global_cluster(global_id)
            if global_cluster is None:
                return _not_found(request, global_id)
            member = _member(global_cluster, cluster_ref)
            if member is None:
                return error_response(request, "DBClusterNotFoundFault", f"DBCluster {cluster_ref} not found "
                                      f"in global cluster {global_id}.", status=404)
            if member.is_writer and len(global_cluster.members) > 1:
                return error_response(request, "InvalidGlobalClusterStateFault", "The primary cluster can be "
                                      "removed only after every secondary cluster is removed.")
            rendered_before = self._rendered(global_id)
            if self.databases is not None:
                self.databases.detach(member.region)
            global_cluster.members.remove(member)
            member.global_cluster_identifier = None
            member.is_writer = True  # detached from the global database, it is a standalone writable cluster
            self.operations.append({"action": "RemoveFromGlobalCluster", "at": time.time(),
                                    "globalClusterIdentifier": global_id, "removed": member.db_cluster_arn})
        return query_result(request, rendered_before)

    # -- helpers -----------------------------------------------------------------------------------
    def writer_arn(self, global_id: str) -> str | None:
        global_cluster = self._global_cluster(global_id)
        writer = next((m for m in global_cluster.members if m.is_writer), None) if global_cluster else None
        return writer.db_cluster_arn if writer is not None else None

    def _global_cluster(self, global_id: str) -> Any:
        from moto.rds.models import rds_backends

        return rds_backends[self.moto.account][GLOBAL_STORE_REGION].global_clusters.get(global_id)

    def _unreachable(self, region: str) -> bool:
        faults = self.faults.get(region)
        return faults is not None and faults.unreachable is not None

    def _rendered(self, global_id: str) -> str:
        """moto's own XML for the global cluster, re-tagged as the <GlobalCluster> these actions return."""
        body = urlencode({"Action": "DescribeGlobalClusters", "Version": "2014-10-31",
                          "GlobalClusterIdentifier": global_id}).encode()
        _, answer = self.moto.raw("rds", GLOBAL_STORE_REGION, "POST", "/", body,
                                  {"Content-Type": "application/x-www-form-urlencoded"})
        root = ET.fromstring(answer)
        for element in root.iter():
            element.tag = element.tag.rsplit("}", 1)[-1]
        listing = root.find("./DescribeGlobalClustersResult/GlobalClusters")
        for cluster in listing if listing is not None else []:
            if (cluster.findtext("GlobalClusterIdentifier") or "").lower() == global_id.lower():
                cluster.tag = "GlobalCluster"
                return ET.tostring(cluster, encoding="unicode")
        return ""


def _member(global_cluster: Any, reference: str) -> Any:
    for member in global_cluster.members:
        if reference in (member.db_cluster_arn, member.db_cluster_identifier) or \
                reference.lower() == member.db_cluster_identifier:
            return member
    return None


def _flag(value: str | None) -> bool:
    return (value or "").lower() == "true"


def _not_found(request: AwsRequest, global_id: str) -> ProxyResponse:
    return error_response(request, "GlobalClusterNotFoundFault", f"Global cluster {global_id} not found.",
                          status=404)
