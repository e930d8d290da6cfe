"""VPC endpoints for every AWS service the storefront tasks call.

Keeping that traffic on the AWS network means image pulls, secrets, keys and logs keep
working when the NAT path is degraded (an AZ loss takes its NAT gateway with it), and
the data-plane calls never cross the internet. S3 and DynamoDB use free gateway
endpoints; the rest are interface endpoints with private DNS, so SDKs need no change.
"""
from __future__ import annotations

from typing import Sequence

import pulumi
import pulumi_aws as aws

from infra.context import RegionContext

GATEWAY_SERVICES = ("s3", "dynamodb")
INTERFACE_SERVICES = ("ecr.api", "ecr.dkr", "logs", "secretsmanager", "kms", "sts", "monitoring", "sns")
HTTPS_PORT = 443


def create_endpoints(parent: pulumi.Resource, ctx: RegionContext, *, vpc_id: pulumi.Input[str], vpc_cidr: str,
                     subnet_ids: Sequence[pulumi.Input[str]],
                     route_table_ids: Sequence[pulumi.Input[str]]) -> aws.ec2.SecurityGroup:
    """Gateway endpoints on the private route tables, interface endpoints in the private subnets.

    Returns the endpoints' security group: HTTPS from the VPC range only, no egress.
    """
    group = aws.ec2.SecurityGroup(
        ctx.name("sg", "endpoints"), name=ctx.name("sg", "endpoints"), vpc_id=vpc_id,
        description="Interface VPC endpoints", tags={"Name": ctx.name("sg", "endpoints")},
        opts=ctx.opts(parent))
    aws.vpc.SecurityGroupIngressRule(
        ctx.name("sgr", "endpoints-in-https"), security_group_id=group.id, ip_protocol="tcp",
        from_port=HTTPS_PORT, to_port=HTTPS_PORT, cidr_ipv4=vpc_cidr, description="HTTPS from inside the VPC",
        opts=ctx.opts(parent))

    for service in GATEWAY_SERVICES:
        aws.ec2.VpcEndpoint(
            ctx.name("vpce", service), vpc_id=vpc_id, service_name=f"com.amazonaws.{ctx.region}.{service}",
            vpc_endpoint_type="Gateway", route_table_ids=list(route_table_ids),
            tags={"Name": ctx.name("vpce", service)}, opts=ctx.opts(parent))
    for service in INTERFACE_SERVICES:
        label = service.replace(".", "-")
        aws.ec2.VpcEndpoint(
            ctx.name("vpce", label), vpc_id=vpc_id, service_name=f"com.amazonaws.{ctx.region}.{service}",
            vpc_endpoint_type="Interface", private_dns_enabled=True, subnet_ids=list(subnet_ids),
            security_group_ids=[group.id], tags={"Name": ctx.name("vpce", label)}, opts=ctx.opts(parent))
    return group
