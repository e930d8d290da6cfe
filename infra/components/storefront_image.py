"""What the storefront's container runs: the configured image, or the kit's placeholder until there is one.

The placeholder (infra/placeholder/server.py, standard library only) runs in a stock Python image with its
source passed to `python3 -c`, so a first deployment needs no image build or registry, and still answers the
health path the target group, Route 53 and the failover automation follow.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from drcore.stack_config.model import ComputeConfig

PLACEHOLDER_SOURCE = Path(__file__).resolve().parents[1] / "placeholder" / "server.py"
# A maintained public image with python3; the placeholder needs nothing beyond the standard library.
PLACEHOLDER_BASE_IMAGE = "public.ecr.aws/docker/library/python:3.12-slim-bookworm"
NOBODY = "65534:65534"  # the placeholder needs no privileges, and the root filesystem is read-only


@dataclass(frozen=True)
class ContainerImage:
    image: str
    command: list[str] | None = None  # None: the image's own entry point
    user: str | None = None  # None: the image's own user


def container_image(compute: ComputeConfig, region: str) -> ContainerImage:
    if not compute.uses_placeholder:
        return ContainerImage(image=compute.image_in(region))
    return ContainerImage(image=PLACEHOLDER_BASE_IMAGE, command=["python3", "-c", PLACEHOLDER_SOURCE.read_text()],
                          user=NOBODY)
