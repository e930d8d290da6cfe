"""Run the real Pulumi program under the SDK's mock runtime and record every registration.

The recording monitor sits where the engine's resource monitor would: it sees each
RegisterResource request exactly as the SDK sends it (type, name, parent, provider
reference, dependencies, serialized inputs with unknowns and secrets), which is
what the engine would hand to a policy pack.
"""
from __future__ import annotations

import json
import os
import runpy
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

import pulumi
from google.protobuf import json_format
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.settings import SETTINGS
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from drcore.errors import UsageError
from drkit.graph.mocks import PlatformMocks
from drkit.graph.resource_graph import REDACTED, SECRET_SIG, SIG_KEY, UNKNOWN, Graph, Resource, normalize_number


class RecordingMonitor(pulumi_mocks.MockMonitor):
    def __init__(self, mocks: PlatformMocks, on_record: Callable[[Resource], None] | None = None):
        super().__init__(mocks)
        self._on_record = on_record
        self.records: list[Resource] = []
        self.duplicate_urns: list[str] = []
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def RegisterResource(self, request):  # noqa: N802 - gRPC method name
        response = super().RegisterResource(request)
        provider = request.provider.rsplit("::", 1)[0] if request.provider else None
        options: dict[str, Any] = {}
        if request.protect:
            options["protect"] = True
        if request.ignoreChanges:
            options["ignoreChanges"] = list(request.ignoreChanges)
        if request.deleteBeforeReplace:
            options["deleteBeforeReplace"] = True
        if request.additionalSecretOutputs:
            options["additionalSecretOutputs"] = list(request.additionalSecretOutputs)
        record = Resource(
            urn=response.urn,
            type=request.type,
            name=request.name,
            custom=bool(request.custom),
            parent=request.parent or None,
            provider=provider,
            dependencies=list(dict.fromkeys(request.dependencies)),
            inputs=wire_to_json(json_format.MessageToDict(request.object)),
            property_dependencies={k: list(v.urns) for k, v in request.propertyDependencies.items() if v.urns},
            options=options,
        )
        with self._lock:
            if record.urn in self._seen:
                self.duplicate_urns.append(record.urn)
            self._seen.add(record.urn)
            self.records.append(record)
        if self._on_record is not None:
            self._on_record(record)
        return response


def wire_to_json(value: Any) -> Any:
    """A Struct-decoded value, with integral numbers as ints and secret values redacted."""
    if isinstance(value, dict):
        if value.get(SIG_KEY) == SECRET_SIG:
            return {SIG_KEY: SECRET_SIG, "value": REDACTED}
        return {k: wire_to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [wire_to_json(v) for v in value]
    if isinstance(value, float):
        return normalize_number(value)
    return value


def config_for_runtime(project: str, raw_config: dict[str, Any]) -> dict[str, str]:
    """Stack YAML values -> the engine's config map: full keys, objects and numbers as JSON text."""
    result = {}
    for key, value in raw_config.items():
        full = key if ":" in key else f"{project}:{key}"
        result[full] = value if isinstance(value, str) else json.dumps(value)
    return result


@contextmanager
def _program_on_path(program_dir: Path) -> Iterator[None]:
    """Run the program of *this* checkout: its package (infra) is imported from `program_dir`, whatever an
    editable install or an earlier run in this process put on sys.path or in sys.modules. Without this, gating a
    copy of the repository with the original's virtual env judges the original's program."""
    saved_path, saved_cwd = list(sys.path), os.getcwd()
    package = program_dir.resolve().name
    saved_modules = {name: module for name, module in sys.modules.items() if _in_package(name, package)}
    for name in saved_modules:
        del sys.modules[name]
    try:
        os.chdir(program_dir.parent)  # the engine runs the program from the project directory
        sys.path.insert(0, str(program_dir.resolve().parent))
        yield
    finally:
        sys.path[:] = saved_path
        os.chdir(saved_cwd)
        for name in [name for name in sys.modules if _in_package(name, package)]:
            del sys.modules[name]
        sys.modules.update(saved_modules)


def _in_package(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def run_program(program_dir: Path, project: str, stack: str, raw_config: dict[str, Any],
                preview: bool = True, on_resource: Callable[[Resource], None] | None = None) -> Graph:
    """Run the program at `program_dir` for `stack` under mocks and return its resource graph; `on_resource` is told
    of each resource as the program registers it (in registration order, from the runtime's threads)."""
    mocks = PlatformMocks()
    monitor = RecordingMonitor(mocks, on_record=on_resource)
    SETTINGS.rpc_manager.clear()
    SETTINGS.outputs.clear()
    pulumi.runtime.set_all_config(config_for_runtime(project, raw_config))
    pulumi_settings.ROOT.set(None)  # a fresh root stack per run, so repeated runs in one process stay apart
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=preview, monitor=monitor)
    root = pulumi.runtime.get_root_resource()
    resolved_outputs: dict[str, Any] = {}

    def program() -> Any:
        runpy.run_path(str(program_dir), run_name="__main__")
        outputs = pulumi.Output.from_input(dict(getattr(root, "outputs", {}) or {}))
        return outputs.apply(resolved_outputs.update).future()

    with _program_on_path(program_dir):
        try:
            _sync_await(run_pulumi_func(program))
        except pulumi.RunError as exc:
            raise UsageError(str(exc)) from None
    if monitor.duplicate_urns:
        # The engine refuses a program that registers one URN twice; so does the offline run.
        raise UsageError(f"the program registers {len(monitor.duplicate_urns)} resource(s) twice, first "
                         f"{monitor.duplicate_urns[0]}; give each resource a unique logical name")
    return Graph(project=project, stack=stack, resources=list(monitor.records),
                 outputs=wire_to_json(json.loads(json.dumps(resolved_outputs, default=_unknown_as_sentinel))))


def _unknown_as_sentinel(value: Any) -> Any:
    return UNKNOWN
