"""Stack consistency: each set of a role's policies, and each direction of a security group's rules, has one owner.

pulumi-aws lets both be declared in two ways: inline on the role or group (inlinePolicies / managedPolicyArns,
ingress / egress), or as standalone resources (aws:iam/rolePolicy, rolePolicyAttachment, policyAttachment;
aws:vpc/securityGroupIngressRule / EgressRule, aws:ec2/securityGroupRule). The inline form is exclusive: on every
update the provider makes the role or group match its list and removes whatever the standalone resources added,
which they add back on their next update. Grants and firewall rules then flap with each deployment (the provider's
notes on aws.iam.Role and aws.ec2.SecurityGroup warn of exactly this; AWSGuard's iam-role-no-policy-management-
conflicts and security-group-no-rule-management-conflicts, read in pulumi/pulumi-policy-aws src/iam.ts and
src/compute.ts, report it).

A standalone resource targets a role or group when the engine recorded its `role`/`roles`/`roleName` or
`securityGroupId` input as computed from it, or, for roles, when the input equals the role's own `name`.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Optional

from pulumi_policy import PolicyResource, ReportViolation, Severity, StackValidationArgs, StackValidationPolicy

from drguard.common import as_list, depends_through, label, of_type
from drguard.frameworks import NIST, framework
from drguard.identity import ROLE

# -- iam-role-policy-management-conflict --------------------------------------------------------------------------

INLINE_POLICIES = "inlinePolicies"
MANAGED_POLICY_ARNS = "managedPolicyArns"
# Standalone resource type -> (the input naming the role or roles, the role inputs it conflicts with). The role's
# note in pulumi-aws: inlinePolicies or managedPolicyArns "are incompatible with other ways of managing a role's
# policies, such as aws.iam.PolicyAttachment, aws.iam.RolePolicyAttachment, and aws.iam.RolePolicy". The exclusive
# resources fight only the inline list of their own kind (both claim to own it).
ROLE_POLICY_MANAGERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "aws:iam/rolePolicy:RolePolicy": ("role", (INLINE_POLICIES, MANAGED_POLICY_ARNS)),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": ("role", (INLINE_POLICIES, MANAGED_POLICY_ARNS)),
    "aws:iam/policyAttachment:PolicyAttachment": ("roles", (INLINE_POLICIES, MANAGED_POLICY_ARNS)),
    "aws:iam/rolePoliciesExclusive:RolePoliciesExclusive": ("roleName", (INLINE_POLICIES,)),
    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive": ("roleName", (MANAGED_POLICY_ARNS,)),
}


def _declared_policy_sets(role: PolicyResource) -> dict[str, str]:
    """The role inputs that claim exclusive ownership of its policies, each with what it declares.

    managedPolicyArns owns the attachments as soon as it is a list, an empty one included ("Configuring an empty
    set will cause Pulumi to remove all managed policy attachments"). inlinePolicies owns the inline policies when it
    has an entry; one empty entry removes them all, and an empty list leaves them unmanaged."""
    declared = {}
    managed = role.props.get(MANAGED_POLICY_ARNS)
    if managed is not None and not isinstance(managed, (str, Mapping)):
        arns = as_list(managed)
        declared[MANAGED_POLICY_ARNS] = (f"{MANAGED_POLICY_ARNS} ({len(arns)} ARN{'s' if len(arns) != 1 else ''})"
                                         if arns else f"{MANAGED_POLICY_ARNS}: [] (detaches every managed policy)")
    inline = as_list(role.props.get(INLINE_POLICIES))
    if inline:
        names = [str(p.get("name")) for p in inline if isinstance(p, Mapping) and p.get("name")]
        declared[INLINE_POLICIES] = (f"{INLINE_POLICIES} ({', '.join(names)})" if names
                                     else f"{INLINE_POLICIES} with an empty entry (removes every inline policy)")
    return declared


def _targets_role(manager: PolicyResource, prop: str, role: PolicyResource) -> bool:
    name = role.props.get("name")
    named = isinstance(name, str) and bool(name) and name in as_list(manager.props.get(prop))
    return named or depends_through(manager, prop, role)


def _role_conflicts(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    resources = list(args.resources)
    roles = [(role, _declared_policy_sets(role)) for role in of_type(resources, ROLE)]
    roles = [(role, declared) for role, declared in roles if declared]
    if not roles:
        return
    for manager in of_type(resources, *ROLE_POLICY_MANAGERS):
        prop, fights = ROLE_POLICY_MANAGERS[manager.resource_type]
        for role, declared in roles:
            conflicting = [declared[key] for key in fights if key in declared]
            if conflicting and _targets_role(manager, prop, role):
                report_violation(
                    f"{label(manager)} manages policies of role {role.name}, which declares "
                    f"{' and '.join(conflicting)} and so owns them exclusively: each update of one removes what the "
                    "other granted. Fix: manage the role's policies one way only, either drop "
                    f"{'/'.join(k for k in fights if k in declared)} from the role or fold this resource into it.",
                    manager.urn)


iam_role_policy_management_conflict = StackValidationPolicy(
    name="iam-role-policy-management-conflict",
    description="No aws:iam/rolePolicy, rolePolicyAttachment or policyAttachment targets a role that also declares "
                "inlinePolicies or managedPolicyArns (two owners of the same grants undo each other).",
    validate=_role_conflicts,
    severity=Severity.MEDIUM,
    remediation_steps="For each role choose one way to manage its policies: either remove inlinePolicies and "
                      "managedPolicyArns from the aws.iam.Role (an empty managedPolicyArns list counts: it detaches "
                      "everything) and keep the standalone aws.iam.RolePolicy / RolePolicyAttachment / "
                      "PolicyAttachment resources, or move those grants into the role's inlinePolicies / "
                      "managedPolicyArns and delete the standalone resources. RolePoliciesExclusive and "
                      "RolePolicyAttachmentsExclusive replace the role's inline lists, never join them.",
    framework=framework(NIST, "CM-6"),
)


# -- security-group-rule-management-conflict ----------------------------------------------------------------------

SECURITY_GROUP_TYPES = ("aws:ec2/securityGroup:SecurityGroup", "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
DIRECTIONS = ("ingress", "egress")


def _direction(rule: PolicyResource) -> Optional[str]:
    if rule.resource_type == INGRESS_RULE:
        return "ingress"
    if rule.resource_type == EGRESS_RULE:
        return "egress"
    kind = rule.props.get("type")
    return kind.strip().lower() if isinstance(kind, str) and kind.strip().lower() in DIRECTIONS else None


def _inline_rules(group: PolicyResource, direction: str) -> Optional[str]:
    """What the group declares inline for `direction`, or None when it leaves that direction to other resources.

    The inline lists are exclusive as soon as they are given: an empty list is how a program removes every rule of
    that direction (pulumi-aws processes ingress/egress in attributes-as-blocks mode), so it conflicts too."""
    value = group.props.get(direction)
    if value is None or isinstance(value, (str, Mapping)):
        return None
    count = len(as_list(value))
    return f"{count} inline {direction} rule{'s' if count != 1 else ''}" if count else f"{direction}: [] (no rules)"


def _group_conflicts(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    resources = list(args.resources)
    groups = of_type(resources, *SECURITY_GROUP_TYPES)
    if not groups:
        return
    for rule in of_type(resources, INGRESS_RULE, EGRESS_RULE, SECURITY_GROUP_RULE):
        direction = _direction(rule)
        if direction is None:
            continue
        for group in groups:
            inline = _inline_rules(group, direction)
            if inline is not None and depends_through(rule, "securityGroupId", group):
                report_violation(
                    f"{label(rule)} adds a standalone {direction} rule to security group {group.name}, which "
                    f"declares {inline} and so owns its {direction} rules exclusively: each update of the group "
                    f"removes this rule and the next update of the rule adds it back. Fix: drop `{direction}` from "
                    "the group and keep every rule of that direction as its own aws:vpc/securityGroup"
                    f"{direction.capitalize()}Rule, or move this rule inline.", rule.urn)


security_group_rule_management_conflict = StackValidationPolicy(
    name="security-group-rule-management-conflict",
    description="No standalone security group rule (aws:vpc/securityGroupIngressRule / EgressRule, "
                "aws:ec2/securityGroupRule) targets a security group that declares inline rules of the same direction.",
    validate=_group_conflicts,
    severity=Severity.MEDIUM,
    remediation_steps="For each security group manage each direction one way: remove the group's inline `ingress` "
                      "(or `egress`) list, an empty one included, and declare every rule of that direction as an "
                      "aws.vpc.SecurityGroupIngressRule / SecurityGroupEgressRule (one CIDR or referenced group per "
                      "rule), or move the standalone aws.ec2.SecurityGroupRule / vpc rule resources into the inline "
                      "list and delete them.",
    framework=framework(NIST, "SC-7"),
)

POLICIES = [iam_role_policy_management_conflict, security_group_rule_management_conflict]
