"""The reference storefront's image, built from this repository during `pulumi up` and pushed to each region.

With compute.image `storefront` (the stacks' default) a first deployment needs no published image: the program
creates a private ECR repository in each region, builds storefront/ once with Docker (buildx) on the machine
that runs `pulumi up`, and pushes the same image to both. Each region's tasks pull from their own region's
repository, so the recovery region can start tasks while the primary region is gone, and they name the image by
its digest, so both regions run byte-identical code and nothing pushed later changes what a task pulls.

Repositories follow the controls the peers' ECR rules ask for (checkov CKV_AWS_51/136/163, AWS Config
`ecr-private-image-scanning-enabled`, `ecr-private-tag-immutability-enabled`): immutable tags, scan on push,
encryption with the stack's customer-managed platform key of the region.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import pulumi
import pulumi_aws as aws
import pulumi_docker_build as docker_build

from infra.components.storefront_image import NOBODY, ContainerImage
from infra.context import RegionContext

STOREFRONT_SOURCE = Path(__file__).resolve().parents[2] / "storefront"
# The task definitions run X86_64 (storefront.py); an image built on an ARM laptop must still match them.
TASK_PLATFORM = docker_build.Platform.LINUX_AMD64
IMAGES_KEPT = 20  # older images expire; a rollback further back than this rebuilds from the repository
_NOT_SOURCE = {"__pycache__", ".pytest_cache"}


@dataclass
class StorefrontBuildArgs:
    contexts: Mapping[str, RegionContext]  # role -> region context
    kms_key_arns: Mapping[str, pulumi.Input[str]]  # role -> the platform key in that region


def source_digest(source: Path = STOREFRONT_SOURCE) -> str:
    """A digest of the storefront's source files: the image tag, so a new tag appears exactly when the code does
    (the repositories' tags are immutable)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in source.rglob("*") if p.is_file() and not _NOT_SOURCE & set(p.parts)
                       and p.suffix != ".pyc"):
        digest.update(path.relative_to(source).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def build_context(source: Path = STOREFRONT_SOURCE) -> str:
    """The build context as the program's working directory sees it. Relative, so the stack's state names no
    directory of the machine that deployed it and a deploy from another checkout does not rebuild for the path."""
    return os.path.relpath(source, os.getcwd())


class StorefrontBuild(pulumi.ComponentResource):
    """A private ECR repository per region and one image build pushed to all of them."""

    def __init__(self, name: str, args: StorefrontBuildArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ecommerce:compute:StorefrontBuild", name, None, opts)
        tag = source_digest()
        repositories: dict[str, aws.ecr.Repository] = {}
        registries, tags = [], []
        for role, ctx in args.contexts.items():
            repository = aws.ecr.Repository(
                ctx.name("storefront-images"), name=f"{ctx.prefix}-storefront", image_tag_mutability="IMMUTABLE",
                image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(scan_on_push=True),
                encryption_configurations=[aws.ecr.RepositoryEncryptionConfigurationArgs(
                    encryption_type="KMS", kms_key=args.kms_key_arns[role])],
                opts=ctx.opts(self))
            aws.ecr.LifecyclePolicy(
                ctx.name("storefront-images"), repository=repository.name,
                policy=json.dumps({"rules": [{
                    "rulePriority": 1, "description": f"keep the newest {IMAGES_KEPT} images",
                    "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": IMAGES_KEPT},
                    "action": {"type": "expire"}}]}),
                opts=ctx.opts(self))
            login = aws.ecr.get_authorization_token_output(registry_id=repository.registry_id,
                                                           opts=pulumi.InvokeOptions(provider=ctx.provider))
            registries.append(docker_build.RegistryArgs(
                address=repository.repository_url.apply(lambda url: url.split("/", 1)[0]),
                username=login.user_name, password=login.password))
            tags.append(repository.repository_url.apply(lambda url: f"{url}:{tag}"))
            repositories[role] = repository
        image = docker_build.Image(
            f"{name}-image", context=docker_build.BuildContextArgs(location=build_context()),
            platforms=[TASK_PLATFORM], push=True, tags=tags, registries=registries,
            # A preview shows the build without running Docker; `pulumi up` builds and pushes.
            build_on_preview=False,
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(repositories.values())))
        self.images = {
            # The Dockerfile's USER, stated again so the task definition shows (and the gate checks) a non-root user.
            role: ContainerImage(image=pulumi.Output.concat(repository.repository_url, "@", image.digest),
                                 repository_arn=repository.arn, user=NOBODY)
            for role, repository in repositories.items()}
        self.register_outputs({"digest": image.digest, "tag": tag,
                               **{f"repository-{role}": r.repository_url for role, r in repositories.items()}})
