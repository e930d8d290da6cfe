"""Speaks the Analyzer gRPC protocol to a running policy pack, in the order the engine uses."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from drcore.errors import UsageError
from drkit.graph.resource_graph import Resource

_MAX_MESSAGE = 400 * 1024 * 1024  # the engine's own limit for analyzer messages
_LEVEL_NAMES = {analyzer_pb2.ADVISORY: "advisory", analyzer_pb2.MANDATORY: "mandatory",
                analyzer_pb2.DISABLED: "disabled", analyzer_pb2.REMEDIATE: "remediate"}
LEVEL_VALUES = {name: value for value, name in _LEVEL_NAMES.items()}
_SEVERITY_NAMES = {0: "", 1: "low", 2: "medium", 3: "high", 4: "critical"}


@dataclass(frozen=True)
class Diagnostic:
    policy: str
    pack: str
    description: str
    message: str
    level: str
    urn: str
    severity: str


@dataclass(frozen=True)
class PolicyDescription:
    name: str
    description: str
    level: str
    severity: str
    policy_type: str
    remediation_steps: str
    framework: dict[str, str]
    config_schema: dict[str, Any] | None


@dataclass(frozen=True)
class AnalyzerInfo:
    name: str
    version: str
    policies: tuple[PolicyDescription, ...]
    initial_config: dict[str, Any]


class AnalyzerClient:
    def __init__(self, address: str, timeout_s: float = 120.0):
        self._channel = grpc.insecure_channel(address, options=[("grpc.max_receive_message_length", _MAX_MESSAGE),
                                                                ("grpc.max_send_message_length", _MAX_MESSAGE)])
        self._stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)
        self._timeout = timeout_s

    def close(self) -> None:
        self._channel.close()

    def _call(self, method: str, request: Any) -> Any:
        try:
            return getattr(self._stub, method)(request, timeout=self._timeout)
        except grpc.RpcError as error:
            detail = (error.details() or str(error.code())).strip().splitlines()
            last = detail[-1] if detail else str(error.code())
            raise PackCallError(method, error.code(), last) from None

    def handshake(self, engine_address: str, root_directory: str, program_directory: str) -> None:
        request = analyzer_pb2.AnalyzerHandshakeRequest(engine_address=engine_address, root_directory=root_directory,
                                                        program_directory=program_directory)
        try:
            self._call("Handshake", request)
        except PackCallError as error:
            if error.code != grpc.StatusCode.UNIMPLEMENTED:  # older packs predate the handshake
                raise

    def configure_stack(self, *, project: str, stack: str, organization: str, dry_run: bool,
                        config: dict[str, str]) -> None:
        self._call("ConfigureStack", analyzer_pb2.AnalyzerStackConfigureRequest(
            project=project, stack=stack, organization=organization, dry_run=dry_run, config=config))

    def plugin_version(self) -> str:
        return self._call("GetPluginInfo", empty_pb2.Empty()).version

    def analyzer_info(self) -> AnalyzerInfo:
        info = self._call("GetAnalyzerInfo", empty_pb2.Empty())
        policies = []
        for policy in info.policies:
            schema = None
            if policy.HasField("configSchema"):
                schema = {"properties": json_format.MessageToDict(policy.configSchema.properties),
                          "required": list(policy.configSchema.required)}
            policies.append(PolicyDescription(
                name=policy.name, description=policy.description, level=_LEVEL_NAMES.get(policy.enforcementLevel, "advisory"),
                severity=_SEVERITY_NAMES.get(policy.severity, ""),
                policy_type="stack" if policy.policy_type == 2 else "resource",
                remediation_steps=policy.remediation_steps,
                framework={k: v for k, v in (("name", policy.framework.name), ("version", policy.framework.version),
                                              ("reference", policy.framework.reference),
                                              ("specification", policy.framework.specification)) if v},
                config_schema=schema))
        initial = {}
        for name, config in info.initialConfig.items():
            initial[name] = {"enforcementLevel": _LEVEL_NAMES.get(config.enforcementLevel, "advisory"),
                             **json_format.MessageToDict(config.properties)}
        return AnalyzerInfo(name=info.name, version=info.version, policies=tuple(policies), initial_config=initial)

    def configure(self, resolved: dict[str, dict[str, Any]]) -> None:
        request = analyzer_pb2.ConfigureAnalyzerRequest()
        for name, config in resolved.items():
            properties = {k: v for k, v in config.items() if k != "enforcementLevel"}
            request.policyConfig[name].CopyFrom(analyzer_pb2.PolicyConfig(
                enforcementLevel=LEVEL_VALUES[config["enforcementLevel"]], properties=_struct(properties)))
        self._call("Configure", request)

    def analyze(self, resource: Resource, graph_index: dict[str, Resource],
                memo: dict[bytes, list[Diagnostic]] | None = None) -> list[Diagnostic]:
        """The pack's diagnostics for one resource. With `memo`, a request identical byte for byte to one already
        answered in this session gets that answer: Analyze sees only its request (type, inputs, options, provider)
        and the session's fixed configuration, so the answer cannot differ."""
        request = analyzer_pb2.AnalyzeRequest(
            type=resource.type, properties=_struct(resource.inputs), urn=resource.urn, name=resource.name,
            options=_options(resource), provider=_provider(resource, graph_index))
        if memo is None:
            return _diagnostics(self._call("Analyze", request))
        key = request.SerializeToString(deterministic=True)
        if key not in memo:
            memo[key] = _diagnostics(self._call("Analyze", request))
        return list(memo[key])

    def analyze_stack(self, resources: Iterable[Resource],
                      graph_index: dict[str, Resource]) -> tuple[list[Diagnostic], list[tuple[str, str]]]:
        """Stack policies' diagnostics, and (policy, reason) for each stack policy that declared itself not applicable."""
        request = analyzer_pb2.AnalyzeStackRequest()
        for resource in resources:
            item = request.resources.add()
            item.type, item.urn, item.name = resource.type, resource.urn, resource.name
            item.properties.CopyFrom(_struct(resource.inputs))
            item.options.CopyFrom(_options(resource))
            provider = _provider(resource, graph_index)
            if provider is not None:
                item.provider.CopyFrom(provider)
            item.parent = resource.parent or ""
            item.dependencies.extend(resource.dependencies)
            for prop, urns in resource.property_dependencies.items():
                item.propertyDependencies[prop].urns.extend(urns)
        response = self._call("AnalyzeStack", request)
        return _diagnostics(response), [(n.policy_name, n.reason) for n in response.not_applicable]


