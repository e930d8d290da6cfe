"""The real catalogue: its size per framework is pinned, its evidence covers the pack and the drills, and the
AWS conformance packs we answer to are fully accounted for."""
from __future__ import annotations


import pytest

from drcore.catalogue.managed_rules import parse_managed_rules
from drcore.catalogue.reader import required_config_rule_identifiers
from drguard.catalogue import ALL_POLICIES
from drkit.compliance.catalogue import load_catalogue
from drkit.compliance.managed_rules_source import moto_managed_rules
from tests.support.stacks import REPO

# Controls per framework: the catalogue cannot shrink (or grow) without this test changing in the same commit.
EXPECTED_SIZES = {"pci-dss-4.0": 25, "cis-aws-foundations-3.0": 24, "soc2": 17, "nist-800-53-r5": 32}

# AWS's conformance-pack templates (awslabs/aws-config-rules, aws-config-conformance-packs/): how many rules each has
# and how many of them the platform deploys, has nothing for, or leaves out with a reason. Coverage cannot shrink, nor
# a pack lose rules, without this test changing in the same commit.
EXPECTED_PACK_COVERAGE = {
    "bcp-and-dr": {"rules": 38, "deployed": 18, "nothingToEvaluate": 16, "notDeployed": 4, "processChecks": 0},
    "aws-backup": {"rules": 13, "deployed": 6, "nothingToEvaluate": 5, "notDeployed": 2, "processChecks": 0},
    "pci-dss-4.0": {"rules": 127, "deployed": 20, "nothingToEvaluate": 74, "notDeployed": 33, "processChecks": 0},
    "nist-800-53-r5": {"rules": 130, "deployed": 58, "nothingToEvaluate": 57, "notDeployed": 15, "processChecks": 0},
    "cis-aws-1.4-level-2": {"rules": 37, "deployed": 27, "nothingToEvaluate": 3, "notDeployed": 7,
                            "processChecks": 25},
}
# The contingency-planning controls a DR platform must answer for, each with policy or drill evidence.
DR_CONTROLS = ("CP-2", "CP-2(3)", "CP-4", "CP-6", "CP-6(1)", "CP-7", "CP-7(1)", "CP-9", "CP-9(1)", "CP-9(8)", "CP-10")


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(REPO / "compliance", repo=REPO)


def test_catalogue_size_is_pinned_per_framework(catalogue):
    assert catalogue.counts() == EXPECTED_SIZES


def test_frameworks_have_display_names_and_unique_control_ids(catalogue):
    assert catalogue.frameworks["pci-dss-4.0"] == "PCI DSS v4.0"
    assert catalogue.frameworks["cis-aws-foundations-3.0"] == "CIS AWS Foundations Benchmark v3.0.0"
    keys = [control.key for control in catalogue.controls]
    assert len(keys) == len(set(keys))


def test_titles_are_single_short_lines_unique_within_a_framework(catalogue):
    for framework in catalogue.frameworks:
        titles = [c.title for c in catalogue.controls_of(framework)]
        assert len(titles) == len(set(titles)), framework
        for title in titles:
            assert "\n" not in title and 10 <= len(title) <= 120, title


def test_contingency_controls_are_covered_by_policies_or_drills(catalogue):
    nist = {c.id: c for c in catalogue.controls_of("nist-800-53-r5")}
    for control_id in DR_CONTROLS:
        evidence = nist[control_id].evidence
        assert evidence.policies or evidence.drills or evidence.config_rules, control_id


def test_every_policy_of_the_pack_backs_some_control(catalogue):
    cited = {name for control in catalogue.controls for name in control.evidence.policies}
    assert {policy.name for policy in ALL_POLICIES} - cited == set()


