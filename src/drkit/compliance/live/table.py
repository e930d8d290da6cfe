"""The per-region text table `drkit evidence --live` prints: one line per rule, flagged resources under it."""
from __future__ import annotations

from collections import Counter

from drkit.compliance.live.config_rules import RegionReading

_LABELS = {"NON_COMPLIANT": "non-compliant", "NOT_DEPLOYED": "not deployed", "INSUFFICIENT_DATA": "no verdict yet",
           "NOT_APPLICABLE": "not applicable", "COMPLIANT": "compliant", "UNREACHABLE": "unreachable"}
_ORDER = tuple(_LABELS)  # worst first
# Enough to see what is wrong; the JSON file has every resource.
RESOURCES_SHOWN = 10


def render_region(reading: RegionReading) -> str:
    title = f"{reading.region} ({reading.role})"
    if not reading.reachable:
        return f"{title}: did not answer: {reading.error}"
    counts = Counter(rule.compliance for rule in reading.rules)
    summary = ", ".join(f"{counts[c]} {_LABELS[c]}" for c in _ORDER if counts[c])
    lines = [f"{title}: {len(reading.rules)} rule{'s' * (len(reading.rules) != 1)} ({summary or 'none expected'})"]
    if not reading.rules:
        return lines[0]
    width_id = max(len("IDENTIFIER"), *(len(r.identifier) for r in reading.rules))
    width_name = max(len("RULE"), *(len(r.rule_name or "-") for r in reading.rules))
    lines.append(f"  {'IDENTIFIER':<{width_id}}  {'RULE':<{width_name}}  COMPLIANCE")
    for rule in sorted(reading.rules, key=lambda r: (_ORDER.index(r.compliance), r.identifier, r.rule_name or "")):
        flagged = f" ({len(rule.non_compliant)} resource{'s' * (len(rule.non_compliant) != 1)})" \
            if rule.non_compliant else ""
        name = rule.rule_name or "-"
        lines.append(f"  {rule.identifier:<{width_id}}  {name:<{width_name}}  {rule.compliance}{flagged}")
        for resource in rule.non_compliant[:RESOURCES_SHOWN]:
            note = f"  {resource.annotation}" if resource.annotation else ""
            lines.append(f"      {resource.resource_type} {resource.resource_id}{note}")
        if len(rule.non_compliant) > RESOURCES_SHOWN:
            lines.append(f"      ... and {len(rule.non_compliant) - RESOURCES_SHOWN} more in the JSON file")
    return "\n".join(lines)
