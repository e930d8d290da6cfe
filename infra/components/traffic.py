"""DNS failover between the two regions' load balancers.

Route 53 answers with the primary region while its health check passes and with the
secondary otherwise. The health checks probe the application's deep health path over
HTTPS from several checker regions, so a failure of the storefront's dependencies (not
just of the load balancer) moves traffic, and one checker region's network trouble does not.
Route 53 is global: the failover keeps working while either deployment region is down.

Failover automation moves traffic through Route 53's data plane only: the PRIMARY record's
health check is CALCULATED from the primary's endpoint check and a control check that follows
a CloudWatch alarm in the secondary region. Publishing the fence metric there makes the
primary unhealthy to DNS without a call to Route 53's control plane, which lives in us-east-1.
"""
from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from drcore.platform import PRIMARY, SECONDARY
from drcore.regions import MIN_HEALTH_CHECKER_REGIONS, ROUTE53_HEALTH_CHECKER_REGIONS
from drcore.stack_config import StackConfig
from infra.context import RegionContext

FAILOVER_TYPES = {PRIMARY: "PRIMARY", SECONDARY: "SECONDARY"}


@dataclass
class FailoverRoutingArgs:
    config: StackConfig
    ctx: RegionContext  # signs the Route 53 calls; Route 53 itself is global
    zone_id: pulumi.Input[str]
    endpoints: dict[str, tuple[pulumi.Input[str], pulumi.Input[str]]]  # role -> (ALB DNS name, ALB zone id)
    fence_alarm_name: pulumi.Input[str]  # the alarm that is in ALARM while the primary is fenced
    fence_alarm_region: str  # the secondary region, where the automation runs
    # Route 53 counts an endpoint healthy when more than 18% of checkers agree, so checkers on three continents
    # keep a regional internet problem near one checker from triggering failover.
    checker_regions: tuple[str, ...] = ROUTE53_HEALTH_CHECKER_REGIONS


class FailoverRouting(pulumi.ComponentResource):
    """An HTTPS health check per region, the control and CALCULATED checks that gate the primary,
    and the PRIMARY/SECONDARY failover alias records."""

    health_check_ids: dict[str, pulumi.Output[str]]  # role -> the HTTPS check of that region's endpoint
    control_health_check_id: pulumi.Output[str]  # healthy while the fence alarm is not in ALARM
    primary_calculated_health_check_id: pulumi.Output[str]  # what the PRIMARY record uses
    record_name: str
    record_fqdn: pulumi.Output[str]
    zone_id: pulumi.Input[str]

    def __init__(self, name: str, args: FailoverRoutingArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ecommerce:dns:FailoverRouting", name, None, opts)
        dns, ctx = args.config.dns, args.ctx
        if set(args.endpoints) != set(FAILOVER_TYPES):
            raise ValueError(f"FailoverRouting needs exactly the endpoints {sorted(FAILOVER_TYPES)}, "
                             f"got {sorted(args.endpoints)}")
        if len(args.checker_regions) < MIN_HEALTH_CHECKER_REGIONS:
            raise ValueError("Route 53 needs at least 3 health-checker regions")

        self.health_check_ids = {}
        for role, (alb_dns_name, alb_zone_id) in args.endpoints.items():
            check = aws.route53.HealthCheck(
                ctx.name("endpoint-health", role),
                type="HTTPS",
                fqdn=alb_dns_name,
                port=443,
                resource_path=args.config.compute.health_check_path,
                # Route 53 does not verify the certificate, so probing the ALB's own name (which the
                # certificate does not cover) works and bypasses DNS, which this very check steers.
                enable_sni=True,
                request_interval=dns.health_check_interval_seconds,
                failure_threshold=dns.health_check_failure_threshold,
                measure_latency=True,  # latency graphs per checker region help tell slowness from outage
                regions=list(args.checker_regions),
                tags={"Name": ctx.name("endpoint-health", role)},  # the Route 53 console lists checks by Name
                opts=ctx.opts(self),
            )
            self.health_check_ids[role] = check.id
        self.control_health_check_id, self.primary_calculated_health_check_id = self._primary_gate(args)
        record_checks = {PRIMARY: self.primary_calculated_health_check_id, SECONDARY: self.health_check_ids[SECONDARY]}

        records = {}
        for role, (alb_dns_name, alb_zone_id) in args.endpoints.items():
            records[role] = aws.route53.Record(
                ctx.name("failover", role),
                zone_id=args.zone_id,
                name=dns.record_name,
                type="A",
                set_identifier=role,
                failover_routing_policies=[aws.route53.RecordFailoverRoutingPolicyArgs(type=FAILOVER_TYPES[role])],
                aliases=[aws.route53.RecordAliasArgs(
                    name=alb_dns_name,
                    zone_id=alb_zone_id,
                    # Also fail over when the load balancer has no healthy targets, which the ALB
                    # reports before the HTTPS check has failed failure_threshold times.
                    evaluate_target_health=True,
                )],
                health_check_id=record_checks[role],
                opts=ctx.opts(self),
            )

        self.record_name = dns.record_name
        self.record_fqdn = records[PRIMARY].fqdn
        self.zone_id = args.zone_id
        self.register_outputs({"healthCheckIds": self.health_check_ids, "recordFqdn": self.record_fqdn,
                               "controlHealthCheckId": self.control_health_check_id,
                               "primaryCalculatedHealthCheckId": self.primary_calculated_health_check_id})

    def _primary_gate(self, args: FailoverRoutingArgs) -> tuple[pulumi.Output[str], pulumi.Output[str]]:
        """The control check on the fence alarm, and the CALCULATED check the PRIMARY record uses:
        the primary serves only while its endpoint is healthy and it is not fenced."""
        ctx = args.ctx
        control = aws.route53.HealthCheck(
            ctx.name("traffic-control"),
            type="CLOUDWATCH_METRIC",
            cloudwatch_alarm_name=args.fence_alarm_name,
            cloudwatch_alarm_region=args.fence_alarm_region,
            # While CloudWatch in the secondary region cannot answer, keep the last decision: a fence must
            # hold, and an unfenced primary must not be dropped because the standby region has trouble.
            insufficient_data_health_status="LastKnownStatus",
            tags={"Name": ctx.name("traffic-control")},
            opts=ctx.opts(self),
        )
        children = [self.health_check_ids[PRIMARY], control.id]
        calculated = aws.route53.HealthCheck(
            ctx.name("primary-serving"),
            type="CALCULATED",
            child_healthchecks=children,
            child_health_threshold=len(children),
            tags={"Name": ctx.name("primary-serving")},
            opts=ctx.opts(self),
        )
        return control.id, calculated.id
