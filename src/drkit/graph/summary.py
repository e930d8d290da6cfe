"""Human-readable counts of a resource graph: per type and per region."""
from __future__ import annotations

import json
from collections import Counter

from drcore.tags import DR_ROLE_TAG
from drkit.graph.resource_graph import Graph


def summarize(graph: Graph) -> str:
    providers = {r.urn: r for r in graph if r.is_provider}
    by_type: Counter[str] = Counter()
    by_region: Counter[str] = Counter()
    components = 0
    index = graph.by_urn()
    for resource in graph:
        if not resource.custom:
            components += 1
            continue
        if resource.is_provider:
            continue
        by_type[resource.type] += 1
        by_region[graph.region_of(resource, index) or "(no region)"] += 1
    total = sum(by_type.values())
    lines = [f"{graph.project}/{graph.stack}: {total} resources, {components} components, {len(providers)} providers"]
    lines.append("")
    lines.append("Per region:")
    for region, count in sorted(by_region.items()):
        roles = sorted({_role(p.inputs) for p in providers.values() if p.inputs.get("region") == region} - {None})
        lines.append(f"  {region:<16} {count:>5}  {'/'.join(roles)}")
    lines.append("")
    lines.append("Per type:")
    width = max((len(t) for t in by_type), default=10)
    for type_token, count in sorted(by_type.items(), key=lambda item: (-item[1], item[0])):
        lines.append(f"  {type_token:<{width}} {count:>5}")
    return "\n".join(lines)


def _role(provider_inputs: dict) -> str | None:
    tags = provider_inputs.get("defaultTags")
    if isinstance(tags, str):  # the engine keeps provider config objects as JSON text
        try:
            tags = json.loads(tags)
        except ValueError:
            return None
    if isinstance(tags, dict):
        return (tags.get("tags") or {}).get(DR_ROLE_TAG)
    return None
