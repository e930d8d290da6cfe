"""The run in NIST OSCAL, validated with compliance-trestle's OSCAL models (a GRC tool's reading): the catalogue as
a component definition and the gate run as assessment results that claim "satisfied" only for passed controls."""
import copy

import pydantic
import pytest
from trestle.oscal.assessment_results import AssessmentResults
from trestle.oscal.component import ComponentDefinition

from drkit.report.oscal import assessment_results, component_definition, control_id
from tests.support.report_sample import sample_run


def test_the_component_definition_is_valid_oscal_with_every_control_and_its_evidence():
    run = sample_run()
    document = component_definition(run)["component-definition"]
    ComponentDefinition.model_validate(document)
    [component] = document["components"]
    requirements = {r["control-id"]: r for impl in component["control-implementations"]
                    for r in impl["implemented-requirements"]}
    assert len(requirements) == len(run.controls)
    assert {"pci-3.5.1", "cis-3.1", "a1.2", "cp-9", "cp-10"} <= set(requirements)
    evidence = {p["value"] for p in requirements["pci-3.5.1"]["props"]}
    assert evidence == {"policy:s3-bucket-kms-encryption", "checkov:CKV_AWS_145"}
    sources = {r["uuid"] for r in document["back-matter"]["resources"]}
    assert all(impl["source"][1:] in sources for impl in component["control-implementations"])


def test_assessment_results_are_valid_oscal_and_satisfied_only_where_the_control_passed():
    run = sample_run()
    document = assessment_results(run)["assessment-results"]
    AssessmentResults.model_validate(document)
    [result] = document["results"]
    states = {f["target"]["target-id"]: (f["target"]["status"]["state"], f["target"]["status"]["reason"])
              for f in result["findings"]}
    verdicts = {f"{control_id(s.control.framework, s.control.id)}_obj": s.verdict for s in run.controls}
    for target, verdict in verdicts.items():
        expected = ("satisfied", "pass") if verdict == "passed" else ("not-satisfied", "fail") \
            if verdict == "failed" else ("not-satisfied", "other")
        assert states[target] == expected, (target, verdict)
    observations = {o["uuid"]: o for o in result["observations"]}
    for finding in result["findings"]:
        assert all(r["observation-uuid"] in observations for r in finding.get("related-observations", []))
    props = {p["name"]: p["value"] for p in result["props"]}
    assert props["graph-digest"] == run.provenance.graph_digest and props["gate-passed"] == "false"
    assert document["import-ap"]["href"][1:] in {r["uuid"] for r in document["back-matter"]["resources"]}
    assert assessment_results(run) == assessment_results(run)  # the same run gives the same file


def test_the_oscal_validator_can_fail():
    document = copy.deepcopy(assessment_results(sample_run())["assessment-results"])
    document["results"][0]["findings"][0]["target"]["status"]["state"] = "passed"  # not an OSCAL state
    with pytest.raises(pydantic.ValidationError):
        AssessmentResults.model_validate(document)


@pytest.mark.parametrize("framework, control, token", [
    ("nist-800-53-r5", "CP-9(1)", "cp-9.1"), ("nist-800-53-r5", "CP-4", "cp-4"), ("pci-dss-4.0", "8.6.2", "pci-8.6.2"),
    ("cis-aws-foundations-3.0", "2.2.1", "cis-2.2.1"), ("soc2", "CC7.4", "cc7.4")])
def test_control_ids_are_oscal_tokens(framework, control, token):
    assert control_id(framework, control) == token
