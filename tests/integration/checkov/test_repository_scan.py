"""The repository scan reads the files a secret could be committed from (what git tracks, and untracked files it does
not ignore) and says so; outside a git checkout it reads the directory. A real checkov run over a tiny repository."""
from __future__ import annotations

import subprocess

import pytest

from drkit.checkov.process import start_repository_scan
from drkit.checkov.results import parse_reports
from tests.support.stacks import REPO

# An AWS access key id of the documented shape (not a real key), which checkov's CKV_SECRET_2 finds. Put together
# here so that this file itself holds no such string: the repository's own secrets scan reads it.
LEAK = 'aws_access_key_id = "' + "AKIA" + "Z7Q3MSJV4WNKW5FG" + '"\n'


def _secrets_in(root):
    run = start_repository_scan(root, ("secrets",))
    try:
        reports = run.finish()
    finally:
        run.kill()
    return run, sorted({r.file for r in parse_reports(reports, {}) if not r.passed})


@pytest.fixture
def checkout(checkov_installed, tmp_path):
    root = tmp_path / "shop"
    root.mkdir()
    (root / ".checkov-venv").symlink_to(REPO / ".checkov-venv")
    (root / ".gitignore").write_text(".checkov-venv\nignored/\n")
    (root / "tracked.py").write_text(LEAK)
    (root / "ignored").mkdir()
    (root / "ignored" / "leak.py").write_text(LEAK)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "add", ".gitignore", "tracked.py"], check=True)
    (root / "new_file.py").write_text(LEAK)  # never added: found before its first commit
    return root


def test_tracked_and_untracked_unignored_files_are_read_and_named_from_the_root(checkout):
    run, files = _secrets_in(checkout)
    assert files == ["new_file.py", "tracked.py"]
    assert run.scanned.startswith("3 files git lists in the checkout")  # .gitignore, tracked.py, new_file.py


def test_outside_a_git_checkout_the_directory_is_read(checkout):
    subprocess.run(["rm", "-rf", str(checkout / ".git")], check=True)
    run, files = _secrets_in(checkout)
    assert files == ["ignored/leak.py", "new_file.py", "tracked.py"]
    assert "(not a git checkout)" in run.scanned
