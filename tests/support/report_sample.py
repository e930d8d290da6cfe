"""A small compliance run for format tests: four frameworks and a control of every verdict (passed, failed, stale,
not verified, configured but not assessed, waived), a suppressed checkov finding, an advisory violation, and values
that need escaping."""
from __future__ import annotations

from drcore.catalogue.model import Control, Evidence
from drkit.compliance.assessment import EvidenceResult, Finding, Waiver, assess_controls
from drkit.provenance import SourceState
from drkit.report.compliance_run import (CheckovSummary, ComplianceRun, ConfigCoverage, GateSummary, PolicyRule,
                                         Provenance)

BUCKET_URN = ("urn:pulumi:prod::ecommerce-dr::ecommerce:storage:ReplicatedStorage$ecommerce:storage:SecureBucket"
              "$aws:s3/bucket:Bucket::ecommerce-prod-media-primary")
TABLE_URN = "urn:pulumi:prod::ecommerce-dr::ecommerce:data:GlobalTables$aws:dynamodb/table:Table::carts"
FIX = "Set sseAlgorithm 'aws:kms' with a customer-managed key"
HOSTILE = "<script>alert('x')</script> & \"quotes\" | pipe"

FRAMEWORKS = {"pci-dss-4.0": "PCI DSS v4.0", "cis-aws-3.0": "CIS AWS Foundations Benchmark v3.0",
              "soc2": "SOC 2", "nist-800-53-r5": "NIST SP 800-53 Rev. 5"}


def controls() -> list[Control]:
    return [
        Control("pci-dss-4.0", "PCI DSS v4.0", "3.5.1", "Stored data is encrypted with keys we manage",
                Evidence(policies=("s3-bucket-kms-encryption",), checkov=("CKV_AWS_145",))),
        Control("pci-dss-4.0", "PCI DSS v4.0", "10.2.1", "Audit logs capture every API call",
                Evidence(policies=("cloudtrail-multi-region",), config_rules=("CLOUD_TRAIL_ENABLED",))),
        Control("cis-aws-3.0", "CIS AWS Foundations Benchmark v3.0", "3.1", "CloudTrail is on in all regions",
                Evidence(config_rules=("CLOUD_TRAIL_ENABLED", "MULTI_REGION_CLOUD_TRAIL_ENABLED"))),
        Control("cis-aws-3.0", "CIS AWS Foundations Benchmark v3.0", "2.1.1", "Buckets enforce encryption",
                Evidence(checkov=("CKV_AWS_145",), policies=("s3-bucket-kms-encryption",))),
        Control("soc2", "SOC 2", "A1.2", "Recovery works: the region failover drill passes",
                Evidence(drills=("region-failover",))),
        Control("soc2", "SOC 2", "A1.3", f"Restores are tested {HOSTILE}",
                Evidence(tests=("tests/infra/test_backup.py::test_restore_plan",))),
        Control("nist-800-53-r5", "NIST SP 800-53 Rev. 5", "CP-9", "Backups are copied to the other region",
                Evidence(policies=("backup-cross-region-copy",), tests=("tests/infra/test_backup.py::test_copy",))),
        Control("nist-800-53-r5", "NIST SP 800-53 Rev. 5", "CP-10", "Production returns to its region after failover",
                Evidence(drills=("failback",))),
    ]


WAIVER = Waiver("drill:failback", "The failback drill needs the rebuilt primary region, which returns next quarter.",
                "security-team@example.com", "2027-03-31")
PROVENANCE = Provenance(generated_at="2026-11-24T08:00:00Z", source=SourceState("0123456789abcdef" * 2 + "01234567", False),
                        stack_file="Pulumi.prod.yaml", stack_file_digest="sha256:" + "a" * 64,
                        graph_digest="sha256:" + "b" * 64, resources=346,
                        tools={"pulumi": "3.272.0", "pulumi-aws": "7.51.1", "pulumi-policy": "1.21.0",
                               "checkov": "3.3.30"})


def evidence(failing: bool = True) -> list[EvidenceResult]:
    s3_findings = [Finding("policy", "s3-bucket-kms-encryption", BUCKET_URN, f"bucket has no SSE-KMS {HOSTILE}",
                           "high", FIX, "us-east-1")] if failing else []
    return [
        EvidenceResult("policy", "s3-bucket-kms-encryption", "failed" if failing else "passed", s3_findings,
                       "2026-11-24T08:00:00Z", "mandatory, 1 violation over 346 resources", "policy gate"),
        EvidenceResult("policy", "cloudtrail-multi-region", "passed", [], "2026-11-24T08:00:00Z", "mandatory"),
        EvidenceResult("policy", "backup-cross-region-copy", "passed",
                       [Finding("policy", "backup-cross-region-copy", TABLE_URN, "advisory: copy lags", "medium",
                                "shorten the copy window", "us-east-1")], "2026-11-24T08:00:00Z", "advisory"),
        EvidenceResult("checkov", "CKV_AWS_145", "suppressed",
                       [Finding("checkov", "CKV_AWS_145", "aws_s3_bucket.access_logs", "not KMS", "medium", "",
                                "", suppressed_reason="S3 server access logs cannot be delivered to SSE-KMS buckets")],
                       "2026-11-24T08:00:00Z", "1 resource, suppressed", "checkov 3.3.30"),
        EvidenceResult("config-rule", "CLOUD_TRAIL_ENABLED", "configured", [], "2026-11-24T08:00:00Z",
                       "deployed in us-east-1 and us-west-2"),
        EvidenceResult("config-rule", "MULTI_REGION_CLOUD_TRAIL_ENABLED", "configured", [], "2026-11-24T08:00:00Z"),
        EvidenceResult("test", "tests/infra/test_backup.py::test_copy", "passed", [], "2026-11-24T07:59:00Z"),
        EvidenceResult("drill", "region-failover", "stale", [], "2026-11-20T10:00:00Z",
                       "passed then; the latest record is for stack 'dev', not 'prod'", "build/drills/dev.json"),
    ]


def sample_run(failing: bool = True, checkov_failed: int = 0) -> ComplianceRun:
    results = evidence(failing)
    policies = [PolicyRule("s3-bucket-kms-encryption", "Every S3 bucket uses SSE-KMS. More text.", "high",
                           "mandatory", FIX),
                PolicyRule("cloudtrail-multi-region", "CloudTrail is multi-region.", "critical", "mandatory", "on"),
                PolicyRule("backup-cross-region-copy", "Backups are copied.", "medium", "advisory", "copy"),
                PolicyRule("never-violated", "A policy nothing violates.", "low", "mandatory", "")]
    gate = GateSummary(pack="ecommerce-dr-guard@v0.1.0", policies=policies, mandatory_violations=int(failing),
                       advisory_violations=1, resources_analyzed=346)
    return ComplianceRun(
        stack="prod", project="ecommerce-dr", generated_at="2026-11-24T08:00:00Z",
        controls=assess_controls(controls(), results, [WAIVER]), evidence=results, gate=gate,
        checkov=CheckovSummary(ran=True, checks_run=120, results=900, passed=880 - checkov_failed,
                               failed=checkov_failed, suppressed=20, version="3.3.30",
                               by_framework={"terraform_plan": {"checks": 120, "results": 900, "passed": 880 - checkov_failed,
                                                                "failed": checkov_failed, "suppressed": 20}}),
        config=ConfigCoverage("us-east-1", "us-west-2", rules_named=2, rules_in_both_regions=2, live=False),
        frameworks=dict(FRAMEWORKS), warnings=[f"a warning {HOSTILE}"], provenance=PROVENANCE, waivers=[WAIVER])
