"""The README's commands, end to end, as a user runs them."""
import json

import pytest

from drcore.errors import UsageError
from drkit.graph.capture import run_program
from drkit.graph.resource_graph import load_graph
from tests.support.cli import REPO, drkit
from tests.support.junit_schema import junit_problems
from tests.support.stacks import edited, stack_values


def test_main_job_gates_prod_and_passes(prod_main_job):
    assert prod_main_job.code == 0, (prod_main_job.stdout[-3000:], prod_main_job.stderr[-2000:])
    assert "Gate passed for stack 'prod'" in prod_main_job.stdout
    report = json.loads((prod_main_job.out / "compliance.json").read_text())
    assert report["passed"] is True
    provenance = report["provenance"]
    assert provenance["stackFile"] == "Pulumi.prod.yaml" and provenance["graphDigest"].startswith("sha256:")
    assert provenance["source"]["commit"] and provenance["tools"]["checkov"] not in ("", "not run")
    assert all(provenance["tools"][tool] for tool in ("pulumi", "pulumi-aws", "pulumi-policy"))
    for name in ("compliance.html", "compliance.md", "compliance.sarif", "compliance-junit.xml", "compliance.json"):
        text = (prod_main_job.out / name).read_text()
        assert text and provenance["graphDigest"] in text, f"{name} does not say which graph it judged"
        assert str(REPO) not in text and str(prod_main_job.out) not in text, f"{name} names a machine path"
    assert junit_problems((prod_main_job.out / "compliance-junit.xml").read_text()) == []
    # Nothing passes on deployment alone: controls resting only on Config rules are "configured, not assessed".
    verdicts = {c["key"]: c["verdict"] for c in report["controls"]}
    assert verdicts["cis-aws-foundations-3.0:1.4"] == "configured"  # root user has no access keys


def test_dev_stack_passes_every_mandatory_policy(tmp_path):
    run = drkit("preview", "--stack", "dev", "--policy-pack", "policypack", "--graph-out", str(tmp_path / "g.json"))
    assert run.code == 0, run.out[-3000:]
    assert "Policies: ecommerce-dr-guard@v" in run.out and "passed" in run.out
    assert "0 mandatory" in run.out
    assert load_graph(tmp_path / "g.json").stack == "dev"


def test_preview_summary_counts_per_type_and_region():
    run = drkit("preview", "--stack", "prod")
    assert run.code == 0
    assert "Per region:" in run.out and "us-east-1" in run.out and "us-west-2" in run.out
    assert "aws:rds/globalCluster:GlobalCluster" in run.out


def test_rto_reports_every_disruption_with_sources():
    run = drkit("rto", "--stack", "prod")
    assert run.code == 0, run.err
    for title in ("Loss of one Availability Zone", "Loss of the primary region", "Data corruption"):
        assert title in run.out
    assert "Route 53 health check interval 10 s x failure threshold 3" in run.out
    assert "S3 Replication Time Control" in run.out and "All targets met: yes" in run.out


def test_program_refuses_bad_config_itself_as_under_the_real_cli():
    # drkit validates first, but `pulumi preview` runs the program directly: it must stop with the same line.
    raw = {f"ecommerce-dr:{k}": v for k, v in edited(stack_values("prod"), "standbyCapacityFraction", 2).items()}
    with pytest.raises(UsageError, match=r"'ecommerce-dr:standbyCapacityFraction' is 2, outside \(0, 1\]"):
        run_program(REPO / "infra", "ecommerce-dr", "prod", raw)
