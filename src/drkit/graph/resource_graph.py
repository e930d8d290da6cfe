"""Resource graph JSON: the documented shape, loading with clear errors, and saving.

Shape (docs/resource-graph.md):
    {"project": str, "stack": str, "outputs": {...}?, "resources": [
        {"urn": str, "type": str, "name": str, "custom": bool, "parent": urn|null,
         "provider": urn|null, "dependencies": [urn...], "inputs": {...},
         "propertyDependencies": {prop: [urn...]}?, "options": {...}?}]}

Values the engine does not know yet during a preview are the engine's own unknown
sentinel string, UNKNOWN, at any depth of `inputs` — exactly what a policy pack
receives over gRPC. Secret values are written as the engine's secret wrapper
{SIG_KEY: SECRET_SIG, "value": "[secret]"} so no secret reaches a file.
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from drcore.engine_values import REDACTED_SECRET as REDACTED  # noqa: F401 - the graph's readers take it from here
from drcore.engine_values import UNKNOWN
from drcore.errors import UsageError

SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
PROVIDER_TYPE_PREFIX = "pulumi:providers:"
_OPTION_KEYS = {"protect": bool, "ignoreChanges": list, "deleteBeforeReplace": bool,
                "additionalSecretOutputs": list, "aliases": list}


@dataclass
class Resource:
    urn: str
    type: str
    name: str
    custom: bool
    parent: str | None
    provider: str | None
    dependencies: list[str]
    inputs: dict[str, Any]
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def is_provider(self) -> bool:
        return self.type.startswith(PROVIDER_TYPE_PREFIX)

    def to_json(self) -> dict[str, Any]:
        return {"urn": self.urn, "type": self.type, "name": self.name, "custom": self.custom,
                "parent": self.parent, "provider": self.provider, "dependencies": self.dependencies,
                "inputs": self.inputs, "propertyDependencies": self.property_dependencies,
                "options": self.options}


@dataclass
class Graph:
    project: str
    stack: str
    resources: list[Resource]
    outputs: dict[str, Any] = field(default_factory=dict)

    def __iter__(self) -> Iterator[Resource]:
        return iter(self.resources)

    def by_urn(self) -> dict[str, Resource]:
        return {r.urn: r for r in self.resources}

    def of_type(self, type_token: str) -> list[Resource]:
        return [r for r in self.resources if r.type == type_token]

    def region_of(self, resource: Resource, index: dict[str, Resource] | None = None) -> str | None:
        """The region a resource is managed in: its own `region` input, else its provider's.

        Pass `index` (from by_urn()) when looking up many resources, so the graph is indexed once.
        """
        own = resource.inputs.get("region")
        if isinstance(own, str) and own != UNKNOWN:
            return own
        provider = (index if index is not None else self.by_urn()).get(resource.provider or "")
        region = provider.inputs.get("region") if provider else None
        return region if isinstance(region, str) and region != UNKNOWN else None

    def to_json(self) -> dict[str, Any]:
        return {"project": self.project, "stack": self.stack, "outputs": self.outputs,
                "resources": [r.to_json() for r in self.resources]}

    def save(self, path: Path) -> str:
        """Write the graph as JSON; returns the file's digest (`sha256:<hex>`), which reports cite."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        data = (json.dumps(self.to_json(), indent=1, sort_keys=False) + "\n").encode()
        tmp.write_bytes(data)
        tmp.replace(path)  # never leave a half-written graph behind
        return "sha256:" + hashlib.sha256(data).hexdigest()


def load_graph(path: Path) -> Graph:
    """Read and validate a graph file; any defect is one UsageError naming the place and the fix."""
    try:
        text = Path(path).read_text()
    except FileNotFoundError:
        raise UsageError(f"graph file {path} does not exist; write one with 'drkit preview --graph-out {path}'") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"graph file {path} cannot be read ({exc}); pass a JSON graph file") from None
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except (json.JSONDecodeError, ValueError) as exc:
        raise UsageError(f"graph file {path} is not JSON ({exc}); pass a file written by 'drkit preview --graph-out'") from None
    except RecursionError:
        raise UsageError(f"graph file {path} is nested too deeply to be a resource graph") from None
    return graph_from_json(data, str(path))


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not allowed in JSON")


def graph_from_json(data: Any, where: str = "graph") -> Graph:
    def fail(place: str, problem: str) -> UsageError:
        return UsageError(f"{where}: {place} {problem}; see docs/resource-graph.md for the format")

    if not isinstance(data, dict):
        raise fail("the top level", f"is {_kind(data)}, not an object")
    for key in ("project", "stack"):
        if not isinstance(data.get(key), str) or not data[key]:
            raise fail(f"'{key}'", "must be a non-empty string")
    outputs = data.get("outputs", {})
    if not isinstance(outputs, dict):
        raise fail("'outputs'", "must be an object")
    items = data.get("resources")
    if not isinstance(items, list):
        raise fail("'resources'", "must be a list")
    resources: list[Resource] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        place = f"resources[{index}]"
        if not isinstance(item, dict):
            raise fail(place, f"is {_kind(item)}, not an object")
        for key in ("urn", "type", "name"):
            if not isinstance(item.get(key), str) or not item[key]:
                raise fail(f"{place}.{key}", "must be a non-empty string")
        urn = item["urn"]
        if not urn.startswith("urn:pulumi:") or urn.count("::") < 3:
            raise fail(f"{place}.urn", f"'{_short(urn)}' is not a Pulumi URN (urn:pulumi:stack::project::type::name)")
        if urn in seen:
            raise fail(f"{place}.urn", f"'{_short(urn)}' appears twice")
        seen.add(urn)
        if not isinstance(item.get("custom"), bool):
            raise fail(f"{place}.custom", "must be true or false")
        for key in ("parent", "provider"):
            if item.get(key) is not None and not isinstance(item[key], str):
                raise fail(f"{place}.{key}", "must be a URN string or null")
        deps = item.get("dependencies", [])
        if not isinstance(deps, list) or not all(isinstance(d, str) for d in deps):
            raise fail(f"{place}.dependencies", "must be a list of URN strings")
        inputs = item.get("inputs", {})
        if not isinstance(inputs, dict):
            raise fail(f"{place}.inputs", "must be an object")
        prop_deps = item.get("propertyDependencies", {}) or {}
        if not isinstance(prop_deps, dict) or not all(
                isinstance(v, list) and all(isinstance(u, str) for u in v) for v in prop_deps.values()):
            raise fail(f"{place}.propertyDependencies", "must map property names to lists of URNs")
        options = item.get("options", {}) or {}
        if not isinstance(options, dict):
            raise fail(f"{place}.options", "must be an object")
        for key, kind in _OPTION_KEYS.items():
            if key in options and not isinstance(options[key], kind):
                raise fail(f"{place}.options.{key}", f"must be a {kind.__name__}")
        resources.append(Resource(urn=urn, type=item["type"], name=item["name"], custom=item["custom"],
                                  parent=item.get("parent"), provider=item.get("provider"), dependencies=list(deps),
                                  inputs=inputs, property_dependencies=dict(prop_deps), options=dict(options)))
    for resource in resources:
        for key, ref in (("parent", resource.parent), ("provider", resource.provider)):
            if ref is not None and ref not in seen:
                raise fail(f"resource '{_short(resource.urn)}' {key}", f"'{_short(ref)}' is not a resource in the graph")
    return Graph(project=data["project"], stack=data["stack"], resources=resources, outputs=outputs)


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number")


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def normalize_number(value: float) -> int | float:
    """Protobuf Structs carry every number as a double; write integral ones as integers."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value
