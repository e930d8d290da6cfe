"""Readiness of the secondary's compute: the standby service runs, can scale to the primary's full size, and
runs the same image, environment and secrets as the primary (compared when the primary answers; without it,
only that the secondary's task definition uses its own region's secrets and endpoints: UNKNOWN)."""
from __future__ import annotations

import math
import re
from typing import Any

from drfailover.deployment import PRIMARY, SECONDARY
from drkit.readiness.check import (NOT_READY, OPTIONAL_FAILURES, READY, UNKNOWN, Check, ReadinessContext,
                                   describe_error, named_check, source)

_ROLE_WORDS = re.compile(r"\b(primary|secondary)\b")


# -- compute -------------------------------------------------------------------------------------------------
def _service(ctx: ReadinessContext, role: str) -> dict[str, Any]:
    region = ctx.deployment.regions[role]
    ecs = ctx.clients.get("ecs", region.region, optional=role == PRIMARY)
    services = ecs.describe_services(cluster=region.cluster_name, services=[region.service_name]).get("services", [])
    if not services:
        raise LookupError(f"service {region.service_name} not found in {region.cluster_name} ({region.region})")
    return services[0]


def containers(ctx: ReadinessContext, role: str) -> list[dict[str, Any]]:
    def read() -> list[dict[str, Any]]:
        region = ctx.deployment.regions[role]
        ecs = ctx.clients.get("ecs", region.region, optional=role == PRIMARY)
        arn = ctx.once(f"service:{role}", lambda: _service(ctx, role))["taskDefinition"]
        return ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]["containerDefinitions"]

    return ctx.once(f"containers:{role}", read)


def _scalable_max(ctx: ReadinessContext, role: str) -> int | None:
    region = ctx.deployment.regions[role]
    targets = ctx.clients.get("application-autoscaling", region.region, optional=role == PRIMARY).describe_scalable_targets(
        ServiceNamespace="ecs", ResourceIds=[f"service/{region.cluster_name}/{region.service_name}"]).get("ScalableTargets", [])
    return int(targets[0]["MaxCapacity"]) if targets else None


@named_check("secondary-capacity")
def secondary_capacity(ctx: ReadinessContext) -> list[Check]:
    d = ctx.deployment
    where = source(ctx, "ecs:DescribeServices")
    try:
        service = ctx.once(f"service:{SECONDARY}", lambda: _service(ctx, SECONDARY))
    except LookupError as exc:
        return [Check("secondary-capacity", NOT_READY, str(exc), where)]
    standby = max(1, math.ceil(d.primary.desired_count * d.standby_capacity_fraction))
    running, desired = int(service.get("runningCount", 0)), int(service.get("desiredCount", 0))
    problems = []
    if service.get("status") != "ACTIVE":
        problems.append(f"service is {service.get('status')}")
    if running < standby:
        problems.append(f"{running} tasks running, the warm standby needs {standby} "
                        f"({d.standby_capacity_fraction:.0%} of {d.primary.desired_count})")
    detail = "; ".join(problems) or f"{d.secondary.service_name}: {running}/{desired} tasks running " \
                                    f"(standby {standby} of the primary's {d.primary.desired_count})"
    return [Check("secondary-capacity", NOT_READY if problems else READY, detail, where)]


@named_check("autoscaling-parity")
def autoscaling_parity(ctx: ReadinessContext) -> list[Check]:
    d = ctx.deployment
    where = source(ctx, "application-autoscaling:DescribeScalableTargets")
    secondary_max = _scalable_max(ctx, SECONDARY)
    if secondary_max is None:
        return [Check("autoscaling-parity", NOT_READY, f"{d.secondary.service_name} has no scalable target: it "
                      "cannot scale to full capacity", where)]
    try:
        primary_max, basis = _scalable_max(ctx, PRIMARY), f"{d.primary_region} live"
    except OPTIONAL_FAILURES:
        primary_max, basis = None, None
    if primary_max is None:  # primary unreachable (or fenced to nothing): the deployed setting stands in
        primary_max, basis = d.primary.max_count, "the deployed outputs (primary not read)"
    if secondary_max < max(primary_max, d.primary.desired_count):
        return [Check("autoscaling-parity", NOT_READY, f"secondary max {secondary_max} < primary max {primary_max} "
                      f"({basis}): it cannot take the full load", where)]
    return [Check("autoscaling-parity", READY, f"max capacity {secondary_max}, primary {primary_max} ({basis})", where)]


def _without_role(value: str) -> str:
    """Names differ by role word only (ecommerce-prod-media-primary-<account> / ...-secondary-<account>): compare
    them without it."""
    return _ROLE_WORDS.sub("{role}", value)


