"""Public exposure at the network edge: every VPC's default security group is closed, no subnet hands out public
addresses on launch (or, where a team allows it, only subnets that actually route to an internet gateway), and every
application load balancer sits behind a WAF web ACL.

These are stack policies: each verdict needs more than one resource (a VPC and the default group that takes it over,
a subnet and the route table it uses, a load balancer and its web ACL association). Resources are linked through
the engine's property dependencies, or through equal literal ids when a program passes ids it already knows.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any, Iterable

from pulumi_policy import (PolicyConfigSchema, PolicyResource, ReportViolation, Severity, StackValidationArgs,
                           StackValidationPolicy)

from drguard.common import as_list, depends_through, is_true, label, of_type
from drguard.frameworks import CIS, NIST, PCI, framework

VPC_TYPES = ("aws:ec2/vpc:Vpc", "aws:ec2/defaultVpc:DefaultVpc")
DEFAULT_SECURITY_GROUP = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
RULE_TYPES = ("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
              "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
              "aws:ec2/securityGroupRule:SecurityGroupRule")
SUBNET = "aws:ec2/subnet:Subnet"
DEFAULT_SUBNET = "aws:ec2/defaultSubnet:DefaultSubnet"
ROUTE = "aws:ec2/route:Route"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
DEFAULT_ROUTE_TABLE = "aws:ec2/defaultRouteTable:DefaultRouteTable"
ROUTE_TABLE_ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
MAIN_ROUTE_TABLE_ASSOCIATION = "aws:ec2/mainRouteTableAssociation:MainRouteTableAssociation"
INTERNET_GATEWAY = "aws:ec2/internetGateway:InternetGateway"
LOAD_BALANCER_TYPES = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")
WAF_ASSOCIATION_TYPES = ("aws:wafv2/webAclAssociation:WebAclAssociation",
                         "aws:wafregional/webAclAssociation:WebAclAssociation")


def references(resource: PolicyResource, prop: str) -> set[str]:
    """What input `prop` points at: the URNs it was computed from, and its literal value."""
    keys = {dep.urn for dep in resource.property_dependencies.get(prop, [])}
    value = resource.props.get(prop)
    if isinstance(value, str) and value:
        keys.add(value)
    return keys


def _depends_on_type(resource: PolicyResource, prop: str, types: Iterable[str]) -> bool:
    wanted = tuple(types)
    return any(dep.resource_type in wanted for dep in resource.property_dependencies.get(prop, []))


# -- vpc-default-security-group-closed ------------------------------------------------------------------------------

def _default_group_closed(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    resources = list(args.resources)
    defaults = of_type(resources, DEFAULT_SECURITY_GROUP)
    for group in defaults:
        # pulumi-aws removes every rule of the default group it adopts and creates only those listed, so empty or
        # absent ingress/egress lists leave the group closed.
        open_sides = [side for side in ("ingress", "egress") if as_list(group.props.get(side))]
        if open_sides:
            report_violation(f"Default security group {label(group)} keeps {' and '.join(open_sides)} rules: set "
                             "ingress: [] and egress: [] so nothing placed in it by default can talk.", group.urn)
    for vpc in of_type(resources, *VPC_TYPES):
        # AWS creates every VPC's default group allowing all egress and all traffic from itself; only a managed
        # aws:ec2/defaultSecurityGroup strips those rules (cdk-nag VPCDefaultSecurityGroupClosed, AWS Config
        # VPC_DEFAULT_SECURITY_GROUP_CLOSED).
        if not any(depends_through(group, "vpcId", vpc) for group in defaults):
            report_violation(f"VPC {label(vpc)} leaves its default security group as AWS creates it (all egress, "
                             "all traffic from itself): add an aws.ec2.DefaultSecurityGroup with vpcId = this VPC's "
                             "id and ingress: [], egress: [].", vpc.urn)
    for rule in of_type(resources, *RULE_TYPES):
        # A standalone rule whose group is the default one: it depends on the DefaultSecurityGroup, or on the VPC
        # itself (vpc.defaultSecurityGroupId is the only group id a VPC exports).
        if _depends_on_type(rule, "securityGroupId", (DEFAULT_SECURITY_GROUP, *VPC_TYPES)):
            report_violation(f"{label(rule)} adds a rule to a VPC's default security group: put the traffic in a "
                             "purpose-made security group and leave the default one empty.", rule.urn)
    for group in of_type(resources, SECURITY_GROUP):
        # Templates sometimes describe the default group as a group named "default" (cdk-nag's older rule reads it so).
        if group.props.get("name") == "default" and (as_list(group.props.get("ingress"))
                                                     or as_list(group.props.get("egress"))):
            report_violation(f"{label(group)} is the VPC's default security group and has rules: leave it empty.",
                             group.urn)


vpc_default_security_group_closed = StackValidationPolicy(
    name="vpc-default-security-group-closed",
    description="Every VPC's default security group is managed by the stack and has no ingress or egress rules, "
                "inline or standalone.",
    validate=_default_group_closed,
    severity=Severity.MEDIUM,
    remediation_steps="For each aws.ec2.Vpc add aws.ec2.DefaultSecurityGroup(vpc_id=vpc.id, ingress=[], egress=[]); "
                      "remove rules from it and any aws.vpc.SecurityGroupIngressRule / SecurityGroupEgressRule / "
                      "aws.ec2.SecurityGroupRule that targets it, using a purpose-made security group instead.",
    framework=framework(CIS, "5.4"),
)

# -- subnet-no-public-ip-outside-public-tier ------------------------------------------------------------------------


def _is_default_route(destination: Any) -> bool:
    if not isinstance(destination, str):
        return False
    try:
        return ipaddress.ip_network(destination.strip(), strict=False).prefixlen == 0
    except ValueError:
        return False


def _to_internet_gateway(resource: PolicyResource, gateway: Any, prop: str) -> bool:
    """The gateway is an internet gateway: a literal igw- id, or a value of input `prop` computed from an
    aws.ec2.InternetGateway (for inline routes, the table's `routes` input)."""
    if isinstance(gateway, str) and gateway.startswith("igw-"):
        return True
    return bool(gateway) and _depends_on_type(resource, prop, (INTERNET_GATEWAY,))


def _internet_tables(resources: list[PolicyResource]) -> dict[int, set[str]]:
    """IP version (4, 6) -> keys of the route tables with a default route to an internet gateway."""
    tables: dict[int, set[str]] = {4: set(), 6: set()}
    for route in of_type(resources, ROUTE):
        if not _to_internet_gateway(route, route.props.get("gatewayId"), "gatewayId"):
            continue
        for version, prop in ((4, "destinationCidrBlock"), (6, "destinationIpv6CidrBlock")):
            if _is_default_route(route.props.get(prop)):
                tables[version] |= references(route, "routeTableId")
    for table in of_type(resources, ROUTE_TABLE, DEFAULT_ROUTE_TABLE):
        keys = {table.urn}
        if table.resource_type == DEFAULT_ROUTE_TABLE:
            value = table.props.get("defaultRouteTableId")
            keys |= {value} if isinstance(value, str) and value else set()
        for inline in as_list(table.props.get("routes")):
            if not isinstance(inline, Mapping) or not _to_internet_gateway(table, inline.get("gatewayId"), "routes"):
                continue
            for version, prop in ((4, "cidrBlock"), (6, "ipv6CidrBlock")):
                if _is_default_route(inline.get(prop)):
                    tables[version] |= keys
    return tables


def _tables_of(subnet: PolicyResource, resources: list[PolicyResource]) -> set[str]:
    """Keys of the route table the subnet uses: its explicit association, else its VPC's main route table."""
    explicit = set()
    for association in of_type(resources, ROUTE_TABLE_ASSOCIATION):
        if depends_through(association, "subnetId", subnet):
            explicit |= references(association, "routeTableId")
    if explicit:
        return explicit
    vpc = references(subnet, "vpcId")
    main = set(vpc)  # a route whose routeTableId came from the VPC (vpc.mainRouteTableId) edits the main table
    for association in of_type(resources, MAIN_ROUTE_TABLE_ASSOCIATION):
        if references(association, "vpcId") & vpc:
            main |= references(association, "routeTableId")
    for table in of_type(resources, DEFAULT_ROUTE_TABLE):
        if {dep.urn for dep in table.property_dependencies.get("defaultRouteTableId", [])} & vpc:
            main.add(table.urn)
    return main


def _public_ip_on_launch(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    resources = list(args.resources)
    # The peers (cdk-nag VPCSubnetAutoAssignPublicIpDisabled, AWS Config SUBNET_AUTO_ASSIGN_PUBLIC_IP_DISABLED) refuse
    # the setting in every subnet: load balancers and NAT gateways get their addresses without it. A team that runs
    # instances in a public tier may allow it there, where the public tier is what routes to the internet, not what
    # a tag calls public.
    public_tier_may_assign = bool(args.get_config().get("publicTierMayAssign", False))
    internet: dict[int, set[str]] | None = None
    for subnet in of_type(resources, SUBNET, DEFAULT_SUBNET):
        wanted = [(4, "mapPublicIpOnLaunch", "0.0.0.0/0"), (6, "assignIpv6AddressOnCreation", "::/0")]
        # A default subnet left unset keeps what AWS gave it: a public IPv4 address for every instance.
        unset_is_public = {"mapPublicIpOnLaunch"} if subnet.resource_type == DEFAULT_SUBNET else set()
        maps = [(version, prop, default) for version, prop, default in wanted
                if is_true(subnet.props.get(prop)) or (prop in unset_is_public and subnet.props.get(prop) is None)]
        if not maps:
            continue
        if public_tier_may_assign:
            internet = internet if internet is not None else _internet_tables(resources)
            tables = _tables_of(subnet, resources)
            maps = [entry for entry in maps if not tables & internet[entry[0]]]
        for _, prop, default in maps:
            where = (f"its route table sends no {default} to an internet gateway, so it is not in the public tier"
                     if public_tier_may_assign else "every instance launched there is reachable from outside the VPC "
                     "wherever a route allows it")
            report_violation(f"Subnet {label(subnet)} {'sets' if is_true(subnet.props.get(prop)) else 'leaves'} "
                             f"{prop} {'true' if is_true(subnet.props.get(prop)) else 'unset (AWS default: true)'}: "
                             f"{where}. Fix: set {prop}: false (load balancers and NAT gateways get their public "
                             "addresses without it).", subnet.urn)


subnet_no_public_ip_on_launch = StackValidationPolicy(
    name="subnet-no-public-ip-on-launch",
    description="No subnet assigns public IPv4 or IPv6 addresses on launch (with publicTierMayAssign, only subnets "
                "whose route table sends the default route to an internet gateway may).",
    validate=_public_ip_on_launch,
    severity=Severity.HIGH,
    remediation_steps="Set mapPublicIpOnLaunch: false and assignIpv6AddressOnCreation: false on every aws.ec2.Subnet "
                      "and aws.ec2.DefaultSubnet; load balancers and NAT gateways (Elastic IPs) get public addresses "
                      "without it. If instances must run in a public tier, set publicTierMayAssign: true to allow it "
                      "only in subnets associated with a route table whose 0.0.0.0/0 (or ::/0) route targets an "
                      "aws.ec2.InternetGateway.",
    framework=framework(PCI, "1.4.1"),
    config_schema=PolicyConfigSchema(properties={
        "publicTierMayAssign": {
            "type": "boolean", "default": False,
            "description": "Allow public addresses on launch in subnets that route the default route to an internet "
                           "gateway.",
        },
    }),
)

# -- alb-waf-web-acl ------------------------------------------------------------------------------------------------


def _associated(balancer: PolicyResource, associations: list[PolicyResource]) -> bool:
    name = balancer.props.get("name")
    marker = f":loadbalancer/app/{name}/" if isinstance(name, str) and name else None
    for association in associations:
        if depends_through(association, "resourceArn", balancer):
            return True
        arn = association.props.get("resourceArn")
        if marker and isinstance(arn, str) and marker in arn:
            return True
    return False


def _alb_waf(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    resources = list(args.resources)
    associations = of_type(resources, *WAF_ASSOCIATION_TYPES)
    for balancer in of_type(resources, *LOAD_BALANCER_TYPES):
        kind = balancer.props.get("loadBalancerType") or "application"  # the provider's default
        if kind != "application":
            continue
        if not _associated(balancer, associations):
            facing = "Internal" if is_true(balancer.props.get("internal")) else "Internet-facing"
            report_violation(f"{facing} ALB {label(balancer)} has no WAF web ACL: add an "
                             "aws.wafv2.WebAclAssociation with resourceArn = this load balancer's arn and a "
                             "REGIONAL web ACL (AWS managed rule groups, a rate limit).", balancer.urn)


alb_waf_web_acl = StackValidationPolicy(
    name="alb-waf-web-acl",
    # Internal ones too, as cdk-nag's ALBWAFEnabled and AWS Config's ALB_WAF_ENABLED ask: a request that reaches an
    # internal load balancer from a compromised host in the VPC carries the same injection payloads.
    description="Every application load balancer, internet-facing or internal, is associated with a WAF web ACL.",
    validate=_alb_waf,
    severity=Severity.HIGH,
    remediation_steps="For each aws.lb.LoadBalancer of loadBalancerType application create an aws.wafv2.WebAcl with "
                      "scope REGIONAL and an aws.wafv2.WebAclAssociation(resource_arn=alb.arn, web_acl_arn=acl.arn).",
    framework=framework(NIST, "SC-7"),
)

POLICIES = [vpc_default_security_group_closed, subnet_no_public_ip_on_launch, alb_waf_web_acl]
