"""Stack outputs -> Deployment: the real program's outputs parse, and every defect is one clear error."""
from __future__ import annotations

import copy
import json

import pytest

from drcore.errors import UsageError
from drfailover.deployment import deployment_from_outputs, load_deployment_file
from drfailover.rpo_exposure import DEFAULT_S3_RULE_ID
from drkit.deployments import load_deployment
from drkit.graph.resource_graph import UNKNOWN
from tests.support.program import stack_graph


@pytest.fixture(scope="module")
def outputs():
    return stack_graph("prod").outputs


def test_the_programs_own_outputs_describe_the_deployment(outputs):
    d = deployment_from_outputs(outputs, "prod")
    assert (d.primary_region, d.secondary_region) == (outputs["primaryRegion"], outputs["secondaryRegion"])
    assert d.secondary.service_name == outputs["regions"]["secondary"]["serviceName"]
    assert d.control.table_name == outputs["control"]["tableName"]
    assert d.control.metric_dimensions == outputs["control"]["metricDimensions"]
    assert d.secondary.database_instance_count == outputs["regions"]["secondary"]["databaseInstanceCount"]
    assert d.region_rto_target_seconds() == outputs["recoveryTargets"]["regionLoss"]["rtoMinutes"] * 60


def test_a_dev_deployment_knows_its_secondary_database_is_headless():
    d = deployment_from_outputs(stack_graph("dev").outputs, "dev")
    assert d.secondary.database_instance_count == 0
    assert d.secondary.database_instance_class


@pytest.mark.parametrize("path, fragment", [
    (("control",), "stack output 'control.metricDimensions' is missing"),
    (("regions", "secondary", "serviceName"), "'regions.secondary.serviceName' is missing"),
    (("dns", "healthCheckPath"), "'dns.healthCheckPath' is missing"),
])
def test_a_missing_output_names_the_key(outputs, path, fragment):
    broken = copy.deepcopy(outputs)
    target = broken
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    with pytest.raises(UsageError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        deployment_from_outputs(broken, "outputs.json")


@pytest.mark.parametrize("value, fragment", [
    (UNKNOWN, "unknown until deployed"), ("[secret]", "--show-secrets"), (7, "expected str")])
def test_unusable_values_are_named(outputs, value, fragment):
    broken = copy.deepcopy(outputs)
    broken["control"]["alarmName"] = value
    with pytest.raises(UsageError, match=fragment):
        deployment_from_outputs(broken, "outputs.json")


def test_a_control_table_outside_the_secondary_region_is_refused(outputs):
    broken = copy.deepcopy(outputs)
    broken["control"]["region"] = broken["primaryRegion"]
    with pytest.raises(UsageError, match="must live in the secondary region"):
        deployment_from_outputs(broken, "outputs.json")


def test_cloudwatch_style_dimensions_are_accepted(outputs):
    listed = copy.deepcopy(outputs)
    listed["control"]["metricDimensions"] = [{"Name": k, "Value": v} for k, v in outputs["control"]["metricDimensions"].items()]
    assert deployment_from_outputs(listed, "x").control.metric_dimensions == outputs["control"]["metricDimensions"]


def test_files_from_pulumi_and_graph_files_load_the_same_deployment(tmp_path, outputs):
    plain = tmp_path / "outputs.json"
    plain.write_text(json.dumps(outputs))
    graph = tmp_path / "graph.json"
    stack_graph("prod").save(graph)
    from_outputs, from_graph = load_deployment(plain), load_deployment(graph)
    assert from_outputs.regions == from_graph.regions
    assert from_graph.recovery_parameters is not None  # the graph names its stack, whose config gives the budget
    assert from_outputs.recovery_parameters is None


@pytest.mark.parametrize("content, fragment", [(None, "does not exist"), ("{", "is not JSON"), ("[1]", "JSON object")])
def test_bad_files_are_one_clear_error(tmp_path, content, fragment):
    path = tmp_path / "outputs.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(UsageError, match=fragment):
        load_deployment_file(path)


def test_the_s3_rule_the_report_reads_is_the_one_the_program_creates():
    from infra.components.storage_replication import RULE_ID

    assert DEFAULT_S3_RULE_ID == RULE_ID
