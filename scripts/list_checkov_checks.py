"""Print every checkov check id for the Terraform (and Terraform plan) framework, one per line.

Run it with checkov's own interpreter, so the list is the installed checkov's:
    .checkov-venv/bin/python scripts/list_checkov_checks.py > compliance/checkov-checks.txt
The compliance catalogue's loader and compliance/suppressions.yaml validate checkov ids against that file;
tests/checkov regenerate it and compare, so bumping checkov without regenerating fails a test.
"""
from __future__ import annotations

import logging
import re
import sys


def terraform_check_ids() -> list[str]:
    logging.disable(logging.CRITICAL)  # checkov logs while loading checks; only the ids belong on stdout
    try:
        from checkov.common.bridgecrew.check_type import CheckType
        from checkov.common.checks_infra.registry import get_graph_checks_registry
        from checkov.terraform.checks.data.registry import data_registry
        from checkov.terraform.checks.module.registry import module_registry
        from checkov.terraform.checks.provider.registry import provider_registry
        from checkov.terraform.checks.resource.registry import resource_registry
    except ImportError:
        sys.exit("list_checkov_checks: checkov is not importable; run it with .checkov-venv/bin/python "
                 "(scripts/setup-checkov.sh creates it)")
    ids: set[str] = set()
    # The plan runner uses the Terraform runner's registries: resource, data, provider, module and graph checks.
    for registry in (resource_registry, data_registry, provider_registry, module_registry):
        for checks in [*registry.checks.values(), *registry.wildcard_checks.values()]:
            ids.update(check.id for check in checks)
    graph_registry = get_graph_checks_registry(CheckType.TERRAFORM)
    graph_registry.load_checks()
    ids.update(check.id for check in graph_registry.checks)
    return sorted(ids, key=_natural)


def _natural(check_id: str) -> list[object]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", check_id)]


if __name__ == "__main__":
    print("\n".join(terraform_check_ids()))
