"""A stack's configuration, read from Pulumi.<stack>.yaml and validated by the program's own parser."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from drcore.errors import UsageError
from drcore.stack_config import ConfigError, StackConfig, parse_stack_config
from drkit.project import Project, find_project, read_stack_config


@dataclass(frozen=True)
class LoadedStack:
    project: Project
    name: str
    config: StackConfig
    raw: dict[str, Any]  # every key of the stack file, namespaces included


def load_stack(stack: str) -> LoadedStack:
    project = find_project()
    ours, everything = read_stack_config(project, stack)
    try:
        config = parse_stack_config(stack, ours)
    except ConfigError as exc:
        raise UsageError(f"{project.stack_file(stack).name}: {exc}") from None
    return LoadedStack(project=project, name=stack, config=config, raw=everything)
