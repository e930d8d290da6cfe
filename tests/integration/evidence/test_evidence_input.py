"""drkit evidence: bad arguments give one line naming the problem and the fix, exit 2, and touch no AWS."""
from __future__ import annotations

import pytest

from tests.support.cli import assert_one_line_error
from tests.support.evidence_scenario import deploy_compliant


@pytest.mark.parametrize(("args", "fragments"), [
    (["--stack", "prod"], ["add --live"]),
    (["--live", "--stack", "staging"], ["unknown stack 'staging'"]),
    (["--live", "--stack", "prod", "--endpoint-url", "localhost:4566"], ["not an http(s) URL"]),
    (["--live", "--stack", "prod", "--endpoint-url", "eu-central-1=http://127.0.0.1:4566"],
     ["eu-central-1 is not a region of this stack"]),
    (["--live", "--stack", "prod", "--endpoint-url", "west=http://127.0.0.1:4566"], ["'west' is not an AWS region"]),
    (["--live", "--stack", "prod", "--rule", "s3-bucket-versioning-enabled"], ["not an AWS Config managed rule"]),
    (["--live"], ["--stack"]),
    (["--live", "--stack", "prod", "--rule", "S3_BUCKET_VERSIONING_ENABLED", "--all-deployed"], ["not allowed with"]),
], ids=["no-live", "unknown-stack", "endpoint-not-url", "endpoint-other-region", "endpoint-bad-region",
        "rule-not-identifier", "no-stack", "rule-and-all-deployed"])
def test_bad_arguments(args, fragments, drkit_evidence, tmp_path):
    run = drkit_evidence(*args, "--out", str(tmp_path / "live.json"))
    assert_one_line_error(run, *fragments)
    assert not (tmp_path / "live.json").exists()


def test_output_that_cannot_be_written(world, regions, drkit_evidence, monkeypatch, tmp_path):
    deploy_compliant(world, regions)
    world.install(monkeypatch)
    run = drkit_evidence("--live", "--stack", "prod", "--out", str(tmp_path), "--all-deployed",
                         "--endpoint-url", world.endpoint_url)
    assert run.code == 2
    errors = [line for line in run.err.splitlines() if "error" in line]
    assert len(errors) == 1 and f"cannot write {tmp_path}" in errors[0] and "--out" in errors[0]
    assert "Traceback" not in run.err
