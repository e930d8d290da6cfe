"""drkit evidence --live when AWS pushes back: throttling, a region that does not answer, no credentials.

Rules and evaluations live on moto's server over real HTTP; DescribeComplianceByConfigRule and
GetComplianceDetailsByConfigRule, which moto 5.2.5 lacks, are answered by botocore's Stubber on drkit's own
client (tests/support/config_world.py). Throttling is served over HTTP by a proxy in front of moto
(tests/support/throttling_proxy.py), because botocore only retries what comes back over HTTP.
"""
from __future__ import annotations

import math

from botocore.retries.standard import ExponentialBackoff

from drkit.compliance.live import clients
from tests.support.cli import assert_one_line_error
from tests.support.evidence_scenario import IDENTIFIERS, deploy_compliant, keyed, rule_args
from tests.support.moto_server import closed_port_url
from tests.support.throttling_proxy import throttling_proxy


def error_lines(run) -> list[str]:
    return [line for line in run.err.splitlines() if line.startswith("drkit evidence: error:")]


def test_throttled_requests_are_retried_until_answered(world, regions, drkit_evidence, monkeypatch, tmp_path):
    primary, _ = regions
    deployed = deploy_compliant(world, regions)
    world.install(monkeypatch, expected=IDENTIFIERS)
    out = tmp_path / "live.json"
    with throttling_proxy(world.endpoint_url, "DescribeConfigRules", times=2) as proxy:
        run = drkit_evidence("--live", "--stack", "prod", "--out", str(out), *rule_args(IDENTIFIERS),
                             "--endpoint-url", world.endpoint_url, "--endpoint-url", f"{primary}={proxy.url}")
    assert run.code == 0, run.err
    assert (proxy.throttled, proxy.requests["DescribeConfigRules"]) == (2, 3)
    records = keyed(run.records(out))
    assert {key: r["ruleName"] for key, r in records.items()} == deployed
    assert {r["compliance"] for r in records.values()} == {"COMPLIANT"}
    world.assert_answered(primary)


def test_throttling_retries_are_bounded(world, regions, drkit_evidence, monkeypatch, tmp_path):
    primary, secondary = regions
    deploy_compliant(world, regions)
    world.install(monkeypatch, expected=IDENTIFIERS)
    # Only the waiting is removed, to keep the test fast; how many attempts are made is still botocore's call.
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: 0)
    out = tmp_path / "live.json"
    with throttling_proxy(world.endpoint_url, "DescribeConfigRules", times=math.inf) as proxy:
        run = drkit_evidence("--live", "--stack", "prod", "--out", str(out), *rule_args(IDENTIFIERS),
                             "--endpoint-url", world.endpoint_url, "--endpoint-url", f"{primary}={proxy.url}")
    assert run.code == 1, run.err
    assert proxy.requests["DescribeConfigRules"] == clients.MAX_ATTEMPTS
    records = keyed(run.records(out))
    assert {records[(primary, i)]["compliance"] for i in IDENTIFIERS} == {"UNREACHABLE"}
    assert all("ThrottlingException" in records[(primary, i)]["error"] for i in IDENTIFIERS)
    assert {records[(secondary, i)]["compliance"] for i in IDENTIFIERS} == {"COMPLIANT"}
    [line] = error_lines(run)
    assert primary in line and "ThrottlingException" in line


def test_unreachable_region_keeps_the_other_regions_results(world, regions, drkit_evidence, monkeypatch, tmp_path):
    primary, secondary = regions
    deployed = deploy_compliant(world, regions)
    world.install(monkeypatch, expected=IDENTIFIERS)
    out = tmp_path / "live.json"
    run = drkit_evidence("--live", "--stack", "prod", "--out", str(out), *rule_args(IDENTIFIERS),
                         "--endpoint-url", world.endpoint_url, "--endpoint-url", f"{secondary}={closed_port_url()}")
    assert run.code == 1, run.err
    records = keyed(run.records(out))
    assert {key: r["ruleName"] for key, r in records.items() if key[0] == primary} == {
        key: name for key, name in deployed.items() if key[0] == primary}
    assert {r["compliance"] for key, r in records.items() if key[0] == primary} == {"COMPLIANT"}
    assert {(key, r["compliance"], r["ruleName"]) for key, r in records.items() if key[0] == secondary} == {
        ((secondary, i), "UNREACHABLE", None) for i in IDENTIFIERS}
    [line] = error_lines(run)
    assert f"{secondary} (secondary) did not answer" in line and str(out) in line
    assert "Traceback" not in run.err
    world.assert_answered(primary)


def test_unreachable_region_with_all_deployed_uses_the_other_regions_rules(world, regions, drkit_evidence,
                                                                            monkeypatch, tmp_path):
    primary, secondary = regions
    deploy_compliant(world, [primary])
    world.install(monkeypatch)
    out = tmp_path / "live.json"
    run = drkit_evidence("--live", "--stack", "prod", "--out", str(out), "--all-deployed",
                         "--endpoint-url", world.endpoint_url, "--endpoint-url", f"{secondary}={closed_port_url()}")
    assert run.code == 1, run.err
    records = keyed(run.records(out))
    assert {key for key in records} == {(region, i) for region in regions for i in IDENTIFIERS}


def test_no_credentials_is_one_line_and_exit_2(world, drkit_evidence, monkeypatch, tmp_path):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    out = tmp_path / "live.json"
    run = drkit_evidence("--live", "--stack", "prod", "--out", str(out), "--endpoint-url", world.endpoint_url,
                         *rule_args(IDENTIFIERS))
    assert_one_line_error(run, "no AWS credentials found", "AWS_PROFILE")
    assert not out.exists()


def test_unknown_profile_is_one_line_and_exit_2(world, drkit_evidence, monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")
    out = tmp_path / "live.json"
    run = drkit_evidence("--live", "--stack", "prod", "--out", str(out), "--endpoint-url", world.endpoint_url,
                         *rule_args(IDENTIFIERS))
    assert_one_line_error(run, "no-such-profile", "aws configure")
    assert not out.exists()