def _secret_name(arn: str) -> str:
    """`arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-AbCdEf[:json-key:...]` -> NAME."""
    parts = arn.split(":")
    return parts[6].rsplit("-", 1)[0] if len(parts) > 6 else arn


def _image_anywhere(image: str, region: str) -> str:
    """The image with its ECR registry's region written as {region}: each region pulls the same image (same
    repository, same digest or tag) from its own region's registry, which a regional outage leaves alone."""
    return image.replace(f".dkr.ecr.{region}.amazonaws.com/", ".dkr.ecr.{region}.amazonaws.com/")


def _self_consistency(ctx: ReadinessContext, containers: list[dict[str, Any]]) -> list[str]:
    """What is wrong with the secondary's task definition on its own: pointing at the primary region."""
    d, problems = ctx.deployment, []
    for container in containers:
        if f".dkr.ecr.{d.primary_region}.amazonaws.com/" in container.get("image", ""):
            problems.append(f"{container['name']} pulls its image from ECR in {d.primary_region}")
        for env in container.get("environment", []):
            if d.primary_region in env.get("value", ""):
                problems.append(f"{container['name']} env {env['name']} points at {d.primary_region}")
        for secret in container.get("secrets", []):
            arn = secret.get("valueFrom", "")
            if arn.startswith("arn:") and arn.split(":")[3] != d.secondary_region:
                problems.append(f"{container['name']} secret {secret['name']} is read from {arn.split(':')[3]}")
    return problems


def _differences(ctx: ReadinessContext, secondary: list[dict[str, Any]], primary: list[dict[str, Any]]) -> list[str]:
    d, problems = ctx.deployment, []
    theirs = {c["name"]: c for c in primary}
    for container in secondary:
        other = theirs.pop(container["name"], None)
        if other is None:
            problems.append(f"container {container['name']} is not in the primary's task definition")
            continue
        if _image_anywhere(container.get("image", ""), d.secondary_region) != \
                _image_anywhere(other.get("image", ""), d.primary_region):
            problems.append(f"{container['name']} image {container.get('image')} != primary {other.get('image')}")
        ours_env = {e["name"]: e.get("value", "") for e in container.get("environment", [])}
        their_env = {e["name"]: e.get("value", "") for e in other.get("environment", [])}
        if set(ours_env) != set(their_env):
            problems.append(f"{container['name']} env names differ: {sorted(set(ours_env) ^ set(their_env))}")
        for key in sorted(set(ours_env) & set(their_env)):
            mine, yours = ours_env[key], their_env[key]
            regional = d.secondary_region in mine or d.primary_region in yours
            if not regional and _without_role(mine) != _without_role(yours):
                problems.append(f"{container['name']} env {key} differs")
        ours_secrets = {s["name"]: _secret_name(s.get("valueFrom", "")) for s in container.get("secrets", [])}
        their_secrets = {s["name"]: _secret_name(s.get("valueFrom", "")) for s in other.get("secrets", [])}
        if ours_secrets != their_secrets:
            problems.append(f"{container['name']} secrets differ: {sorted(set(ours_secrets.items()) ^ set(their_secrets.items()))}")
    problems += [f"container {name} runs only in the primary" for name in theirs]
    return problems


@named_check("task-definition-parity")
def task_definition_parity(ctx: ReadinessContext) -> list[Check]:
    where = source(ctx, "ecs:DescribeTaskDefinition") + f" vs {ctx.deployment.primary_region}"
    try:
        secondary = containers(ctx, SECONDARY)
    except LookupError as exc:
        return [Check("task-definition-parity", NOT_READY, str(exc), where)]
    problems = _self_consistency(ctx, secondary)
    try:
        primary = containers(ctx, PRIMARY)
    except (*OPTIONAL_FAILURES, LookupError) as exc:
        if problems:
            return [Check("task-definition-parity", NOT_READY, "; ".join(problems), where)]
        return [Check("task-definition-parity", UNKNOWN, f"primary not compared ({describe_error(exc)}); the secondary's "
                      f"{len(secondary)} container(s) use only {ctx.deployment.secondary_region} secrets and endpoints",
                      where)]
    problems += _differences(ctx, secondary, primary)
    if problems:
        return [Check("task-definition-parity", NOT_READY, "; ".join(problems), where)]
    images = sorted({c.get("image", "") for c in secondary})
    return [Check("task-definition-parity", READY, f"same image ({', '.join(images)}), environment and secrets as the "
                  "primary; regional values point at their own region", where)]
