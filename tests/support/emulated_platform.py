"""The emulated platform the failover tests run against, over real HTTP on loopback.

It uses the one emulation harness (tests/support/emulation.py over drkit.emulation): moto's server, one regional
proxy per region (plus one for the global Route 53 endpoint) that fills moto's gaps — Aurora global failover/switchover, health
checks that follow probes and alarms, alarm evaluation, TestDNSAnswer — and injects faults, and a
loopback storefront per region. The resources are the few the automation touches, named by the prod
stack's own outputs (the full graph materializer takes ~30 s, too slow to repeat per test; the drill
tests cover it). AWS assigns health-check and zone ids, so those outputs are replaced by the emulated ones.
"""
from __future__ import annotations

import copy
import io
from dataclasses import dataclass, field
from typing import Any

from drfailover.clients import GLOBAL_ENDPOINT_KEY, AwsClients
from drfailover.deployment import PRIMARY, SECONDARY, Deployment, deployment_from_outputs
from drfailover.execution import Runner, RunResult
from drfailover.plan import build_plan
from drfailover.steps import RunOptions, Waiter
from drkit.emulation.creators import create_running_service
from drkit.emulation.health_endpoints import HEALTH_PATH, HealthEndpoint
from drkit.stacks import load_stack
from tests.support.emulation import EmulatedAws

# One failover against the emulated environment: 40 was the first target; the check that the target can serve
# (probe aside: Route 53, ECS, RDS cluster and lag, fence alarm) and the re-read of the world once the lock is
# held (fence alarm, writer) add the reads that keep a failover from making an outage worse.
CALL_BUDGET = 42
LEASE_S = 1.5  # the failover lock's lease in these tests: a dead holder is found in seconds, not a minute


@dataclass
class Platform:
    aws: EmulatedAws
    outputs: dict[str, Any]
    deployment: Deployment
    storefronts: dict[str, HealthEndpoint]
    clients: AwsClients = field(init=False)

    def __post_init__(self) -> None:
        self.clients = self.new_clients()
        self._call_marks = {key: len(proxy.calls) for key, proxy in self.aws.proxies.items()}

    def calls(self, endpoint: str, action: str) -> int:
        """Successful calls of `action` through one endpoint's proxy since this platform was built."""
        proxy = self.aws.proxies[endpoint]
        return sum(1 for c in proxy.calls_since(self._call_marks[endpoint]) if c.action == action and c.status < 400)

    def new_clients(self) -> AwsClients:
        return AwsClients(self.aws.endpoints)

    @property
    def probes(self) -> dict[str, str]:
        return {role: endpoint.health_url for role, endpoint in self.storefronts.items()}

    def moto(self, service: str, role_or_region: str) -> Any:
        """A client straight to moto (no proxy, no faults, not counted): for arranging and asserting."""
        region = self.deployment.regions[role_or_region].region if role_or_region in (PRIMARY, SECONDARY) \
            else role_or_region
        return self.aws.moto.client(service, region)

    # -- faults ---------------------------------------------------------------------------------------
    def primary_endpoint_down(self) -> None:
        self.storefronts[PRIMARY].set_healthy(False)

    def primary_region_unreachable(self) -> None:
        # The proxy refuses connections; the primary storefront's deep check fails with its data store.
        self.aws.faults[self.deployment.primary_region].make_unreachable("refuse")

    def primary_back(self) -> None:
        self.aws.faults[self.deployment.primary_region].make_reachable()
        self.storefronts[PRIMARY].set_healthy(True)

    # -- state ----------------------------------------------------------------------------------------
    def writer(self) -> str:
        members = self.moto("rds", SECONDARY).describe_global_clusters(
            GlobalClusterIdentifier=self.deployment.global_cluster_identifier)["GlobalClusters"][0]["GlobalClusterMembers"]
        return next(m["DBClusterArn"] for m in members if m["IsWriter"])

    def desired_count(self, role: str) -> int:
        region = self.deployment.regions[role]
        return self.moto("ecs", role).describe_services(
            cluster=region.cluster_name, services=[region.service_name])["services"][0]["desiredCount"]

    def fence_alarm_state(self) -> str:
        return self.moto("cloudwatch", SECONDARY).describe_alarms(
            AlarmNames=[self.deployment.control.alarm_name])["MetricAlarms"][0]["StateValue"]

    def control_items(self) -> list[dict[str, Any]]:
        return self.moto("dynamodb", SECONDARY).scan(TableName=self.deployment.control.table_name)["Items"]

    def run(self, operation: str, *, clients: AwsClients | None = None, after_step=None, owner: str | None = None,
            clock=None, **options: Any) -> tuple[RunResult, str]:
        """Run an operation with the storefront probes; returns the result and the progress text. `clock`: the
        host's wall clock as this run sees it (skewed hosts)."""
        options.setdefault("probes", self.probes)
        options.setdefault("confirm_interval_s", 0)
        options.setdefault("poll_interval_s", 0.01)
        options.setdefault("lease_seconds", LEASE_S)
        run_options = RunOptions(**options)
        plan = build_plan(operation, force=run_options.force, approve=run_options.approve)
        progress = io.StringIO()
        runner = Runner(plan, self.deployment, clients or self.new_clients(), run_options, progress=progress,
                        owner=owner, after_step=after_step, waiter=Waiter(), clock=clock)
        return runner.execute(), progress.getvalue()


