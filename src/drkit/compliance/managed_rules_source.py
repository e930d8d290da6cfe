"""Regenerates compliance/aws-config-managed-rules.txt from the managed-rule list moto ships (AWS's published one):

    .venv/bin/python -m drkit.compliance.managed_rules_source > compliance/aws-config-managed-rules.txt
"""
from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

from drcore.catalogue.managed_rules import BOTH, ON_CHANGE, PERIODIC, ManagedRule, RuleParameter, render_managed_rules


def moto_managed_rules() -> tuple[dict[str, ManagedRule], str]:
    """The managed-rule list moto carries (AWS's published one), and where it came from."""
    from importlib.metadata import version

    import moto.config  # the emulation's dependency; only this generator and its freshness test need it

    path = Path(moto.config.__file__).parent / "resources" / "aws_managed_rules.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        raw = json.load(handle)["ManagedRules"]
    rules = {}
    for identifier, entry in raw.items():
        parameters = {p["Name"]: RuleParameter(p["Name"], p.get("Type", "String"), not p.get("Optional", True))
                      for p in entry.get("Parameters", [])}
        types = tuple(t.strip() for t in entry.get("Resource Types", "").split(",") if t.strip())
        rules[identifier] = ManagedRule(identifier, parameters, types, _trigger(entry.get("Trigger type", "")))
    return rules, f"moto {version('moto')} (moto/config/resources/aws_managed_rules.json.gz)"


def _trigger(text: str) -> str:
    text = text.lower()
    if "periodic" in text and "change" in text:
        return BOTH
    return PERIODIC if "periodic" in text else ON_CHANGE


def main() -> int:
    rules, source = moto_managed_rules()
    sys.stdout.write(render_managed_rules(rules.values(), source))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
