"""The failover function's code bundle: the automation package and the core it imports, and the stack outputs.

The bundle is two folders as they are in the repository, src/drfailover/ and src/drcore/, at their import
paths, and the one library the Lambda runtime lacks, dnspython (pure Python, the version requirements.txt pins,
taken from where it is installed): the automation needs only these, the standard library and boto3, which the
runtime provides (tests/unit/test_architecture.py holds every package to its allowed imports). The stack outputs travel as a
JSON file in the bundle rather than in an environment variable: Lambda allows 4 KB of environment, the outputs
are already about that size and grow with every table and bucket.
"""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pulumi

SOURCE_DIR = Path(__file__).resolve().parents[2] / "src"
BUNDLED_PACKAGES = ("drfailover", "drcore")
BUNDLED_LIBRARIES = ("dns",)  # dnspython: the automation asks the zone's name servers (drfailover.dns_answer)
HANDLER = "drfailover.lambda_handler.handle"
DEPLOYMENT_FILE = "drkit-deployment.json"
DEPLOYMENT_FILE_ENV = "DRKIT_DEPLOYMENT_FILE"  # names DEPLOYMENT_FILE, relative to the function's task root


def bundled_files(source: Path = SOURCE_DIR) -> dict[str, Path]:
    """Archive name (the import path) -> file, for every module of the bundled packages and libraries."""
    roots = [(source, package) for package in BUNDLED_PACKAGES] + [(_installed_root(name), name)
                                                                  for name in BUNDLED_LIBRARIES]
    return {path.relative_to(root).as_posix(): path
            for root, package in roots for path in sorted((root / package).rglob("*.py"))
            if "__pycache__" not in path.parts}


def _installed_root(package: str) -> Path:
    """The folder holding an installed package (site-packages)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the failover function bundles '{package}', which is not installed: run scripts/setup.sh")
    return Path(next(iter(spec.submodule_search_locations))).parent


def code_archive(deployment: pulumi.Input[dict[str, Any]]) -> pulumi.Output[pulumi.AssetArchive]:
    """The bundle: the packages' files at their import paths, and the stack outputs as DEPLOYMENT_FILE."""
    assets: dict[str, pulumi.Asset | pulumi.Archive] = {
        name: pulumi.FileAsset(str(path)) for name, path in bundled_files().items()}

    def with_outputs(resolved: dict[str, Any]) -> pulumi.AssetArchive:
        text = json.dumps(resolved, indent=2, sort_keys=True)
        return pulumi.AssetArchive({**assets, DEPLOYMENT_FILE: pulumi.StringAsset(text)})

    return pulumi.Output.from_input(deployment).apply(with_outputs)
