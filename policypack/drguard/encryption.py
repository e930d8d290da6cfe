"""Encryption at rest with customer-managed KMS keys."""
from pulumi_policy import EnforcementLevel, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy


def _kms_rotation(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type == "aws:kms/key:Key" and not args.props.get("enableKeyRotation"):
        report_violation("KMS key rotation must be enabled (enableKeyRotation: true).", None)


kms_key_rotation = ResourceValidationPolicy(
    name="kms-key-rotation-enabled",
    description="Customer-managed KMS keys rotate their key material yearly.",
    validate=_kms_rotation,
)

POLICIES = [kms_key_rotation]
