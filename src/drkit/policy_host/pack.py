"""A policy pack directory on disk, checked the way the Pulumi CLI checks it before starting it."""
from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import yaml

from drcore.errors import UsageError


@dataclass(frozen=True)
class PackDirectory:
    path: Path
    version: str
    runtime: str
    # The pack's own virtual env (runtime option `virtualenv`, relative to the pack) when it has been created;
    # None: run the pack with this interpreter, which carries the same pinned pulumi and pulumi-policy.
    interpreter: Path | None = None


def pack_catalogue(pack: Path) -> ModuleType:
    """The pack's drguard.catalogue (ALL_POLICIES, AREAS), imported from the pack folder the way the tests import it."""
    if str(pack) not in sys.path:
        sys.path.insert(0, str(pack))
    return importlib.import_module("drguard.catalogue")


def open_pack(path: Path) -> PackDirectory:
    path = Path(path)
    if not path.is_dir():
        raise UsageError(f"policy pack {path} is not a directory; pass the folder holding PulumiPolicy.yaml")
    manifest = path / "PulumiPolicy.yaml"
    if not manifest.is_file():
        raise UsageError(f"policy pack {path} has no PulumiPolicy.yaml; pass a CrossGuard policy pack directory")
    try:
        data = yaml.safe_load(manifest.read_text())
    except yaml.YAMLError as exc:
        raise UsageError(f"{manifest} is not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if not isinstance(data, dict):
        raise UsageError(f"{manifest} must be a mapping with at least 'runtime'")
    runtime = data.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if runtime_name != "python":
        raise UsageError(f"{manifest}: runtime is {runtime_name!r}; this gate runs Python packs (runtime: python)")
    if not (path / "__main__.py").is_file():
        raise UsageError(f"policy pack {path} has no __main__.py; a Python pack constructs PolicyPack(...) there")
    version = str(data.get("version", "0.0.1"))
    options = runtime.get("options") if isinstance(runtime, dict) else None
    virtualenv = options.get("virtualenv") if isinstance(options, dict) else None
    # Not resolved: a venv's python is a symlink to the base interpreter, which would lose the venv.
    interpreter = path.resolve() / str(virtualenv) / "bin" / "python" if virtualenv else None
    if interpreter is not None and not interpreter.is_file():
        interpreter = None
    return PackDirectory(path=path.resolve(), version=version, runtime=runtime_name, interpreter=interpreter)
