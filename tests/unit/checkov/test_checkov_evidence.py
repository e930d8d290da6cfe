"""checkov results -> EvidenceResults: one per check id, passed / failed / suppressed, findings traced to URNs."""
from drkit.checkov.results import CheckovResult, CheckResult
from drkit.compliance.checkov_evidence import checkov_evidence

URN_A = "urn:pulumi:prod::ecommerce-dr::aws:s3/bucket:Bucket::a"
URN_B = "urn:pulumi:prod::ecommerce-dr::aws:s3/bucket:Bucket::b"


def _result(*rows):
    return CheckovResult(version="3.3.30", stack="prod", plan_path=None, frameworks=("terraform_plan", "secrets"),
                         results=list(rows), checked_at="2026-11-24T08:00:00+00:00")


def _row(check, passed, urn, reason="", framework="terraform_plan", guideline=""):
    return CheckResult(framework, check, f"Ensure {check} holds", passed, urn.rsplit("::", 1)[1], urn,
                       guideline=guideline, suppressed_reason=reason)


def test_one_evidence_result_per_check_id_with_its_status():
    evidence = checkov_evidence(_result(
        _row("CKV_AWS_21", True, URN_A), _row("CKV_AWS_21", True, URN_B),
        _row("CKV_AWS_18", True, URN_A), _row("CKV_AWS_18", False, URN_B),
        _row("CKV2_AWS_62", False, URN_A, reason="No consumer of events exists in this design."),
        _row("CKV2_AWS_62", True, URN_B)))
    assert {(e.id, e.status) for e in evidence} == {("CKV_AWS_21", "passed"), ("CKV_AWS_18", "failed"),
                                                    ("CKV2_AWS_62", "suppressed")}
    assert all(e.kind == "checkov" and e.source == "checkov 3.3.30" for e in evidence)
    assert all(e.checked_at == "2026-11-24T08:00:00+00:00" for e in evidence)


def test_failed_findings_name_the_check_the_pulumi_urn_and_the_fix():
    [evidence] = checkov_evidence(_result(_row("CKV_AWS_18", False, URN_B, guideline="https://docs/x")))
    [finding] = evidence.findings
    assert (finding.source, finding.rule, finding.resource, finding.message, finding.fix) == \
        ("checkov", "CKV_AWS_18", URN_B, "Ensure CKV_AWS_18 holds", "https://docs/x")
    assert evidence.detail.endswith("0 passed, 1 failed") and "stack 'prod'" in evidence.detail


def test_without_a_guideline_the_fix_is_the_checks_own_instruction():
    [evidence] = checkov_evidence(_result(_row("CKV_AWS_18", False, URN_B)))
    assert evidence.findings[0].fix == "Ensure CKV_AWS_18 holds (checkov CKV_AWS_18)"


def test_suppressed_findings_carry_the_reason_and_a_mix_still_fails():
    reason = "Accepted because the replica bucket is the destination of replication, not a source."
    [evidence] = checkov_evidence(_result(_row("CKV_AWS_144", False, URN_A, reason=reason),
                                          _row("CKV_AWS_144", False, URN_B)))
    assert evidence.status == "failed"
    assert [f.suppressed_reason for f in evidence.findings] == [reason, ""]
    assert "1 failed, 1 suppressed" in evidence.detail


def test_secret_findings_point_at_the_file():
    row = CheckResult("secrets", "CKV_SECRET_2", "AWS Access Key", False, "src/x.py:3", file="src/x.py")
    [evidence] = checkov_evidence(_result(row))
    assert evidence.findings[0].resource == "src/x.py:3" and "secrets" in evidence.detail