class PackCallError(UsageError):
    def __init__(self, method: str, code: grpc.StatusCode, detail: str):
        self.method, self.code = method, code
        super().__init__(f"policy pack failed during {method} ({code.name.lower()}): {detail}")


def _struct(value: dict[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(value)
    return struct


def _options(resource: Resource) -> analyzer_pb2.AnalyzerResourceOptions:
    opts = resource.options
    return analyzer_pb2.AnalyzerResourceOptions(
        protect=bool(opts.get("protect", False)), ignoreChanges=list(opts.get("ignoreChanges", [])),
        deleteBeforeReplace=bool(opts.get("deleteBeforeReplace", False)),
        deleteBeforeReplaceDefined="deleteBeforeReplace" in opts,
        additionalSecretOutputs=list(opts.get("additionalSecretOutputs", [])),
        aliases=[a for a in opts.get("aliases", []) if isinstance(a, str)], parent=resource.parent or "")


def _provider(resource: Resource, graph_index: dict[str, Resource]) -> analyzer_pb2.AnalyzerProviderResource | None:
    provider = graph_index.get(resource.provider or "")
    if provider is None:
        return None
    return analyzer_pb2.AnalyzerProviderResource(type=provider.type, properties=_struct(provider.inputs),
                                                 urn=provider.urn, name=provider.name)


def _diagnostics(response: Any) -> list[Diagnostic]:
    return [Diagnostic(policy=d.policyName, pack=d.policyPackName, description=d.description, message=d.message,
                       level=_LEVEL_NAMES.get(d.enforcementLevel, "advisory"), urn=d.urn,
                       severity=_SEVERITY_NAMES.get(d.severity, "")) for d in response.diagnostics]
