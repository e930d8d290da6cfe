"""What a gate run judged and with what: the source (commit, uncommitted changes), digests of the resource graph
and the stack file, and the versions of the tools that produced its evidence. Every report format carries it;
none of it names a directory of the machine that ran the gate."""
from __future__ import annotations

import hashlib
import re
from importlib import metadata
from pathlib import Path

from drkit.graph.resource_graph import Graph
from drkit.policy_host.pack import PackDirectory
from drkit.provenance import SourceState
from drkit.report.compliance_run import Provenance

_DIST_INFO = re.compile(r"^(?P<name>[A-Za-z0-9_.-]+)-(?P<version>[^-]+)\.dist-info$")


def file_digest(path: Path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""


def installed_version(distribution: str, site_packages: Path | None = None) -> str:
    """The version of `distribution` in this process's environment, or in `site_packages` of another one (the
    pack's own virtual env) without starting its interpreter; "" when it is not installed there."""
    if site_packages is None:
        try:
            return metadata.version(distribution)
        except metadata.PackageNotFoundError:
            return ""
    wanted = distribution.lower().replace("-", "_")
    for info in site_packages.glob("*.dist-info"):
        match = _DIST_INFO.match(info.name)
        if match and match.group("name").lower().replace("-", "_") == wanted:
            return match.group("version")
    return ""


def pack_site_packages(pack: PackDirectory) -> Path | None:
    """The site-packages of the pack's own virtual env, None when the pack runs in this process's environment."""
    if pack.interpreter is None:
        return None
    found = sorted((pack.interpreter.parent.parent / "lib").glob("python3*/site-packages"))
    return found[-1] if found else None


def build_provenance(*, generated_at: str, source: SourceState, graph: Graph, graph_digest: str, stack_file: Path,
                     pack: PackDirectory, checkov_version: str) -> Provenance:
    """`graph_digest`: of the graph file written beside the reports (Graph.save), so a reader can check it."""
    pack_env = pack_site_packages(pack)
    return Provenance(
        generated_at=generated_at, source=source, stack_file=stack_file.name, stack_file_digest=file_digest(stack_file),
        graph_digest=graph_digest, resources=sum(1 for r in graph if r.custom and not r.is_provider),
        tools={"pulumi": installed_version("pulumi"), "pulumi-aws": installed_version("pulumi-aws"),
               "pulumi-policy": installed_version("pulumi-policy", pack_env),
               "checkov": checkov_version or "not run"})
