"""Entry point the Pulumi engine runs: builds the pack from the policy catalogue. Tests import drguard, never this."""
from pulumi_policy import EnforcementLevel, PolicyPack

from drguard.catalogue import ALL_POLICIES, INITIAL_CONFIG

PolicyPack(
    name="ecommerce-dr-guard",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=ALL_POLICIES,
    initial_config=INITIAL_CONFIG,
    description="DR and security controls for the two-region e-commerce platform.",
    display_name="ecommerce-dr guard",
    provider="aws",
    tags=["aws", "disaster-recovery", "pci-dss", "cis", "soc2", "nist-800-53"],
)
