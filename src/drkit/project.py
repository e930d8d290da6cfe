"""The Pulumi project on disk: where it is, its name, and a stack's raw configuration."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from drcore.errors import UsageError


@dataclass(frozen=True)
class Project:
    root: Path
    name: str
    main: Path

    def stack_file(self, stack: str) -> Path:
        return self.root / f"Pulumi.{stack}.yaml"

    def stacks(self) -> list[str]:
        return sorted(p.name[len("Pulumi."):-len(".yaml")] for p in self.root.glob("Pulumi.*.yaml"))


def find_project(start: Path | None = None) -> Project:
    """The directory holding Pulumi.yaml: $DRKIT_PROJECT_DIR, else the nearest one above `start` (cwd)."""
    override = os.environ.get("DRKIT_PROJECT_DIR")
    candidates = [Path(override)] if override else [p for p in [(start or Path.cwd()).resolve(), *(start or Path.cwd()).resolve().parents]]
    for directory in candidates:
        manifest = directory / "Pulumi.yaml"
        if manifest.is_file():
            data = _read_yaml(manifest)
            if not isinstance(data, dict) or not isinstance(data.get("name"), str):
                raise UsageError(f"{manifest}: has no 'name'; add 'name: <project>' to Pulumi.yaml")
            return Project(root=directory, name=data["name"], main=directory / str(data.get("main", ".")))
    where = override or "this directory or any parent"
    raise UsageError(f"no Pulumi.yaml in {where}; run drkit inside the repository or set DRKIT_PROJECT_DIR")


def read_stack_config(project: Project, stack: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(project-namespace values with the namespace stripped, all values with their full keys)."""
    path = project.stack_file(stack)
    if not path.is_file():
        known = ", ".join(project.stacks()) or "none"
        raise UsageError(f"unknown stack '{stack}': {path.name} not found (stacks here: {known})")
    data = _read_yaml(path) or {}
    config = data.get("config", {}) if isinstance(data, dict) else None
    if not isinstance(config, dict):
        raise UsageError(f"{path.name}: 'config' must be a mapping of keys to values")
    prefix = project.name + ":"
    ours = {key[len(prefix):]: value for key, value in config.items() if key.startswith(prefix)}
    return ours, dict(config)


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise UsageError(f"{path.name}:{where} is not valid YAML ({getattr(exc, 'problem', exc)}); fix the syntax") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot be read ({exc.strerror})") from None
