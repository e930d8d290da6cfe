"""The storefront in the real program's resource graph: each region's ALB listeners, and the warm standby
(the secondary runs a share of the primary's tasks and autoscales up to full capacity)."""
from __future__ import annotations

import math

import pytest

from tests.support.architecture import (LISTENER, PRIMARY, ROLES, SCALING_TARGET, SECONDARY, STACKS, arn_region, only,
                                        region_alb, region_service, stack)


# -- storefront: ALB, listeners, warm standby --------------------------------------------------------
@pytest.mark.parametrize("name", STACKS)
@pytest.mark.parametrize("role", ROLES)
def test_https_listener_uses_tls13_and_http_redirects(name, role):
    s = stack(name)
    alb = region_alb(s, role)
    listeners = s.referring(LISTENER, alb, "loadBalancerArn")
    https = only([lst for lst in listeners if lst.inputs.get("protocol") == "HTTPS"], f"HTTPS listener on {alb.name}")
    assert https.inputs.get("port") == 443
    assert "TLS13" in str(https.inputs.get("sslPolicy")), https.inputs.get("sslPolicy")
    certificate = https.inputs.get("certificateArn")
    assert arn_region(certificate) == s.region(alb), "an ALB can only use a certificate from its own region"
    assert any(a.get("type") == "forward" for a in https.inputs.get("defaultActions", []))
    plain = [lst for lst in listeners if lst.inputs.get("protocol") == "HTTP"]
    assert plain, f"{alb.name}: no HTTP listener to redirect clients"
    for listener in plain:
        actions = listener.inputs.get("defaultActions", [])
        assert actions and all(a.get("type") == "redirect" for a in actions), listener.name
        for action in actions:
            redirect = action.get("redirect") or {}
            assert redirect.get("protocol") == "HTTPS" and str(redirect.get("port")) == "443", listener.name
    assert {lst.inputs.get("protocol") for lst in listeners} <= {"HTTP", "HTTPS"}


@pytest.mark.parametrize("name", STACKS)
def test_secondary_runs_a_warm_standby_share_of_the_primary(name):
    s = stack(name)
    primary, secondary = region_service(s, PRIMARY), region_service(s, SECONDARY)
    assert primary.inputs["desiredCount"] == s.config.compute.desired_count
    standby = max(1, math.ceil(primary.inputs["desiredCount"] * s.config.standby_capacity_fraction))
    assert secondary.inputs["desiredCount"] == standby


@pytest.mark.parametrize("name", STACKS)
@pytest.mark.parametrize("role", ROLES)
def test_each_region_autoscales_its_service_up_to_full_capacity(name, role):
    s = stack(name)
    service = region_service(s, role)
    target = only(s.referring(SCALING_TARGET, service, "resourceId"), f"scaling target for {service.name}")
    assert s.region(target) == s.region(service)
    assert target.inputs.get("scalableDimension") == "ecs:service:DesiredCount"
    assert target.inputs["minCapacity"] >= 1
    assert target.inputs["minCapacity"] <= service.inputs["desiredCount"] <= target.inputs["maxCapacity"]
    # Both regions can grow to what the primary serves at peak: the standby must absorb full load.
    assert target.inputs["maxCapacity"] == s.config.compute.max_count
    # The service sits behind this region's ALB.
    target_groups = [lb.get("targetGroupArn") for lb in service.inputs.get("loadBalancers") or []]
    assert target_groups and all(arn_region(tg) == s.region(service) for tg in target_groups)
