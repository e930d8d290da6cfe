"""The Jenkins xunit-plugin's junit-10.xsd, the schema JUnit readers follow, as scripts/setup.sh --dev puts it in
.venv (scripts/setup-test-schemas.sh takes it from pytest's source archive on the package index)."""
from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

import xmlschema

SCHEMA_FILE = Path(sys.prefix) / "share" / "drkit-schemas" / "junit-10.xsd"


@cache
def junit_schema() -> xmlschema.XMLSchema:
    if not SCHEMA_FILE.is_file():
        raise AssertionError(f"{SCHEMA_FILE} is missing: run scripts/setup.sh --dev (or scripts/setup-test-schemas.sh)")
    return xmlschema.XMLSchema(str(SCHEMA_FILE))


def junit_problems(xml_text: str) -> list[str]:
    """Every reason the document is not valid junit-10.xsd, as the validator words it."""
    return [f"{error.path}: {error.reason}" for error in junit_schema().iter_errors(xml_text)]
