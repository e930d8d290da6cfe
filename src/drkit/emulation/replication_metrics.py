"""The replication metrics AWS itself publishes for the stack's replicated stores, put into moto's
CloudWatch (and the region's alarms evaluated on them), so readiness checks and the program's own
replication alarms see a lag in the emulation too:

- AWS/RDS AuroraGlobalDBReplicationLag (ms), DBClusterIdentifier = each member that is not the writer
  at the time of publishing (after a failover, the old primary), in its region;
- AWS/DynamoDB ReplicationLatency (ms), TableName + ReceivingRegion, in each region holding a replica;
- AWS/S3 ReplicationLatency (s), SourceBucket + DestinationBucket + RuleId, in the source bucket's region.

Which stores replicate where is read from the graph, like the rest of the emulation.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from drkit.graph.resource_graph import Graph

if TYPE_CHECKING:
    from drkit.emulation.gaps.cloudwatch_alarms import AlarmEvaluation
    from drkit.emulation.moto_server import MotoServer


@dataclass(frozen=True)
class ReplicationMetric:
    region: str
    namespace: str
    name: str
    dimensions: tuple[tuple[str, str], ...]
    unit: str
    replica_of: str = ""  # for Aurora: the global cluster; the metric exists only while its member is not the writer

    def datum(self, lag_seconds: float) -> dict:
        value = lag_seconds * 1000 if self.unit == "Milliseconds" else lag_seconds
        return {"MetricName": self.name, "Unit": self.unit, "Value": value,
                "Dimensions": [{"Name": k, "Value": v} for k, v in self.dimensions]}


def replication_metrics(graph: Graph) -> list[ReplicationMetric]:
    metrics = []
    for cluster in graph.of_type("aws:rds/cluster:Cluster"):
        if cluster.inputs.get("globalClusterIdentifier"):
            metrics.append(ReplicationMetric(graph.region_of(cluster) or "", "AWS/RDS", "AuroraGlobalDBReplicationLag",
                                             (("DBClusterIdentifier", cluster.inputs["clusterIdentifier"]),),
                                             "Milliseconds", replica_of=cluster.inputs["globalClusterIdentifier"]))
    for table in graph.of_type("aws:dynamodb/table:Table"):
        replica_regions = [r["regionName"] for r in table.inputs.get("replicas") or []]
        regions = [graph.region_of(table) or "", *replica_regions]
        for source in regions if replica_regions else []:
            for receiving in regions:
                if receiving != source:
                    metrics.append(ReplicationMetric(source, "AWS/DynamoDB", "ReplicationLatency",
                                                     (("ReceivingRegion", receiving), ("TableName", table.inputs["name"])),
                                                     "Milliseconds"))
    for config in graph.of_type("aws:s3/bucketReplicationConfig:BucketReplicationConfig"):
        for rule in config.inputs.get("rules") or []:
            destination = str(rule["destination"]["bucket"]).rsplit(":", 1)[-1]
            metrics.append(ReplicationMetric(graph.region_of(config) or "", "AWS/S3", "ReplicationLatency",
                                             (("DestinationBucket", destination), ("RuleId", rule.get("id", "")),
                                              ("SourceBucket", config.inputs["bucket"])), "Seconds"))
    return metrics


def publish_replication_lag(moto: "MotoServer", alarms: "AlarmEvaluation", writers: Callable[[str], str | None],
                            metrics: list[ReplicationMetric], lag_seconds: float) -> None:
    """Put one datapoint of `lag_seconds` for every metric, as AWS would, and evaluate the alarms on it.

    `writers(global cluster id)` is the ARN of the member writing now: it replicates to the others."""
    for metric in metrics:
        if metric.replica_of:
            cluster_id = dict(metric.dimensions)["DBClusterIdentifier"]
            writer = writers(metric.replica_of) or ""
            if writer.endswith(f":{metric.region}:{moto.account}:cluster:{cluster_id}"):
                continue
        datum = metric.datum(lag_seconds)
        moto.client("cloudwatch", metric.region).put_metric_data(Namespace=metric.namespace, MetricData=[datum])
        alarms.evaluate_data(metric.region, metric.namespace, [datum])
