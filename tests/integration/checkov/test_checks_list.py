"""compliance/checkov-checks.txt is exactly what the installed checkov knows for the Terraform framework."""
import subprocess

from drkit.checkov.suppressions import CHECK_ID
from tests.support.stacks import REPO

CHECK_LIST = REPO / "compliance" / "checkov-checks.txt"


def test_the_check_list_is_well_formed_and_covers_the_aws_checks():
    ids = CHECK_LIST.read_text().split()
    assert len(ids) == len(set(ids)) > 1000
    assert all(CHECK_ID.match(i) for i in ids)
    assert {"CKV_AWS_18", "CKV_AWS_21", "CKV2_AWS_6", "CKV_AWS_144"} <= set(ids)


def test_regenerating_the_check_list_from_the_installed_checkov_gives_the_committed_file(checkov_installed):
    generated = subprocess.run([str(REPO / ".checkov-venv" / "bin" / "python"), str(REPO / "scripts" / "list_checkov_checks.py")],
                               capture_output=True, text=True, check=True, timeout=300).stdout
    assert generated.split() == CHECK_LIST.read_text().split(), (
        "compliance/checkov-checks.txt is out of date: .checkov-venv/bin/python scripts/list_checkov_checks.py "
        "> compliance/checkov-checks.txt")
