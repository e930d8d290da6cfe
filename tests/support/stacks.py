"""Stack configs for tests: the real ones from the repository, and temporary projects with edited copies."""
from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
NAMESPACE = "ecommerce-dr"


def stack_values(stack: str) -> dict[str, Any]:
    """The project-namespace values of Pulumi.<stack>.yaml, namespace stripped."""
    config = yaml.safe_load((REPO / f"Pulumi.{stack}.yaml").read_text())["config"]
    return {k.split(":", 1)[1]: v for k, v in config.items() if k.startswith(NAMESPACE + ":")}


def edited(values: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of `values` with the dotted `path` set to `value` (or removed when value is ...)."""
    result = copy.deepcopy(values)
    node = result
    keys = path.split(".")
    for key in keys[:-1]:
        node = node[key]
    if value is ...:
        node.pop(keys[-1], None)
    else:
        node[keys[-1]] = value
    return result


def write_project(root: Path, stack: str, values: dict[str, Any]) -> Path:
    """A temporary project: the real Pulumi.yaml and program, with one stack file holding `values`."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "Pulumi.yaml", root / "Pulumi.yaml")
    (root / "infra").symlink_to(REPO / "infra")
    config = {"pulumi:disable-default-providers": ["aws"], **{f"{NAMESPACE}:{k}": v for k, v in values.items()}}
    (root / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump({"config": config}))
    return root