def test_each_policy_backs_the_control_it_cites_as_its_framework(catalogue):
    """A policy publishes one framework reference; the catalogue must list the policy as that control's evidence."""
    keys = {"PCI DSS": "pci-dss-4.0", "CIS AWS Foundations Benchmark": "cis-aws-foundations-3.0", "SOC 2": "soc2",
            "NIST SP 800-53": "nist-800-53-r5"}
    controls = {(c.framework, c.id): c for c in catalogue.controls}
    mismatches = []
    for policy in ALL_POLICIES:
        cited = policy.framework
        control = controls.get((keys.get(cited.name, cited.name), cited.reference)) if cited else None
        if cited and (control is None or policy.name not in control.evidence.policies):
            mismatches.append(f"{policy.name} cites {cited.name} {cited.reference}")
    assert mismatches == []


def test_every_drill_backs_some_control(catalogue):
    cited = {name for control in catalogue.controls for name in control.evidence.drills}
    assert cited == set(catalogue.drills) == {"region-loss-failover", "planned-switchover", "failback",
                                              "primary-aws-unreachable"}


def test_required_identifiers_are_every_rule_a_control_names(catalogue):
    named = {rule for control in catalogue.controls for rule in control.evidence.config_rules}
    required = required_config_rule_identifiers(REPO / "compliance")
    assert required == sorted(named)
    assert set(catalogue.config_rules) == named


def test_config_rules_name_the_controls_that_need_them(catalogue):
    rule = catalogue.config_rules["BACKUP_RECOVERY_POINT_ENCRYPTED"]
    assert rule.controls == ("nist-800-53-r5:CP-9(8)",)
    assert rule.name == "backup-recovery-point-encrypted"


@pytest.mark.parametrize("pack", sorted(EXPECTED_PACK_COVERAGE))
def test_every_conformance_pack_rule_is_deployed_or_has_nothing_to_evaluate_or_a_reason(catalogue, pack):
    coverage = catalogue.conformance
    assert coverage.counts(pack, catalogue.config_rules) == EXPECTED_PACK_COVERAGE[pack]
    rules = coverage.packs[pack].rules
    assert len(set(rules)) == len(rules)
    for identifier in rules:
        held = [identifier in catalogue.config_rules, identifier in coverage.nothing_to_evaluate,
                identifier in coverage.not_deployed]
        assert held.count(True) == 1, identifier


def test_the_dr_packs_backup_and_recovery_rules_are_deployed(catalogue):
    # What a DR platform must not leave out of AWS's BCP-and-DR and Backup packs, whatever else changes.
    must = {"AURORA_RESOURCES_PROTECTED_BY_BACKUP_PLAN", "DYNAMODB_RESOURCES_PROTECTED_BY_BACKUP_PLAN",
            "BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED", "BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK",
            "DYNAMODB_PITR_ENABLED", "RDS_CLUSTER_MULTI_AZ_ENABLED", "S3_BUCKET_REPLICATION_ENABLED",
            "LAMBDA_CONCURRENCY_CHECK", "ELB_DELETION_PROTECTION_ENABLED"}
    assert must <= set(catalogue.config_rules)


def test_compliance_doc_states_each_packs_coverage_as_the_catalogue_does(catalogue):
    """docs/compliance.md tables each pack's counts; they must be the catalogue's."""
    doc = (REPO / "docs" / "compliance.md").read_text()
    for key in catalogue.conformance.packs:
        counts = catalogue.conformance.counts(key, catalogue.config_rules)
        row = (f"| `{key}` | {counts['rules']} | {counts['deployed']} | {counts['nothingToEvaluate']} | "
               f"{counts['notDeployed']} | {counts['processChecks']} |")
        assert row in doc, row


def test_global_rules_are_exactly_the_iam_and_root_user_rules(catalogue):
    account_wide = ("IAM_", "ROOT_", "MFA_ENABLED_FOR_IAM", "ACCESS_KEYS_")
    for identifier, rule in catalogue.config_rules.items():
        assert rule.global_scope == identifier.startswith(account_wide), identifier


def test_managed_rule_list_is_the_one_moto_ships():
    listed = parse_managed_rules((REPO / "compliance" / "aws-config-managed-rules.txt").read_text())
    shipped, source = moto_managed_rules()
    assert listed == shipped, (f"compliance/aws-config-managed-rules.txt differs from {source}; regenerate it: "
                               ".venv/bin/python -m drcore.catalogue.managed_rules > compliance/aws-config-managed-rules.txt")
