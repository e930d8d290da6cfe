"""Every policy document in the program's resource graph is linted with parliament, against reviewed exceptions.

What: for each stack of STACKS, the real program's resource graph under the Pulumi mock runtime
(tests/support/architecture.py) is searched for policy documents: the trust policy and inline policies of each IAM
role, each role, user, group and managed policy, each KMS key and replica key policy, each bucket, topic, queue,
backup vault and secret policy, and each Lambda permission (as the statement Lambda adds to the function's policy).
Each one goes through parliament (Duo Labs' IAM policy linter, pinned in requirements-dev.txt). A finding fails the
test unless an entry of compliance/policy-lint-exceptions.yaml covers it; an entry without a reason, or one that
matches no finding of any stack any more, fails too.

Why: the architecture tests and the policy pack check which resources exist and how they refer to each other; none
reads the policy documents themselves. IAM accepts a misspelt action, a resource ARN no action of the statement
can use or a condition key the action never sends, and each leaves a grant that silently does nothing or does more
than meant. parliament knows every action, resource type and condition key of its bundled IAM database.

How parliament is called (its API as read in parliament 1.6.4's source, parliament/__init__.py and policy.py):
  parliament.analyze_policy_string(policy_str, filepath=None, ignore_private_auditors=False,
      private_auditors_custom_path=None, include_community_auditors=False, config=None) -> parliament.policy.Policy
  Policy.findings -> [Finding(issue, detail, location)]; parliament.enhance_finding(finding) adds the severity from
  parliament.config, which parliament.override_config(path) extends with the community auditors' issue codes (as
  parliament's CLI does for --include-community-auditors).
parliament 1.6.4 has no switch for resource policies (no is_resource_policy parameter): it checks a statement's
Principal whenever one is present (Statement._check_principal) and requires a Resource in every statement. So:
  - identity documents run with include_community_auditors=True: privilege escalation, permissions management,
    credentials exposure and the rest judge what the principal holding the policy may do;
  - resource documents (trust, key, bucket, topic, queue, vault, secret policies, Lambda permissions) run without
    them, since those auditors read a resource policy as if its actions were the holder's own (every trust policy
    "exposes credentials" through sts:AssumeRole); the two community auditors written for resource policies too,
    advanced_policy_elements (NotPrincipal/NotResource with Allow) and single_value_condition_too_permissive, are
    run through their audit(policy), as Policy.analyze runs them;
  - a trust policy has no Resource element: IAM evaluates it against the role it belongs to, so the lint adds that
    role's ARN as each statement's Resource before parliament reads it (RESOURCE_IN_TRUST_POLICY reports one the
    program wrote itself);
  - checks of the test's own (LOCAL_ISSUES) tell the two kinds apart as IAM does: no Principal in an identity
    policy, a Principal in every resource-policy statement, and no Allow to everyone without a condition.
Values the mocks cannot compute would appear as the engine's UNKNOWN placeholder; a document holding one cannot be
linted, so it is skipped and counted, and test_the_expected_documents_are_present_and_linted fails when the linted
documents of a kind fall below what the program has today.
"""
from __future__ import annotations

import json

import pytest
import yaml

from drkit.graph.mocks import ACCOUNT_ID
from drkit.graph.resource_graph import UNKNOWN, Resource
from tests.support.architecture import EDITED, STACKS, stack
from tests.support.policy_documents import DOCUMENT_INPUTS, IDENTITY, Document, policy_like_inputs, text_of
from tests.support.policy_lint import (EXCEPTIONS_FILE, Finding, lint_document, lint_stack, parse_exceptions,
                                       problems_in_exceptions, reviewed_exceptions, stale, uncovered)
from tests.support.stacks import REPO

EXPECTED_AT_LEAST: dict[str, dict[str, int]] = {
    "dev": {"trust": 14, IDENTITY: 12, "key": 9, "bucket": 10, "topic": 3, "queue": 1, "vault": 2, "lambda": 2},
    "prod": {"trust": 15, IDENTITY: 12, "key": 8, "bucket": 10, "topic": 2, "queue": 1, "vault": 2, "lambda": 2},
    EDITED: {"trust": 13, IDENTITY: 10, "key": 9, "bucket": 10, "topic": 3, "queue": 1, "vault": 2, "lambda": 2},
}
# The test's own checks (parliament reads every document the same way): issue code -> (severity, what it means).


