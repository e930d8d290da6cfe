"""What checkov found in the main job (scripts/gate.sh prod, run once per test run): its plan, secrets and GitHub
Actions scans, written by the gate as checkov.json beside the reports. Every finding on prod is fixed or
suppressed with a reviewed reason in compliance/suppressions.yaml."""
import json

import pytest

from drkit.gate.checkov_phase import CHECKOV_RESULTS_FILE
from drkit.graph.resource_graph import load_graph


@pytest.fixture(scope="module")
def prod(checkov_installed, prod_main_job) -> dict:
    assert prod_main_job.code == 0, prod_main_job.stderr[-3000:]
    return json.loads((prod_main_job.out / CHECKOV_RESULTS_FILE).read_text())


def test_prod_plan_secrets_and_workflows_have_no_unsuppressed_findings(prod):
    unsuppressed = sorted(f"{r['checkId']} {r['resource']}" for r in prod["results"] if r["status"] == "failed")
    assert unsuppressed == [], "fix these, or accept one with a reason in compliance/suppressions.yaml"
    assert prod["passed"] is True
    assert set(prod["summary"]) == {"terraform_plan", "secrets", "github_actions"}


def test_prod_runs_the_aws_checks_over_every_resource(prod, prod_main_job):
    summary = prod["summary"]["terraform_plan"]
    assert summary["checks"] > 100 and summary["results"] > 500
    graph = load_graph(prod_main_job.out / "prod.graph.json")
    assert {r["urn"] for r in prod["results"] if r["framework"] == "terraform_plan"} <= {r.urn for r in graph}
    assert prod["summary"]["github_actions"]["checks"] > 0


def test_every_suppression_on_prod_carries_its_reason(prod):
    suppressed = [r for r in prod["results"] if r["status"] == "suppressed"]
    assert suppressed and all(r["suppressedReason"] for r in suppressed)
