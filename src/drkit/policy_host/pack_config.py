"""Policy pack configuration, resolved and validated as the Pulumi CLI does before it calls Configure.

The file is Pulumi's `--policy-pack-config` format: `{"all": "mandatory", "<policy>": "advisory" |
{"enforcementLevel": ..., "<setting>": ...}}`. Each policy's settings are its schema defaults, then the
pack's initial config, then the file; the result must validate against the policy's schema.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from drcore.errors import UsageError
from drkit.policy_host.client import LEVEL_VALUES, AnalyzerInfo


def read_config_file(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        text = Path(path).read_text()
    except FileNotFoundError:
        raise UsageError(f"policy config {path} does not exist; pass a JSON or YAML policy config file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"policy config {path} cannot be read ({exc})") from None
    try:
        data = json.loads(text) if Path(path).suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise UsageError(f"policy config {path} is not valid {'JSON' if Path(path).suffix == '.json' else 'YAML'} "
                         f"({str(exc).splitlines()[0]})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UsageError(f"policy config {path} must be an object mapping policy names (or 'all') to settings")
    return data


def resolve(info: AnalyzerInfo, user: dict[str, Any], where: str = "policy config") -> dict[str, dict[str, Any]]:
    """Policy name -> {"enforcementLevel": level, **settings}, validated; UsageError names the bad entry."""
    known = {p.name: p for p in info.policies}
    all_level = _level(user.get("all"), f"{where}: 'all'") if "all" in user else None
    for name in user:
        if name != "all" and name not in known:
            raise UsageError(f"{where}: '{name}' is not a policy of pack {info.name}; "
                             f"use one of: all, {', '.join(sorted(known))}")
    resolved: dict[str, dict[str, Any]] = {}
    for name, policy in known.items():
        settings: dict[str, Any] = {}
        schema = policy.config_schema or {"properties": {}, "required": []}
        for prop, prop_schema in schema["properties"].items():
            if isinstance(prop_schema, dict) and "default" in prop_schema:
                settings[prop] = copy.deepcopy(prop_schema["default"])
        level = policy.level
        initial = info.initial_config.get(name, {})
        settings.update({k: v for k, v in initial.items() if k != "enforcementLevel"})
        level = initial.get("enforcementLevel", level)
        if all_level:
            level = all_level
        entry = user.get(name)
        if isinstance(entry, str):
            level = _level(entry, f"{where}: '{name}'")
        elif isinstance(entry, dict):
            if "enforcementLevel" in entry:
                level = _level(entry["enforcementLevel"], f"{where}: '{name}.enforcementLevel'")
            for key, value in entry.items():
                if key == "enforcementLevel":
                    continue
                if key not in schema["properties"]:
                    raise UsageError(f"{where}: '{name}.{key}' is not a setting of policy {name}; "
                                     f"settings: {', '.join(sorted(schema['properties'])) or 'none'}")
                settings[key] = value
        elif entry is not None:
            raise UsageError(f"{where}: '{name}' must be an enforcement level or an object of settings")
        _validate(name, settings, schema, where)
        resolved[name] = {"enforcementLevel": level, **settings}
    return resolved


def _level(value: Any, place: str) -> str:
    if isinstance(value, dict):
        value = value.get("enforcementLevel")
    if value not in LEVEL_VALUES:
        raise UsageError(f"{place} is {value!r}; use one of: {', '.join(LEVEL_VALUES)}")
    return value


def _validate(name: str, settings: dict[str, Any], schema: dict[str, Any], where: str) -> None:
    document = {"type": "object", "properties": schema["properties"], "required": schema.get("required", [])}
    validator = jsonschema.Draft7Validator(document)
    errors = sorted(validator.iter_errors(settings), key=lambda e: list(e.path))
    if errors:
        error = errors[0]
        path = ".".join(str(p) for p in error.path)
        place = f"{name}.{path}" if path else name
        raise UsageError(f"{where}: '{place}' {error.message}; fix the value to match the policy's schema")
