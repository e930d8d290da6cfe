"""Workloads: ECS containers run unprivileged, as a non-root user, on a read-only root filesystem, and their tasks
share no namespace with the host.

An aws:ecs/taskDefinition carries its containers as JSON text (`containerDefinitions`). Definitions that cannot be
read are reported rather than passed: a policy that cannot see the containers cannot vouch for them (the
pulumi/compliance-policies rule aws-ecs-taskdefinition-disallow-privileged-containers does the same).
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Callable, Optional

from pulumi_policy import ResourceValidationArgs, Severity

from drguard.common import as_list, is_true, label, parse_json_text, resource_policy
from drguard.frameworks import NIST, SOC2, framework

TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
# Linux capabilities that amount to a privileged container: ALL is every capability, and SYS_ADMIN alone allows
# mounting the host's filesystems and escaping the container.
PRIVILEGED_CAPABILITIES = ("ALL", "SYS_ADMIN")
HOST_NAMESPACES = ("networkMode", "pidMode", "ipcMode")
# `user` is "name", "uid", "name:group" or "uid:gid"; the user part decides who the processes run as.
ROOT_USER = re.compile(r"^(root|0+)$", re.IGNORECASE)

ContainerCheck = Callable[[Mapping[str, Any]], Optional[str]]


def containers(props: Mapping[str, Any]) -> Optional[list[Mapping[str, Any]]]:
    """The task's container definitions, or None when `containerDefinitions` is not a readable JSON array."""
    parsed = parse_json_text(props.get("containerDefinitions"))
    if not isinstance(parsed, Sequence) or isinstance(parsed, (str, bytes)):
        return None
    found = as_list(parsed)  # an object-form list arrives as the SDK's read-only proxy, not a list
    return found if all(isinstance(c, Mapping) for c in found) else None


def _name(container: Mapping[str, Any], index: int) -> str:
    return str(container.get("name") or f"containerDefinitions[{index}]")


def _per_container(check: ContainerCheck, fix: str) -> Callable[[ResourceValidationArgs], list[str]]:
    """A task-definition check that applies `check` to each container and reports every failing one at once."""
    def run(args: ResourceValidationArgs) -> list[str]:
        found = containers(args.props)
        if found is None:
            return [f"Task definition {label(args)}: containerDefinitions is not a JSON array of container "
                    f"definitions, so its containers cannot be checked. Fix: pass valid JSON text; {fix}"]
        problems = [f"{_name(c, i)} {problem}" for i, c in enumerate(found) if (problem := check(c))]
        if not problems:
            return []
        return [f"Task definition {label(args)}: {'; '.join(problems)}. Fix: {fix}"]
    return run


# -- ecs-container-not-privileged -------------------------------------------------------------------------------

def _privileged(container: Mapping[str, Any]) -> Optional[str]:
    if is_true(container.get("privileged")):
        return "runs privileged (privileged: true)"
    parameters = container.get("linuxParameters")
    capabilities = parameters.get("capabilities") if isinstance(parameters, Mapping) else None
    added = capabilities.get("add") if isinstance(capabilities, Mapping) else None
    broad = sorted({str(c).upper() for c in as_list(added) if str(c).upper().removeprefix("CAP_")
                    in PRIVILEGED_CAPABILITIES})
    if broad:
        return f"adds the Linux capabilities {', '.join(broad)}, which are as good as privileged"
    return None


ecs_container_not_privileged = resource_policy(
    name="ecs-container-not-privileged",
    description="No ECS container runs privileged or adds the ALL or SYS_ADMIN Linux capabilities.",
    types=(TASK_DEFINITION,),
    check=_per_container(_privileged, "remove privileged: true (or set it to false) and drop ALL / SYS_ADMIN from "
                                      "linuxParameters.capabilities.add."),
    severity=Severity.HIGH,
    framework=framework(SOC2, "CC6.8"),
    remediation="In each container of the aws.ecs.TaskDefinition's containerDefinitions, remove `privileged: true` "
                "and add only the specific Linux capabilities the process needs (never ALL or SYS_ADMIN).",
)


# -- ecs-container-non-root-user --------------------------------------------------------------------------------

def _root_user(container: Mapping[str, Any]) -> Optional[str]:
    user = container.get("user")
    if not isinstance(user, str) or not user.strip():
        return "sets no user, so it runs as the image's user, root unless the image says otherwise"
    if ROOT_USER.match(user.strip().split(":", 1)[0].strip()):
        return f"runs as root (user: {user!r})"
    return None


ecs_container_non_root_user = resource_policy(
    name="ecs-container-non-root-user",
    description="Every ECS container states a user, and it is not root (neither root nor UID 0, whatever the group).",
    types=(TASK_DEFINITION,),
    check=_per_container(_root_user, "set user to an unprivileged user of the image, e.g. \"65534:65534\"."),
    severity=Severity.HIGH,
    framework=framework(NIST, "AC-6"),
    remediation="Set `user` in each container definition to a non-root user and group the image provides, as "
                "\"uid:gid\" (e.g. \"65534:65534\", nobody) or a user name; never \"root\", \"0\" or \"0:<gid>\".",
)


# -- ecs-container-readonly-root-filesystem ---------------------------------------------------------------------

def _writable_root(container: Mapping[str, Any]) -> Optional[str]:
    if is_true(container.get("readonlyRootFilesystem")):
        return None
    return "can write to its root filesystem (readonlyRootFilesystem is not true)"


ecs_container_readonly_root_filesystem = resource_policy(
    name="ecs-container-readonly-root-filesystem",
    description="Every ECS container mounts its root filesystem read-only.",
    types=(TASK_DEFINITION,),
    check=_per_container(_writable_root, "set readonlyRootFilesystem: true and mount a task volume where the "
                                         "process must write (e.g. /tmp)."),
    severity=Severity.MEDIUM,
    framework=framework(SOC2, "CC6.8"),
    remediation="Set `readonlyRootFilesystem: true` in each container definition; give the paths the process must "
                "write to a task volume (`volumes` on the task, `mountPoints` on the container).",
)


# -- ecs-task-no-host-namespaces --------------------------------------------------------------------------------

def _host_namespaces(args: ResourceValidationArgs) -> list[str]:
    shared = [f"{key}: host" for key in HOST_NAMESPACES
              if isinstance(args.props.get(key), str) and args.props[key].strip().lower() == "host"]
    if not shared:
        return []
    return [f"Task definition {label(args)} shares the host's namespaces ({', '.join(shared)}): its containers see "
            "the host's network stack, processes or shared memory. Fix: use networkMode: awsvpc and leave pidMode "
            "and ipcMode unset or set to task."]


ecs_task_no_host_namespaces = resource_policy(
    name="ecs-task-no-host-namespaces",
    description="No ECS task definition uses the host's network, process or IPC namespace.",
    types=(TASK_DEFINITION,),
    check=_host_namespaces,
    severity=Severity.HIGH,
    framework=framework(NIST, "AC-6"),
    remediation="Set networkMode to awsvpc (Fargate requires it) and pidMode / ipcMode to task or leave them unset "
                "on the aws.ecs.TaskDefinition; never host.",
)

POLICIES = [ecs_container_not_privileged, ecs_container_non_root_user, ecs_container_readonly_root_filesystem,
            ecs_task_no_host_namespaces]
