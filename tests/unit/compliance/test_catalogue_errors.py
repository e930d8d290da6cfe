"""Every way the catalogue can be wrong, each on a broken copy of the real one: one line naming the file, the
control (where there is one) and the fix, raised as a UsageError so the CLI exits 2."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml

from drcore.catalogue.reader import CatalogueError
from drcore.errors import UsageError
from drkit.compliance.catalogue import load_catalogue
from tests.support.stacks import REPO

PCI = "controls/pci-dss-4.0.yaml"


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    root = tmp_path / "compliance"
    shutil.copytree(REPO / "compliance", root)
    return root


def edit(root: Path, name: str, change: Callable[[Any], Any]) -> None:
    """Apply `change` (which edits the document in place) to one file of the copy."""
    path = root / name
    document = yaml.safe_load(path.read_text())
    change(document)
    path.write_text(yaml.safe_dump(document, sort_keys=False))


def control(document: dict, control_id: str) -> dict:
    return next(c for c in document["controls"] if str(c["id"]) == control_id)


def evidence(control_id: str, kind: str, value: Any) -> Callable[[dict], None]:
    def change(document: dict) -> None:
        control(document, control_id)["evidence"][kind] = value
    return change


def rule(identifier: str, **settings: Any) -> Callable[[dict], None]:
    def change(document: dict) -> None:
        document["rules"][identifier] = settings
    return change


PACKS = "conformance-packs.yaml"
REASON = "A sentence long enough to pass for a reason, but wrong in what it claims here."


def not_deployed(identifier: str, reason: str = REASON) -> Callable[[dict], None]:
    def change(document: dict) -> None:
        document["notDeployed"][identifier] = reason
    return change


def moved_to_nothing_to_evaluate(identifier: str) -> Callable[[dict], None]:
    def change(document: dict) -> None:
        document["notDeployed"].pop(identifier)
        document["nothingToEvaluate"].append(identifier)
    return change


def load_error(root: Path) -> str:
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(root, repo=REPO)
    assert isinstance(caught.value, UsageError)
    message = str(caught.value)
    assert "\n" not in message
    return message


# (file, change, words the one-line message must contain)
CASES = {
    "unknown policy": (PCI, evidence("3.5.1", "policies", ["s3-bucket-kms-encrypton"]),
                       ["controls/pci-dss-4.0.yaml", "control 3.5.1", "s3-bucket-kms-encrypton", "ALL_POLICIES"]),
    "unknown Config rule": (PCI, evidence("3.5.1", "configRules", ["S3_BUCKET_ENCRYPTED_SOMEHOW"]),
                            ["control 3.5.1", "S3_BUCKET_ENCRYPTED_SOMEHOW", "not an AWS Config managed rule"]),
    "checkov id of the wrong form": (PCI, evidence("3.5.1", "checkov", ["CKV-AWS-21"]),
                                     ["control 3.5.1", "CKV-AWS-21", "CKV_AWS_21"]),
    "test file that does not exist": (PCI, evidence("3.5.1", "tests", ["tests/infra/test_nothing.py::test_x"]),
                                      ["control 3.5.1", "tests/infra/test_nothing.py", "does not exist"]),
    "test function that does not exist": (
        PCI, evidence("3.5.1", "tests", ["tests/integration/infra/test_architecture_data.py::test_no_such_thing"]),
        ["control 3.5.1", "has no test function test_no_such_thing"]),
    "test that is not a node id": (PCI, evidence("3.5.1", "tests", ["test_architecture_data"]),
                                   ["control 3.5.1", "not a pytest node id"]),
    "unknown drill": (PCI, evidence("12.10.1", "drills", ["meteor-strike"]),
                      ["control 12.10.1", "meteor-strike", "drills.yaml", "region-loss-failover"]),
    "duplicate evidence": (PCI, evidence("3.5.1", "policies", ["required-tags", "required-tags"]),
                           ["control 3.5.1", "policies lists the same id twice"]),
    "duplicate control id": (PCI, lambda d: d["controls"].append(dict(control(d, "3.5.1"))),
                             ["controls/pci-dss-4.0.yaml", "control 3.5.1 is listed twice"]),
    "control with no evidence": (PCI, lambda d: control(d, "3.5.1").update(evidence={}),
                                 ["control 3.5.1", "has no automated evidence"]),
    "misspelt evidence kind": (PCI, evidence("3.5.1", "polices", ["required-tags"]),
                               ["controls/pci-dss-4.0.yaml", "control 3.5.1", "polices", "remove it or fix"]),
    "control without a title": (PCI, lambda d: control(d, "3.6.1").pop("title"),
                                ["control 3.6.1", "'title' is a required property"]),
    "framework key differs from the file": (PCI, lambda d: d.update(framework="pci-dss-3.2"),
                                            ["pci-dss-3.2", "differs from the file name"]),
    "rule set up that no control names": (
        "config-rules.yaml", rule("S3_BUCKET_DEFAULT_LOCK_ENABLED", parameters={"mode": "COMPLIANCE"}),
        ["config-rules.yaml", "S3_BUCKET_DEFAULT_LOCK_ENABLED", "no control names it"]),
    "unknown parameter": ("config-rules.yaml", rule("ELBV2_MULTIPLE_AZ", parameters={"minZones": "2"}),
                          ["rules.ELBV2_MULTIPLE_AZ", "no parameter 'minZones'", "minAvailabilityZones"]),
    "parameter of the wrong type": ("config-rules.yaml",
                                    rule("ELBV2_MULTIPLE_AZ", parameters={"minAvailabilityZones": "three"}),
                                    ["rules.ELBV2_MULTIPLE_AZ", "whole number", "three"]),
    "missing required parameter": ("config-rules.yaml", rule("ACCESS_KEYS_ROTATED", **{"global": True}),
                                   ["rules.ACCESS_KEYS_ROTATED", "requires parameter(s) maxAccessKeyAge"]),
    "reference to an unknown stack key": (
        "config-rules.yaml", rule("ELBV2_MULTIPLE_AZ", parameters={"minAvailabilityZones": "{network.azs}"}),
        ["rules.ELBV2_MULTIPLE_AZ", "'network.azs' is not a stack config key", "availabilityZones"]),
    "reference to a section": ("config-rules.yaml",
                               rule("ELBV2_MULTIPLE_AZ", parameters={"minAvailabilityZones": "{network}"}),
                               ["'network' is a section, not a single value"]),
    "scope outside the rule's types": ("config-rules.yaml",
                                       rule("S3_BUCKET_VERSIONING_ENABLED", resourceTypes=["AWS::RDS::DBCluster"]),
                                       ["rules.S3_BUCKET_VERSIONING_ENABLED", "AWS::RDS::DBCluster",
                                        "AWS::S3::Bucket"]),
    "pack rule accounted for nowhere": (
        PACKS, lambda d: d["notDeployed"].pop("NACL_NO_UNRESTRICTED_SSH_RDP"),
        ["conformance-packs.yaml", "NACL_NO_UNRESTRICTED_SSH_RDP", "is in none of deployed", "exactly one"]),
    "pack rule excluded without a reason": (
        PACKS, not_deployed("NACL_NO_UNRESTRICTED_SSH_RDP", "n/a"),
        ["notDeployed.NACL_NO_UNRESTRICTED_SSH_RDP", "no real reason"]),
    "pack rule excluded that is deployed": (
        PACKS, not_deployed("BACKUP_RECOVERY_POINT_ENCRYPTED"),
        ["BACKUP_RECOVERY_POINT_ENCRYPTED", "deployed and notDeployed", "exactly one"]),
    "account-wide rule said to have nothing to evaluate": (
        PACKS, moved_to_nothing_to_evaluate("GUARDDUTY_ENABLED_CENTRALIZED"),
        ["nothingToEvaluate: GUARDDUTY_ENABLED_CENTRALIZED", "evaluates the account"]),
    "reason relying on a rule that is not deployed": (
        PACKS, not_deployed("NACL_NO_UNRESTRICTED_SSH_RDP",
                            "S3_BUCKET_DEFAULT_LOCK_ENABLED keeps the logs, so it is covered."),
        ["notDeployed.NACL_NO_UNRESTRICTED_SSH_RDP", "cites S3_BUCKET_DEFAULT_LOCK_ENABLED", "not deployed"]),
    "reason for a rule no pack holds": (
        PACKS, not_deployed("ALB_DESYNC_MODE_CHECK"), ["notDeployed: ALB_DESYNC_MODE_CHECK is in no pack"]),
    "pack rule that is not a managed rule": (
        PACKS, lambda d: d["packs"]["bcp-and-dr"]["rules"].append("S3_BUCKET_MAGIC"),
        ["packs.bcp-and-dr", "S3_BUCKET_MAGIC", "not an AWS Config managed rule identifier"]),
    "process check with nothing said about it": (
        PACKS, lambda d: d["processChecks"].pop("vpc-peering-least-access"),
        ["cis-aws-1.4-level-2", "vpc-peering-least-access", "add it to processChecks"]),
    "duplicate drill": ("drills.yaml", lambda d: d["drills"].append(dict(d["drills"][0])),
                        ["drills.yaml", "region-loss-failover", "defined twice"]),
    "drill with an unknown disruption": ("drills.yaml", lambda d: d["drills"][0].update(disruption="meteor"),
                                         ["drills.yaml", "drills[0].disruption", "meteor"]),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_loader_names_the_problem_and_the_fix(broken, case):
    name, change, words = CASES[case]
    edit(broken, name, change)
    message = load_error(broken)
    for word in words:
        assert word in message, f"{word!r} not in: {message}"


def test_unmodified_copy_loads(broken):
    assert len(load_catalogue(broken, repo=REPO).controls) > 0


def test_checkov_id_outside_checkovs_own_list(broken):
    (broken / "checkov-checks.txt").write_text("# checkov 3 checks\nCKV_AWS_21 versioning\nCKV_AWS_24 ssh\n")
    message = load_error(broken)
    assert "is not in compliance/checkov-checks.txt" in message and "control " in message


def test_yaml_syntax_error_names_the_line(broken):
    (broken / PCI).write_text("framework: pci-dss-4.0\ncontrols: [\n")
    message = load_error(broken)
    assert "controls/pci-dss-4.0.yaml: line" in message and "fix the syntax" in message


def test_missing_managed_rule_list_says_how_to_regenerate(broken):
    (broken / "aws-config-managed-rules.txt").unlink()
    assert "python -m drkit.compliance.managed_rules_source" in load_error(broken)


def test_malformed_managed_rule_line_is_named(broken):
    with (broken / "aws-config-managed-rules.txt").open("a") as handle:
        handle.write("S3_THING | size:integer |  | change\n")
    message = load_error(broken)
    assert "aws-config-managed-rules.txt: line" in message and "size:integer" in message


def test_missing_controls_directory(broken):
    shutil.rmtree(broken / "controls")
    assert "compliance/controls/<framework>.yaml" in load_error(broken)


def test_missing_drills_file(broken):
    (broken / "drills.yaml").unlink()
    assert "drills.yaml: missing" in load_error(broken)
