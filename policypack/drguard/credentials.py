"""Credentials: every Secrets Manager secret rotates on a schedule, or says in a reviewed tag why it cannot.

Rotation is an aws:secretsmanager/secretRotation whose secretId refers to the secret (or, in older provider
versions, the secret's inline rotationRules with a rotationLambdaArn). Where the secret's type does not allow
rotation in Secrets Manager, the secret carries the tag RotationExemption with one of the reasons in
ROTATION_EXEMPTIONS: a closed vocabulary, so each exemption states a reason a reviewer has already accepted.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Optional

from pulumi_policy import (PolicyConfigSchema, PolicyResource, ReportViolation, Severity, StackValidationArgs,
                           StackValidationPolicy)

from drguard.common import depends_through, label, number, of_type
from drguard.frameworks import SOC2, framework
from drguard.vendor.drcore.tags import AURORA_GLOBAL_DATABASE_MASTER, ROTATION_EXEMPTION_TAG, THIRD_PARTY_ISSUED

SECRET = "aws:secretsmanager/secret:Secret"
SECRET_ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"
# The reasons a secret may go without rotation (also in docs/policy-gate.md). Adding one is a review of the pack.
ROTATION_EXEMPTIONS = {
    AURORA_GLOBAL_DATABASE_MASTER: (
        "The master credentials of an Aurora global database: RDS cannot manage (and so rotate) the master password "
        "of a global cluster's members, and a rotation function would have to follow the writer across regions. "
        "Acceptable because applications sign in with IAM database authentication, leaving the secret break-glass "
        "only."),
    THIRD_PARTY_ISSUED: (
        "A credential a third party issues and rotates, such as a payment provider's API key: only the issuer can "
        "make a new value, and an operator replaces the secret's value when the issuer rotates it."),
}
DEFAULT_MAX_ROTATION_DAYS = 90
RATE = re.compile(r"^rate\(\s*(\d+)\s+(hour|hours|day|days)\s*\)$", re.IGNORECASE)
CRON = re.compile(r"^cron\((.+)\)$", re.IGNORECASE)
MONTHS = {name: index for index, name in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), start=1)}


def _month(text: str) -> int:
    return MONTHS.get(text.upper()) or int(text)


def _cron_months(field: str) -> Optional[set[int]]:
    """The months a cron month field runs in ("*", "1,4,7,10", "1-6", "*/3", "JAN-JUN"); None if unreadable."""
    months: set[int] = set()
    try:
        for part in field.split(","):
            span, _, step = part.partition("/")
            if span in ("*", "?"):
                first, last = 1, 12
            elif "-" in span:
                first, last = (_month(x) for x in span.split("-", 1))
            else:
                first = _month(span)
                last = 12 if step else first
            months.update(range(first, last + 1, int(step) if step else 1))
    except ValueError:
        return None
    return months if months and months <= set(range(1, 13)) else None


def _cron_interval_days(expression: str) -> Optional[float]:
    """The longest gap between runs of a Secrets Manager cron expression (minutes hours day-of-month month
    day-of-week year), bounded from above in whole months of 31 days; None if it cannot be read."""
    fields = expression.split()
    if len(fields) != 6:
        return None
    months = _cron_months(fields[3])
    if months is None:
        return None
    ordered = sorted(months)
    gaps = [(b - a) % 12 or 12 for a, b in zip(ordered, ordered[1:] + ordered[:1])]
    # A day of month past the 28th is skipped in shorter months: allow for one more month between runs.
    day_of_month = fields[2]
    late_day = day_of_month.isdigit() and int(day_of_month) > 28
    return (max(gaps) + (1 if late_day else 0)) * 31.0


def rotation_interval_days(rules: Any) -> Optional[float]:
    """Days between rotations per a rotationRules block; None if it states no interval that can be read."""
    if not isinstance(rules, Mapping):
        return None
    days = number(rules.get("automaticallyAfterDays"))
    if days is not None:
        return days
    expression = rules.get("scheduleExpression")
    if not isinstance(expression, str):
        return None
    rate, cron = RATE.match(expression.strip()), CRON.match(expression.strip())
    if rate:
        amount = int(rate.group(1))
        return amount / 24 if rate.group(2).lower().startswith("hour") else float(amount)
    if cron:
        return _cron_interval_days(cron.group(1))
    return None


def _schedule_problem(rules: Any, maximum: float) -> Optional[str]:
    interval = rotation_interval_days(rules)
    if interval is None:
        return ("states no readable schedule: set rotationRules.automaticallyAfterDays or a scheduleExpression "
                "(rate(N days) or cron(...))")
    if interval > maximum:
        return f"rotates only every {interval:g} days, longer than the allowed {maximum:g}"
    return None


def _rotations_of(secret: PolicyResource, rotations: list[PolicyResource]) -> list[PolicyResource]:
    """The rotations whose secretId was computed from the secret, or names it (by name or by an ARN of it)."""
    name = secret.props.get("name")

    def names_it(secret_id: Any) -> bool:
        if not isinstance(name, str) or not isinstance(secret_id, str):
            return False
        # A secret's ARN ends in ":secret:<name>-<6 random characters>".
        return secret_id == name or bool(re.search(rf":secret:{re.escape(name)}(-[A-Za-z0-9]{{6}})?$", secret_id))

    return [r for r in rotations if depends_through(r, "secretId", secret) or names_it(r.props.get("secretId"))]


def _validate_rotation(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    maximum = float(args.get_config().get("maxRotationDays", DEFAULT_MAX_ROTATION_DAYS))
    resources = list(args.resources)
    rotations = of_type(resources, SECRET_ROTATION)
    for rotation in rotations:
        problem = _schedule_problem(rotation.props.get("rotationRules"), maximum)
        if problem:
            report_violation(f"Secret rotation {label(rotation)} {problem}. Fix: set "
                             f"rotationRules.automaticallyAfterDays to at most {maximum:g}.", rotation.urn)
    for secret in of_type(resources, SECRET):
        props = secret.props
        if _rotations_of(secret, rotations):
            continue  # its schedule is judged on the rotation resource above
        inline = props.get("rotationRules")
        if isinstance(inline, Mapping) and props.get("rotationLambdaArn"):
            problem = _schedule_problem(inline, maximum)
            if problem:
                report_violation(f"Secret {label(secret)} {problem}. Fix: set rotationRules.automaticallyAfterDays "
                                 f"to at most {maximum:g}.", secret.urn)
            continue
        # Only the secret's own tags: a provider default tag would exempt every secret the provider creates.
        own_tags = props.get("tags") if isinstance(props.get("tags"), Mapping) else {}
        reason = own_tags.get(ROTATION_EXEMPTION_TAG)
        if reason in ROTATION_EXEMPTIONS:
            continue
        allowed = ", ".join(sorted(ROTATION_EXEMPTIONS))
        if reason is not None:
            report_violation(f"Secret {label(secret)} claims {ROTATION_EXEMPTION_TAG}={reason!r}, which is not a reason "
                             f"the pack accepts ({allowed}). Fix: add an aws:secretsmanager/secretRotation, or use "
                             "one of those reasons if it applies.", secret.urn)
            continue
        report_violation(f"Secret {label(secret)} never rotates: no aws:secretsmanager/secretRotation refers to it. "
                         f"Fix: add one (secretId the secret, rotationRules.automaticallyAfterDays at most "
                         f"{maximum:g}); where the secret's type cannot rotate, tag the secret {ROTATION_EXEMPTION_TAG} with "
                         f"one of {allowed}.", secret.urn)


secretsmanager_secret_rotation = StackValidationPolicy(
    name="secretsmanager-secret-rotation",
    description="Every Secrets Manager secret rotates at least every maxRotationDays, or carries an accepted "
                "RotationExemption reason.",
    validate=_validate_rotation,
    severity=Severity.MEDIUM,
    framework=framework(SOC2, "CC6.2"),
    remediation_steps="Add an aws:secretsmanager/secretRotation:SecretRotation with secretId the secret's ARN, a "
                      "rotationLambdaArn (or a managed rotation) and rotationRules.automaticallyAfterDays (or a "
                      "rate()/cron() scheduleExpression) no longer than maxRotationDays. A secret whose type cannot "
                      "rotate carries the tag RotationExemption on the secret itself, set to "
                      "aurora-global-database-master (Aurora global database master credentials, applications on "
                      "IAM authentication) or third-party-issued (a key the issuer rotates).",
    config_schema=PolicyConfigSchema(properties={
        "maxRotationDays": {"type": "number", "minimum": 1, "maximum": 365, "default": DEFAULT_MAX_ROTATION_DAYS,
                            "description": "Longest interval between two rotations of a secret, in days."},
    }),
)

POLICIES = [secretsmanager_secret_rotation]
