"""The live AWS Config evidence file: its JSON Schema and how it is written (docs/live-evidence.md)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

from drcore.errors import UsageError
from drkit.compliance.live.config_rules import COMPLIANCE_VALUES, NOT_DEPLOYED, UNREACHABLE, RuleCompliance

LIVE_CONFIG_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "drkit live AWS Config evidence",
    "type": "array",
    "items": {
        "type": "object",
        "required": ["identifier", "ruleName", "region", "compliance", "nonCompliant", "checkedAt"],
        "additionalProperties": False,
        "properties": {
            "identifier": {"type": "string", "pattern": "^[A-Z0-9_]+$"},
            "ruleName": {"type": ["string", "null"]},
            "region": {"type": "string", "minLength": 1},
            "compliance": {"enum": [*COMPLIANCE_VALUES, NOT_DEPLOYED, UNREACHABLE]},
            "nonCompliant": {"type": "array", "items": {
                "type": "object", "required": ["resourceType", "resourceId"], "additionalProperties": False,
                "properties": {"resourceType": {"type": "string"}, "resourceId": {"type": "string"},
                               "annotation": {"type": "string"}}}},
            "checkedAt": {"type": "string", "format": "date-time"},
            "error": {"type": "string"},
        },
    },
}


def default_path(project_root: Path, stack: str) -> Path:
    return project_root / "build" / f"{stack}.live-config.json"


def write_records(path: Path, records: Iterable[RuleCompliance]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps([record.to_json() for record in records], indent=2) + "\n")
    except OSError as exc:
        raise UsageError(f"cannot write {path} ({exc.strerror}); choose another --out") from None