# -- the program's documents -----------------------------------------------------------------------------------------
def test_the_exceptions_file_is_well_formed():
    loaded = yaml.safe_load(EXCEPTIONS_FILE.read_text())
    assert isinstance(loaded, dict) and set(loaded) == {"exceptions"}, "the file holds one key, `exceptions`"
    assert problems_in_exceptions(loaded["exceptions"]) == []


@pytest.mark.parametrize("name", STACKS)
def test_every_policy_document_of_the_graph_is_collected(name):
    """An input holding a policy document that DOCUMENT_INPUTS does not name would escape the lint: none may."""
    s = stack(name)
    covered = {(type_token, path) for type_token, inputs in DOCUMENT_INPUTS.items() for path, _ in inputs}
    missed = sorted({f"{r.type} {r.name}.{path}" for r in s.graph.resources for path in policy_like_inputs(r)
                     if (r.type, path) not in covered})
    assert missed == [], "policy documents the lint does not read; add their inputs to DOCUMENT_INPUTS"


@pytest.mark.parametrize("name", STACKS)
def test_the_expected_documents_are_present_and_linted(name):
    result = lint_stack(name)
    skipped = [f"{d.kind} {d.resource}.{d.field}" for d in result.skipped]
    short = {kind: (result.linted[kind], floor) for kind, floor in EXPECTED_AT_LEAST[name].items()
             if result.linted[kind] < floor}
    assert short == {}, (f"linted fewer documents than the program has (kind: (linted, expected at least)); "
                         f"{len(skipped)} skipped as unknown under the mocks: {skipped}")
    assert sum(result.linted.values()) >= sum(EXPECTED_AT_LEAST[name].values())


@pytest.mark.parametrize("name", STACKS)
def test_policy_documents_pass_parliament_or_have_a_reviewed_exception(name):
    findings = uncovered(lint_stack(name).findings, reviewed_exceptions())
    assert not findings, (f"{len(findings)} finding(s) of parliament without a reviewed exception; fix the policy "
                          f"in the program, or, for a false positive only, add an entry with its reason to "
                          f"{EXCEPTIONS_FILE.relative_to(REPO)}:\n" + "\n".join(map(str, findings)))


def test_no_exception_is_stale():
    findings = [f for name in STACKS for f in lint_stack(name).findings]
    left = stale(reviewed_exceptions(), findings)
    assert not left, ("exceptions that match no finding of any stack any more; remove them from "
                      f"{EXCEPTIONS_FILE.relative_to(REPO)}: " + "; ".join(map(str, left)))


# -- the lint can fail -----------------------------------------------------------------------------------------------
def _identity(statements: list[dict]) -> Document:
    return Document("test", IDENTITY, "aws:iam/rolePolicy:RolePolicy", "ecommerce-test-app",
                    "policy", json.dumps({"Version": "2012-10-17", "Statement": statements}))


def _resource(kind: str, statements: list[dict], implicit: str | None = None) -> Document:
    return Document("test", kind, "aws:s3/bucketPolicy:BucketPolicy", f"ecommerce-test-{kind}", "policy",
                    json.dumps({"Version": "2012-10-17", "Statement": statements}), implicit)


def _issues(findings: list[Finding]) -> set[tuple[str, str | None]]:
    return {(f.issue, f.statement) for f in findings}


