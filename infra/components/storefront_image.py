"""What the storefront's container runs, per region: a configured image, the kit's placeholder, or the reference
storefront built from this repository (storefront_build.StorefrontBuild).

The placeholder (infra/placeholder/server.py, standard library only) runs in a stock Python image with its
source passed to `python3 -c`, so a deployment from a machine without Docker needs no image build or registry,
and still answers the health paths the target group, Route 53 and the failover automation follow.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pulumi

from drcore.stack_config.model import PRIVATE_ECR_IMAGE, ComputeConfig

PLACEHOLDER_SOURCE = Path(__file__).resolve().parents[1] / "placeholder" / "server.py"
# A maintained public image with python3; the placeholder needs nothing beyond the standard library.
PLACEHOLDER_BASE_IMAGE = "public.ecr.aws/docker/library/python:3.12-slim-bookworm"
NOBODY = "65534:65534"  # the placeholder needs no privileges, and the root filesystem is read-only


@dataclass(frozen=True)
class ContainerImage:
    image: pulumi.Input[str]
    # The private ECR repository the image is pulled from (the execution role may pull from it and nothing else);
    # None for a public registry, which needs no credentials.
    repository_arn: pulumi.Input[str] | None = None
    command: list[str] | None = None  # None: the image's own entry point
    user: str | None = None  # None: the image's own user


def configured_image(compute: ComputeConfig, region: str) -> ContainerImage:
    """The image of compute.image when it is not built by the stack: the placeholder or a given URI."""
    if compute.uses_placeholder:
        return ContainerImage(image=PLACEHOLDER_BASE_IMAGE, command=["python3", "-c", PLACEHOLDER_SOURCE.read_text()],
                              user=NOBODY)
    image = compute.image_in(region)
    ecr = PRIVATE_ECR_IMAGE.match(image)
    if not ecr:
        return ContainerImage(image=image)
    account, image_region, repository = ecr.groups()
    return ContainerImage(image=image, repository_arn=f"arn:aws:ecr:{image_region}:{account}:repository/{repository}")
