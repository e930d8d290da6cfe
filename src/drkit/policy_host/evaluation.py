"""Runs a policy pack over a resource graph: start the plugin, drive the Analyzer protocol, collect the verdict.

`PolicyGate` starts and configures the pack up front, so a caller can run the Pulumi program while the
plugin process boots (two cores, two processes), then call `evaluate` with the graph.
"""
from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable

from drkit.graph.capture import config_for_runtime
from drkit.graph.resource_graph import Graph, Resource
from drkit.policy_host.client import AnalyzerClient, AnalyzerInfo, Diagnostic
from drkit.policy_host.host import LogEntry, PluginProcess, start_pack
from drkit.policy_host.pack import open_pack
from drkit.policy_host.pack_config import read_config_file, resolve

STACK_TYPE = "pulumi:pulumi:Stack"  # the root stack resource: the engine does not analyze it


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
    not_applicable: list[tuple[str, str]] = field(default_factory=list)  # (stack policy, reason)
    answered_early: int = 0  # resources whose Analyze answer arrived while the program ran (analyze_as_registered)

    @property
    def mandatory(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.level in ("mandatory", "remediate")]

    @property
    def passed(self) -> bool:
        return not self.mandatory


class PolicyGate:
    """One plugin process, configured for one stack, evaluating graphs of that stack (one, or many in a row: the
    Analyzer protocol keeps no state between Analyze/AnalyzeStack calls). Always closes its process."""

    def __init__(self, pack_dir: Path, *, project: str, stack: str, stack_config: dict[str, Any],
                 config_file: Path | None = None, organization: str = "organization",
                 on_log: Callable[[LogEntry], None] | None = None, progress: Callable[[str], None] | None = None,
                 reuse_identical_analyses: bool = False):
        self.pack = open_pack(pack_dir)
        self._user_config = read_config_file(config_file)  # a bad file fails before any process starts
        self._config_label = str(config_file) if config_file else "policy config"
        self._say = progress or (lambda _message: None)
        self._project, self._stack, self._organization = project, stack, organization
        self._engine_config = config_for_runtime(project, stack_config)
        self.timings: dict[str, float] = {}
        self._say(f"Starting policy pack {self.pack.path.name} (plugin process)...")
        self._plugin: PluginProcess | None = start_pack(
            self.pack, project=project, stack=stack, engine_config=self._engine_config,
            organization=organization, on_log=on_log)
        self._client: AnalyzerClient | None = None
        self._configured = False
        self._logs_seen = 0  # logs before this index belong to earlier evaluations
        # For sessions that evaluate many near-identical graphs (mutation tests): a resource whose Analyze request
        # is byte-identical to one already answered under the same configuration is not sent again
        # (AnalyzerClient.analyze). AnalyzeStack always runs: stack policies see the whole graph.
        self._reuse = reuse_identical_analyses
        self._analyses_by_scope: dict[frozenset[str] | None, dict] = {}
        self._scope: frozenset[str] | None = None  # the policies the pack is configured to run; None: all
        self._configure_lock = threading.Lock()
        self._early = ThreadPoolExecutor(max_workers=1, thread_name_prefix="analyze-as-registered")
        self._early_calls: list[Future] = []

    def __enter__(self) -> "PolicyGate":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def close(self) -> None:
        self._early.shutdown(wait=True, cancel_futures=True)
        if self._plugin is not None:
            if self._client is not None:
                self._client.close()
            self._plugin.stop()
            self._plugin = None

    def _ensure_configured(self) -> None:
        with self._configure_lock:  # the first early analysis and evaluate() may both get here first
            if not self._configured:
                self._configure()

    def analyze_as_registered(self) -> Callable[[Resource], None]:
        """A callback for run_program(on_resource=...): each resource is sent to the pack as soon as the program
        registers it, as the engine calls Analyze resource by resource during a preview, so the pack (its own
        process, the other core) works while the program still runs. evaluate() then finds those answers: the
        request it would send is byte-identical (AnalyzerClient.analyze's memo), and a failed early call is simply
        made again there, where its error is reported."""
        self._reuse = True
        registered: dict[str, Resource] = {}  # providers register before the resources that use them

        def submit(resource: Resource) -> None:
            registered[resource.urn] = resource
            if not resource.is_provider and resource.type != STACK_TYPE:
                self._early_calls.append(self._early.submit(self._analyze_early, resource, registered))
        return submit

    def _analyze_early(self, resource: Resource, registered: dict[str, Resource]) -> None:
        self._ensure_configured()
        memo = self._analyses_by_scope.setdefault(None, {})
        if self._scope is None:
            self._client.analyze(resource, registered, memo)

    def _configure(self) -> None:
        plugin = self._plugin
        plugin.wait_for_port()
        configure_started = time.perf_counter()
        client = self._client = AnalyzerClient(plugin.address)
        client.handshake(engine_address=plugin.engine_address, root_directory=str(self.pack.path),
                         program_directory=str(self.pack.path))
        client.configure_stack(project=self._project, stack=self._stack, organization=self._organization,
                               dry_run=True, config=self._engine_config)
        self.info = client.analyzer_info()
        self.resolved = resolve(self.info, self._user_config, self._config_label)
        self._active_config = self.resolved
        client.configure(self.resolved)
        self.timings["pack start"] = plugin.port_seconds
        self.timings["pack configure"] = time.perf_counter() - configure_started
        self._configured = True

    def _limit_to(self, only: frozenset[str] | None) -> None:
        """Configure the pack to run only these policies (None: every policy), each at its resolved level and with
        its resolved settings. The engine sends Configure once, but the Analyzer protocol accepts it again, and a
        pack does no work for a disabled policy: a session that checks one policy per graph (the mutation tests)
        pays for that policy alone instead of re-reading the whole graph once per stack policy."""
        if only == self._scope:
            return
        unknown = sorted((only or frozenset()) - set(self.resolved))
        if unknown:
            raise ValueError(f"not policies of pack {self.info.name}: {', '.join(unknown)}")
        self._active_config = {name: entry if only is None or name in only
                               else {**entry, "enforcementLevel": "disabled"} for name, entry in self.resolved.items()}
        self._client.configure(self._active_config)
        self._scope = only

    def evaluate(self, graph: Graph, only: Iterable[str] | None = None) -> GateResult:
        """The pack's verdict on the graph; with `only`, from those policies alone (the rest disabled)."""
        early, self._early_calls = self._early_calls, []
        wait(early)  # their answers are in the memo; one that failed is asked again below
        self._ensure_configured()
        self._limit_to(frozenset(only) if only is not None else None)
        memo = self._analyses_by_scope.setdefault(self._scope, {}) if self._reuse else None
        started = time.perf_counter()
        index = graph.by_urn()
        analyzable = [r for r in graph if not r.is_provider and r.type != STACK_TYPE]
        self._say(f"Analyzing {len(analyzable)} resources with {len(self.info.policies)} policies...")
        diagnostics: list[Diagnostic] = []
        answered_early = len(memo) if memo is not None and early else 0
        for resource in analyzable:
            # The engine, not the pack, attaches the URN to per-resource diagnostics.
            diagnostics.extend(replace(d, urn=d.urn or resource.urn)
                               for d in self._client.analyze(resource, index, memo))
        stack_diagnostics, not_applicable = self._client.analyze_stack(list(graph), index)
        diagnostics.extend(stack_diagnostics)
        self.timings["analysis"] = time.perf_counter() - started
        self._plugin.settle_stderr()
        logs, self._logs_seen = self._plugin.logs[self._logs_seen:], len(self._plugin.logs)
        return GateResult(pack_name=self.info.name, pack_version=self.pack.version, info=self.info,
                          diagnostics=diagnostics, resolved_config=self._active_config,
                          resources_analyzed=len(analyzable), logs=logs, timings=dict(self.timings),
                          not_applicable=not_applicable, answered_early=answered_early)


def run_gate(graph: Graph, pack_dir: Path, *, stack_config: dict[str, Any], config_file: Path | None = None,
             organization: str = "organization", on_log: Callable[[LogEntry], None] | None = None,
             progress: Callable[[str], None] | None = None) -> GateResult:
    with PolicyGate(pack_dir, project=graph.project, stack=graph.stack, stack_config=stack_config,
                    config_file=config_file, organization=organization, on_log=on_log, progress=progress) as gate:
        return gate.evaluate(graph)
