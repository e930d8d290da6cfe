"""Identity: no administrator wildcards in any policy a role can use, IAM authentication for Aurora."""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

from drguard.common import as_list, label, parse_json_text
from drguard.data_protection import RDS_CLUSTER
from drguard.frameworks import CIS, NIST, framework

# -- iam-no-wildcard-admin --------------------------------------------------------------------------------------

POLICY_DOCUMENT_TYPES = ("aws:iam/policy:Policy", "aws:iam/rolePolicy:RolePolicy", "aws:iam/userPolicy:UserPolicy",
                         "aws:iam/groupPolicy:GroupPolicy")
ROLE = "aws:iam/role:Role"
ATTACHMENTS = ("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "aws:iam/policyAttachment:PolicyAttachment",
               "aws:iam/userPolicyAttachment:UserPolicyAttachment",
               "aws:iam/groupPolicyAttachment:GroupPolicyAttachment")
ADMIN_POLICY = re.compile(r"^arn:aws[a-z-]*:iam::aws:policy/AdministratorAccess$")
ADMIN_ACTIONS = ("*", "*:*")


def _admin_statements(document: Any) -> list[str]:
    """Sids (or positions) of Allow statements granting Action * on Resource *."""
    document = parse_json_text(document)
    if not isinstance(document, Mapping):
        return []
    found = []
    for index, statement in enumerate(as_list(document.get("Statement"))):
        if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
            continue
        actions = [a.strip() for a in as_list(statement.get("Action")) if isinstance(a, str)]
        resources = [r.strip() for r in as_list(statement.get("Resource")) if isinstance(r, str)]
        if any(a in ADMIN_ACTIONS for a in actions) and "*" in resources:
            found.append(str(statement.get("Sid") or f"Statement[{index}]"))
    return found


def _wildcard_admin(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    props = args.props
    fix = "grant the specific actions on the specific resource ARNs the principal needs"
    if args.resource_type in POLICY_DOCUMENT_TYPES:
        statements = _admin_statements(props.get("policy"))
        if statements:
            report_violation(f"{label(args)} allows Action '*' on Resource '*' in "
                             f"{', '.join(statements)}: {fix}.", None)
    elif args.resource_type == ROLE:
        for index, inline in enumerate(as_list(props.get("inlinePolicies"))):
            if isinstance(inline, Mapping):
                statements = _admin_statements(inline.get("policy"))
                if statements:
                    report_violation(f"Role {args.name} inlinePolicies[{index}] ({inline.get('name')}) allows Action "
                                     f"'*' on Resource '*' in {', '.join(statements)}: {fix}.", None)
        for arn in as_list(props.get("managedPolicyArns")):
            if isinstance(arn, str) and ADMIN_POLICY.match(arn):
                report_violation(f"Role {args.name} lists {arn} in managedPolicyArns: remove it and {fix}.", None)
    elif args.resource_type in ATTACHMENTS:
        arn = props.get("policyArn")
        if isinstance(arn, str) and ADMIN_POLICY.match(arn):
            report_violation(f"{label(args)} attaches {arn}: attach a least-privilege policy "
                             f"instead ({fix}).", None)


iam_no_wildcard_admin = ResourceValidationPolicy(
    name="iam-no-wildcard-admin",
    description="No IAM policy, inline policy or attachment grants full administrative access (Action * on "
                "Resource *).",
    validate=_wildcard_admin,
    severity=Severity.CRITICAL,
    remediation_steps="Replace Allow statements with Action '*' (or '*:*') and Resource '*' by the specific actions "
                      "and resource ARNs needed, and remove attachments of arn:aws:iam::aws:policy/AdministratorAccess "
                      "(policyArn or managedPolicyArns).",
    framework=framework(CIS, "1.16"),
)


# -- aurora-iam-authentication ----------------------------------------------------------------------------------

def _iam_auth(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != RDS_CLUSTER or not args.props.get("masterUsername"):
        return
    if args.props.get("iamDatabaseAuthenticationEnabled") is not True:
        report_violation(f"Cluster {args.name} accepts only password logins: set "
                         "iamDatabaseAuthenticationEnabled: true so applications connect with IAM tokens.", None)


aurora_iam_authentication = ResourceValidationPolicy(
    name="aurora-iam-authentication",
    description="The primary Aurora cluster (the one with masterUsername) accepts IAM database authentication.",
    validate=_iam_auth,
    severity=Severity.MEDIUM,
    remediation_steps="Set iamDatabaseAuthenticationEnabled: true on the aws:rds/cluster:Cluster that sets "
                      "masterUsername, and grant rds-db:connect to the application role.",
    framework=framework(NIST, "IA-2"),
)

POLICIES = [iam_no_wildcard_admin, aurora_iam_authentication]
