"""Fixtures for `drkit evidence --live`: moto's server on loopback, the Config harness, an isolated AWS setup."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import pytest

from drkit import cli
from drkit.compliance.live.document import LIVE_CONFIG_SCHEMA
from drkit.stacks import load_stack
from tests.support.config_world import ConfigWorld
from tests.support.moto_server import FAKE_CREDENTIALS, moto_server
from tests.support.stacks import REPO

# Anything that could lead boto3 to real credentials or a real account on the machine running the tests.
_AWS_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ROLE_ARN",
                  "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                  "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_CONFIG",
                  "AWS_DEFAULT_REGION", "AWS_REGION")


@pytest.fixture(scope="module")
def moto():
    with moto_server() as server:
        yield server


@pytest.fixture(autouse=True)
def isolated_aws(monkeypatch, tmp_path):
    for name in _AWS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name, value in FAKE_CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DRKIT_PROJECT_DIR", str(REPO))


@pytest.fixture
def world(moto):
    moto.reset()
    return ConfigWorld(moto.url)


@pytest.fixture(scope="session")
def regions() -> tuple[str, str]:
    """(primary, secondary) of the prod stack, as drkit reads them."""
    config = load_stack("prod").config
    return config.primary_region, config.secondary_region


@dataclass
class Run:
    code: int
    out: str
    err: str

    def records(self, path: Path) -> list[dict]:
        data = json.loads(path.read_text())
        jsonschema.Draft202012Validator(LIVE_CONFIG_SCHEMA, format_checker=jsonschema.FormatChecker()).validate(data)
        return data


@pytest.fixture
def drkit_evidence(capsys):
    """Runs `drkit evidence ARGS` through drkit's real entry point, in this process (so the harness's stubbers
    apply)."""

    def run(*args: str) -> Run:
        capsys.readouterr()
        try:
            code = cli.main(["evidence", *args])
        except SystemExit as exc:  # argparse errors
            code = exc.code
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run
