"""ECR repositories hold the images both regions run: a tag always names the same image, every pushed image is scanned,
images are encrypted with a customer-managed key, and no repository or registry policy lets anyone outside the
account pull or push.

Peer rules read (code corpus): compliance-policies aws-ecr-repository-* (immutable tags: anything but IMMUTABLE fails;
scan on push; a declared KMS encryption configuration naming a key) and cdk-nag AwsSolutions-ECR1 (no Allow for a
principal containing "*" in a repository's or the registry's policy). This pack is stricter in two places and more
lenient in one: IMMUTABLE_WITH_EXCLUSION fails (its exclusion filters let the matching tags be moved, which is what
immutability is for), an AWS-managed key (alias/aws/ecr) fails, and a registry-level scanning configuration that
scans the repository on push or continuously replaces its own scanOnPush (ECR then ignores the repository setting).
"""
from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from typing import Any

from pulumi_policy import (PolicyConfigSchema, PolicyResource, ReportViolation, Severity, StackValidationArgs,
                           StackValidationPolicy)

from drguard.common import as_list, is_true, label, of_type, resource_region
from drguard.encryption import cmk_problem
from drguard.frameworks import NIST, framework
from drguard.principals import describe, open_statements

ECR_REPOSITORY = "aws:ecr/repository:Repository"
ECR_REGISTRY_SCANNING = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"
# Every resource that carries an ECR resource policy, and the input that holds it.
ECR_POLICY_INPUTS = {
    "aws:ecr/repositoryPolicy:RepositoryPolicy": "policy",
    "aws:ecr/registryPolicy:RegistryPolicy": "policy",
    "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate": "repositoryPolicy",
}
KMS_ENCRYPTION_TYPES = ("KMS", "KMS_DSSE")  # KMS_DSSE: dual-layer encryption, also with the named KMS key
SCANNING_FREQUENCIES = ("SCAN_ON_PUSH", "CONTINUOUS_SCAN")
DEFAULT_RESTRICTING_KEYS = ["aws:SourceAccount", "aws:SourceArn", "aws:PrincipalAccount", "aws:PrincipalArn",
                            "aws:PrincipalOrgID", "aws:SourceOrgID"]


def _registry_scans(repository: PolicyResource, configurations: list[PolicyResource]) -> bool:
    """A registry scanning configuration in the repository's region scans it on push or continuously."""
    name, region = repository.props.get("name"), resource_region(repository)
    for configuration in configurations:
        if region and resource_region(configuration) and resource_region(configuration) != region:
            continue
        for rule in as_list(configuration.props.get("rules")):
            if not isinstance(rule, Mapping) or rule.get("scanFrequency") not in SCANNING_FREQUENCIES:
                continue
            for entry in as_list(rule.get("repositoryFilters")):
                pattern = entry.get("filter") if isinstance(entry, Mapping) else None
                # An auto-named repository's name is unknown here: only a filter matching every name covers it.
                if pattern == "*" or (isinstance(pattern, str) and isinstance(name, str)
                                      and fnmatch.fnmatchcase(name, pattern)):
                    return True
    return False


def _encryption_problems(props: Mapping[str, Any]) -> list[str]:
    configurations = [c for c in as_list(props.get("encryptionConfigurations")) if isinstance(c, Mapping)]
    if not configurations:
        return ["it declares no encryptionConfigurations (ECR then encrypts with AES256 under an AWS-owned key)"]
    problems = []
    for index, configuration in enumerate(configurations):
        kind = configuration.get("encryptionType") or "AES256"
        if kind not in KMS_ENCRYPTION_TYPES:
            problems.append(f"encryptionConfigurations[{index}].encryptionType is {kind}, not KMS")
            continue
        problem = cmk_problem(configuration.get("kmsKey"), f"encryptionConfigurations[{index}].kmsKey")
        if problem:
            problems.append(f"{problem} (ECR then uses the AWS-managed key aws/ecr)")
    return problems


def _repository_problems(repository: PolicyResource, scanning: list[PolicyResource]) -> list[str]:
    props = repository.props
    problems = []
    mutability = props.get("imageTagMutability") or "MUTABLE"  # the provider's default
    if mutability != "IMMUTABLE":
        problems.append(f"imageTagMutability is {mutability}, so a pushed tag can be made to point at another image")
    scan = props.get("imageScanningConfiguration")
    if not (isinstance(scan, Mapping) and is_true(scan.get("scanOnPush"))) and not _registry_scans(repository,
                                                                                                   scanning):
        problems.append("images are not scanned on push (imageScanningConfiguration.scanOnPush is not true and no "
                        "registry scanning rule covers the repository)")
    return problems + _encryption_problems(props)


def _validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    keys = list(args.get_config().get("restrictingConditionKeys", DEFAULT_RESTRICTING_KEYS))
    scanning = of_type(args.resources, ECR_REGISTRY_SCANNING)
    for repository in of_type(args.resources, ECR_REPOSITORY):
        problems = _repository_problems(repository, scanning)
        if problems:
            report_violation(
                f"ECR repository {label(repository)} is not hardened: {'; '.join(problems)}. Fix: set "
                "imageTagMutability: 'IMMUTABLE', imageScanningConfiguration: {scanOnPush: true} and "
                "encryptionConfigurations: [{encryptionType: 'KMS', kmsKey: <customer-managed key ARN in this "
                "region>}] (encryption settings force a new repository).", repository.urn)
    for resource in args.resources:
        prop = ECR_POLICY_INPUTS.get(resource.resource_type)
        if prop is None:
            continue
        found = open_statements(resource.props.get(prop), keys)
        if found:
            report_violation(
                f"{label(resource)} lets anyone pull or push images: "
                f"{'; '.join(describe(i, s) for i, s in found)} allow(s) a wildcard principal without a Condition "
                f"pinning one of {', '.join(keys)}. Fix: name the accounts or roles that need the repository as "
                "principals, or pin the statement to your account or organization with such a condition.",
                resource.urn)


ecr_repository_hardened = StackValidationPolicy(
    name="ecr-repository-hardened",
    description="ECR repositories use immutable tags, scan images on push and encrypt them with a customer-managed "
                "KMS key, and no ECR repository or registry policy grants access to any principal.",
    validate=_validate,
    severity=Severity.HIGH,
    framework=framework(NIST, "CM-2"),
    remediation_steps="On each aws.ecr.Repository set imageTagMutability: 'IMMUTABLE', imageScanningConfiguration: "
                "{scanOnPush: true} (or scan every repository from an aws.ecr.RegistryScanningConfiguration rule "
                "with SCAN_ON_PUSH or CONTINUOUS_SCAN) and encryptionConfigurations: [{encryptionType: 'KMS', "
                "kmsKey: <customer-managed key ARN>}]. In aws.ecr.RepositoryPolicy, RegistryPolicy and "
                "RepositoryCreationTemplate policies, grant named principals only, or pin a wildcard principal "
                "with aws:PrincipalAccount / aws:PrincipalOrgID (or another configured key) set to fixed values.",
    config_schema=PolicyConfigSchema(properties={
        "restrictingConditionKeys": {
            "type": "array", "items": {"type": "string"}, "minItems": 1, "default": DEFAULT_RESTRICTING_KEYS,
            "description": "Condition keys that, pinned to fixed values, keep a wildcard-principal statement "
                           "within known accounts."},
    }),
)

POLICIES = [ecr_repository_hardened]
