import pytest

from drkit.stacks import load_stack
from tests.support.program import stack_graph


@pytest.fixture(scope="session")
def dev():
    """The dev stack's config and graph (the program run once per process); each drill emulates from them."""
    return load_stack("dev").config, stack_graph("dev")
