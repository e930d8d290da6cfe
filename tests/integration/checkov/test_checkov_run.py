"""One real checkov run (offline, from .checkov-venv) over a small plan with a known good and a known bare bucket."""
import json
import os
import subprocess
from pathlib import Path

import pytest

from drcore.errors import UsageError
from drkit.checkov.process import checkov_executable, offline_environment
from drkit.checkov.results import parse_reports
from drkit.checkov.scan import run_checkov
from drkit.checkov.suppressions import apply_suppressions, load_suppressions
from drkit.compliance.checkov_evidence import checkov_evidence
from tests.support.graphs import GraphBuilder
from tests.support.stacks import REPO

REASON = "This bare bucket exists only to prove that a suppression is applied to a real checkov finding."


def _two_buckets():
    g = GraphBuilder(stack="tiny")
    good = g.add("aws:s3/bucket:Bucket", "good", {"bucket": "shop-good"})
    for token, name, inputs in (
            ("aws:s3/bucketVersioning:BucketVersioning", "good-versioning",
             {"bucket": "shop-good", "versioningConfiguration": {"status": "Enabled"}}),
            ("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "good-public-access",
             {"bucket": "shop-good", "blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True,
              "restrictPublicBuckets": True})):
        g.depends(g.add(token, name, inputs), "bucket", good)
    bare = g.add("aws:s3/bucket:Bucket", "bare", {"bucket": "shop-bare"})
    return g.build(), good, bare


@pytest.fixture(scope="module")
def run(checkov_installed, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("checkov")
    suppressions = tmp / "suppressions.yaml"
    suppressions.write_text(f"suppressions:\n  - check: CKV2_AWS_6\n    resource: aws_s3_bucket.bare\n"
                            f"    reason: {REASON}\n")
    graph, good, bare = _two_buckets()
    result = run_checkov(REPO, stack="tiny", graph=lambda: graph, out_dir=tmp, scans=["plan"],
                         suppressions_file=suppressions)
    return result, good, bare


def _status(result, check_id, address):
    [row] = [r for r in result.results if r.check_id == check_id and r.resource == address]
    return "passed" if row.passed else "suppressed" if row.suppressed_reason else "failed"


def test_versioning_connected_through_a_reference_passes_and_its_absence_fails(run):
    result, _, _ = run
    assert _status(result, "CKV_AWS_21", "aws_s3_bucket.good") == "passed"
    assert _status(result, "CKV_AWS_21", "aws_s3_bucket.bare") == "failed"


def test_a_public_access_block_graph_check_connects_and_the_suppression_applies(run):
    result, _, _ = run
    assert _status(result, "CKV2_AWS_6", "aws_s3_bucket.good") == "passed"
    assert _status(result, "CKV2_AWS_6", "aws_s3_bucket.bare") == "suppressed"


def test_results_point_back_at_pulumi_urns_and_the_plan_is_written(run):
    result, good, bare = run
    urns = {r.resource: r.urn for r in result.results if r.resource.startswith("aws_s3_bucket.")}
    assert urns == {"aws_s3_bucket.good": good, "aws_s3_bucket.bare": bare}
    assert result.plan_path.name == "tiny.tfplan.json"
    assert json.loads(result.plan_path.read_text())["drkit"]["urns"]["aws_s3_bucket.bare"] == bare
    assert result.version == "3.3.30" and result.frameworks == ("terraform_plan",)
    assert {"planWriteSeconds", "planScanSeconds", "totalSeconds"} <= set(result.timings)


def test_the_verdict_fails_on_the_unsuppressed_finding(run):
    result, _, bare = run
    assert not result.passed
    assert {"CKV_AWS_21"} <= {r.check_id for r in result.unsuppressed if r.urn == bare}


def test_evidence_from_the_run(run):
    result, _, bare = run
    evidence = {e.id: e for e in checkov_evidence(result)}
    assert evidence["CKV_AWS_21"].status == "failed"
    assert [f.resource for f in evidence["CKV_AWS_21"].findings] == [bare]
    assert evidence["CKV2_AWS_6"].status == "suppressed"
    assert evidence["CKV2_AWS_6"].findings[0].suppressed_reason == REASON


def test_a_suppression_for_a_passing_check_is_stale_on_the_real_results(run, tmp_path):
    result, _, _ = run
    path = tmp_path / "s.yaml"
    path.write_text(f"suppressions:\n  - check: CKV_AWS_21\n    resource: aws_s3_bucket.good\n    reason: {REASON}\n")
    with pytest.raises(UsageError, match="no longer matches"):
        apply_suppressions(result.results, load_suppressions(path), "tiny", ["terraform_plan"])


def test_checkov_reports_with_nothing_found_parse_to_no_results():
    assert parse_reports([], {}) == []


def test_without_the_checkov_venv_the_run_stops_with_the_setup_command(tmp_path):
    with pytest.raises(UsageError) as caught:
        run_checkov(tmp_path, stack="tiny", graph=lambda: _two_buckets()[0], out_dir=tmp_path, scans=["plan"])
    assert "scripts/setup-checkov.sh" in str(caught.value) and "\n" not in str(caught.value)
    assert not (tmp_path / "tiny.tfplan.json").exists()


def test_the_plan_scan_started_early_reports_what_checkovs_own_command_reports(run, tmp_path):
    """The gate starts the plan scan before the plan exists (warm_start.py); its results equal those of
    .checkov-venv/bin/checkov started afterwards on the same file."""
    result, _, _ = run
    done = subprocess.run([str(checkov_executable(REPO)), "--framework", "terraform_plan", "-o", "json", "--compact",
                           "--skip-download", "-f", str(result.plan_path)], cwd=tmp_path, capture_output=True,
                          text=True, env=offline_environment(tmp_path), timeout=120)
    reports = json.loads(done.stdout)
    cold = {(r.check_id, r.resource, r.passed) for r in parse_reports(reports if isinstance(reports, list)
                                                                        else [reports], {})}
    assert cold and cold == {(r.check_id, r.resource, r.passed) for r in result.results}


def test_a_program_that_fails_leaves_no_checkov_running(checkov_installed, tmp_path):
    def failing_program():
        raise UsageError("the program failed")

    with pytest.raises(UsageError, match="the program failed"):
        run_checkov(REPO, stack="tiny", graph=failing_program, out_dir=tmp_path, scans=["plan"])
    assert not (tmp_path / "tiny.tfplan.json").exists()
    assert [p for p in Path("/proc").glob("[0-9]*") if _own_child_running(p, "warm_start.py")] == []


def _own_child_running(process: Path, fragment: str) -> bool:
    """A child of this test's process (other workers run gates of their own meanwhile) whose command has it."""
    try:
        parent = int((process / "stat").read_text().rsplit(")", 1)[1].split()[1])
        return parent == os.getpid() and fragment in (process / "cmdline").read_bytes().decode(errors="replace")
    except (OSError, IndexError, ValueError):  # the process ended while we looked
        return False