def build_platform(aws: EmulatedAws, graph_outputs: dict[str, Any], stack: str = "prod") -> Platform:
    aws.reset()
    outputs = copy.deepcopy(graph_outputs)
    regions = {role: outputs["regions"][role]["region"] for role in (PRIMARY, SECONDARY)}
    client = {key: (lambda service, region=region: aws.moto.client(service, region)) for key, region in regions.items()}
    storefronts = _storefronts(aws, outputs, regions, client)
    _database(outputs, regions, client)
    _compute(outputs, client)
    _control(outputs, regions, client)
    _route53(aws, outputs, regions, storefronts)
    for role in regions:
        client[role]("sns").create_topic(Name=outputs["regions"][role]["alertTopicArn"].rsplit(":", 1)[-1])
    deployment = deployment_from_outputs(outputs, "emulated prod outputs", load_stack(stack).config)
    return Platform(aws, outputs, deployment, storefronts)


def _storefronts(aws, outputs, regions, client) -> dict[str, HealthEndpoint]:
    table = outputs["tableNames"]["carts"]
    endpoints = {}
    for role, region in regions.items():
        client[role]("dynamodb").create_table(
            TableName=table, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
        key = f"{role}:{region}:{table}"
        endpoint = aws.storefronts.get(key)
        if endpoint is None:
            endpoint = HealthEndpoint(role, region, aws.proxies[region].url, table, hash_key="pk", range_key=None)
            aws.storefronts[key] = endpoint
        endpoint.set_healthy(True)
        endpoint.start()
        aws.gaps.health.register_probe(outputs["regions"][role]["albDnsName"], endpoint.url)
        endpoints[role] = endpoint
    return endpoints


def _database(outputs, regions, client) -> None:
    global_id = outputs["globalClusterIdentifier"]
    client[PRIMARY]("rds").create_global_cluster(GlobalClusterIdentifier=global_id, Engine="aurora-postgresql",
                                                 EngineVersion="16.4")
    for role in (PRIMARY, SECONDARY):  # the primary first: moto makes the first member the writer
        extra = {"MasterUsername": "storefront", "MasterUserPassword": "Emulated-Password-1"} if role == PRIMARY else {}
        client[role]("rds").create_db_cluster(DBClusterIdentifier=outputs["regions"][role]["databaseClusterIdentifier"],
                                              Engine="aurora-postgresql", EngineVersion="16.4",
                                              GlobalClusterIdentifier=global_id, **extra)


def _compute(outputs, client) -> None:
    for role in (PRIMARY, SECONDARY):
        region = outputs["regions"][role]
        ecs = client[role]("ecs")
        ecs.create_cluster(clusterName=region["clusterName"])
        task = ecs.register_task_definition(family=region["serviceName"], containerDefinitions=[
            {"name": "storefront", "image": "storefront:emulated", "memory": 512}])["taskDefinition"]["taskDefinitionArn"]
        create_running_service(ecs, cluster=region["clusterName"], serviceName=region["serviceName"],
                               taskDefinition=task, desiredCount=region["desiredCount"])


def _control(outputs, regions, client) -> None:
    control = outputs["control"]
    client[SECONDARY]("dynamodb").create_table(
        TableName=control["tableName"], BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}])
    client[SECONDARY]("cloudwatch").put_metric_alarm(
        AlarmName=control["alarmName"], Namespace=control["metricNamespace"], MetricName=control["metricName"],
        Dimensions=[{"Name": k, "Value": v} for k, v in control["metricDimensions"].items()], Statistic="Maximum",
        Period=60, EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold",
        TreatMissingData="ignore")


