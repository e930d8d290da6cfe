"""The storefront in the real program's resource graph: each region's ALB listeners, and the warm standby
(the secondary runs a share of the primary's tasks and autoscales up to full capacity)."""
from __future__ import annotations

import json
import math
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from pathlib import Path

import pytest

from drcore.stack_config.model import PLACEHOLDER_IMAGE
from drcore.stack_config.sections import parse_compute
from drkit.graph.mocks import ACCOUNT_ID
from infra.components.storefront_build import build_context, source_digest
from infra.components.storefront_image import configured_image
from tests.support.architecture import (EDITED, LISTENER, PRIMARY, ROLES, SCALING_TARGET, SECONDARY, STACKS, arn_region,
                                        only, region_alb, region_service, stack, store_key)


# -- storefront: ALB, listeners, warm standby --------------------------------------------------------
@pytest.mark.parametrize("name", STACKS)
@pytest.mark.parametrize("role", ROLES)
def test_the_only_listener_is_https_with_tls13(name, role):
    s = stack(name)
    alb = region_alb(s, role)
    listeners = s.referring(LISTENER, alb, "loadBalancerArn")
    https = only(listeners, f"listener on {alb.name}")  # no plain-HTTP listener, not even a redirect
    assert https.inputs.get("protocol") == "HTTPS" and https.inputs.get("port") == 443
    assert "TLS13" in str(https.inputs.get("sslPolicy")), https.inputs.get("sslPolicy")
    certificate = https.inputs.get("certificateArn")
    assert arn_region(certificate) == s.region(alb), "an ALB can only use a certificate from its own region"
    assert any(a.get("type") == "forward" for a in https.inputs.get("defaultActions", []))


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


@pytest.mark.parametrize("name", STACKS)
@pytest.mark.parametrize("role", ROLES)
def test_a_later_deployment_does_not_undo_what_a_failover_set(name, role):
    # Failover raises the new primary's task floor and pins the fenced old primary's to 0; `pulumi up` must keep them.
    s = stack(name)
    service = region_service(s, role)
    target = only(s.referring(SCALING_TARGET, service, "resourceId"), f"scaling target for {service.name}")
    assert "desiredCount" in service.options.get("ignoreChanges", [])
    assert "minCapacity" in target.options.get("ignoreChanges", [])


# -- what the container serves: the health path every check follows ----------------------------------
TASK_DEFINITION, TARGET_GROUP = "aws:ecs/taskDefinition:TaskDefinition", "aws:lb/targetGroup:TargetGroup"


def _container(s, role):
    [task] = [t for t in s.in_role(TASK_DEFINITION, role) if "storefront" in t.name]
    [container] = json.loads(task.inputs["containerDefinitions"])
    return container


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.mark.parametrize("name", STACKS)
@pytest.mark.parametrize("role", ROLES)
def test_the_container_listens_where_the_target_group_sends_traffic(name, role):
    s = stack(name)
    container = _container(s, role)
    port = s.config.compute.container_port
    assert [m["containerPort"] for m in container["portMappings"]] == [port]
    env = {e["name"]: e["value"] for e in container["environment"]}
    assert env["PORT"] == str(port), "the application reads its port from PORT"
    [group] = [g for g in s.in_role(TARGET_GROUP, role)]
    # The load balancer follows liveness (a database outage must not make ECS replace every task); Route 53 and the
    # automation follow deep health (tests/integration/infra/test_architecture_dns_and_monitoring.py).
    assert group.inputs["port"] == port and group.inputs["healthCheck"]["path"] == s.config.compute.liveness_path
    assert s.config.compute.liveness_path != s.config.compute.health_check_path


