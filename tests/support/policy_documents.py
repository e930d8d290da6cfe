"""The policy documents of a program's resource graph, by kind: what tests/integration/infra/test_policy_documents_lint.py
lints (IAM role trust and inline policies, KMS key, bucket, topic, queue, vault and secret policies, Lambda
permissions as the statement Lambda adds to the function's policy)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterator

from drkit.graph.mocks import ACCOUNT_ID
from drkit.graph.resource_graph import UNKNOWN, Resource
from tests.support.architecture import stack

IDENTITY = "identity"
RESOURCE_KINDS = ("trust", "key", "bucket", "topic", "queue", "vault", "secret", "lambda", "resource")
KINDS = (IDENTITY, *RESOURCE_KINDS)
LAMBDA_PERMISSION = "aws:lambda/permission:Permission"
# Inputs that hold a policy document, by resource type: (input path, kind); "[]" walks every element of a list.
DOCUMENT_INPUTS: dict[str, tuple[tuple[str, str], ...]] = {
    "aws:iam/role:Role": (("assumeRolePolicy", "trust"), ("inlinePolicies[].policy", IDENTITY)),
    "aws:iam/rolePolicy:RolePolicy": (("policy", IDENTITY),),
    "aws:iam/policy:Policy": (("policy", IDENTITY),),
    "aws:iam/userPolicy:UserPolicy": (("policy", IDENTITY),),
    "aws:iam/groupPolicy:GroupPolicy": (("policy", IDENTITY),),
    "aws:kms/key:Key": (("policy", "key"),),
    "aws:kms/replicaKey:ReplicaKey": (("policy", "key"),),
    "aws:s3/bucketPolicy:BucketPolicy": (("policy", "bucket"),),
    "aws:s3/bucket:Bucket": (("policy", "bucket"),),
    "aws:sns/topicPolicy:TopicPolicy": (("policy", "topic"),),
    "aws:sns/topic:Topic": (("policy", "topic"),),
    "aws:sqs/queuePolicy:QueuePolicy": (("policy", "queue"),),
    "aws:sqs/queue:Queue": (("policy", "queue"),),
    "aws:backup/vaultPolicy:VaultPolicy": (("policy", "vault"),),
    "aws:secretsmanager/secretPolicy:SecretPolicy": (("policy", "secret"),),
    "aws:secretsmanager/secret:Secret": (("policy", "secret"),),
    "aws:ec2/vpcEndpoint:VpcEndpoint": (("policy", "resource"),),
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": (("policyDocument", "resource"),),
}
# The documents each stack has today, per kind (counted when the lint was written): fewer linted means the lint
# lost some (a type token renamed, a document the mocks leave unknown) or the program dropped a policy; recount
# when that is intended. More is fine.


# -- the documents of a graph ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Document:
    stack: str
    kind: str
    type: str
    resource: str  # the resource's Pulumi name
    field: str  # the input it came from, "inlinePolicies[0].policy"
    text: str | None  # the JSON document; None when a value of it is unknown under the mocks
    implicit_resource: str | None = None  # trust policies: the role, which IAM evaluates the policy against

    @property
    def is_resource_policy(self) -> bool:
        return self.kind != IDENTITY


def _values_at(value: Any, path: list[str]) -> Iterator[tuple[str, Any]]:
    if not path:
        yield "", value
        return
    head, rest = path[0], path[1:]
    if head.endswith("[]"):
        items = value.get(head[:-2]) if isinstance(value, dict) else None
        for index, item in enumerate(items if isinstance(items, list) else []):
            for sub, found in _values_at(item, rest):
                yield f"{head[:-2]}[{index}]" + (f".{sub}" if sub else ""), found
    elif isinstance(value, dict) and value.get(head) is not None:
        for sub, found in _values_at(value[head], rest):
            yield head + (f".{sub}" if sub else ""), found


def text_of(value: Any) -> str | None:
    """The document as JSON text; None when the mocks left any part of it unknown."""
    text = value if isinstance(value, str) else json.dumps(value)
    return None if UNKNOWN in text else text


def _role_arn(role: Resource) -> str:
    path = role.inputs.get("path") or "/"
    return f"arn:aws:iam::{ACCOUNT_ID}:role{path}{role.inputs.get('name') or role.name}"


def _lambda_permission_statement(permission: Resource, region: str | None) -> str | None:
    """The statement Lambda's AddPermission writes into the function's resource policy (as GetPolicy shows it)."""
    inputs = permission.inputs
    function, principal = str(inputs.get("function", "")), str(inputs.get("principal", ""))
    arn = function if function.startswith("arn:") else f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{function}"
    if inputs.get("qualifier"):
        arn += f":{inputs['qualifier']}"
    who: Any = "*" if principal == "*" else (
        {"Service": principal} if principal.endswith(".amazonaws.com") else {"AWS": principal})
    condition: dict[str, dict[str, Any]] = {}
    if inputs.get("sourceArn"):
        condition.setdefault("ArnLike", {})["AWS:SourceArn"] = inputs["sourceArn"]
    if inputs.get("sourceAccount"):
        condition.setdefault("StringEquals", {})["AWS:SourceAccount"] = inputs["sourceAccount"]
    if inputs.get("principalOrgId"):
        condition.setdefault("StringEquals", {})["aws:PrincipalOrgID"] = inputs["principalOrgId"]
    statement = {"Effect": "Allow", "Principal": who, "Action": inputs.get("action"), "Resource": arn}
    if condition:
        statement["Condition"] = condition
    return text_of({"Version": "2012-10-17", "Statement": [statement]})


def documents(name: str) -> list[Document]:
    s = stack(name)
    found = []
    for type_token, inputs in DOCUMENT_INPUTS.items():
        for resource in s.of(type_token):
            for path, kind in inputs:
                for field, value in _values_at(resource.inputs, path.split(".")):
                    found.append(Document(name, kind, type_token, resource.name, field, text_of(value),
                                          _role_arn(resource) if kind == "trust" else None))
    for permission in s.of(LAMBDA_PERMISSION):
        found.append(Document(name, "lambda", LAMBDA_PERMISSION, permission.name, "(statement)",
                              _lambda_permission_statement(permission, s.region(permission))))
    return found


def policy_like_inputs(resource: Resource) -> Iterator[str]:
    """Paths ("inlinePolicies[].policy") of the inputs that hold a JSON policy document (an object with a Statement)."""
    def walk(value: Any, path: str) -> Iterator[str]:
        if isinstance(value, dict):
            if "Statement" in value:
                yield path
            for key, item in value.items():
                yield from walk(item, f"{path}.{key}" if path else key)
        elif isinstance(value, list):
            for item in value:
                yield from walk(item, f"{path}[]")
        elif isinstance(value, str) and value.lstrip().startswith("{") and "Statement" in value:
            try:
                parsed = json.loads(value)
            except ValueError:
                return
            if isinstance(parsed, dict) and "Statement" in parsed:
                yield path
    yield from walk(resource.inputs, "")
