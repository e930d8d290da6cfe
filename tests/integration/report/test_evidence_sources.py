"""Producers' results as evidence: a real policy pack run, Config rules in a graph, pytest's own JUnit XML,
drill records and live AWS Config results."""
import json
import subprocess
import sys
import textwrap
from datetime import datetime, timezone
from dataclasses import dataclass, field

import pytest

from drcore.catalogue.model import Control, Evidence
from drcore.errors import UsageError
from drkit.compliance import evidence as sources
from drkit.compliance import evidence_records as records
from drkit.compliance.junit_source import stamp_junit
from drkit.gate.pipeline import build_run
from drkit.policy_host.evaluation import run_gate
from drkit.provenance import SourceState
from drkit.report.compliance_run import CheckovSummary
from tests.support.graphs import GraphBuilder
from tests.support.packs import write_pack

RULE_TYPE = "aws:cfg/rule:Rule"


@dataclass
class Catalogue:
    controls: list = field(default_factory=list)
    config_rules: list = field(default_factory=list)
    frameworks: dict = field(default_factory=dict)


def graph_with_rules(**placements):
    """A graph with Config rules: identifier -> roles it is deployed in."""
    builder = GraphBuilder()
    for identifier, roles in placements.items():
        for role in roles:
            builder.add(RULE_TYPE, f"{identifier.lower()}-{role}", {"source": {
                "owner": "AWS", "sourceIdentifier": identifier}}, role=role)
    return builder.build()


def test_policy_evidence_from_a_real_pack_run(tmp_path):
    pack = write_pack(tmp_path / "pack", """
        from pulumi_policy import (EnforcementLevel, PolicyPack, ResourceValidationPolicy)

        def flag_buckets(args, report_violation):
            if args.resource_type == "aws:s3/bucket:Bucket":
                report_violation("bucket is not encrypted")

        PolicyPack(name="probe", enforcement_level=EnforcementLevel.MANDATORY, policies=[
            ResourceValidationPolicy(name="blocking", description="Blocks buckets.", validate=flag_buckets,
                                     remediation_steps="encrypt the bucket"),
            ResourceValidationPolicy(name="advisory-only", description="Notes buckets.", validate=flag_buckets,
                                     enforcement_level=EnforcementLevel.ADVISORY),
            ResourceValidationPolicy(name="quiet", description="Never fires.", validate=lambda a, r: None),
        ])
    """)
    builder = GraphBuilder()
    bucket = builder.add("aws:s3/bucket:Bucket", "media", role="secondary")
    graph = builder.build()
    results = {r.id: r for r in sources.policy_evidence(run_gate(graph, pack, stack_config={}), graph)}
    assert set(results) == {"blocking", "advisory-only", "quiet"}
    blocking = results["blocking"]
    assert blocking.status == "failed" and blocking.kind == "policy"
    [finding] = blocking.findings
    assert (finding.resource, finding.fix, finding.region) == (bucket, "encrypt the bucket", "us-west-2")
    assert finding.message == "bucket is not encrypted"  # the description prefix is shown once, not per finding
    assert results["advisory-only"].status == "passed" and len(results["advisory-only"].findings) == 1
    assert results["quiet"].status == "passed" and not results["quiet"].findings


def test_config_rule_coverage_needs_both_regions():
    graph = graph_with_rules(S3_BUCKET_VERSIONING_ENABLED=("primary", "secondary"),
                             DB_INSTANCE_BACKUP_ENABLED=("primary",))
    catalogue = Catalogue(config_rules=["S3_BUCKET_VERSIONING_ENABLED", "DB_INSTANCE_BACKUP_ENABLED"],
                          controls=[Control("cis", "CIS", "1", "t", Evidence(config_rules=("CLOUD_TRAIL_ENABLED",)))])
    results = {r.id: r for r in sources.config_rule_coverage(graph, catalogue)}
    # Deployed in both regions is "configured": nothing evaluated it, so it is never "passed".
    assert results["S3_BUCKET_VERSIONING_ENABLED"].status == "configured"
    assert "no AWS Config evaluation in this run" in results["S3_BUCKET_VERSIONING_ENABLED"].detail
    missing = results["DB_INSTANCE_BACKUP_ENABLED"]
    assert missing.status == "failed" and [f.region for f in missing.findings] == ["us-west-2"]
    assert "secondary region us-west-2" in missing.findings[0].message
    assert [f.region for f in results["CLOUD_TRAIL_ENABLED"].findings] == ["us-east-1", "us-west-2"]


