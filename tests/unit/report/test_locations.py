"""Code-scanning locations: a resource's URN leads to the program line creating it; checkov's file references
lead to the file."""
from drkit.report.locations import SourceLocator
from tests.support.program import stack_graph
from tests.support.stacks import REPO


def test_every_resource_of_prod_points_at_a_line_naming_its_class():
    locator = SourceLocator(REPO)
    for resource in stack_graph("prod"):
        if not resource.custom or resource.is_provider:
            continue
        place = locator.locate(resource.urn)
        line = (REPO / place.path).read_text().splitlines()[place.line - 1]
        package, module, cls = resource.type.split(":")[0], resource.type.split(":")[1].split("/")[0], resource.type.split(":")[2]
        if package == "aws":
            assert f"aws.{module}.{cls}" in line or f"aws.{module}_.{cls}" in line, (resource.urn, place)
        else:  # docker-build:index:Image, imported as docker_build
            assert f"{package.replace('-', '_')}.{cls}(" in line, (resource.urn, place)


def test_a_component_points_at_its_declaration():
    place = SourceLocator(REPO).locate("urn:pulumi:prod::ecommerce-dr::pulumi:pulumi:Stack$ecommerce:security:DataKeys::keys")
    assert place.path == "infra/components/keys.py"
    assert '"ecommerce:security:DataKeys"' in (REPO / place.path).read_text().splitlines()[place.line - 1]


def test_file_references_and_unknowns():
    locator = SourceLocator(REPO)
    assert locator.locate("src/drkit/graph/resource_graph.py:26") == type(locator.locate(""))("src/drkit/graph/resource_graph.py", 26)
    assert locator.locate(".github/workflows/policy-gate.yml:on(policy-gate)").line == 1
    for unknown in ("aws_s3_bucket.media", "../../etc/passwd:1", "", "urn:pulumi:x::y::pulumi:pulumi:Stack::s"):
        assert locator.locate(unknown).path == "infra/__main__.py", unknown