def _placeholder_process(port: int, region: str) -> subprocess.Popen:
    image = configured_image(parse_compute({"image": PLACEHOLDER_IMAGE, "cpu": 256, "memory": 512, "desiredCount": 1,
                                            "minCount": 1, "maxCount": 1}), region)
    assert image.user == "65534:65534" and image.repository_arn is None
    program, flag, source = image.command
    assert (program, flag) == ("python3", "-c")
    env = {"PORT": str(port), "AWS_REGION": region, "PATH": os.environ["PATH"]}
    return subprocess.Popen([sys.executable, "-I", "-c", source], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def test_the_placeholder_answers_both_health_paths_and_takes_no_orders():
    # compute.image: placeholder (deploying without Docker): its exact command, run here with this machine's python3
    # on a free port (the image's own python in ECS), answers the kit's health paths with 200.
    port, region = _free_port(), "eu-west-1"
    server = _placeholder_process(port, region)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 10
        while True:
            try:
                status, body = _get(base + "/health/deep")
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline and server.poll() is None, "the placeholder did not start"
                time.sleep(0.05)
        assert status == 200
        answer = json.loads(body)
        assert answer["placeholder"] is True and answer["region"] == region
        assert _get(base + "/health/live")[0] == 200 and _get(base + "/")[0] == 200
        assert _get(base + "/orders")[0] == 404, "the placeholder takes no orders"
    finally:
        server.terminate()
        server.wait(timeout=5)


ECR_REPOSITORY, BUILT_IMAGE = "aws:ecr/repository:Repository", "docker-build:index:Image"


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_the_default_stacks_build_the_reference_storefront_and_each_region_runs_it_by_digest(name):
    """compute.image: storefront: one build of storefront/ pushed to a hardened repository in each region; each
    region's tasks pull that exact image (by digest) from their own region, so the recovery region can start tasks
    with the primary region gone, and both regions run the same bytes."""
    s = stack(name)
    assert s.config.compute.builds_storefront
    [image] = s.of(BUILT_IMAGE)
    assert image.inputs["push"] is True and image.inputs.get("buildOnPreview") is False
    digests = set()
    for role in ROLES:
        region = s.role_regions[role]
        [repository] = s.in_role(ECR_REPOSITORY, role)
        assert repository.inputs["imageTagMutability"] == "IMMUTABLE"
        assert repository.inputs["imageScanningConfiguration"] == {"scanOnPush": True}
        [encryption] = repository.inputs["encryptionConfigurations"]
        assert encryption["encryptionType"] == "KMS"
        key = store_key(s, repository, "encryptionConfigurations", encryption["kmsKey"], role)
        assert "platform" in key.name
        url = f"{ACCOUNT_ID}.dkr.ecr.{region}.amazonaws.com/{repository.inputs['name']}"
        assert f"{url}:{source_digest()}" in image.inputs["tags"], f"the build does not push to {region}"
        assert any(r["address"] == url.split("/")[0] for r in image.inputs["registries"])
        container_image = _container(s, role)["image"]
        repository_url, digest = container_image.split("@")
        assert repository_url == url and digest.startswith("sha256:"), container_image
        digests.add(digest)
        pulls = [statement for policy in s.in_role("aws:iam/rolePolicy:RolePolicy", role)
                 if "storefront-execution" in policy.name
                 for statement in json.loads(policy.inputs["policy"])["Statement"] if statement["Sid"] == "PullImage"]
        assert [p["Resource"] for p in pulls] == [f"arn:aws:ecr:{region}:{ACCOUNT_ID}:repository/{repository.inputs['name']}"]
        [task] = [t for t in s.in_role(TASK_DEFINITION, role) if "storefront" in t.name]
        assert task.inputs["runtimePlatform"]["cpuArchitecture"] == "X86_64"
    assert len(digests) == 1, "the regions run different images"
    assert image.inputs["platforms"] == ["linux/amd64"], "the image must match the tasks' X86_64 platform"


def test_the_build_context_holds_everything_its_dockerfile_copies():
    """The program builds with storefront/ as the context (relative to the working directory, so no machine path
    enters the state): every COPY source must be inside it, and the image runs the storefront module."""
    context = Path(build_context())
    assert not context.is_absolute()
    dockerfile = (context / "Dockerfile").read_text()
    copies = [line.split()[1] for line in dockerfile.splitlines() if line.startswith("COPY ")]
    assert copies and all((context / source).exists() for source in copies), copies
    assert '"-m", "storefront"' in dockerfile and "USER 65534:65534" in dockerfile
    ignored = (context / ".dockerignore").read_text().split()
    assert "__pycache__/" in ignored


def test_a_change_to_the_storefront_source_gives_a_new_image_tag(tmp_path):
    # The repositories' tags are immutable: a new tag must appear exactly when the code changes, and bytecode
    # caches must not count.
    (tmp_path / "app.py").write_text("print('v1')\n")
    first = source_digest(tmp_path)
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "app.cpython-311.pyc").write_bytes(b"\0")
    assert source_digest(tmp_path) == first
    (tmp_path / "app.py").write_text("print('v2')\n")
    assert source_digest(tmp_path) != first


def test_each_region_pulls_the_storefront_image_from_its_own_registry():
    """With the primary region gone, its ECR is gone too: the recovery region's tasks must pull from their own."""
    s = stack(EDITED)
    for role in ROLES:
        region = s.role_regions[role]
        image = _container(s, role)["image"]
        assert image == f"{ACCOUNT_ID}.dkr.ecr.{region}.amazonaws.com/storefront:1.0.0"
        pulls = [statement for policy in s.in_role("aws:iam/rolePolicy:RolePolicy", role)
                 if "storefront-execution" in policy.name
                 for statement in json.loads(policy.inputs["policy"])["Statement"] if statement["Sid"] == "PullImage"]
        assert [p["Resource"] for p in pulls] == [f"arn:aws:ecr:{region}:{ACCOUNT_ID}:repository/storefront"]
