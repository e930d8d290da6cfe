"""The real program: every checkov finding on prod and dev is fixed or suppressed with a reviewed reason."""
import pytest

from drkit.compliance.checkov_evidence import checkov_evidence
from drkit.checkov.scan import run_checkov
from tests.support.program import stack_graph
from tests.support.stacks import REPO


def _scan(tmp_path_factory, stack, scans):
    # A stale or malformed suppression raises here, naming the entry: that fails these tests too.
    return run_checkov(REPO, stack=stack, graph=stack_graph(stack), out_dir=tmp_path_factory.mktemp(stack),
                       scans=scans)


@pytest.fixture(scope="module")
def prod(checkov_installed, tmp_path_factory):
    return _scan(tmp_path_factory, "prod", ["plan", "secrets", "github-actions"])


def _open(result):
    return sorted(f"{r.check_id} {r.resource}" for r in result.unsuppressed)


def test_prod_plan_secrets_and_workflows_have_no_unsuppressed_findings(prod):
    assert _open(prod) == [], "fix these, or accept one with a reason in compliance/suppressions.yaml"


def test_prod_runs_the_aws_checks_over_every_resource(prod):
    summary = prod.summary("terraform_plan")
    assert summary["checks"] > 100 and summary["results"] > 500
    assert {r.urn for r in prod.results if r.framework == "terraform_plan"} <= \
        {r.urn for r in stack_graph("prod")}
    assert prod.summary("github_actions")["checks"] > 0


def test_prod_evidence_has_no_failed_check(prod):
    evidence = checkov_evidence(prod)
    assert evidence and [e.id for e in evidence if e.status == "failed"] == []


def test_dev_plan_has_no_unsuppressed_findings(checkov_installed, tmp_path_factory):
    assert _open(_scan(tmp_path_factory, "dev", ["plan"])) == []
