"""What breaks a pack under the real Pulumi CLI: its manifest, its requirements, names and schemas."""
import re
from pathlib import Path

import jsonschema
import pytest
import semver
import yaml
from packaging.utils import canonicalize_name
from pulumi_policy import PolicyConfigSchema, Severity

from drguard.catalogue import ALL_POLICIES
from tests.support.stacks import REPO

PACK = REPO / "policypack"
KEBAB = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

# The pack's full list: a policy cannot disappear without this test being changed in the same commit.
EXPECTED_POLICIES = {
    "alb-listener-https-only", "allowed-regions", "aurora-global-cluster-secondary-member",
    "aurora-iam-authentication", "backup-plan-cross-region-copy", "backup-vault-cmk-encryption",
    "backup-vault-lock-compliance-mode", "cloudtrail-kms-encryption", "cloudtrail-multi-region-enabled",
    "cloudwatch-log-group-kms-encryption", "config-recorder-both-regions", "config-rules-both-regions",
    "database-deletion-protection", "dynamodb-global-table-replica", "dynamodb-point-in-time-recovery",
    "dynamodb-table-cmk-encryption", "ebs-volume-kms-encryption", "iam-no-wildcard-admin",
    "kms-key-policy-no-public-wildcard", "kms-key-rotation-enabled", "kms-replica-keys-present",
    "rds-storage-encrypted-cmk", "required-tags", "route53-failover-pair", "rto-rpo-achievable",
    "s3-bucket-access-logging", "s3-bucket-cross-region-replication", "s3-bucket-kms-encryption",
    "s3-bucket-public-access-blocked", "s3-bucket-tls-only", "s3-bucket-versioning-enabled",
    "secretsmanager-secret-cmk-encryption", "secretsmanager-secret-replicated", "security-group-no-public-ingress",
    "security-group-no-plain-http-ingress",
    "sns-topic-kms-encryption", "sqs-queue-kms-encryption",
    # containers, IAM scope and secret rotation
    "ecs-container-not-privileged", "ecs-container-non-root-user", "ecs-container-readonly-root-filesystem",
    "ecs-task-no-host-namespaces", "iam-no-service-wide-actions", "iam-no-aws-managed-admin-policies",
    "secretsmanager-secret-rotation",
    # public exposure
    "s3-bucket-policy-no-public-principal", "lambda-permission-restricted-source", "rds-instance-not-public",
    "vpc-default-security-group-closed", "subnet-no-public-ip-on-launch", "alb-waf-web-acl",
    # activity logs
    "alb-access-logging", "vpc-flow-logs-enabled", "waf-logging-enabled", "ecs-container-logging",
    "log-group-retention", "aurora-log-exports", "aurora-backup-retention",
    # transit, at rest and failover resilience
    "sns-topic-tls-only", "sqs-queue-tls-only", "rds-performance-insights-cmk", "kms-key-no-lockout-bypass",
    "alb-deletion-protection", "lambda-dead-letter-queue", "lambda-reserved-concurrency",
    # service baselines
    "ecr-repository-hardened", "resource-descriptions", "lambda-tracing-active", "alb-drop-invalid-headers",
    "rds-enhanced-monitoring", "rds-auto-minor-version-upgrade", "ecs-container-insights", "cloudwatch-alarm-actions",
    "dynamodb-capacity-scaling", "sqs-queue-dead-letter",
    # management conflicts
    "iam-role-policy-management-conflict", "security-group-rule-management-conflict",
}


def requirement_pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-r"):
            continue
        name, sep, version = line.partition("==")
        assert sep, f"{path.name}: '{line}' is not pinned with =="
        pins[canonicalize_name(name.split("[")[0])] = version
    return pins


def test_manifest_is_what_the_cli_reads_and_publish_needs():
    manifest = yaml.safe_load((PACK / "PulumiPolicy.yaml").read_text())
    assert manifest["runtime"]["name"] == "python"
    semver.Version.parse(manifest["version"])
    # The engine installs a published pack's requirements into `venv` inside the pack folder; a path outside the
    # folder (../.venv) would not exist where the pack is installed.
    virtualenv = Path(manifest["runtime"]["options"]["virtualenv"])
    assert not virtualenv.is_absolute() and ".." not in virtualenv.parts
    assert len(manifest["description"]) > 40
    assert (PACK / "__main__.py").is_file()
    readme = (PACK / "README.md").read_text()
    for policy in ALL_POLICIES:  # the pack's README lists every policy a reviewer can enable or configure
        assert f"`{policy.name}`" in readme, policy.name


def test_pack_requirements_pin_everything_at_the_repository_versions():
    pack, repository = requirement_pins(PACK / "requirements.txt"), requirement_pins(REPO / "constraints.txt")
    assert {"pulumi", "pulumi-policy"} <= set(pack)
    for name, version in pack.items():
        assert repository.get(name) == version, f"{name}: pack pins {version}, constraints.txt {repository.get(name)}"


def test_installed_sdk_matches_the_pins():
    from importlib.metadata import version
    pins = requirement_pins(PACK / "requirements.txt")
    assert version("pulumi-policy") == pins["pulumi-policy"]
    assert version("pulumi") == pins["pulumi"]


def test_pack_name_is_accepted_by_pulumi_policy():
    source = (PACK / "__main__.py").read_text()
    name = re.search(r'name="([^"]+)"', source).group(1)
    assert re.match(r"^[a-zA-Z0-9-_.]{1,100}$", name)


def test_catalogue_is_complete_and_names_are_unique():
    names = [p.name for p in ALL_POLICIES]
    assert len(names) == len(set(names))
    assert set(names) == EXPECTED_POLICIES


@pytest.mark.parametrize("policy", ALL_POLICIES, ids=lambda p: p.name)
def test_policy_metadata(policy):
    assert KEBAB.match(policy.name)
    description = policy.description.strip()
    assert description.endswith(".") and "\n" not in description and description.count(". ") == 0
    assert isinstance(policy.severity, Severity)
    assert policy.remediation_steps and len(policy.remediation_steps) > 20
    assert policy.framework is not None and policy.framework.name and policy.framework.reference
    assert policy.enforcement_level is None  # the pack default and the user's config decide


@pytest.mark.parametrize("policy", [p for p in ALL_POLICIES if p.config_schema], ids=lambda p: p.name)
def test_config_schema_is_valid_json_schema_and_defaults_conform(policy):
    schema: PolicyConfigSchema = policy.config_schema
    document = {"type": "object", "properties": schema.properties, "required": schema.required or []}
    jsonschema.Draft7Validator.check_schema(document)
    defaults = {k: v["default"] for k, v in schema.properties.items() if "default" in v}
    jsonschema.validate(defaults, document)
    assert "enforcementLevel" not in schema.properties
    # An organisation configures the pack in the Pulumi Cloud console from these: each needs its own words.
    for name, prop in schema.properties.items():
        assert "default" in prop and len(prop.get("description", "")) > 10, f"{policy.name}.{name}"
