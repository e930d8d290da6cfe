"""drkit evidence --live against moto's server over real HTTP on loopback.

Rules are created with PutConfigRule and evaluations put with PutEvaluations on moto's server, in both
regions of the prod stack. moto 5.2.5 has no DescribeComplianceByConfigRule or
GetComplianceDetailsByConfigRule: those two calls only are answered by botocore's Stubber on drkit's own
client, from the evaluations put here (see tests/support/config_world.py).
"""
from __future__ import annotations

import shutil
from datetime import datetime

import pytest
from moto.config.models import MANAGED_RULES_CONSTRAINTS

from drcore.catalogue.reader import required_config_rule_identifiers
from drkit.compliance.evidence import live_config_evidence
from tests.support.evidence_scenario import BUCKET, IDENTIFIERS, deploy_compliant, keyed, rule_args
from tests.support.stacks import REPO, stack_values, write_project


def test_all_rules_compliant_in_both_regions(world, regions, drkit_evidence, monkeypatch, tmp_path):
    deployed = deploy_compliant(world, regions)
    world.install(monkeypatch, expected=IDENTIFIERS)
    out = tmp_path / "live.json"
    run = drkit_evidence("--live", "--stack", "prod", "--out", str(out), "--endpoint-url", world.endpoint_url,
                         *rule_args(IDENTIFIERS))
    assert run.code == 0, run.err
    records = run.records(out)
    assert {key: r["ruleName"] for key, r in keyed(records).items()} == deployed
    assert {r["compliance"] for r in records} == {"COMPLIANT"}
    assert all(r["nonCompliant"] == [] for r in records)
    assert all(datetime.fromisoformat(r["checkedAt"]).tzinfo is not None for r in records)
    for region in regions:
        world.assert_answered(region)
        assert f"{region} (" in run.out


def test_by_default_the_catalogues_rules_are_read_into_build(world, regions, drkit_evidence, monkeypatch, tmp_path):
    project = write_project(tmp_path / "project", "prod", stack_values("prod"))
    shutil.copytree(REPO / "compliance", project / "compliance")
    monkeypatch.setenv("DRKIT_PROJECT_DIR", str(project))
    catalogue = required_config_rule_identifiers(project / "compliance")
    # moto refuses a managed rule without its required parameters; the rest of the catalogue stays undeployed.
    deployable = [i for i in catalogue if all(p["Optional"] for p in MANAGED_RULES_CONSTRAINTS[i]["Parameters"])]
    deployed = deploy_compliant(world, regions, deployable)
    world.install(monkeypatch, expected=catalogue)
    run = drkit_evidence("--live", "--stack", "prod", "--endpoint-url", world.endpoint_url)
    assert run.code == 0, run.err
    written = project / "build" / "prod.live-config.json"
    records = keyed(run.records(written))
    assert set(records) == {(region, identifier) for region in regions for identifier in catalogue}
    assert {key: r["ruleName"] for key, r in records.items() if r["compliance"] == "COMPLIANT"} == deployed
    assert {key for key, r in records.items() if r["compliance"] == "NOT_DEPLOYED"} == set(records) - set(deployed)
    assert str(written) in run.out
    for region in regions:
        world.assert_answered(region)


def test_non_compliant_rule_lists_its_resources(world, regions, drkit_evidence, monkeypatch, tmp_path):
    primary, secondary = regions
    deploy_compliant(world, [secondary])
    names = deploy_compliant(world, [primary])
    rule = names[(primary, "S3_BUCKET_VERSIONING_ENABLED")]
    flagged = [(BUCKET, "media-unversioned"), (BUCKET, "exports-unversioned")]
    world.evaluate(primary, rule, "NON_COMPLIANT", flagged, annotation="Versioning is not enabled.")
    world.evaluate(primary, rule, "COMPLIANT", [(BUCKET, "logs-versioned")])
    world.install(monkeypatch, expected=IDENTIFIERS)
    out = tmp_path / "live.json"
    run = drkit_evidence("--live", "--stack", "prod", "--out", str(out), "--endpoint-url", world.endpoint_url,
                         *rule_args(IDENTIFIERS))
    assert run.code == 0, run.err  # the command reads evidence; the report judges it
    records = keyed(run.records(out))
    failing = records[(primary, "S3_BUCKET_VERSIONING_ENABLED")]
    assert failing["compliance"] == "NON_COMPLIANT"
    assert [(r["resourceType"], r["resourceId"]) for r in failing["nonCompliant"]] == flagged
    assert {r["annotation"] for r in failing["nonCompliant"]} == {"Versioning is not enabled."}
    others = [r for key, r in records.items() if key != (primary, "S3_BUCKET_VERSIONING_ENABLED")]
    assert {r["compliance"] for r in others} == {"COMPLIANT"}
    for _, resource_id in flagged:
        assert resource_id in run.out
    world.assert_answered(primary)


