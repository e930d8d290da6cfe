"""The gate's verdict for people (like Pulumi's policy summary) and for machines (JSON)."""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from drkit.graph.resource_graph import Graph
from drkit.policy_host.evaluation import GateResult


def _resource_label(urn: str, graph: Graph | None) -> str:
    if not urn:
        return "stack"
    parts = urn.split("::")
    name, type_token = parts[-1], parts[-2].split("$")[-1] if len(parts) > 2 else ""
    return f"{name}: {type_token}"


def render_text(result: GateResult, graph: Graph | None = None) -> str:
    lines = []
    by_policy: dict[str, list] = defaultdict(list)
    for diagnostic in result.diagnostics:
        by_policy[diagnostic.policy].append(diagnostic)
    mark = "passed" if result.passed else "FAILED"
    lines.append(f"Policies: {result.pack_name}@v{result.pack_version} {mark}")
    if by_policy:
        lines.append("")
        lines.append("Policy Violations:")
    descriptions = {p.name: p for p in result.info.policies}
    for name in sorted(by_policy, key=lambda n: (by_policy[n][0].level != "mandatory", n)):
        items = by_policy[name]
        policy = descriptions.get(name)
        severity = f" {policy.severity}" if policy and policy.severity else ""
        lines.append(f"    [{items[0].level}]{severity}  {name}  ({len(items)} violation{'s' * (len(items) != 1)})")
        if policy:
            lines.append(f"    {policy.description}")
        for diagnostic in items:
            message = diagnostic.message
            if policy and message.startswith(policy.description + "\n"):
                message = message[len(policy.description) + 1:]
            lines.append(f"      - {_resource_label(diagnostic.urn, graph)}")
            for text in message.splitlines():
                lines.append(f"        {text}")
            if diagnostic.urn:
                lines.append(f"        urn: {diagnostic.urn}")
        if policy and policy.remediation_steps:
            lines.append(f"    Remediation: {policy.remediation_steps}")
        lines.append("")
    for policy, reason in result.not_applicable:
        lines.append(f"    [not applicable]  {policy}: {reason}")
    if result.not_applicable:
        lines.append("")
    mandatory = len(result.mandatory)
    advisory = len(result.diagnostics) - mandatory
    violated = set(by_policy)
    lines.append(f"{len(result.info.policies)} policies, {len(result.info.policies) - len(violated)} without "
                 f"violations; {mandatory} mandatory and {advisory} advisory violations over "
                 f"{result.resources_analyzed} resources"
                 + (f" ({result.answered_early} analysed while the program ran)." if result.answered_early else "."))
    timing = ", ".join(f"{k} {v:.2f} s" for k, v in result.timings.items())
    if timing:
        lines.append(f"Timing: {timing}")
    return "\n".join(lines)


def render_json(result: GateResult, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "pack": {"name": result.pack_name, "version": result.pack_version},
        "passed": result.passed,
        "resourcesAnalyzed": result.resources_analyzed,
        "answeredWhileProgramRan": result.answered_early,
        "policies": [{"name": p.name, "description": p.description, "type": p.policy_type,
                      "enforcementLevel": result.resolved_config.get(p.name, {}).get("enforcementLevel", p.level),
                      "severity": p.severity, "framework": p.framework, "remediationSteps": p.remediation_steps,
                      "violations": sum(1 for d in result.diagnostics if d.policy == p.name)}
                     for p in result.info.policies],
        "violations": [{"policy": d.policy, "enforcementLevel": d.level, "severity": d.severity, "urn": d.urn,
                        "message": d.message} for d in result.diagnostics],
        "notApplicable": [{"policy": policy, "reason": reason} for policy, reason in result.not_applicable],
        "logs": [{"severity": log.severity, "message": log.message, "urn": log.urn} for log in result.logs],
        "timings": result.timings,
        **(extra or {}),
    }
