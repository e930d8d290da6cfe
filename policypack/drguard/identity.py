"""Identity: no administrator wildcards in any policy a role can use, IAM authentication for every Aurora cluster."""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

from drguard.common import as_list, is_true, label, statements
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


def administers(resource: str) -> bool:
    """Every action on this resource is administrative: "*" itself, or any pattern ending in a wildcard
    ("arn:aws:s3:::*", "arn:aws:s3:::bucket/*"), which cdk-nag's IAMPolicyNoStatementsWithAdminAccess (read in
    cdklabs/cdk-nag src/rules/iam) treats as admin access too: every action, including the permission and deletion
    ones, on everything that matches. An exact ARN ("arn:aws:s3:::bucket") is not: that is one resource's owner."""
    return resource.strip().endswith("*")


def _admin_statements(document: Any) -> list[str]:
    """The Allow statements granting administrative access, each as its Sid (or position) and what it grants:
    Action "*" (or "*:*"), or NotAction (every action but the listed ones), on "*", on a resource pattern ending in
    a wildcard, or with NotResource (everything but the listed resources)."""
    found = []
    for index, statement in enumerate(statements(document)):
        if statement.get("Effect") != "Allow":
            continue
        resources = [r.strip() for r in as_list(statement.get("Resource")) if isinstance(r, str)]
        wildcards = [r for r in resources if administers(r)]
        if "NotResource" in statement:
            wildcards = ["all but the NotResource"]
        if not wildcards:
            continue
        if "NotAction" in statement:
            excluded = [a.strip() for a in as_list(statement.get("NotAction")) if isinstance(a, str)]
            if any(a in ADMIN_ACTIONS for a in excluded):
                continue  # NotAction "*" leaves nothing to grant
            granted = f"NotAction {', '.join(excluded) or '[]'} (every other action)"
        elif any(a.strip() in ADMIN_ACTIONS for a in as_list(statement.get("Action")) if isinstance(a, str)):
            granted = "Action *"
        else:
            continue
        found.append(f"{statement.get('Sid') or f'Statement[{index}]'} ({granted} on {', '.join(wildcards)})")
    return found


def _wildcard_admin(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    props = args.props
    fix = "grant the specific actions on the specific resource ARNs the principal needs"
    if args.resource_type in POLICY_DOCUMENT_TYPES:
        grants = _admin_statements(props.get("policy"))
        if grants:
            report_violation(f"{label(args)} grants administrative access in {'; '.join(grants)}: {fix}.", None)
    elif args.resource_type == ROLE:
        for index, inline in enumerate(as_list(props.get("inlinePolicies"))):
            if isinstance(inline, Mapping):
                grants = _admin_statements(inline.get("policy"))
                if grants:
                    report_violation(f"Role {args.name} inlinePolicies[{index}] ({inline.get('name')}) grants "
                                     f"administrative access in {'; '.join(grants)}: {fix}.", None)
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
    description="No IAM policy, inline policy or attachment grants administrative access (Action * on Resource * "
                "or on any resource pattern ending in a wildcard, NotAction on such resources, AdministratorAccess).",
    validate=_wildcard_admin,
    severity=Severity.CRITICAL,
    remediation_steps="Replace Allow statements with Action '*' (or '*:*') on Resource '*', on a resource pattern "
                      "ending in '*' (such as arn:aws:s3:::bucket/*) or with NotResource, and Allow statements with "
                      "NotAction on such resources, by the specific actions and resource ARNs needed; remove "
                      "attachments of arn:aws:iam::aws:policy/AdministratorAccess (policyArn or managedPolicyArns).",
    framework=framework(CIS, "1.16"),
)


# -- aurora-iam-authentication ----------------------------------------------------------------------------------

def _is_aurora(engine: Any) -> bool:
    """aurora, aurora-mysql, aurora-postgresql. A cluster without an engine is left out, as cdk-nag's
    AuroraMySQLPostgresIAMAuth leaves it (pulumi-aws requires one); Multi-AZ DB clusters of mysql/postgres are not
    Aurora."""
    return isinstance(engine, str) and "aurora" in engine.strip().lower()


def _iam_auth(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    # Every Aurora cluster, not only the one that sets masterUsername: a secondary member of a global database
    # inherits its users from the primary and becomes the writer on failover, so it must accept the same IAM tokens.
    if args.resource_type != RDS_CLUSTER or not _is_aurora(args.props.get("engine")):
        return
    if not is_true(args.props.get("iamDatabaseAuthenticationEnabled")):
        member = " (a global database member serves writes after a failover)" if args.props.get(
            "globalClusterIdentifier") else ""
        report_violation(f"Aurora cluster {args.name}{member} accepts only password logins: set "
                         "iamDatabaseAuthenticationEnabled: true so applications connect with IAM tokens.", None)


aurora_iam_authentication = ResourceValidationPolicy(
    name="aurora-iam-authentication",
    description="Every Aurora cluster, primary or secondary member of a global database, accepts IAM database "
                "authentication.",
    validate=_iam_auth,
    severity=Severity.MEDIUM,
    remediation_steps="Set iamDatabaseAuthenticationEnabled: true on every aws:rds/cluster:Cluster whose engine is "
                      "aurora, aurora-mysql or aurora-postgresql (the secondary clusters of a global database too), "
                      "and grant rds-db:connect to the application role.",
    framework=framework(NIST, "IA-2"),
)

POLICIES = [iam_no_wildcard_admin, aurora_iam_authentication]