def test_report_reads_the_file_as_evidence(world, regions, drkit_evidence, monkeypatch, tmp_path):
    primary, secondary = regions
    names = deploy_compliant(world, [primary])
    deploy_compliant(world, [secondary], IDENTIFIERS[:-1])
    world.evaluate(primary, names[(primary, "DYNAMODB_PITR_ENABLED")], "NON_COMPLIANT",
                   [("AWS::DynamoDB::Table", "carts")])
    world.install(monkeypatch, expected=IDENTIFIERS)
    out = tmp_path / "live.json"
    assert drkit_evidence("--live", "--stack", "prod", "--out", str(out), "--endpoint-url",
                          world.endpoint_url, *rule_args(IDENTIFIERS)).code == 0
    results = {r.id: r for r in live_config_evidence(out)}
    failing = {"DYNAMODB_PITR_ENABLED", IDENTIFIERS[-1]}  # a non-compliant table; a rule missing in the secondary
    assert {identifier: r.status for identifier, r in results.items()} == {
        identifier: "failed" if identifier in failing else "passed" for identifier in IDENTIFIERS}
    assert [f.resource for f in results["DYNAMODB_PITR_ENABLED"].findings] == ["AWS::DynamoDB::Table carts"]
    assert [f.region for f in results[IDENTIFIERS[-1]].findings] == [secondary]


def test_compliance_results_are_read_across_pages(world, regions, drkit_evidence, monkeypatch, tmp_path):
    primary, secondary = regions
    # 30 rules: more than one DescribeConfigRules page on moto (25) and more than one batch of 25 names.
    verdicts = {}
    for number in range(30):
        identifier = IDENTIFIERS[number % len(IDENTIFIERS)]
        name = world.deploy(primary, identifier, f"rule-{number:02d}")
        verdict = ("COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE")[number % 3]
        world.evaluate(primary, name, verdict, [(BUCKET, f"bucket-{number}-{k}") for k in range(number % 7 + 1)])
        verdicts[name] = verdict
    deploy_compliant(world, [secondary])
    world.install(monkeypatch, expected=IDENTIFIERS, page_size=4)
    out = tmp_path / "live.json"
    run = drkit_evidence("--live", "--stack", "prod", "--out", str(out), "--endpoint-url", world.endpoint_url,
                         *rule_args(IDENTIFIERS))
    assert run.code == 0, run.err
    read = {r["ruleName"]: r for r in run.records(out) if r["region"] == primary}
    assert {name: r["compliance"] for name, r in read.items()} == verdicts
    for name, record in read.items():
        expected = sorted(world.non_compliant(primary, name))
        assert sorted((r["resourceType"], r["resourceId"]) for r in record["nonCompliant"]) == expected
    world.assert_answered(primary)  # every page of both stubbed calls was asked for, with its NextToken


@pytest.mark.parametrize("explicit", [True, False], ids=["rules-given", "all-deployed"])
def test_rule_missing_in_secondary_is_not_deployed(explicit, world, regions, drkit_evidence, monkeypatch, tmp_path):
    primary, secondary = regions
    deploy_compliant(world, [primary])
    deploy_compliant(world, [secondary], IDENTIFIERS[:-1])
    world.install(monkeypatch, expected=IDENTIFIERS if explicit else None)
    out = tmp_path / "live.json"
    run = drkit_evidence("--live", "--stack", "prod", "--out", str(out), "--endpoint-url", world.endpoint_url,
                         *(rule_args(IDENTIFIERS) if explicit else ["--all-deployed"]))
    assert run.code == 0, run.err
    records = keyed(run.records(out))
    assert len(records) == 2 * len(IDENTIFIERS)
    missing = records[(secondary, IDENTIFIERS[-1])]
    assert (missing["compliance"], missing["ruleName"], missing["nonCompliant"]) == ("NOT_DEPLOYED", None, [])
    assert records[(primary, IDENTIFIERS[-1])]["compliance"] == "COMPLIANT"
    assert "NOT_DEPLOYED" in run.out


def test_rules_not_asked_for_are_left_out(world, regions, drkit_evidence, monkeypatch, tmp_path):
    deploy_compliant(world, regions)
    world.install(monkeypatch, expected=IDENTIFIERS[:1])
    out = tmp_path / "live.json"
    run = drkit_evidence("--live", "--stack", "prod", "--out", str(out), "--endpoint-url", world.endpoint_url,
                         *rule_args(IDENTIFIERS[:1]))
    assert run.code == 0, run.err
    assert {r["identifier"] for r in run.records(out)} == {IDENTIFIERS[0]}
