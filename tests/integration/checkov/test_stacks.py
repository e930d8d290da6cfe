"""The real program: every checkov finding on dev is fixed or suppressed with a reviewed reason (prod: the main
job's own checkov run, tests/e2e/test_main_job_checkov.py)."""
from drkit.checkov.scan import run_checkov
from tests.support.program import stack_graph
from tests.support.stacks import REPO


def test_dev_plan_has_no_unsuppressed_findings(checkov_installed, tmp_path_factory):
    # A stale or malformed suppression raises here, naming the entry: that fails this test too.
    result = run_checkov(REPO, stack="dev", graph=stack_graph("dev"), out_dir=tmp_path_factory.mktemp("dev"),
                         scans=["plan"])
    assert sorted(f"{r.check_id} {r.resource}" for r in result.unsuppressed) == []
