"""drkit report and drkit gate end to end, in a subprocess, as a user runs them."""
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from tests.support.cli import REPO, Run, assert_one_line_error
from tests.support.packs import write_pack



def drkit(*args: str, project: Path | None = None, timeout: float = 300) -> Run:
    env = {**os.environ, **({"DRKIT_PROJECT_DIR": str(project)} if project else {})}
    done = subprocess.run([sys.executable, "-m", "drkit", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout, env=env)
    return Run(done.returncode, done.stdout, done.stderr)


def without_checkov(tmp_path: Path) -> Path:
    """The repository seen through symlinks, minus .checkov-venv: checkov is not installed there, which keeps
    these tests to the few seconds of the program and the pack (the prod gate test runs checkov for real)."""
    project = tmp_path / "project"
    project.mkdir()
    for entry in REPO.iterdir():
        if entry.name not in (".checkov-venv", "build", ".git"):
            (project / entry.name).symlink_to(entry)
    return project


def blocking_pack(root):
    """A pack whose one mandatory policy rejects every KMS key, so the gate must fail."""
    return write_pack(root, """
        from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy

        def no_keys(args, report_violation):
            if args.resource_type == "aws:kms/key:Key":
                report_violation("keys are not allowed in this probe")

        PolicyPack(name="probe", enforcement_level=EnforcementLevel.MANDATORY, policies=[
            ResourceValidationPolicy(name="no-kms-keys", description="No KMS keys.", validate=no_keys,
                                     remediation_steps="remove the key")])
    """)


def test_gate_on_prod_passes_and_writes_the_five_reports(prod_main_job):
    # The main job (scripts/gate.sh prod) is `drkit gate --stack prod` after setup; it runs once per test run.
    assert prod_main_job.code == 0, prod_main_job.stdout[-3000:] + prod_main_job.stderr[-3000:]
    assert "Gate passed for stack 'prod'." in prod_main_job.stdout
    timing = next(line for line in prod_main_job.stdout.splitlines() if line.startswith("Timing:"))
    for phase in ("program", "policy analysis", "checkov", "reports", "total"):
        assert f"{phase} " in timing
    document = json.loads((prod_main_job.out / "compliance.json").read_text())
    assert document["passed"] and document["stack"] == "prod" and document["policyGate"]["policies"] >= 30
    junit = ElementTree.parse(prod_main_job.out / "compliance-junit.xml").getroot()
    assert int(junit.get("failures")) == 0 and int(junit.get("tests")) == len(document["controls"])
    assert (prod_main_job.out / "prod.graph.json").is_file()


def test_gate_fails_on_a_mandatory_violation_and_names_resource_and_fix(tmp_path):
    pack = blocking_pack(tmp_path / "pack")
    run = drkit("gate", "--stack", "dev", "--out", str(tmp_path / "gate"), "--policy-pack", str(pack),
                project=without_checkov(tmp_path))
    assert run.code == 1, run.out[-3000:] + run.err[-3000:]
    assert "Gate FAILED for stack 'dev'." in run.out
    assert "warning: checkov is not installed" in run.err and "checkov: not run" in run.out
    assert "producer checkov: checkov" in run.out  # its absence fails the gate too, unless waived
    assert "policy no-kms-keys: ecommerce-dev-kms-database-primary (aws:kms/key:Key)" in run.out
    assert "fix: remove the key" in run.out
    sarif = json.loads((tmp_path / "gate" / "compliance.sarif").read_text())
    errors = [r for r in sarif["runs"][0]["results"] if r["level"] == "error"]
    assert errors and all(r["ruleId"] == "policy/no-kms-keys" for r in errors)
    for result in errors:  # each points at the line of the program that creates that key
        place = result["locations"][0]["physicalLocation"]
        line = (REPO / place["artifactLocation"]["uri"]).read_text().splitlines()[place["region"]["startLine"] - 1]
        assert place["artifactLocation"]["uri"].startswith("infra/components/") and "aws.kms.Key" in line
    markdown = (tmp_path / "gate" / "compliance.md").read_text()
    assert "no-kms-keys" in markdown and "Compliance gate FAILED" in markdown


def test_report_writes_reports_and_exits_0_whatever_the_verdict(tmp_path):
    pack = blocking_pack(tmp_path / "pack")
    junit = tmp_path / "junit.xml"
    junit.write_text('<testsuites><testsuite name="pytest" timestamp="2026-11-24T08:00:00">'
                     '<testcase classname="tests.infra.test_x" name="test_y" time="0.1"/></testsuite></testsuites>')
    run = drkit("report", "--stack", "dev", "--out", str(tmp_path / "r"), "--policy-pack", str(pack),
                "--junit", str(junit), project=without_checkov(tmp_path))
    assert run.code == 0, run.err[-3000:]
    assert "Compliance for ecommerce-dr/dev: FAILED" in run.out
    assert sorted(p.name for p in (tmp_path / "r").glob("compliance*")) == [
        "compliance-junit.xml", "compliance.html", "compliance.json", "compliance.md", "compliance.sarif"]
    evidence = json.loads((tmp_path / "r" / "compliance.json").read_text())["evidence"]
    # A checkout that is not a git work tree (this symlinked copy) cannot be tied to any test run: the JUnit file's
    # results are stale, and say why; the file is named without the machine's path.
    test = next(e for e in evidence if e["kind"] == "test")
    assert (test["id"], test["status"]) == ("tests/infra/test_x.py::test_y", "stale")
    assert "no test run can be shown to be of it" in test["detail"] and test["source"] == "junit.xml"


def test_missing_evidence_file_is_one_line_and_exit_2(tmp_path):
    run = drkit("report", "--stack", "dev", "--out", str(tmp_path), "--junit", str(tmp_path / "nope.xml"))
    assert_one_line_error(run, "--junit", "nope.xml does not exist", "pytest --junitxml")


def test_bad_drill_record_is_one_line_and_exit_2(tmp_path):
    (tmp_path / "drills").mkdir()
    (tmp_path / "drills" / "d.json").write_text('{"scenario": "region-failover", "passed": "yes"}')
    run = drkit("gate", "--stack", "dev", "--out", str(tmp_path / "g"), "--drills", str(tmp_path / "drills"))
    assert_one_line_error(run, "d.json: drill record", "docs/reports.md")


def test_unknown_stack_and_unwritable_out_are_one_line_and_exit_2(tmp_path):
    assert_one_line_error(drkit("gate", "--stack", "nosuch"), "unknown stack 'nosuch'")
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    run = drkit("report", "--stack", "dev", "--out", str(blocker / "sub"))
    assert_one_line_error(run, "cannot write", "--out")
