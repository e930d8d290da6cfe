"""AWS Config rules from the catalogue: the program deploys each one in both regions, with parameters resolved
from the stack config, and the policy pack accepts the result when every catalogue rule is required."""
from __future__ import annotations

import dataclasses
import json
import shutil
from collections import defaultdict

import pytest
import yaml

from drcore.catalogue.reader import CatalogueError, read_catalogue, required_config_rule_identifiers
from drcore.stack_config import parse_stack_config
from drkit.graph.resource_graph import Graph
from infra.config_rules import config_rules_for_stack
from tests.support.gate import run_pack, violated
from tests.support.program import stack_graph
from tests.support.stacks import REPO, edited, stack_values

RULE = "aws:cfg/rule:Rule"
STACKS = ("dev", "prod")


def rules_by_region(graph: Graph) -> dict[str, dict[str, dict]]:
    """region -> source identifier -> the rule's inputs."""
    regions: dict[str, dict[str, dict]] = defaultdict(dict)
    for rule in graph.of_type(RULE):
        identifier = rule.inputs["source"]["sourceIdentifier"]
        assert identifier not in regions[graph.region_of(rule)], f"{identifier} deployed twice in one region"
        regions[graph.region_of(rule)][identifier] = rule.inputs
    return regions


def config_of(stack: str, **changes):
    values = stack_values(stack)
    for path, value in changes.items():
        values = edited(values, path.replace("__", "."), value)
    return parse_stack_config(stack, values)


def parameters(specs, identifier: str) -> dict[str, str]:
    return dict(next(s for s in specs if s.source_identifier == identifier).parameters)


@pytest.mark.parametrize("stack", STACKS)
def test_catalogue_rules_run_in_both_regions_of_every_stack(stack):
    graph = stack_graph(stack)
    config = config_of(stack)
    regions = rules_by_region(graph)
    assert set(regions) == set(config.regions)
    required = set(required_config_rule_identifiers(REPO / "compliance"))
    for region in config.regions:
        assert set(regions[region]) == required, region
        for inputs in regions[region].values():
            assert inputs["source"]["owner"] == "AWS"


def test_deployed_rules_carry_resolved_parameters_and_scope():
    config = config_of("prod")
    deployed = rules_by_region(stack_graph("prod"))[config.secondary_region]
    tags = json.loads(deployed["REQUIRED_TAGS"]["inputParameters"])
    assert tags["tag3Key"] == "Owner" and tags["tag3Value"] == config.tags["Owner"]
    assert tags["tag2Value"] == config.environment
    assert "AWS::S3::Bucket" in deployed["REQUIRED_TAGS"]["scope"]["complianceResourceTypes"]
    retention = json.loads(deployed["BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK"]["inputParameters"])
    assert retention["requiredRetentionDays"] == str(config.backup.retention_days)
    assert deployed["S3_BUCKET_VERSIONING_ENABLED"]["scope"]["complianceResourceTypes"] == ["AWS::S3::Bucket"]
    assert "scope" not in deployed["IAM_ROOT_ACCESS_KEY_CHECK"]  # an account-level rule has no resource scope


def test_parameters_follow_the_stack_config():
    config = config_of("prod", backup__retentionDays=21, tags__Owner="dr-team@example.com",
                       secondaryRegion="eu-west-1")
    specs = config_rules_for_stack(config)
    assert parameters(specs, "BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK")["requiredRetentionDays"] == "21"
    assert parameters(specs, "REQUIRED_TAGS")["tag3Value"] == "dr-team@example.com"
    protected = parameters(specs, "AURORA_RESOURCES_PROTECTED_BY_BACKUP_PLAN")
    assert protected["crossRegionList"] == "eu-west-1" and protected["minRetentionDays"] == "21"


def test_whole_number_targets_are_written_as_integers():
    config = config_of("prod")
    restore = parameters(config_rules_for_stack(config), "AURORA_MEETS_RESTORE_TIME_TARGET")
    assert restore["maxRestoreTime"] == str(int(config.recovery_targets["dataCorruption"].rto_minutes))


def test_fractional_value_for_a_whole_number_parameter_is_refused():
    config = config_of("prod")
    targets = dict(config.recovery_targets)
    targets["dataCorruption"] = dataclasses.replace(targets["dataCorruption"], rto_minutes=90.5)
    with pytest.raises(CatalogueError, match=r"in stack 'prod': maxRestoreTime takes a whole number, not '90.5'"):
        config_rules_for_stack(dataclasses.replace(config, recovery_targets=targets))


def test_reference_to_a_tag_the_stack_does_not_set(tmp_path):
    root = tmp_path / "compliance"
    shutil.copytree(REPO / "compliance", root)
    settings = yaml.safe_load((root / "config-rules.yaml").read_text())
    settings["rules"]["REQUIRED_TAGS"]["parameters"]["tag1Value"] = "{tags.Team}"
    (root / "config-rules.yaml").write_text(yaml.safe_dump(settings))
    with pytest.raises(CatalogueError, match=r"\{tags.Team\}.*set 'ecommerce-dr:tags.Team' in Pulumi.dev.yaml"):
        config_rules_for_stack(config_of("dev"), root)


def test_global_rules_are_flagged_for_a_single_region_later():
    specs = config_rules_for_stack(config_of("prod"))
    flagged = {s.source_identifier for s in specs if s.global_scope}
    catalogue = read_catalogue(REPO / "compliance")
    assert flagged == {i for i, rule in catalogue.config_rules.items() if rule.global_scope}
    assert "IAM_PASSWORD_POLICY" in flagged and "S3_BUCKET_VERSIONING_ENABLED" not in flagged


def test_pack_requiring_every_catalogue_rule_passes_prod_and_catches_a_missing_one():
    required = required_config_rule_identifiers(REPO / "compliance")
    policy_config = {"all": "disabled", "config-rules-both-regions": {
        "enforcementLevel": "mandatory", "requiredRuleIdentifiers": required}}
    graph = stack_graph("prod")
    assert violated(run_pack(graph, policy_config), "config-rules-both-regions") == set()

    primary = config_of("prod").primary_region
    graph.resources.remove(next(r for r in graph.of_type(RULE) if graph.region_of(r) == primary
                                and r.inputs["source"]["sourceIdentifier"] == "REQUIRED_TAGS"))
    result = run_pack(graph, policy_config)
    found = [d.message for d in result.diagnostics if d.policy == "config-rules-both-regions"]
    assert any("REQUIRED_TAGS" in message for message in found), found
