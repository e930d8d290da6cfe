"""Who a resource policy lets in: statements whose principal is anyone (or anyone's account), and conditions that
genuinely pin such a statement to an account, organization or network. Shared by the KMS key-policy check
(encryption_keys.py) and the public-exposure policies (bucket policies, Lambda permissions).

"Restricting" follows what AWS itself calls non-public (S3 "The meaning of public", the Block Public Access
documentation): a wildcard principal is acceptable only when a condition key from a known set is pinned to fixed
values. Fixed means no wildcard and no policy variable, with a positive operator that cannot match when the key is
absent: not a Not* operator, not ...IfExists, not Null, and not ForAllValues (which is true for a request that
lacks the key altogether). An ARN-valued key may keep wildcards after a fixed 12-digit account, since that still
confines the grant to one account ("arn:aws:events:*:111122223333:rule/*").
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Iterable

from drguard.common import as_list, statements

ACCOUNT_ID = re.compile(r"^\d{12}$")
# Condition keys whose values are ARNs: a fixed account inside the ARN is enough to restrict.
ARN_KEYS = {"aws:sourcearn", "aws:principalarn"}


def is_fixed(value: Any) -> bool:
    """A literal value: no wildcard, no policy variable."""
    return isinstance(value, str) and bool(value.strip()) and not any(c in value for c in "*?") and "${" not in value


def arn_account(value: Any) -> str:
    """The account field of an ARN ('' when the ARN has none, as S3 bucket ARNs do; '' when not an ARN)."""
    if not isinstance(value, str) or not value.startswith("arn:"):
        return ""
    parts = value.split(":")
    return parts[4] if len(parts) > 5 else ""


def pins_account(arn: Any) -> bool:
    """An ARN whose account field is a fixed account id, whatever wildcards follow it."""
    return bool(ACCOUNT_ID.match(arn_account(arn)))


def _value_restricts(key: str, value: Any) -> bool:
    return is_fixed(value) or (key in ARN_KEYS and pins_account(value))


def is_public_principal_value(kind: str, value: Any) -> bool:
    """One principal entry grants anyone: "*" of any kind, or an AWS principal with a wildcard anywhere (AWS does
    not match partial wildcards in principals, so "arn:aws:iam::*:root" can only be read as "every account")."""
    if not isinstance(value, str):
        return False
    text = value.strip()
    return text == "*" or (kind == "AWS" and "*" in text)


def has_public_principal(statement: Mapping[str, Any]) -> bool:
    """The statement's principal is everyone: "*", ["*"], {"AWS": "*"}, {"AWS": ["*"]}, a wildcard account ARN,
    or NotPrincipal (Allow + NotPrincipal grants everyone but those listed)."""
    if "NotPrincipal" in statement:
        return True
    principal = statement.get("Principal")
    if isinstance(principal, Mapping):
        return any(is_public_principal_value(str(kind), value)
                   for kind, values in principal.items() for value in as_list(values))
    return any(is_public_principal_value("AWS", value) for value in as_list(principal))


def has_restricting_condition(statement: Mapping[str, Any], keys: Iterable[str]) -> bool:
    """The statement's Condition pins one of `keys` (any case) to fixed values with an operator that cannot match a
    request lacking the key."""
    wanted = {str(k).lower() for k in keys}
    condition = statement.get("Condition")
    if not isinstance(condition, Mapping):
        return False
    for operator, tests in condition.items():
        op = str(operator)
        if ("Not" in op or op.endswith("IfExists") or op == "Null" or op.startswith("ForAllValues:")
                or not isinstance(tests, Mapping)):
            continue
        for key, values in tests.items():
            name = str(key).lower()
            listed = as_list(values)
            if name in wanted and listed and all(_value_restricts(name, v) for v in listed):
                return True
    return False


def open_statements(document: Any, keys: Iterable[str]) -> list[tuple[int, Mapping[str, Any]]]:
    """(index, statement) of each Allow statement open to everyone that no condition on `keys` restricts."""
    keys = list(keys)
    return [(index, statement) for index, statement in enumerate(statements(document))
            if statement.get("Effect") == "Allow" and has_public_principal(statement)
            and not has_restricting_condition(statement, keys)]


def describe(index: int, statement: Mapping[str, Any]) -> str:
    """How a finding names a statement: its Sid (or position) and its actions."""
    actions = ", ".join(str(a) for a in as_list(statement.get("Action") or statement.get("NotAction")))
    return f"statement {statement.get('Sid') or index} ({actions or 'no actions listed'})"
