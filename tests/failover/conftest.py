import pytest

from tests.failover.emulated import EmulatedAws, build_platform
from tests.support.program import stack_graph


@pytest.fixture(scope="session")
def prod_outputs():
    return stack_graph("prod").outputs


@pytest.fixture(scope="session")
def dev_outputs():
    return stack_graph("dev").outputs


@pytest.fixture(scope="module")  # moto runs once per process: modules that start a full environment take turns
def emulated_aws(prod_outputs, dev_outputs):
    regions = {o[key] for o in (prod_outputs, dev_outputs) for key in ("primaryRegion", "secondaryRegion")}
    aws = EmulatedAws.start(sorted(regions))
    yield aws
    aws.stop()


@pytest.fixture
def platform(emulated_aws, prod_outputs):
    return build_platform(emulated_aws, prod_outputs)
