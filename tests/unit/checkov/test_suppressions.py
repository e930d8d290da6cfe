"""compliance/suppressions.yaml: each mistake is one clear UsageError; matching by check, resource and stack."""
import pytest

from drcore.errors import UsageError
from drkit.checkov.results import CheckResult
from drkit.checkov.suppressions import apply_suppressions, known_check_ids, load_suppressions
from tests.support.stacks import REPO

REASON = "The storefront's buckets hold no workflow that consumes events, so notifications have no reader."
URN = "urn:pulumi:prod::ecommerce-dr::ecommerce:storage:SecureBucket$aws:s3/bucket:Bucket::media"


def _write(tmp_path, text):
    path = tmp_path / "suppressions.yaml"
    path.write_text(text)
    return path


def _failure(check="CKV2_AWS_62", resource="aws_s3_bucket.media", urn=URN, framework="terraform_plan"):
    return CheckResult(framework=framework, check_id=check, check_name="a check", passed=False,
                       resource=resource, urn=urn)


def test_a_valid_file_loads_with_reason_normalised(tmp_path):
    path = _write(tmp_path, f"suppressions:\n  - check: CKV2_AWS_62\n    resource: 'aws_s3_bucket.*'\n"
                            f"    stacks: [prod]\n    reason: >-\n      {REASON}\n")
    [entry] = load_suppressions(path, {"CKV2_AWS_62"})
    assert (entry.check, entry.resource, entry.stacks, entry.reason) == ("CKV2_AWS_62", "aws_s3_bucket.*", ("prod",), REASON)


def test_a_missing_file_means_no_suppressions(tmp_path):
    assert load_suppressions(tmp_path / "absent.yaml") == []


@pytest.mark.parametrize("entry, message", [
    ("- check: CKV2_AWS_62\n", "has no reason"),
    ("- check: CKV2_AWS_62\n  reason: ''\n", "has no reason"),
    ("- check: CKV2_AWS_62\n  reason: not needed here\n", "reason is too short (3 words)"),
    (f"- check: ckv_aws_18\n  reason: {REASON}\n", "is not a checkov check id"),
    (f"- check: AWS-18\n  reason: {REASON}\n", "is not a checkov check id"),
    (f"- check: CKV_AWS_99999\n  reason: {REASON}\n", "is not a checkov Terraform check"),
    (f"- check: CKV2_AWS_62\n  reasons: {REASON}\n", "unknown key 'reasons'"),
    (f"- check: CKV2_AWS_62\n  stacks: []\n  reason: {REASON}\n", "stacks must be a non-empty list"),
    (f"- check: CKV2_AWS_62\n  resource: ''\n  reason: {REASON}\n", "resource must be a non-empty glob"),
    (f"- CKV2_AWS_62\n", "is not a mapping"),
    (f"- check: CKV2_AWS_62\n  reason: {REASON}\n- check: CKV2_AWS_62\n  reason: {REASON}\n", "repeats suppressions[0]"),
])
def test_each_mistake_is_one_line_naming_the_entry(tmp_path, entry, message):
    path = _write(tmp_path, "suppressions:\n" + "\n".join("  " + line for line in entry.splitlines()) + "\n")
    with pytest.raises(UsageError) as caught:
        load_suppressions(path, {"CKV2_AWS_62", "CKV_AWS_18"})
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert "suppressions[" in str(caught.value) or "suppressions'" in str(caught.value)


@pytest.mark.parametrize("text", ["- just a list\n", "suppressions: {}\n", "suppressions: [\n"])
def test_a_file_of_the_wrong_shape_is_refused(tmp_path, text):
    with pytest.raises(UsageError, match="suppressions.yaml"):
        load_suppressions(_write(tmp_path, text))


def test_secrets_and_actions_checks_need_only_the_id_format(tmp_path):
    path = _write(tmp_path, f"suppressions:\n  - check: CKV_SECRET_6\n    reason: {REASON}\n"
                            f"  - check: CKV2_GHA_1\n    reason: {REASON}\n")
    assert [s.framework for s in load_suppressions(path, {"CKV2_AWS_62"})] == ["secrets", "github_actions"]


def test_a_suppression_marks_matching_failures_by_address_or_urn_glob(tmp_path):
    path = _write(tmp_path, f"suppressions:\n  - check: CKV2_AWS_62\n    resource: '*SecureBucket*'\n    reason: {REASON}\n")
    other = _failure(resource="aws_s3_bucket.logs", urn=URN.replace("SecureBucket", "LogBucket"))
    marked = apply_suppressions([_failure(), other], load_suppressions(path), "prod", ["terraform_plan"])
    assert [r.suppressed_reason for r in marked] == [REASON, ""]


def test_a_suppression_that_matches_no_failure_is_stale(tmp_path):
    path = _write(tmp_path, f"suppressions:\n  - check: CKV_AWS_18\n    reason: {REASON}\n")
    passing = CheckResult("terraform_plan", "CKV_AWS_18", "logging", True, "aws_s3_bucket.media", URN)
    with pytest.raises(UsageError, match=r"suppressions\[0\] \(CKV_AWS_18\) no longer matches .* on stack 'prod'"):
        apply_suppressions([passing, _failure()], load_suppressions(path), "prod", ["terraform_plan"])


def test_stale_is_judged_only_for_scans_and_stacks_that_ran(tmp_path):
    path = _write(tmp_path, f"suppressions:\n  - check: CKV_SECRET_6\n    reason: {REASON}\n"
                            f"  - check: CKV_AWS_18\n    stacks: [dev]\n    reason: {REASON}\n")
    marked = apply_suppressions([_failure()], load_suppressions(path), "prod", ["terraform_plan"])
    assert marked == [_failure()]


def test_a_stack_limited_suppression_does_not_hide_another_stacks_finding(tmp_path):
    path = _write(tmp_path, f"suppressions:\n  - check: CKV2_AWS_62\n    stacks: [dev]\n    reason: {REASON}\n")
    assert apply_suppressions([_failure()], load_suppressions(path), "prod", ["terraform_plan"])[0].suppressed_reason == ""


def test_the_repository_suppressions_file_is_valid():
    known = known_check_ids(REPO)
    assert known is not None and len(known) > 1000
    suppressions = load_suppressions(REPO / "compliance" / "suppressions.yaml", known)
    assert all(len(s.reason.split()) >= 8 for s in suppressions)
