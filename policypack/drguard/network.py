"""Network guardrails: no security group rule opens anything but the allowed single ports to the internet, and none
admits plain HTTP (port 80) from anywhere."""
from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any, Iterable, Optional

from pulumi_policy import (PolicyConfigSchema, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy,
                           Severity)

from drguard.common import as_list, number
from drguard.frameworks import NIST, PCI, framework

SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
DEFAULT_SECURITY_GROUP = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
ALL_PROTOCOLS = {"-1", "all"}
PORT_PROTOCOLS = {"tcp", "udp", "6", "17"}


def _is_public(cidr: Any) -> bool:
    """0.0.0.0/0 or ::/0, however written."""
    if not isinstance(cidr, str):
        return False
    try:
        return ipaddress.ip_network(cidr.strip(), strict=False).prefixlen == 0
    except ValueError:
        return False


def _port_text(protocol: str, from_port: Optional[float], to_port: Optional[float]) -> str:
    if protocol in ALL_PROTOCOLS:
        return "all protocols and ports"
    if protocol not in PORT_PROTOCOLS or from_port is None or to_port is None:
        return f"protocol {protocol}"
    if from_port == to_port:
        return f"{protocol} port {from_port:g}"
    return f"{protocol} ports {from_port:g}-{to_port:g}"


def _single_allowed_port(protocol: str, from_port: Optional[float], to_port: Optional[float],
                         allowed: set[float]) -> bool:
    return (protocol in PORT_PROTOCOLS and from_port is not None and from_port == to_port
            and from_port in allowed)


def _check(where: str, protocol: Any, from_port: Any, to_port: Any, cidrs: Iterable[Any], allowed: set[float],
           report_violation: ReportViolation) -> None:
    public = [c for c in cidrs if _is_public(c)]
    if not public:
        return
    protocol = str(protocol).lower() if protocol is not None else "-1"
    low, high = number(from_port), number(to_port)
    if _single_allowed_port(protocol, low, high, allowed):
        return
    ports = ", ".join(f"{p:g}" for p in sorted(allowed)) or "none"
    report_violation(f"{where} opens {_port_text(protocol, low, high)} to {', '.join(map(str, public))}; only a "
                     f"single tcp/udp port from publicIngressPorts ({ports}) may be open to the internet: narrow the "
                     "source to a known CIDR or security group, or set fromPort = toPort to an allowed port.", None)


def _ingress_rules(args: ResourceValidationArgs) -> Iterable[tuple[str, Any, Any, Any, list[Any]]]:
    """Each ingress rule of the resource, inline or standalone: (where, protocol, fromPort, toPort, source CIDRs)."""
    props = args.props
    if args.resource_type in (SECURITY_GROUP, DEFAULT_SECURITY_GROUP):
        for index, rule in enumerate(as_list(props.get("ingress"))):
            if isinstance(rule, Mapping):
                yield (f"Security group {args.name} ingress[{index}]", rule.get("protocol"), rule.get("fromPort"),
                       rule.get("toPort"), as_list(rule.get("cidrBlocks")) + as_list(rule.get("ipv6CidrBlocks")))
    elif args.resource_type == SECURITY_GROUP_RULE and props.get("type") == "ingress":
        yield (f"Security group rule {args.name}", props.get("protocol"), props.get("fromPort"), props.get("toPort"),
               as_list(props.get("cidrBlocks")) + as_list(props.get("ipv6CidrBlocks")))
    elif args.resource_type == INGRESS_RULE:
        yield (f"Security group ingress rule {args.name}", props.get("ipProtocol"), props.get("fromPort"),
               props.get("toPort"), [props.get("cidrIpv4"), props.get("cidrIpv6")])


def _no_public_ingress(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    allowed = {float(p) for p in args.get_config().get("publicIngressPorts", [443])}
    for where, protocol, from_port, to_port, cidrs in _ingress_rules(args):
        _check(where, protocol, from_port, to_port, cidrs, allowed, report_violation)


security_group_no_public_ingress = ResourceValidationPolicy(
    name="security-group-no-public-ingress",
    description="Security group ingress open to 0.0.0.0/0 or ::/0 covers exactly one allowed port.",
    validate=_no_public_ingress,
    severity=Severity.HIGH,
    remediation_steps="For a rule with cidrIpv4 0.0.0.0/0, cidrIpv6 ::/0 (or cidrBlocks/ipv6CidrBlocks containing "
                      "them) set ipProtocol/protocol to tcp and fromPort = toPort = a port listed in the setting "
                      "publicIngressPorts (default 443); for anything else use the VPC CIDR, a prefix list or "
                      "referencedSecurityGroupId instead of the internet.",
    framework=framework(PCI, "1.3.1"),
    config_schema=PolicyConfigSchema(properties={
        "publicIngressPorts": {
            "type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 65535}, "uniqueItems": True,
            "default": [443], "description": "Ports a single-port tcp/udp rule may open to the internet.",
        },
    }),
)

# -- security-group-no-plain-http-ingress ---------------------------------------------------------------------------

HTTP_PORT = 80.0


def _admits_http(protocol: Any, from_port: Any, to_port: Any) -> bool:
    protocol = str(protocol).lower() if protocol is not None else "-1"
    if protocol in ALL_PROTOCOLS:
        return True
    if protocol not in ("tcp", "6"):
        return False
    low, high = number(from_port), number(to_port)
    return low is not None and high is not None and low <= HTTP_PORT <= high


def _no_plain_http(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    for where, protocol, from_port, to_port, _ in _ingress_rules(args):
        if _admits_http(protocol, from_port, to_port):
            ports = _port_text(str(protocol or "-1").lower(), number(from_port), number(to_port))
            report_violation(f"{where} admits {ports}, which includes plain-HTTP port 80. Fix: serve HTTPS on 443 "
                             "instead, and keep any other range clear of 80.", None)


security_group_no_plain_http_ingress = ResourceValidationPolicy(
    name="security-group-no-plain-http-ingress",
    description="No security group ingress rule, from any source, admits tcp port 80 (plain HTTP).",
    validate=_no_plain_http,
    severity=Severity.MEDIUM,
    remediation_steps="Remove ingress rules (inline ingress, aws.ec2.SecurityGroupRule of type ingress, "
                      "aws.vpc.SecurityGroupIngressRule) whose tcp port range, or all-protocols rule, includes 80; "
                      "terminate TLS on 443 (alb-listener-https-only) and let services talk on their own ports.",
    framework=framework(NIST, "SC-8"),
)

POLICIES = [security_group_no_public_ingress, security_group_no_plain_http_ingress]
