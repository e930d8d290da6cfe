"""The gate judges the checkout it was started in: a copy of the repository run with this repository's virtual
env (whose editable install maps `infra` to this checkout) must run the copy's program, not this one."""
import shutil

from drkit.graph.capture import run_program
from tests.support.program import stack_raw_config
from tests.support.stacks import REPO

POLICY = "aws:appautoscaling/policy:Policy"


def _cpu_targets(graph) -> set[float]:
    return {r.inputs["targetTrackingScalingPolicyConfiguration"]["targetValue"] for r in graph.of_type(POLICY)
            if r.name.endswith(("-cpu-primary", "-cpu-secondary"))}


def test_a_copy_of_the_repository_is_judged_by_its_own_program(tmp_path):
    copy = tmp_path / "copy"
    for folder in ("infra", "src", "compliance", "storefront"):
        shutil.copytree(REPO / folder, copy / folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "Pulumi.yaml", copy / "Pulumi.yaml")
    module = copy / "infra" / "components" / "storefront.py"
    module.write_text(module.read_text().replace("CPU_TARGET_PERCENT = 60.0", "CPU_TARGET_PERCENT = 61.5"))

    judged = run_program(copy / "infra", "ecommerce-dr", "dev", stack_raw_config("dev"))
    assert _cpu_targets(judged) == {61.5}, "the copy's own program was not the one that ran"
    # Running the copy leaves this process's own program as it was: the next run of this checkout is this one.
    assert _cpu_targets(run_program(REPO / "infra", "ecommerce-dr", "dev", stack_raw_config("dev"))) == {60.0}
