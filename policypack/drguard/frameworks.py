"""The compliance frameworks the pack's policies cite, and the one builder every area cites them with."""
from __future__ import annotations

from pulumi_policy import PolicyComplianceFramework

Standard = tuple[str, str]  # (framework name, version)

PCI: Standard = ("PCI DSS", "4.0.1")
CIS: Standard = ("CIS AWS Foundations Benchmark", "3.0.0")
NIST: Standard = ("NIST SP 800-53", "Rev. 5")
SOC2: Standard = ("SOC 2", "2017")


def framework(standard: Standard, reference: str) -> PolicyComplianceFramework:
    """The control `reference` of `standard`, as a policy publishes it."""
    return PolicyComplianceFramework(name=standard[0], version=standard[1], reference=reference)
