"""IAM scope: no statement grants a whole service (or everything but a few actions) on any resource, and no
principal gets an AWS-managed administrator or *FullAccess policy. Administrator wildcards ("*" on "*" or on a
pattern ending in "*") are iam-no-wildcard-admin's, in identity.py; these policies cover the broad grants short of it.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs, Severity

from drguard.common import as_list, label, resource_policy, statements
from drguard.frameworks import PCI, framework
from drguard.identity import ADMIN_ACTIONS, ATTACHMENTS, POLICY_DOCUMENT_TYPES, ROLE, administers

# Exclusive attachment resources (pulumi-aws 6.5+) carry a list of ARNs instead of one.
EXCLUSIVE_ATTACHMENTS = ("aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
                         "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive",
                         "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive")
WILDCARD = re.compile(r"^[*?]+$")


# -- iam-no-service-wide-actions ------------------------------------------------------------------------------------

def _service_wide(action: str) -> bool:
    """An action pattern that matches every kind of action of a service, or of several services.

    Decided here (cdk-nag's IAMPolicyNoStatementsWithFullAccess flags "<service>:*" on any resource; AwsSolutions-IAM5
    flags any wildcard at all): a wildcard in the service part ("*:Get*") spans services, and an action part that
    starts with a wildcard ("s3:*", "s3:*Object", "iam:*Policy*") matches every verb (read, write, delete, permission
    changes) of the actions it names, so nothing limits it to one kind of access. A verb prefix ("s3:Get*",
    "logs:Put*") keeps the grant to one kind of access and is not reported.
    """
    service, sep, name = action.strip().lower().partition(":")
    if not sep:
        return False
    return "*" in service or "?" in service or name[:1] in ("*", "?")


def _broad_grants(document: Any) -> list[str]:
    """The Allow statements of a policy document that grant a service-wide action, or NotAction, on any resource:
    full access to a named table is still every permission and deletion action on it, which the owner of the data
    rarely needs and an attacker who takes the role always wants. Action "*" is reported here only where
    iam-no-wildcard-admin does not report it (a resource that does not end in a wildcard), so one grant is one
    finding."""
    found = []
    for index, statement in enumerate(statements(document)):
        if statement.get("Effect") != "Allow":
            continue
        sid = str(statement.get("Sid") or f"Statement[{index}]")
        resources = [r for r in as_list(statement.get("Resource")) if isinstance(r, str)]
        administered = "NotResource" in statement or any(administers(r) for r in resources)
        if "NotAction" in statement:
            excluded = [a for a in as_list(statement.get("NotAction")) if isinstance(a, str)]
            if any(WILDCARD.match(a.strip()) for a in excluded):
                continue  # NotAction "*" grants nothing
            found.append(f"{sid} (Allow with NotAction {', '.join(excluded)}: every other action)")
            continue
        actions = [a for a in as_list(statement.get("Action")) if isinstance(a, str)]
        wide = [a for a in actions if (not administered if a.strip() in ADMIN_ACTIONS else _service_wide(a))]
        if wide:
            found.append(f"{sid} ({', '.join(wide)})")
    return found


def _service_wildcards(args: ResourceValidationArgs) -> list[str]:
    fix = "Fix: list the specific actions the principal needs."
    if args.resource_type in POLICY_DOCUMENT_TYPES:
        grants = _broad_grants(args.props.get("policy"))
        return [f"{label(args)} grants service-wide actions in {'; '.join(grants)}. {fix}"] if grants else []
    findings = []
    for index, inline in enumerate(as_list(args.props.get("inlinePolicies"))):
        if isinstance(inline, Mapping):
            grants = _broad_grants(inline.get("policy"))
            if grants:
                findings.append(f"Role {args.name} inlinePolicies[{index}] ({inline.get('name')}) grants "
                                f"service-wide actions in {'; '.join(grants)}. {fix}")
    return findings


iam_no_service_wide_actions = resource_policy(
    name="iam-no-service-wide-actions",
    description="No IAM policy allows a whole service (such as s3:* or dynamodb:*), every action, or every action but "
                "a few (NotAction), on any resource.",
    types=(*POLICY_DOCUMENT_TYPES, ROLE),
    check=_service_wildcards,
    severity=Severity.HIGH,
    framework=framework(PCI, "7.2.5"),
    remediation="In aws.iam.Policy, RolePolicy, UserPolicy, GroupPolicy and a Role's inlinePolicies, replace Allow "
                "statements whose Action is \"*\" or a service-wide wildcard (\"<service>:*\", \"s3:*Object*\", "
                "\"*:Get*\"), or that use NotAction, with the specific actions needed, whatever the Resource.",
)


# -- iam-no-aws-managed-admin-policies --------------------------------------------------------------------------

AWS_MANAGED = re.compile(r"^arn:aws[a-z-]*:iam::aws:policy/(?P<path>(?:[^/]+/)*)(?P<name>[^/]+)$")
# AWS-managed policies that grant administration of the account or of a whole service. Service-role policies
# (paths service-role/ and aws-service-role/) are written for one AWS service to assume and are not reported.
BROAD_MANAGED_NAMES = re.compile(r"^(AdministratorAccess.*|PowerUserAccess|IAMFullAccess|.*FullAccess.*|"
                                 r"SystemAdministrator|NetworkAdministrator|DatabaseAdministrator)$")
SERVICE_ROLE_PATHS = ("service-role/", "aws-service-role/")


def broad_managed_policy(arn: Any) -> bool:
    if not isinstance(arn, str):
        return False
    match = AWS_MANAGED.match(arn.strip())
    if not match or match.group("path").startswith(SERVICE_ROLE_PATHS):
        return False
    return bool(BROAD_MANAGED_NAMES.match(match.group("name")))


def _managed_admin(args: ResourceValidationArgs) -> list[str]:
    props = args.props
    if args.resource_type == ROLE:
        arns, where = as_list(props.get("managedPolicyArns")), "lists in managedPolicyArns"
    elif args.resource_type in EXCLUSIVE_ATTACHMENTS:
        arns, where = as_list(props.get("policyArns")), "attaches"
    else:
        arns, where = [props.get("policyArn")], "attaches"
    broad = [arn for arn in arns if broad_managed_policy(arn)]
    if not broad:
        return []
    return [f"{label(args)} {where} the AWS-managed broad {'policy' if len(broad) == 1 else 'policies'} "
            f"{', '.join(broad)}. Fix: attach a customer-managed policy (or inline policy) granting only the "
            "actions and resources this principal needs."]


iam_no_aws_managed_admin = resource_policy(
    name="iam-no-aws-managed-admin-policies",
    description="No role, user or group gets an AWS-managed administrator, power-user or *FullAccess policy.",
    types=(ROLE, *ATTACHMENTS, *EXCLUSIVE_ATTACHMENTS),
    check=_managed_admin,
    severity=Severity.HIGH,
    framework=framework(PCI, "7.2.1"),
    remediation="Remove arn:aws:iam::aws:policy/AdministratorAccess, PowerUserAccess, IAMFullAccess, any "
                "*FullAccess policy and the job-function administrator policies from rolePolicyAttachment, "
                "policyAttachment, user/group attachments and managedPolicyArns; grant a least-privilege "
                "customer-managed policy instead (AWS service-role/ policies for AWS services remain fine).",
)

POLICIES = [iam_no_service_wide_actions, iam_no_aws_managed_admin]
