"""Which source a pytest JUnit file tested: written into the file as `<properties>` of each `<testsuite>` when the
run ends (tests/support/junit_source.py), read back by the gate, which counts test evidence only for the source
it judges itself. JUnit readers accept `properties` there (Jenkins' junit-10.xsd: testsuite > properties >
property name/value)."""
from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path

from drkit.provenance import SourceState

_PREFIX = "drkit.source."


def stamp_junit(path: Path, state: SourceState) -> None:
    """Add the source state to every testsuite of the JUnit file at `path`."""
    tree = ElementTree.parse(path)
    suites = [tree.getroot()] if tree.getroot().tag == "testsuite" else list(tree.getroot().iter("testsuite"))
    values = {"commit": state.commit or "", "dirty": "true" if state.dirty else "false",
              "changesDigest": state.changes_digest}
    for suite in suites:
        properties = suite.find("properties")
        if properties is None:
            properties = ElementTree.Element("properties")
            suite.insert(0, properties)
        for name, value in values.items():
            ElementTree.SubElement(properties, "property", name=_PREFIX + name, value=value)
    tree.write(path, encoding="utf-8", xml_declaration=True)


def junit_source(root: ElementTree.Element) -> SourceState | None:
    """The source the file says it tested; None when it does not say (written without this project's conftest)."""
    found: dict[str, str] = {}
    for prop in root.iter("property"):
        name = prop.get("name", "")
        if name.startswith(_PREFIX):
            found[name[len(_PREFIX):]] = prop.get("value", "")
    if not found.get("commit"):
        return None
    return SourceState(found["commit"], found.get("dirty") == "true", found.get("changesDigest", ""))
