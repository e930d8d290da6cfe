"""One VPC per region, laid out identically so failover never meets a different network.

Three subnet tiers per AZ: public (ALB and NAT only), private (Fargate tasks, egress via
NAT and VPC endpoints) and isolated (Aurora, no route off the VPC). The network owns every
security group, so compute and database reference each other's groups through it instead
of depending on each other. Flow logs record ALL traffic for incident forensics.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.components.network_endpoints import create_endpoints
from infra.context import RegionContext, policy_json

TIERS = ("public", "private", "isolated")
# Subnet slots are reserved per tier for the maximum AZ count, so going from 2 to 3 AZs adds
# subnets without renumbering (and so replacing) the existing ones.
_MAX_AZS = 3
_SPLIT_BITS = 4  # /16 -> /20 ... /20 -> /24: 16 slots, 9 used
POSTGRES_PORT = 5432
HTTPS_PORT = 443
LOG_RETENTION_DAYS = 365


@dataclass
class NetworkArgs:
    ctx: RegionContext
    cidr: str
    availability_zones: int
    nat_gateways: int
    container_port: int
    log_kms_key_arn: pulumi.Input[str]
    zone_names: tuple[str, ...] | None = None  # pinned in stack config (network.zoneNames), else looked up


def carve_subnets(cidr: str, availability_zones: int) -> dict[str, list[str]]:
    """Tier -> one CIDR per AZ, from fixed slots of the VPC range."""
    slots = list(ipaddress.IPv4Network(cidr).subnets(prefixlen_diff=_SPLIT_BITS))
    return {tier: [str(slots[t * _MAX_AZS + az]) for az in range(availability_zones)]
            for t, tier in enumerate(TIERS)}


class Network(pulumi.ComponentResource):
    """VPC, subnets, routing, NAT, flow logs, VPC endpoints and the platform's security groups."""

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ecommerce:network:Network", name, None, opts)
        ctx = args.ctx
        if not 1 <= args.nat_gateways <= args.availability_zones <= _MAX_AZS:
            raise ValueError(f"need 1 <= nat_gateways ({args.nat_gateways}) <= availability_zones "
                             f"({args.availability_zones}) <= {_MAX_AZS}")
        self.vpc_cidr = args.cidr
        vpc = aws.ec2.Vpc(ctx.name("vpc"), cidr_block=args.cidr, enable_dns_support=True,
                          enable_dns_hostnames=True,  # private DNS names of interface endpoints need both
                          tags={"Name": ctx.name("vpc")}, opts=ctx.opts(self))
        self.vpc_id = vpc.id
        # Take over the default group and strip its rules: nothing should ever land in it by accident.
        aws.ec2.DefaultSecurityGroup(ctx.name("sg", "default"), vpc_id=vpc.id, ingress=[], egress=[],
                                     tags={"Name": ctx.name("sg", "default-closed")}, opts=ctx.opts(self))

        zones = pulumi.Output.from_input(list(args.zone_names)) if args.zone_names else \
            aws.get_availability_zones_output(
                state="available", opts=pulumi.InvokeOutputOptions(parent=self, provider=ctx.provider)).names
        subnets: dict[str, list[aws.ec2.Subnet]] = {tier: [] for tier in TIERS}
        for tier, cidrs in carve_subnets(args.cidr, args.availability_zones).items():
            for index, cidr in enumerate(cidrs):
                subnet_name = ctx.name("subnet", tier, f"az{index + 1}")
                subnets[tier].append(aws.ec2.Subnet(
                    subnet_name, vpc_id=vpc.id, cidr_block=cidr,
                    availability_zone=zones.apply(lambda names, i=index: names[i]),
                    map_public_ip_on_launch=False,  # only the ALB and NAT (with EIPs) live here
                    tags={"Name": subnet_name, "Tier": tier}, opts=ctx.opts(self)))
        self.public_subnet_ids = [s.id for s in subnets["public"]]
        self.private_subnet_ids = [s.id for s in subnets["private"]]
        self.isolated_subnet_ids = [s.id for s in subnets["isolated"]]

        private_route_tables = self._routing(ctx, vpc, subnets, args.nat_gateways)
        self._security_groups(ctx, vpc, args.container_port)
        self.flow_log_group_name = self._flow_logs(ctx, vpc, args.log_kms_key_arn)
        self.endpoints_security_group_id = create_endpoints(
            self, ctx, vpc_id=vpc.id, vpc_cidr=args.cidr, subnet_ids=self.private_subnet_ids,
            route_table_ids=[rt.id for rt in private_route_tables]).id

        self.register_outputs({
            "vpcId": self.vpc_id, "vpcCidr": self.vpc_cidr, "publicSubnetIds": self.public_subnet_ids,
            "privateSubnetIds": self.private_subnet_ids, "isolatedSubnetIds": self.isolated_subnet_ids,
            "albSecurityGroupId": self.alb_security_group_id, "appSecurityGroupId": self.app_security_group_id,
            "databaseSecurityGroupId": self.database_security_group_id,
            "flowLogGroupName": self.flow_log_group_name,
        })

    def _routing(self, ctx: RegionContext, vpc: aws.ec2.Vpc, subnets: dict[str, list[aws.ec2.Subnet]],
                 nat_gateways: int) -> list[aws.ec2.RouteTable]:
        """Public -> IGW; private AZ i -> NAT (i mod n); isolated -> nothing beyond the VPC."""
        igw = aws.ec2.InternetGateway(ctx.name("igw"), vpc_id=vpc.id, tags={"Name": ctx.name("igw")},
                                      opts=ctx.opts(self))
        public_rt = aws.ec2.RouteTable(ctx.name("rt", "public"), vpc_id=vpc.id,
                                       tags={"Name": ctx.name("rt", "public")}, opts=ctx.opts(self))
        aws.ec2.Route(ctx.name("route", "public-internet"), route_table_id=public_rt.id,
                      destination_cidr_block="0.0.0.0/0", gateway_id=igw.id, opts=ctx.opts(self))
        for index, subnet in enumerate(subnets["public"]):
            aws.ec2.RouteTableAssociation(ctx.name("rta", "public", f"az{index + 1}"), subnet_id=subnet.id,
                                          route_table_id=public_rt.id, opts=ctx.opts(self))

        nats = []
        for index in range(nat_gateways):
            nat_name = ctx.name("nat", f"az{index + 1}")
            eip = aws.ec2.Eip(ctx.name("eip", "nat", f"az{index + 1}"), domain="vpc",
                              tags={"Name": nat_name}, opts=ctx.opts(self, depends_on=[igw]))
            nats.append(aws.ec2.NatGateway(nat_name, allocation_id=eip.allocation_id,
                                           subnet_id=subnets["public"][index].id, tags={"Name": nat_name},
                                           opts=ctx.opts(self, depends_on=[igw])))

        # One private table per AZ even when NATs are shared: raising nat_gateways later only
        # repoints routes instead of re-associating subnets.
        private_tables = []
        for index, subnet in enumerate(subnets["private"]):
            rt_name = ctx.name("rt", "private", f"az{index + 1}")
            table = aws.ec2.RouteTable(rt_name, vpc_id=vpc.id, tags={"Name": rt_name}, opts=ctx.opts(self))
            aws.ec2.Route(ctx.name("route", "private-nat", f"az{index + 1}"), route_table_id=table.id,
                          destination_cidr_block="0.0.0.0/0", nat_gateway_id=nats[index % nat_gateways].id,
                          opts=ctx.opts(self))
            aws.ec2.RouteTableAssociation(ctx.name("rta", "private", f"az{index + 1}"), subnet_id=subnet.id,
                                          route_table_id=table.id, opts=ctx.opts(self))
            private_tables.append(table)

        isolated_rt = aws.ec2.RouteTable(ctx.name("rt", "isolated"), vpc_id=vpc.id,
                                         tags={"Name": ctx.name("rt", "isolated")}, opts=ctx.opts(self))
        for index, subnet in enumerate(subnets["isolated"]):
            aws.ec2.RouteTableAssociation(ctx.name("rta", "isolated", f"az{index + 1}"), subnet_id=subnet.id,
                                          route_table_id=isolated_rt.id, opts=ctx.opts(self))
        return private_tables

    def _security_groups(self, ctx: RegionContext, vpc: aws.ec2.Vpc, container_port: int) -> None:
        """ALB -> app -> database, each hop allowed only from the previous group.

        Rules are separate resources (never inline) so the alb<->app and app<->database
        references do not form a cycle, and AWS's default allow-all egress is removed.
        """
        groups = {}
        for purpose, description in (("alb", "Storefront load balancer"), ("app", "Storefront Fargate tasks"),
                                     ("database", "Aurora PostgreSQL cluster")):
            groups[purpose] = aws.ec2.SecurityGroup(
                ctx.name("sg", purpose), name=ctx.name("sg", purpose), description=description, vpc_id=vpc.id,
                revoke_rules_on_delete=True,  # the groups reference each other; let destroy untangle them
                tags={"Name": ctx.name("sg", purpose)}, opts=ctx.opts(self))
        alb, app, database = groups["alb"], groups["app"], groups["database"]

        def rule(label: str, group: aws.ec2.SecurityGroup, ingress: bool, port: int, description: str,
                 cidr: str | None = None, peer: aws.ec2.SecurityGroup | None = None) -> None:
            kind = aws.vpc.SecurityGroupIngressRule if ingress else aws.vpc.SecurityGroupEgressRule
            kind(ctx.name("sgr", label), security_group_id=group.id, ip_protocol="tcp", from_port=port,
                 to_port=port, cidr_ipv4=cidr, referenced_security_group_id=peer.id if peer else None,
                 description=description, opts=ctx.opts(self))

        # 443 is the only port the guard rails allow open to the world, and the only listener: no plain-HTTP port
        # at all (browsers try HTTPS first; a redirect listener would be one more plain-text port).
        rule("alb-in-https", alb, True, HTTPS_PORT, "HTTPS from the internet", cidr="0.0.0.0/0")
        rule("alb-out-app", alb, False, container_port, "Forward and health-check to tasks", peer=app)
        rule("app-in-alb", app, True, container_port, "Requests from the load balancer", peer=alb)
        rule("app-out-https", app, False, HTTPS_PORT, "AWS APIs, endpoints and image pulls", cidr="0.0.0.0/0")
        rule("app-out-database", app, False, POSTGRES_PORT, "PostgreSQL to the database", peer=database)
        rule("database-in-app", database, True, POSTGRES_PORT, "PostgreSQL from storefront tasks", peer=app)
        # The database gets no egress rule at all: Aurora answers on established connections only.
        self.alb_security_group_id = alb.id
        self.app_security_group_id = app.id
        self.database_security_group_id = database.id

    def _flow_logs(self, ctx: RegionContext, vpc: aws.ec2.Vpc, kms_key_arn: pulumi.Input[str]) -> pulumi.Output[str]:
        group = aws.cloudwatch.LogGroup(ctx.name("flow-logs"), name=f"/aws/vpc/flow-logs/{ctx.name('vpc')}",
                                        kms_key_id=kms_key_arn, retention_in_days=LOG_RETENTION_DAYS,
                                        opts=ctx.opts(self))
        account = ctx.account_id()
        role = aws.iam.Role(
            ctx.name("flow-logs-role"),
            description="VPC flow logs delivery to its CloudWatch log group",
            assume_role_policy=policy_json([{
                "Effect": "Allow", "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
                "Action": "sts:AssumeRole",
                # Only flow logs of this account and region may assume it (confused-deputy guard).
                "Condition": {"StringEquals": {"aws:SourceAccount": account},
                              "ArnLike": {"aws:SourceArn": account.apply(
                                  lambda a: f"arn:aws:ec2:{ctx.region}:{a}:vpc-flow-log/*")}},
            }]),
            opts=ctx.opts(self))
        policy = aws.iam.RolePolicy(
            ctx.name("flow-logs-delivery"), role=role.id,
            policy=policy_json([
                {"Sid": "WriteThisLogGroup", "Effect": "Allow",
                 "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                 "Resource": [group.arn, group.arn.apply(lambda arn: f"{arn}:log-stream:*")]},
                # The service checks the group exists before delivering; Describe* is list-level only.
                {"Sid": "FindLogGroups", "Effect": "Allow", "Action": "logs:DescribeLogGroups",
                 "Resource": account.apply(lambda a: f"arn:aws:logs:{ctx.region}:{a}:log-group:*")},
            ]),
            opts=ctx.opts(self))
        aws.ec2.FlowLog(ctx.name("flow-log"), vpc_id=vpc.id, traffic_type="ALL",
                        log_destination_type="cloud-watch-logs", log_destination=group.arn,
                        iam_role_arn=role.arn, max_aggregation_interval=60,
                        tags={"Name": ctx.name("flow-log")},
                        opts=ctx.opts(self, depends_on=[policy]))  # first delivery must not race the grant
        return group.name
