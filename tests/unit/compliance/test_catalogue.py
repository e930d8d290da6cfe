"""The real catalogue: its size per framework is pinned, its evidence covers the pack and the drills, and the
AWS conformance packs we answer to are fully accounted for."""
from __future__ import annotations

import re

import pytest

from drcore.catalogue.managed_rules import parse_managed_rules
from drcore.catalogue.reader import required_config_rule_identifiers
from drguard.catalogue import ALL_POLICIES
from drkit.compliance.catalogue import load_catalogue
from drkit.compliance.managed_rules_source import moto_managed_rules
from tests.support.stacks import REPO

# Controls per framework: the catalogue cannot shrink (or grow) without this test changing in the same commit.
EXPECTED_SIZES = {"pci-dss-4.0": 25, "cis-aws-foundations-3.0": 24, "soc2": 17, "nist-800-53-r5": 32}

# Every rule of AWS's conformance pack templates (aws-config-conformance-packs in awslabs/aws-config-rules):
# each must be deployed or carry the reason it is not.
BCP_AND_DR_PACK = {
    "AUTOSCALING_GROUP_ELB_HEALTHCHECK_REQUIRED", "DB_INSTANCE_BACKUP_ENABLED", "DYNAMODB_AUTOSCALING_ENABLED",
    "DYNAMODB_IN_BACKUP_PLAN", "DYNAMODB_PITR_ENABLED", "DYNAMODB_THROUGHPUT_LIMIT_CHECK", "EBS_IN_BACKUP_PLAN",
    "EBS_OPTIMIZED_INSTANCE", "EFS_IN_BACKUP_PLAN", "ELASTICACHE_REDIS_CLUSTER_AUTOMATIC_BACKUP_CHECK",
    "ELB_CROSS_ZONE_LOAD_BALANCING_ENABLED", "ELB_DELETION_PROTECTION_ENABLED", "LAMBDA_CONCURRENCY_CHECK",
    "RDS_IN_BACKUP_PLAN", "RDS_INSTANCE_DELETION_PROTECTION_ENABLED", "RDS_MULTI_AZ_SUPPORT",
    "S3_BUCKET_DEFAULT_LOCK_ENABLED", "S3_BUCKET_REPLICATION_ENABLED", "S3_BUCKET_VERSIONING_ENABLED",
    "VPC_VPN_2_TUNNELS_UP",
}
AWS_BACKUP_PACK = {
    "AURORA_RESOURCES_PROTECTED_BY_BACKUP_PLAN", "BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK",
    "BACKUP_RECOVERY_POINT_ENCRYPTED", "BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED",
    "BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK", "DYNAMODB_RESOURCES_PROTECTED_BY_BACKUP_PLAN",
    "EBS_RESOURCES_PROTECTED_BY_BACKUP_PLAN", "EC2_RESOURCES_PROTECTED_BY_BACKUP_PLAN",
    "EFS_RESOURCES_PROTECTED_BY_BACKUP_PLAN", "FSX_RESOURCES_PROTECTED_BY_BACKUP_PLAN",
    "RDS_RESOURCES_PROTECTED_BY_BACKUP_PLAN", "S3_RESOURCES_PROTECTED_BY_BACKUP_PLAN",
    "VIRTUALMACHINE_RESOURCES_PROTECTED_BY_BACKUP_PLAN",
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


@pytest.mark.parametrize("pack, rules", [("bcp-and-dr", BCP_AND_DR_PACK), ("aws-backup", AWS_BACKUP_PACK)])
def test_conformance_pack_rules_are_deployed_or_explained(catalogue, pack, rules):
    coverage = catalogue.conformance_packs[pack]
    assert set(coverage.deployed) | set(coverage.not_deployed) == rules
    assert set(coverage.deployed) <= set(catalogue.config_rules)
    assert not set(coverage.not_deployed) & set(catalogue.config_rules)


def test_compliance_doc_states_each_pack_rules_deployment(catalogue):
    """docs/compliance.md tables every conformance-pack rule as deployed (yes) or not (no), as the catalogue does."""
    doc = (REPO / "docs" / "compliance.md").read_text()
    stated = dict(re.findall(r"^\| `([A-Z0-9_]+)` \| (yes|no) \|", doc, flags=re.MULTILINE))
    for coverage in catalogue.conformance_packs.values():
        for identifier in coverage.deployed:
            assert stated.get(identifier) == "yes", identifier
        for identifier in coverage.not_deployed:
            assert stated.get(identifier) == "no", identifier


def test_global_rules_are_exactly_the_iam_and_root_user_rules(catalogue):
    account_wide = ("IAM_", "ROOT_", "MFA_ENABLED_FOR_IAM", "ACCESS_KEYS_")
    for identifier, rule in catalogue.config_rules.items():
        assert rule.global_scope == identifier.startswith(account_wide), identifier


def test_managed_rule_list_is_the_one_moto_ships():
    listed = parse_managed_rules((REPO / "compliance" / "aws-config-managed-rules.txt").read_text())
    shipped, source = moto_managed_rules()
    assert listed == shipped, (f"compliance/aws-config-managed-rules.txt differs from {source}; regenerate it: "
                               ".venv/bin/python -m drcore.catalogue.managed_rules > compliance/aws-config-managed-rules.txt")