def test_regions_come_from_outputs_before_provider_tags():
    graph = graph_with_rules(X=("primary",))
    assert sources.dr_regions(graph) == {"primary": "us-east-1", "secondary": "us-west-2"}
    graph.outputs = {"primaryRegion": "eu-west-1", "secondaryRegion": "eu-central-1"}
    assert sources.dr_regions(graph) == {"primary": "eu-west-1", "secondary": "eu-central-1"}
    untagged = GraphBuilder()
    untagged.provider("primary", "us-east-1", tags={})
    with pytest.raises(UsageError, match="no primary and secondary region"):
        sources.dr_regions(untagged.build())


def test_junit_evidence_from_pytests_own_xml(tmp_path):
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_sample.py").write_text(textwrap.dedent("""
        import pytest

        def test_ok():
            pass

        def test_broken():
            assert 1 == 2, "numbers differ"

        @pytest.mark.skip(reason="not today")
        def test_skipped():
            pass

        @pytest.mark.parametrize("value", [1, 2])
        def test_cases(value):
            assert value == 1
    """))
    xml = tmp_path / "junit.xml"
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={xml}",
                    "--rootdir", str(tmp_path), "tests"], cwd=tmp_path, capture_output=True, timeout=120)
    tested = SourceState("a" * 40, False)
    stamp_junit(xml, tested)  # what tests/support/junit_source.py does at the end of this repository's runs
    results = {r.id: r for r in records.test_evidence(xml, tested, tmp_path)}
    assert results["tests/test_sample.py::test_ok"].status == "passed"
    assert results["tests/test_sample.py::test_ok"].source == "junit.xml"  # relative: no machine path in a report
    broken = results["tests/test_sample.py::test_broken"]
    assert broken.status == "failed" and "numbers differ" in broken.findings[0].message
    assert results["tests/test_sample.py::test_skipped"].status == "not-run"
    assert results["tests/test_sample.py::test_cases[1]"].status == "passed"
    assert results["tests/test_sample.py::test_cases"].status == "failed"  # one failing case fails the function
    assert records.test_evidence(tmp_path / "absent.xml", tested, tmp_path) == []
    # The same file judged against other code: every result is stale, the failure included (it is not this code's).
    other = SourceState("a" * 40, True, "c" * 64)
    stale = {r.id: r for r in records.test_evidence(xml, other, tmp_path)}
    assert {r.status for r in stale.values()} == {"stale"}
    assert f"tested {'a' * 40}, the gate judges {'a' * 40}+dirty:cccccccccccc" in stale["tests/test_sample.py::test_ok"].detail
    assert stale["tests/test_sample.py::test_broken"].detail.startswith("failed then;")


def test_a_junit_file_that_names_no_source_is_stale(tmp_path):
    xml = tmp_path / "junit.xml"
    xml.write_text('<testsuites><testsuite name="pytest" tests="1"><testcase classname="tests.test_a" name="test_b"/>'
                   '</testsuite></testsuites>')
    [result] = records.test_evidence(xml, SourceState("a" * 40, False), tmp_path)
    assert result.status == "stale" and "does not say which source it tested" in result.detail


def test_junit_that_is_not_xml_is_one_clear_error(tmp_path):
    bad = tmp_path / "junit.xml"
    bad.write_text("<testsuites><testsuite>")
    with pytest.raises(UsageError, match="is not JUnit XML .*pytest --junitxml"):
        records.test_evidence(bad, SourceState("a" * 40, False), tmp_path)


NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
HEAD, OLDER, ELSEWHERE = "1" * 40, "2" * 40, "3" * 40


def drill_rule(stack: str = "prod", max_age: int = 92) -> records.DrillRule:
    history = {HEAD: {HEAD, OLDER}}  # OLDER is an ancestor of HEAD; ELSEWHERE is on another branch
    return records.DrillRule(stack=stack, judged=SourceState(HEAD, False),
                             max_age_days={"region-failover": max_age, "az-loss": max_age}, now=NOW,
                             is_ancestor=lambda commit, of: commit in history.get(of, set()))


def drill(directory, name, **record):
    base = {"scenario": "region-failover", "passed": True, "finishedAt": "2026-11-01T10:00:00Z",
            "achievedRtoSeconds": 900, "achievedRpoSeconds": 5, "stack": "prod", "commit": OLDER}
    (directory / name).write_text(json.dumps({**base, **record}))


def test_drill_evidence_takes_the_latest_record_per_scenario(tmp_path):
    drill(tmp_path, "a.json")
    drill(tmp_path, "b.json", passed=False, finishedAt="2026-11-20T10:00:00Z", achievedRtoSeconds=4000)
    drill(tmp_path, "c.json", scenario="az-loss", finishedAt="2026-11-21T09:00:00Z", commit=HEAD + "+dirty")
    results = {r.id: r for r in records.drill_evidence(tmp_path, drill_rule(), tmp_path)}
    assert results["region-failover"].status == "failed"
    assert "RTO 4000 s" in results["region-failover"].findings[0].message
    assert results["region-failover"].checked_at == "2026-11-20T10:00:00Z"
    assert results["az-loss"].status == "passed" and results["az-loss"].source == "c.json"
    drill(tmp_path, "d.json", finishedAt="2026-11-22T10:00:00Z")
    assert {r.id: r.status for r in records.drill_evidence(tmp_path, drill_rule(), tmp_path)}["region-failover"] == "passed"
    assert records.drill_evidence(tmp_path / "missing", drill_rule(), tmp_path) == []


@pytest.mark.parametrize("record, reason", [
    ({"stack": "dev"}, "the latest record is for stack 'dev', not 'prod'"),
    ({"finishedAt": "2026-05-01T10:00:00Z"}, "finished 208 days ago, beyond its 92-day cadence"),
    ({"commit": ELSEWHERE}, f"ran on commit {ELSEWHERE[:12]}, which is not in the history of {HEAD[:12]}"),
    ({"commit": None}, "the record names no commit"),
])
def test_a_drill_of_another_stack_time_or_branch_is_stale_never_passed(tmp_path, record, reason):
    drill(tmp_path, "a.json", **record)
    [result] = records.drill_evidence(tmp_path, drill_rule(), tmp_path)
    assert result.status == "stale" and reason in result.detail, result.detail
    assert result.detail.startswith("passed then;")


def test_this_stacks_record_is_preferred_and_an_emulated_drill_says_so(tmp_path):
    drill(tmp_path, "prod.json", mode="local-emulation")
    drill(tmp_path, "dev.json", stack="dev", finishedAt="2026-11-24T10:00:00Z")  # newer, but another stack
    [result] = records.drill_evidence(tmp_path, drill_rule(), tmp_path)
    assert result.status == "passed" and result.detail.startswith("emulated drill on stack prod")


def test_a_malformed_drill_record_names_the_file_and_field(tmp_path):
    drill(tmp_path, "bad.json", achievedRtoSeconds="fast")
    with pytest.raises(UsageError, match=r"bad.json: drill record achievedRtoSeconds: 'fast' is not of type"):
        records.drill_evidence(tmp_path, drill_rule(), tmp_path)


def live_record(identifier, region, compliance, resources=()):
    return {"identifier": identifier, "ruleName": identifier.lower(), "region": region, "compliance": compliance,
            "nonCompliant": [{"resourceType": t, "resourceId": i} for t, i in resources],
            "checkedAt": "2026-11-24T07:00:00Z"}


def test_live_config_results_and_how_they_override_coverage(tmp_path):
    path = tmp_path / "live.json"
    path.write_text(json.dumps([
        live_record("S3_BUCKET_VERSIONING_ENABLED", "us-east-1", "COMPLIANT"),
        live_record("S3_BUCKET_VERSIONING_ENABLED", "us-west-2", "NON_COMPLIANT", [("AWS::S3::Bucket", "media-dr")]),
        live_record("DB_INSTANCE_BACKUP_ENABLED", "us-east-1", "COMPLIANT"),
        live_record("DB_INSTANCE_BACKUP_ENABLED", "us-west-2", "NOT_APPLICABLE"),
        live_record("CLOUD_TRAIL_ENABLED", "us-east-1", "INSUFFICIENT_DATA"),
        live_record("CLOUD_TRAIL_ENABLED", "us-west-2", "UNREACHABLE"),
        live_record("RDS_STORAGE_ENCRYPTED", "us-west-2", "NOT_DEPLOYED"),
    ]))
    live = {r.id: r for r in sources.live_config_evidence(path)}
    versioning = live["S3_BUCKET_VERSIONING_ENABLED"]
    assert versioning.status == "failed"
    assert [(f.resource, f.region) for f in versioning.findings] == [("AWS::S3::Bucket media-dr", "us-west-2")]
    assert live["DB_INSTANCE_BACKUP_ENABLED"].status == "passed"
    assert live["CLOUD_TRAIL_ENABLED"].status == "not-run"
    assert live["RDS_STORAGE_ENCRYPTED"].status == "failed"
    graph = graph_with_rules(S3_BUCKET_VERSIONING_ENABLED=("primary", "secondary"),
                             CLOUD_TRAIL_ENABLED=("primary", "secondary"))
    coverage = sources.config_rule_coverage(graph, Catalogue(config_rules=["S3_BUCKET_VERSIONING_ENABLED",
                                                                           "CLOUD_TRAIL_ENABLED"]))
    merged = {r.id: r for r in sources.with_overrides(coverage, live.values())}
    assert merged["S3_BUCKET_VERSIONING_ENABLED"].status == "failed"  # live beats "deployed in both regions"
    assert merged["CLOUD_TRAIL_ENABLED"].source == "resource graph"  # no live verdict: coverage stays
    assert sources.live_config_evidence(tmp_path / "absent.json") == []


def test_live_file_with_an_unknown_verdict_is_refused(tmp_path):
    path = tmp_path / "live.json"
    path.write_text(json.dumps([live_record("X", "us-east-1", "GREEN")]))
    with pytest.raises(UsageError, match=r"live.json: live AWS Config results \[0\].compliance: 'GREEN' is not one of"):
        sources.live_config_evidence(path)


def test_build_run_joins_catalogue_and_evidence():
    graph = graph_with_rules(S3_BUCKET_VERSIONING_ENABLED=("primary", "secondary"), BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK=("primary",))
    controls = [Control("cis", "CIS", "2.1", "versioned", Evidence(config_rules=("S3_BUCKET_VERSIONING_ENABLED",))),
                Control("nist", "NIST", "CP-9", "backups", Evidence(
                    config_rules=("BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK",))),
                Control("soc2", "SOC 2", "A1.2", "drill", Evidence(drills=("region-failover",)))]
    run = build_run(graph=graph, gate=None, controls=controls, frameworks={"soc2": "SOC 2 (2017 TSC)"},
                    config_rules=Catalogue(controls=controls), checkov=CheckovSummary(ran=False, note="absent"),
                    checkov_results=[], extra=[], live=[], warnings=[])
    assert [(c.control.key, c.verdict) for c in run.controls] == [
        ("cis:2.1", "configured"), ("nist:CP-9", "failed"), ("soc2:A1.2", "not-verified")]
    assert (run.config.rules_named, run.config.rules_in_both_regions) == (2, 1)
    assert [f.name for f in run.framework_summaries()] == ["SOC 2 (2017 TSC)", "CIS", "NIST"]
    assert not run.passed  # no policy gate ran, and a control failed
