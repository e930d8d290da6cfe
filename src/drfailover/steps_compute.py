"""Compute step: set a region's storefront service to full or standby capacity, autoscaling included."""
from __future__ import annotations

from drfailover.deployment import PRIMARY, SECONDARY, Deployment
from drfailover.steps import Step, StepContext, StepFailed

CAPACITIES = ("full", "standby")


def capacity(d: Deployment, level: str) -> tuple[int, int]:
    """(desired, minimum) tasks: full is what the primary runs; standby is what the secondary idles at."""
    source = d.regions[PRIMARY if level == "full" else SECONDARY]
    return source.desired_count, source.min_count


class ScaleCompute(Step):
    kind, budget = "ScaleCompute", "promote+scale"

    def __init__(self, role: str, level: str):
        if level not in CAPACITIES:
            raise ValueError(f"level must be one of {CAPACITIES}, not {level}")
        super().__init__(f"scale-compute-{role}-{level}")
        self.role, self.level = role, level

    def describe(self, d: Deployment) -> str:
        region = d.regions[self.role]
        desired, minimum = capacity(d, self.level)
        verb = "at least " if self.level == "full" else ""
        return f"{region.cluster_name}/{region.service_name} ({region.region}) to {verb}{desired} tasks, " \
               f"autoscaling {minimum}..{region.max_count}"

    def run(self, ctx: StepContext) -> str:
        region = ctx.deployment.regions[self.role]
        desired, minimum = capacity(ctx.deployment, self.level)
        ecs = ctx.clients.get("ecs", region.region)
        services = ecs.describe_services(cluster=region.cluster_name, services=[region.service_name]).get("services", [])
        if not services:
            raise StepFailed(f"service {region.service_name} not found in cluster {region.cluster_name} ({region.region})")
        current = int(services[0].get("desiredCount", 0))
        if self.level == "full":
            # Autoscaling may already run more than the primary's usual count: never scale a serving region down.
            desired = max(desired, current)
        # Raise autoscaling's floor first, so a scale-in cannot undo the new count between the two calls.
        ctx.clients.get("application-autoscaling", region.region).register_scalable_target(
            ServiceNamespace="ecs", ResourceId=f"service/{region.cluster_name}/{region.service_name}",
            ScalableDimension="ecs:service:DesiredCount", MinCapacity=min(minimum, desired),
            MaxCapacity=region.max_count)
        if current == desired:
            return f"{region.service_name} already at {desired} tasks; autoscaling floor {min(minimum, desired)}"
        ecs.update_service(cluster=region.cluster_name, service=region.service_name, desiredCount=desired)
        return f"{region.service_name} ({region.region}) {current} -> {desired} tasks"
