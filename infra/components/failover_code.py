"""The failover function's code bundle: the automation's own modules, and the stack outputs it reads.

Only the import closure of the automation package is bundled (drkit.failover and every first-party
module it imports, at any depth), so the function does not carry the offline toolkit's Pulumi and
gRPC code. boto3 comes with the Lambda runtime. The stack outputs travel as a JSON file in the
bundle rather than in an environment variable: Lambda allows 4 KB of environment, the outputs are
already about that size and grow with every table and bucket.
"""
from __future__ import annotations

import ast
import functools
import json
import sys
from pathlib import Path
from typing import Any, Iterator

import pulumi

PROJECT_DIR = Path(__file__).resolve().parents[2]
# Top-level first-party package -> the directory that holds it. drkit modules may import the program's
# config parser (infra.config), so infra is first-party for the bundle too.
FIRST_PARTY_ROOTS = {"drkit": Path("src"), "infra": Path(".")}
AUTOMATION_PACKAGE = "drkit.failover"
HANDLER = "drkit.failover.lambda_handler.handle"
DEPLOYMENT_FILE = "drkit-deployment.json"
DEPLOYMENT_FILE_ENV = "DRKIT_DEPLOYMENT_FILE"  # names DEPLOYMENT_FILE, relative to the function's task root
# What the python3.11 Lambda runtime provides besides the standard library.
RUNTIME_PACKAGES = frozenset({"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six"})


def module_path(dotted: str) -> Path | None:
    """The project-relative file of a first-party module or package, or None when there is none."""
    top = dotted.split(".", 1)[0]
    if top not in FIRST_PARTY_ROOTS:
        return None
    base = FIRST_PARTY_ROOTS[top].joinpath(*dotted.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if (PROJECT_DIR / candidate).is_file():
            return candidate
    return None


def _module_name(path: Path) -> str:
    """Dotted name of a project-relative first-party file."""
    for top, root in FIRST_PARTY_ROOTS.items():
        try:
            parts = path.relative_to(root).with_suffix("").parts
        except ValueError:
            continue
        if parts and parts[0] == top:
            return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
    raise ValueError(f"{path} is not under a first-party root")


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_nodes(body: list[ast.stmt], eager: bool = True) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import statement that can run, at any depth, and whether it runs when the module is
    imported (not inside a function); `if TYPE_CHECKING:` bodies never run. Imports are statements,
    so expressions are never visited."""
    for statement in body:
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            yield statement, eager
            continue
        if isinstance(statement, ast.If) and _is_type_checking(statement.test):
            yield from _import_nodes(statement.orelse, eager)
            continue
        nested = eager and not isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef))
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            for child in getattr(statement, field, None) or []:
                # except handlers and match cases hold statements; everything else listed here is one
                yield from _import_nodes([child] if isinstance(child, ast.stmt) else child.body, nested)


def imported_modules(path: Path) -> dict[str, bool]:
    """Dotted name -> imported when the module is (True) or only later by a function (False), for each
    module a first-party file may import; `from a import b` names both a and a.b."""
    module = _module_name(path)
    return dict(_imports(PROJECT_DIR / path, module if path.name == "__init__.py" else module.rpartition(".")[0]))


@functools.lru_cache(maxsize=None)  # a program run bundles once per stack; tests run several stacks per process
def _imports(file: Path, package: str) -> dict[str, bool]:
    found: dict[str, bool] = {}

    def add(name: str, eager: bool) -> None:
        found[name] = found.get(name, False) or eager

    for node, eager in _import_nodes(ast.parse(file.read_text(), filename=str(file)).body):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name, eager)
            continue
        if node.level:
            parts = package.split(".")
            base = ".".join(parts[:len(parts) - node.level + 1])
            source = f"{base}.{node.module}" if node.module else base
        else:
            source = node.module or ""
        add(source, eager)
        for alias in node.names:
            if alias.name != "*":
                add(f"{source}.{alias.name}", eager)
    return found


def _parent_packages(path: Path) -> list[str]:
    """Importing a.b.c runs a/__init__.py and a/b/__init__.py first."""
    parts = _module_name(path).split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def _available(top: str) -> bool:
    return top in FIRST_PARTY_ROOTS or top in sys.stdlib_module_names or top in RUNTIME_PACKAGES


def import_closure(start: list[Path], eager_only: bool = False) -> tuple[list[Path], dict[str, set[Path]]]:
    """The first-party files `start` needs (the files, what they import at any depth, the packages'
    __init__ files on the way), and the third-party top-level modules they import that the Lambda
    runtime lacks, with their importers. `eager_only` follows only imports that run at import time."""
    files: set[Path] = set()
    missing: dict[str, set[Path]] = {}
    queue = list(start)
    while queue:
        path = queue.pop()
        if path in files:
            continue
        files.add(path)
        imports = {**imported_modules(path), **{parent: True for parent in _parent_packages(path)}}
        for dotted, eager in imports.items():
            if eager_only and not eager:
                continue
            found = module_path(dotted)
            if found is not None:
                queue.append(found)
            elif not _available(dotted.split(".", 1)[0]):
                missing.setdefault(dotted.split(".", 1)[0], set()).add(path)
    return sorted(files), missing


def package_files(package: str = AUTOMATION_PACKAGE) -> list[Path]:
    """Every module of a first-party package (project-relative), or [] when it does not exist."""
    init = module_path(package)
    if init is None or init.name != "__init__.py":
        return [init] if init else []
    return sorted(p.relative_to(PROJECT_DIR) for p in (PROJECT_DIR / init.parent).rglob("*.py")
                  if "__pycache__" not in p.parts)


def code_archive(deployment: pulumi.Input[dict[str, Any]]) -> pulumi.Output[pulumi.AssetArchive]:
    """The bundle: the closure's files at their import paths, and the stack outputs as DEPLOYMENT_FILE."""
    files, _ = import_closure(package_files())
    handler = module_path(HANDLER.rpartition(".")[0])
    if handler is None:
        pulumi.log.warn(f"the failover function's handler {HANDLER} has no module under src/: the function "
                        "would fail on every invocation; add src/drkit/failover/lambda_handler.py")
    else:
        _, missing = import_closure([handler], eager_only=True)
        for top, importers in sorted(missing.items()):
            pulumi.log.warn(f"{', '.join(sorted(map(str, importers)))} import {top} when {HANDLER} loads, and the "
                            "Lambda python3.11 runtime does not provide it: import it inside the function that "
                            "needs it, or ship it with the function")
    assets: dict[str, pulumi.Asset | pulumi.Archive] = {
        str(_archive_name(path)): pulumi.FileAsset(str(path)) for path in files}

    def with_outputs(resolved: dict[str, Any]) -> pulumi.AssetArchive:
        text = json.dumps(resolved, indent=2, sort_keys=True)
        return pulumi.AssetArchive({**assets, DEPLOYMENT_FILE: pulumi.StringAsset(text)})

    return pulumi.Output.from_input(deployment).apply(with_outputs)


def _archive_name(path: Path) -> Path:
    """Where a project-relative first-party file goes in the bundle: at its import path."""
    return path.relative_to(FIRST_PARTY_ROOTS[_module_name(path).split(".", 1)[0]])