def _route53(aws: EmulatedAws, outputs, regions, storefronts) -> None:
    route53 = aws.moto.client("route53", "us-east-1")
    dns, control = outputs["dns"], outputs["control"]

    def check(reference: str, config: dict[str, Any]) -> str:
        return route53.create_health_check(CallerReference=reference, HealthCheckConfig=config)["HealthCheck"]["Id"]

    for role in (PRIMARY, SECONDARY):
        outputs["regions"][role]["healthCheckId"] = check(f"endpoint-{role}", {
            "Type": "HTTPS", "FullyQualifiedDomainName": outputs["regions"][role]["albDnsName"], "Port": 443,
            "ResourcePath": HEALTH_PATH, "RequestInterval": 10, "FailureThreshold": 3})
    # Created through the global proxy, which remembers the alarm the check follows (moto forgets it).
    control_check = AwsClients({GLOBAL_ENDPOINT_KEY: aws.proxies[GLOBAL_ENDPOINT_KEY].url}).get(
        "route53", "us-east-1").create_health_check(CallerReference="control", HealthCheckConfig={
            "Type": "CLOUDWATCH_METRIC", "AlarmIdentifier": {"Region": control["region"], "Name": control["alarmName"]},
            "InsufficientDataHealthStatus": "LastKnownStatus"})["HealthCheck"]["Id"]
    calculated = check("primary-calculated", {"Type": "CALCULATED", "HealthThreshold": 2, "ChildHealthChecks": [
        outputs["regions"][PRIMARY]["healthCheckId"], control_check]})
    control["controlHealthCheckId"], control["primaryCalculatedHealthCheckId"] = control_check, calculated
    zone_name = dns["recordName"].split(".", 1)[1]
    zone = route53.create_hosted_zone(Name=zone_name, CallerReference="zone")["HostedZone"]["Id"].rsplit("/", 1)[-1]
    dns["zoneId"] = zone
    changes = []
    for role, kind, health in ((PRIMARY, "PRIMARY", calculated),
                               (SECONDARY, "SECONDARY", outputs["regions"][SECONDARY]["healthCheckId"])):
        changes.append({"Action": "UPSERT", "ResourceRecordSet": {
            "Name": dns["recordName"], "Type": "A", "SetIdentifier": role, "Failover": kind, "HealthCheckId": health,
            "AliasTarget": {"HostedZoneId": "Z35SXDOTRQ7X7K", "DNSName": outputs["regions"][role]["albDnsName"],
                            "EvaluateTargetHealth": True}}})
    route53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": changes})
    for role, name in dns["healthCheckAlarmNames"].items():
        aws.moto.client("cloudwatch", dns["healthCheckAlarmRegion"]).put_metric_alarm(
            AlarmName=name, Namespace="AWS/Route53", MetricName="HealthCheckStatus", Statistic="Minimum",
            Dimensions=[{"Name": "HealthCheckId", "Value": outputs["regions"][role]["healthCheckId"]}], Period=60,
            EvaluationPeriods=1, Threshold=1, ComparisonOperator="LessThanThreshold", TreatMissingData="missing")
