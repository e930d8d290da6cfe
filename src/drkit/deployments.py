"""Where the CLI finds a deployment for failover and readiness: a stack-outputs file, or the offline preview of a
stack (mock ids: good for --dry-run and plans, never for acting on AWS)."""
from __future__ import annotations

from pathlib import Path

from drcore.errors import UsageError
from drcore.stack_config import StackConfig
from drfailover.clients import PROBE_URLS_ENV, AwsClients, load_endpoints, load_probe_urls
from drfailover.deployment import Deployment, deployment_from_outputs, load_deployment_file
from drkit.stacks import load_stack


def probe_urls(items: list[str], roles: tuple[str, ...]) -> dict[str, str]:
    """--probe ROLE=URL flags over $DRKIT_PROBE_URLS (emulators); {} means each region's load balancer."""
    probes = load_probe_urls(roles=roles)
    for item in items:
        role, sep, url = item.partition("=")
        if not sep or role not in roles or not url.startswith(("http://", "https://")):
            raise UsageError(f"--probe {item!r} must be ROLE=URL with ROLE one of {', '.join(roles)} and an "
                             f"http(s) URL, e.g. --probe secondary=http://127.0.0.1:8081/health/deep (or ${PROBE_URLS_ENV})")
        probes[role] = url
    return probes


def load_deployment(path: Path, config: StackConfig | None = None) -> Deployment:
    """A deployment from an outputs (or resource graph) file; a graph's stack config is used when this
    repository has that stack."""
    return load_deployment_file(path, config, config_of_stack=_config_if_known)


def deployment_from_stack(stack_name: str) -> Deployment:
    from drkit.graph.capture import run_program  # the Pulumi runtime is heavy: load it only for this source

    stack = load_stack(stack_name)
    graph = run_program(stack.project.main, stack.project.name, stack_name, stack.raw)
    return deployment_from_outputs(graph.outputs, f"stack '{stack_name}' (offline preview)", stack.config)


def _config_if_known(stack_name: str) -> StackConfig | None:
    try:
        return load_stack(stack_name).config
    except UsageError:
        return None  # a graph from elsewhere: no local config, so no recovery budget beyond the targets


def recovery_region_clients(deployment: Deployment, endpoints: Path | None) -> AwsClients:
    """AWS clients for the commands that act in the recovery region; one clear line without credentials."""
    clients = AwsClients(load_endpoints(endpoints))
    if not clients.has_credentials:
        raise UsageError(f"no AWS credentials found; configure them for the recovery region "
                         f"({deployment.secondary_region}), or pass --endpoints for an emulator")
    return clients
