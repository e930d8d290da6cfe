"""Encryption at rest, the keys themselves: customer-managed KMS keys rotate, and their key policies are not open
to every AWS principal. The data-store policies are in encryption.py, whose POLICIES include these.
"""
from __future__ import annotations

from pulumi_policy import PolicyConfigSchema, ResourceValidationArgs, Severity

from drguard.common import is_true, label, resource_policy
from drguard.frameworks import CIS, PCI, framework
from drguard.principals import describe, open_statements

KMS_KEY = "aws:kms/key:Key"
KMS_REPLICA_KEY = "aws:kms/replicaKey:ReplicaKey"


def _rotation(args: ResourceValidationArgs) -> list[str]:
    props = args.props
    spec = props.get("customerMasterKeySpec") or "SYMMETRIC_DEFAULT"
    usage = props.get("keyUsage") or "ENCRYPT_DECRYPT"
    if spec != "SYMMETRIC_DEFAULT" or usage != "ENCRYPT_DECRYPT" or props.get("customKeyStoreId"):
        return []  # KMS cannot rotate asymmetric, HMAC or custom-key-store keys automatically
    covers = " (a multi-Region primary key: its replicas rotate with it)" if is_true(props.get("multiRegion")) else ""
    if not is_true(props.get("enableKeyRotation")):
        return [f"KMS key {label(args)} does not rotate its key material: enableKeyRotation is not true{covers}. "
                "Fix: set enableKeyRotation: true."]
    maximum = args.get_config().get("maxRotationPeriodDays", 365)
    period = props.get("rotationPeriodInDays")
    if isinstance(period, (int, float)) and period > maximum:
        return [f"KMS key {label(args)} rotates only every {period:g} days, longer than the allowed "
                f"{maximum:g}{covers}. Fix: set rotationPeriodInDays to at most {maximum:g} (or leave it unset for "
                "yearly rotation)."]
    return []


kms_key_rotation = resource_policy(
    name="kms-key-rotation-enabled",
    description="Customer-managed symmetric KMS keys rotate their key material automatically, at least as often as "
                "the configured period.",
    types=(KMS_KEY,),
    check=_rotation,
    severity=Severity.MEDIUM,
    framework=framework(CIS, "3.6"),
    remediation="Set enableKeyRotation: true on the aws.kms.Key (for a multi-Region primary key this also covers "
                "its aws.kms.ReplicaKey replicas) and leave rotationPeriodInDays unset (365) or at most the "
                "policy's maxRotationPeriodDays.",
    config_schema=PolicyConfigSchema(properties={
        "maxRotationPeriodDays": {"type": "number", "minimum": 90, "maximum": 2560, "default": 365,
                                  "description": "Longest rotationPeriodInDays a key may use."},
    }),
)

DEFAULT_RESTRICTING_KEYS = ["aws:SourceAccount", "aws:PrincipalAccount", "aws:PrincipalOrgID", "aws:SourceOrgID",
                            "kms:CallerAccount"]


def _key_policy(args: ResourceValidationArgs) -> list[str]:
    configured = list(args.get_config().get("restrictingConditionKeys", DEFAULT_RESTRICTING_KEYS))
    # The shared reading of "open to everyone" and "restricted by a condition" (principals.py).
    findings = [f"{describe(index, statement)} allows a wildcard principal without a Condition pinning one of "
                f"{', '.join(configured)}"
                for index, statement in open_statements(args.props.get("policy"), configured)]
    if not findings:
        return []
    return [f"Key policy of {label(args)} is open to any AWS principal: {'; '.join(findings)}. Fix: name the "
            "account or role ARNs in Principal, or add a Condition such as StringEquals {aws:PrincipalAccount: "
            "<account id>} or {aws:PrincipalOrgID: <org id>}."]


kms_key_policy_no_public_wildcard = resource_policy(
    name="kms-key-policy-no-public-wildcard",
    description="KMS key policies never allow a wildcard principal unless a Condition restricts it to the account "
                "or organization.",
    types=(KMS_KEY, KMS_REPLICA_KEY),
    check=_key_policy,
    severity=Severity.CRITICAL,
    framework=framework(PCI, "3.6.1"),
    remediation="In the `policy` of the aws.kms.Key / aws.kms.ReplicaKey, replace Principal '*' (or {AWS: '*'}) in "
                "Allow statements with explicit account or role ARNs, or add a Condition with StringEquals on "
                "aws:PrincipalAccount, aws:SourceAccount, aws:PrincipalOrgID (or kms:CallerAccount) set to your "
                "account or organization ID.",
    config_schema=PolicyConfigSchema(properties={
        "restrictingConditionKeys": {
            "type": "array", "items": {"type": "string"}, "minItems": 1, "default": DEFAULT_RESTRICTING_KEYS,
            "description": "Condition keys that, pinned to concrete values, make a wildcard-principal Allow "
                           "acceptable."},
    }),
)

POLICIES = [kms_key_rotation, kms_key_policy_no_public_wildcard]
