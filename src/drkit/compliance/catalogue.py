"""The control catalogue as the CLI uses it: read by the core's reader, then every piece of evidence checked
against the rest of the repository — policy names of the pack, checkov ids (compliance/checkov-checks.txt once
checkov's list is generated; until then only their form), and test functions under tests/."""
from __future__ import annotations

from pathlib import Path

from drcore.catalogue.checks import unknown
from drcore.catalogue.model import Catalogue
from drcore.catalogue.reader import CONTROLS_DIR, CatalogueError, read_catalogue
from drkit.compliance import evidence_checks
from drkit.project import find_project

CHECKOV_CHECKS_FILE = "checkov-checks.txt"


def catalogue_dir() -> Path:
    """The repository's catalogue: compliance/ beside Pulumi.yaml ($DRKIT_PROJECT_DIR, else above the cwd)."""
    return find_project().root / "compliance"


def load_catalogue(root: Path | None = None, repo: Path | None = None) -> Catalogue:
    """The catalogue with every piece of evidence checked against the repository `repo` (default: the project)
    — policy names of repo/policypack, checkov ids (compliance/checkov-checks.txt once checkov's list is
    generated; until then only their form), and test functions under repo/tests."""
    repo = repo or find_project().root
    root = root or repo / "compliance"
    catalogue = read_catalogue(root)
    try:
        policies = evidence_checks.policy_names(repo / "policypack")
    except ImportError as exc:
        raise CatalogueError(f"{repo / 'policypack'}: the policy pack cannot be imported ({exc}); run drkit from "
                             "the repository with its .venv") from None
    checkov_ids = evidence_checks.read_checkov_ids(root / CHECKOV_CHECKS_FILE)
    for control in catalogue.controls:
        where = f"{CONTROLS_DIR}/{control.framework}.yaml: control {control.id}"
        for name in unknown(control.evidence.policies, policies):
            raise CatalogueError(f"{where}: policy '{name}' is not a policy of the pack (policypack/drguard); "
                                 "use a name from drguard.catalogue.ALL_POLICIES")
        for problem in filter(None, (evidence_checks.checkov_problem(i, checkov_ids) for i in control.evidence.checkov)):
            raise CatalogueError(f"{where}: {problem}; use an id checkov reports")
        for problem in filter(None, (evidence_checks.test_node_problem(t, repo) for t in control.evidence.tests)):
            raise CatalogueError(f"{where}: {problem}; name an existing test as path::function")
    return catalogue
