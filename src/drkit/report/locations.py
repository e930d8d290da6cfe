"""Where in the Pulumi program a resource is declared, so code scanning can point at a file and line.

A URN's type chain names the components the resource was created in (`ecommerce:security:DataKeys$aws:kms/key:Key`);
the innermost component's module is found by its type token, and the resource by the first line creating its class
(`aws.kms.Key(`) in that module or a program module it imports (helpers such as network_endpoints.py or
web_firewall.py). A repository file reference from checkov's repository scans (`path:line`) points at that file;
anything else at the program's entry point.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_COMPONENT_TOKEN = re.compile(r"""super\(\)\.__init__\(\s*["']([\w-]+:[\w-]+:[\w-]+)["']""")


@dataclass(frozen=True)
class SourceLocation:
    path: str  # relative to the project root, forward slashes
    line: int


class SourceLocator:
    def __init__(self, project_root: Path, program_dir: str = "infra"):
        self._root = Path(project_root)
        self._entry = SourceLocation(f"{program_dir}/__main__.py", 1)
        self._lines: dict[Path, list[str]] = {}
        self._imports: dict[Path, list[Path]] = {}
        self._components: dict[str, tuple[Path, int]] = {}  # type token -> (module, line declaring it)
        importer = re.compile(rf"^\s*from {re.escape(program_dir)}\.([\w.]+) import", re.MULTILINE)
        for path in sorted((self._root / program_dir).rglob("*.py")):
            text = path.read_text(errors="replace")
            self._lines[path] = text.splitlines()
            self._imports[path] = [self._root / program_dir / (name.replace(".", "/") + ".py")
                                   for name in importer.findall(text)]
            for match in _COMPONENT_TOKEN.finditer(text):
                self._components[match.group(1)] = (path, text.count("\n", 0, match.start()) + 1)

    def locate(self, urn: str) -> SourceLocation:
        """Where `urn` is declared (or the file a `path:line` reference names)."""
        if not urn.startswith("urn:pulumi:") or urn.count("::") < 3:
            return self._file_reference(urn) or self._entry
        chain = urn.split("::")[2].split("$")
        for token in reversed(chain):
            if token in self._components:
                module, component_line = self._components[token]
                patterns = _class_patterns(chain[-1])
                for pattern in patterns:  # a constructor call first, then any mention (a helper's return type)
                    for path in self._search_order(module):
                        line = next((n for n, text in enumerate(self._lines[path], 1) if pattern.search(text)), None)
                        if line:
                            return self._at(path, line)
                return self._at(module, component_line)
        return self._entry

    def _search_order(self, module: Path) -> list[Path]:
        """The component's module, then the program modules it imports: plain helpers before other components."""
        component_modules = {path for path, _ in self._components.values()}
        imported = [p for p in self._imports.get(module, []) if p in self._lines and p != module]
        return [module, *(p for p in imported if p not in component_modules),
                *(p for p in imported if p in component_modules)]

    def declaration(self, resource: str) -> str:
        """`file:line` declaring a resource URN or named by a file reference (checkov's path/file.ext:line);
        "" for an account-level finding (a Config rule, a producer), which nothing in the program declares."""
        if not (resource.startswith("urn:pulumi:") or _FILE_REFERENCE.match(resource)):
            return ""
        place = self.locate(resource)
        return f"{place.path}:{place.line}"

    def config_key(self, stack: str, reference: str) -> SourceLocation | None:
        """The line of `Pulumi.<stack>.yaml` that sets `project:dotted.key` (e.g. ecommerce-dr:recoveryTargets.
        regionLoss.rtoMinutes): the deepest part of the key the file writes out, None without the file or key."""
        path = self._root / f"Pulumi.{stack}.yaml"
        if not path.is_file() or ":" not in reference:
            return None
        namespace, _, dotted = reference.partition(":")
        parts = [f"{namespace}:{dotted.split('.')[0]}", *dotted.split(".")[1:]]
        found, indent = None, -1
        for number, text in enumerate(path.read_text().splitlines(), 1):
            stripped = text.lstrip()
            depth = len(text) - len(stripped)
            if found is not None and stripped and depth <= indent:
                break  # left the block of the part found last
            if parts and stripped.startswith(parts[0] + ":") and depth > indent:
                found, indent = number, depth
                parts.pop(0)
                if not parts:
                    break
        return SourceLocation(path.name, found) if found else None

    def _file_reference(self, reference: str) -> SourceLocation | None:
        path, _, rest = reference.partition(":")
        target = (self._root / path).resolve() if path else None
        if target is None or not target.is_file() or not target.is_relative_to(self._root.resolve()):
            return None
        return SourceLocation(Path(path).as_posix(), int(rest) if rest.isdigit() and int(rest) > 0 else 1)

    def _at(self, path: Path, line: int) -> SourceLocation:
        return SourceLocation(path.relative_to(self._root).as_posix(), line)


_FILE_REFERENCE = re.compile(r"^[\w./-]+\.\w+:\d+")


def _class_patterns(type_token: str) -> list[re.Pattern]:
    """For aws:kms/key:Key: a call `aws.kms.Key(`, then any `aws.kms.Key` (Python keywords get a trailing underscore
    in pulumi_aws: aws:lambda/function:Function is aws.lambda_.Function). Another package's classes are written
    with its import name, the module left out for its `index` module: docker-build:index:Image is
    docker_build.Image."""
    parts = re.fullmatch(r"([\w-]+):([\w-]+)(?:/[\w-]+)?:(\w+)", type_token)
    if not parts or parts.group(1) == "pulumi":
        return []
    package, module, cls = parts.groups()
    alias = "aws" if package == "aws" else package.replace("-", "_")
    within = "" if module == "index" else rf"{re.escape(module)}_?\."
    name = rf"\b{alias}\.{within}{cls}\b"
    return [re.compile(name + r"\s*\("), re.compile(name)]
