"""Bad input on the command line: one clear line on stderr, exit 2, never a traceback."""
import json

from tests.support.cli import assert_one_line_error, drkit
from tests.support.stacks import edited, stack_values, write_project


def test_unknown_stack():
    assert_one_line_error(drkit("preview", "--stack", "staging"), "unknown stack 'staging'", "dev, prod")


def test_unknown_option():
    assert_one_line_error(drkit("preview", "--stakc", "prod"), "unrecognized arguments")


def test_bad_stack_config_names_the_key(tmp_path):
    project = write_project(tmp_path / "project", "broken", edited(stack_values("prod"), "secondaryRegion", "us-east-1"))
    run = drkit("preview", "--stack", "broken", cwd=project)
    assert_one_line_error(run, "Pulumi.broken.yaml", "ecommerce-dr:secondaryRegion", "same as primaryRegion")


def test_stack_file_that_is_not_yaml(tmp_path):
    project = write_project(tmp_path / "project", "broken", stack_values("dev"))
    (project / "Pulumi.broken.yaml").write_text("config: [unclosed\n")
    assert_one_line_error(drkit("rto", "--stack", "broken", cwd=project), "Pulumi.broken.yaml", "not valid YAML")


def test_outside_any_project(tmp_path):
    assert_one_line_error(drkit("rto", "--stack", "prod", cwd=tmp_path), "no Pulumi.yaml")


def test_graph_file_missing(tmp_path):
    run = drkit("policy", "--graph", str(tmp_path / "none.json"), "--policy-pack", "policypack")
    assert_one_line_error(run, "does not exist")


def test_graph_file_not_json(tmp_path):
    path = tmp_path / "graph.json"
    path.write_text("{not json")
    assert_one_line_error(drkit("policy", "--graph", str(path), "--policy-pack", "policypack"), "is not JSON")


def test_graph_file_wrong_shape(tmp_path):
    path = tmp_path / "graph.json"
    path.write_text(json.dumps({"project": "p", "stack": "s", "resources": [{"urn": "x", "type": "aws:s3/bucket:Bucket", "name": "b"}]}))
    run = drkit("policy", "--graph", str(path), "--policy-pack", "policypack")
    assert_one_line_error(run, "resources[0].urn", "not a Pulumi URN")


def test_directory_that_is_not_a_pack(tmp_path):
    path = tmp_path / "graph.json"
    path.write_text(json.dumps({"project": "p", "stack": "s", "resources": []}))
    assert_one_line_error(drkit("policy", "--graph", str(path), "--policy-pack", "infra"), "no PulumiPolicy.yaml")
