"""drkit catalogue: controls per framework with their evidence; --check validates; a bad catalogue exits 2."""
from __future__ import annotations

import shutil

import yaml

from drkit import cli
from drkit.compliance.catalogue import load_catalogue
from tests.support.stacks import REPO


def drkit(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_lists_a_frameworks_controls_with_their_evidence(capsys):
    code, out, _ = drkit(capsys, "catalogue", "--framework", "pci-dss-4.0")
    assert code == 0
    pci = load_catalogue(REPO / "compliance", repo=REPO).controls_of("pci-dss-4.0")
    assert f"PCI DSS v4.0 (pci-dss-4.0): {len(pci)} controls" in out
    for control in pci:
        assert f"  {control.id:<9} {control.title}" in out
    assert "config rules: RDS_STORAGE_ENCRYPTED, DYNAMODB_TABLE_ENCRYPTED_KMS, S3_DEFAULT_ENCRYPTION_KMS" in out
    assert "drills:       region-loss-failover, failback" in out
    assert "CC6.1" not in out  # a SOC 2 control


def test_lists_every_framework_by_default(capsys):
    code, out, _ = drkit(capsys, "catalogue")
    catalogue = load_catalogue(REPO / "compliance", repo=REPO)
    assert code == 0
    for key, name in catalogue.frameworks.items():
        assert f"{name} ({key}): {len(catalogue.controls_of(key))} controls" in out
    assert f"{len(catalogue.controls)} controls, {len(catalogue.config_rules)} AWS Config rules per region" in out


def test_check_validates_and_resolves_every_stack(capsys):
    code, out, _ = drkit(capsys, "catalogue", "--check")
    counts = load_catalogue(REPO / "compliance", repo=REPO).counts()
    assert code == 0
    for key, count in counts.items():
        assert f"{key:<26} {count:>3} controls" in out
    assert "Config rule parameters resolve for stacks: dev, prod" in out
    assert "region-loss-failover" not in out  # --check prints counts, not the controls


def test_unknown_framework_is_one_line_and_exit_2(capsys):
    code, out, err = drkit(capsys, "catalogue", "--framework", "iso-27001")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "'iso-27001' is not in the catalogue" in err and "pci-dss-4.0" in err


def test_invalid_catalogue_is_one_line_and_exit_2(capsys, tmp_path, monkeypatch):
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml", "infra", "policypack", "tests"):
        (tmp_path / name).symlink_to(REPO / name)
    shutil.copytree(REPO / "compliance", tmp_path / "compliance")
    path = tmp_path / "compliance" / "controls" / "soc2.yaml"
    document = yaml.safe_load(path.read_text())
    document["controls"][0]["evidence"]["policies"] = ["no-such-policy"]
    path.write_text(yaml.safe_dump(document))
    monkeypatch.setenv("DRKIT_PROJECT_DIR", str(tmp_path))
    for argv in (("catalogue",), ("catalogue", "--check")):
        code, out, err = drkit(capsys, *argv)
        assert code == 2 and out == ""
        assert err.count("\n") == 1 and "Traceback" not in err
        assert err.startswith("drkit catalogue: error: controls/soc2.yaml: control CC2.1: policy 'no-such-policy'")
