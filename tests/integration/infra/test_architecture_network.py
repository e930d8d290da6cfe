"""Network exposure in the real program's resource graph: only HTTPS on the load balancers is open to the world, and
the load balancers log every request."""
from __future__ import annotations

import json
from typing import Any

import pytest

from drkit.graph.mocks import ACCOUNT_ID
from drkit.graph.resource_graph import Resource
from tests.support.architecture import (ALB, BUCKET, DEFAULT_SECURITY_GROUP, INGRESS_RULE, LEGACY_RULE, SECURITY_GROUP,
                                        STACKS, WORLD, Stack, stack)

SSE_CONFIG = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"


# -- network exposure --------------------------------------------------------------------------------
def _alb_security_groups(s: Stack) -> set[str]:
    return {sg.urn for alb in s.of(ALB) for sg in s.refs(alb, "securityGroups", SECURITY_GROUP)}


def _world_ingress(s: Stack) -> list[tuple[Resource, str, Any, Any, Any, str | None]]:
    """(resource, cidr, protocol, from, to, security group urn) for every ingress rule open to the world."""
    found = []
    for rule in s.of(INGRESS_RULE):
        groups = s.refs(rule, "securityGroupId")
        for cidr in (rule.inputs.get("cidrIpv4"), rule.inputs.get("cidrIpv6")):
            if cidr in WORLD:
                found.append((rule, cidr, rule.inputs.get("ipProtocol"), rule.inputs.get("fromPort"),
                              rule.inputs.get("toPort"), groups[0].urn if groups else None))
    for rule in s.of(LEGACY_RULE):
        if rule.inputs.get("type") == "ingress":
            groups = s.refs(rule, "securityGroupId")
            for cidr in [*(rule.inputs.get("cidrBlocks") or []), *(rule.inputs.get("ipv6CidrBlocks") or [])]:
                if cidr in WORLD:
                    found.append((rule, cidr, rule.inputs.get("protocol"), rule.inputs.get("fromPort"),
                                  rule.inputs.get("toPort"), groups[0].urn if groups else None))
    for group in [*s.of(SECURITY_GROUP), *s.of(DEFAULT_SECURITY_GROUP)]:
        for inline in group.inputs.get("ingress") or []:
            for cidr in [*(inline.get("cidrBlocks") or []), *(inline.get("ipv6CidrBlocks") or [])]:
                if cidr in WORLD:
                    found.append((group, cidr, inline.get("protocol"), inline.get("fromPort"), inline.get("toPort"),
                                  group.urn))
    return found


@pytest.mark.parametrize("name", STACKS)
def test_only_https_on_the_load_balancer_is_open_to_the_world(name):
    s = stack(name)
    alb_groups = _alb_security_groups(s)
    assert len(alb_groups) == 2, "each region's ALB should have its own security group"
    offending = [(r.name, cidr, proto, low, high) for r, cidr, proto, low, high, group in _world_ingress(s)
                 if not (str(proto) in ("tcp", "6") and low == 443 and high == 443 and group in alb_groups)]
    assert not offending, f"ingress open to the internet other than 443 on the ALB: {offending}"


@pytest.mark.parametrize("name", STACKS)
def test_each_load_balancer_accepts_https_from_the_internet(name):
    s = stack(name)
    open_groups = {group for _, cidr, _, low, _, group in _world_ingress(s) if cidr == "0.0.0.0/0" and low == 443}
    for alb in s.of(ALB):
        groups = {sg.urn for sg in s.refs(alb, "securityGroups", SECURITY_GROUP)}
        assert groups & open_groups, f"{alb.name}: no security group lets clients reach 443"
        assert alb.inputs.get("internal") is False and alb.inputs.get("loadBalancerType") == "application"


@pytest.mark.parametrize("name", STACKS)
def test_each_load_balancer_logs_to_its_own_regions_sse_s3_bucket_that_elb_may_write(name):
    s = stack(name)
    buckets = {b.inputs["bucket"]: b for b in s.of(BUCKET)}
    for alb in s.of(ALB):
        logs = alb.inputs.get("accessLogs") or {}
        assert logs.get("enabled") is True, f"{alb.name} writes no access logs"
        bucket = buckets[logs["bucket"]]
        assert s.region(bucket) == s.region(alb), "ELB delivers only to a bucket in its own region"
        [encryption] = [c for c in s.of(SSE_CONFIG) if c.inputs["bucket"] == logs["bucket"]]
        assert encryption.inputs["rules"][0]["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "AES256"
        [policy] = [p for p in s.of(BUCKET_POLICY) if p.inputs["bucket"] == logs["bucket"]]
        [delivery] = [st for st in json.loads(policy.inputs["policy"])["Statement"]
                      if st.get("Sid") == "LoadBalancerAccessLogsDelivery"]
        assert delivery["Effect"] == "Allow" and delivery["Action"] == "s3:PutObject"
        assert delivery["Resource"].endswith(f"/{logs['prefix']}/AWSLogs/{ACCOUNT_ID}/*")
        assert policy.urn in alb.dependencies, "logging is switched on only once ELB may write"