def test_the_lint_reports_an_over_broad_or_misspelt_identity_document():
    findings = lint_document(_identity([
        {"Sid": "Everything", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
    ]))
    assert {("RESOURCE_STAR", "Everything"), ("PERMISSIONS_MANAGEMENT_ACTIONS", None)} <= _issues(findings)
    misspelt = lint_document(_identity([
        {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObjects", "Resource": "arn:aws:s3:::bucket/*"},
    ]))
    assert ("UNKNOWN_ACTION", "Read") in _issues(misspelt)
    assert any("s3:GetObjects" in f.detail for f in misspelt)
    # ... and the reviewed exceptions do not hide either: the test above would fail on such a document.
    assert uncovered(findings, reviewed_exceptions()) and uncovered(misspelt, reviewed_exceptions())


def test_the_lint_reads_resource_policies_as_resource_policies():
    anyone = lint_document(_resource("bucket", [
        {"Sid": "Public", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::bucket/*"},
        {"Sid": "NoOne", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/*"},
        {"Sid": "Everyone", "Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"},
         "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/*"},
    ]))
    assert {("ALLOW_TO_ANYONE_WITHOUT_CONDITION", "Public"), ("NO_PRINCIPAL_IN_RESOURCE_POLICY", "NoOne"),
            ("NOTPRINCIPAL_WITH_ALLOW", "Everyone")} <= _issues(anyone)
    with_principal = lint_document(_identity([
        {"Sid": "Misplaced", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
         "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/*"},
    ]))
    assert ("PRINCIPAL_IN_IDENTITY_POLICY", "Misplaced") in _issues(with_principal)


def test_trust_policies_are_read_against_their_role():
    role = f"arn:aws:iam::{ACCOUNT_ID}:role/ecommerce-test-role"
    good = {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    assert lint_document(_resource("trust", [good], role)) == []  # no MALFORMED for the missing Resource
    bad = lint_document(_resource("trust", [
        {**good, "Sid": "Typo", "Action": "sts:AssumeRoles"},
        {**good, "Sid": "Stray", "Resource": "*"},
        {**good, "Sid": "Odd", "Principal": {"AWS": "someone"}},
    ], role))
    assert {("UNKNOWN_ACTION", "Typo"), ("RESOURCE_IN_TRUST_POLICY", "Stray")} <= _issues(bad)
    # parliament stops at the unknown action; the unknown principal shows alone.
    odd = lint_document(_resource("trust", [{**good, "Sid": "Odd", "Principal": {"AWS": "someone"}}], role))
    assert ("UNKNOWN_PRINCIPAL", "Odd") in _issues(odd)


def test_exception_problems_and_stale_entries_are_reported():
    entry = {"issue": "RESOURCE_STAR", "resource": "ecommerce-*-kms-*", "kind": "key",
             "reason": "A key policy's Resource is the key it is attached to, as AWS KMS documents."}
    assert problems_in_exceptions([entry]) == []
    assert problems_in_exceptions([{**entry, "reason": ""}])
    assert problems_in_exceptions([{k: v for k, v in entry.items() if k != "reason"}])
    assert problems_in_exceptions([{**entry, "resource": "*"}])
    assert problems_in_exceptions([{**entry, "issue": "NOT_AN_ISSUE"}])
    assert problems_in_exceptions([{**entry, "reson": "typo"}])
    assert problems_in_exceptions([entry, dict(entry)])
    exception = parse_exceptions([entry])[0]
    finding = Finding("dev", "key", "aws:kms/key:Key", "ecommerce-dev-kms-platform-primary", "policy",
                      "AccountAdministersKey", "RESOURCE_STAR", "LOW", '["kms:CreateAlias"]')
    assert uncovered([finding], [exception]) == [] and stale([exception], [finding]) == []
    elsewhere = Finding(**{**finding.__dict__, "kind": IDENTITY, "resource": "ecommerce-dev-app"})
    assert uncovered([elsewhere], [exception]) == [elsewhere] and stale([exception], [elsewhere]) == [exception]


def test_a_policy_input_the_lint_does_not_read_and_an_unknown_document_are_noticed():
    document = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ecr:*"}]})
    repository_policy = Resource(urn="urn:pulumi:test::p::aws:ecr/repositoryPolicy:RepositoryPolicy::r",
                                 type="aws:ecr/repositoryPolicy:RepositoryPolicy", name="r", custom=True, parent=None,
                                 provider=None, dependencies=[], inputs={"policy": document, "repository": "{x}"})
    assert list(policy_like_inputs(repository_policy)) == ["policy"]
    assert repository_policy.type not in DOCUMENT_INPUTS  # so the collection test would name it
    assert text_of(json.dumps({"Statement": [{"Resource": f"arn:aws:s3:::{UNKNOWN}"}]})) is None
    assert text_of(UNKNOWN) is None and text_of(document) == document
