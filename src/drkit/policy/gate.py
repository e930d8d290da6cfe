"""Runs a policy pack over a resource graph: start the plugin, drive the Analyzer protocol, collect the verdict."""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

from drkit.graph.capture import config_for_runtime
from drkit.graph.model import Graph
from drkit.policy.client import AnalyzerClient, AnalyzerInfo, Diagnostic
from drkit.policy.host import LogEntry, start_pack
from drkit.policy.pack import open_pack
from drkit.policy.pack_config import read_config_file, resolve


@dataclass
class GateResult:
    pack_name: str
    pack_version: str
    info: AnalyzerInfo
    diagnostics: list[Diagnostic]
    resolved_config: dict[str, dict[str, Any]]
    resources_analyzed: int
    logs: list[LogEntry] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def mandatory(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.level in ("mandatory", "remediate")]

    @property
    def passed(self) -> bool:
        return not self.mandatory


def run_gate(graph: Graph, pack_dir: Path, *, stack_config: dict[str, Any], config_file: Path | None = None,
             organization: str = "organization", on_log: Callable[[LogEntry], None] | None = None,
             progress: Callable[[str], None] | None = None) -> GateResult:
    pack = open_pack(pack_dir)
    user_config = read_config_file(config_file)  # read before starting anything, so a bad file costs nothing
    say = progress or (lambda _msg: None)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    say(f"Starting policy pack {pack.path.name} (plugin process)...")
    engine_config = config_for_runtime(graph.project, stack_config)
    plugin = start_pack(pack, project=graph.project, stack=graph.stack, engine_config=engine_config,
                        organization=organization, on_log=on_log)
    client = AnalyzerClient(plugin.address)
    try:
        client.handshake(engine_address=plugin.engine_address,
                         root_directory=str(pack.path), program_directory=str(pack.path))
        client.configure_stack(project=graph.project, stack=graph.stack, organization=organization, dry_run=True,
                               config=engine_config)
        info = client.analyzer_info()
        resolved = resolve(info, user_config, str(config_file) if config_file else "policy config")
        client.configure(resolved)
        timings["pack start"] = time.perf_counter() - started
        started = time.perf_counter()
        index = graph.by_urn()
        analyzable = [r for r in graph if not r.is_provider and r.type != "pulumi:pulumi:Stack"]
        say(f"Analyzing {len(analyzable)} resources with {len(info.policies)} policies...")
        diagnostics: list[Diagnostic] = []
        for resource in analyzable:
            # The engine, not the pack, attaches the URN to per-resource diagnostics.
            diagnostics.extend(replace(d, urn=d.urn or resource.urn) for d in client.analyze(resource, index))
        diagnostics.extend(client.analyze_stack(list(graph), index))
        timings["analysis"] = time.perf_counter() - started
    finally:
        client.close()
        plugin.stop()
    return GateResult(pack_name=info.name, pack_version=pack.version, info=info, diagnostics=diagnostics,
                      resolved_config=resolved, resources_analyzed=len(analyzable), logs=plugin.logs,
                      timings=timings)
