"""Audit policies, run through the real pack (plugin process, gRPC) over hand-built two-region graphs.

Other areas' policies are disabled in these runs so a finding, or a crash, of theirs cannot decide these tests.
"""
import pytest

from tests.support.gate import graph_fixture, message_for, messages, only, result_fixture, run_pack, violated
from tests.support.graphs import ACCOUNT, GraphBuilder

TRAIL = "cloudtrail-multi-region-enabled"
RECORDER = "config-recorder-both-regions"
RULES = "config-rules-both-regions"
MINE = (TRAIL, RECORDER, RULES)


def trail(g, name, **overrides):
    inputs = {"name": name, "s3BucketName": "trail-logs", "isMultiRegionTrail": True,
              "includeGlobalServiceEvents": True, "enableLogFileValidation": True,
              "kmsKeyId": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/mrk-1",
              "cloudWatchLogsGroupArn": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/cloudtrail/{name}:*",
              "cloudWatchLogsRoleArn": f"arn:aws:iam::{ACCOUNT}:role/trail-to-logs"}
    inputs.update(overrides)
    for key in [k for k, v in inputs.items() if v is None]:
        del inputs[key]
    return g.add("aws:cloudtrail/trail:Trail", name, inputs)


def config_service(g, role, *, status_name=None, enabled=True):
    recorder = f"recorder-{role}"
    g.add("aws:cfg/recorder:Recorder", recorder, {"name": recorder, "roleArn": f"arn:aws:iam::{ACCOUNT}:role/config",
                                                  "recordingGroup": {"allSupported": True}}, role=role)
    g.add("aws:cfg/deliveryChannel:DeliveryChannel", f"channel-{role}", {"name": f"channel-{role}",
                                                                         "s3BucketName": f"config-{role}"}, role=role)
    return recorder


def rule(g, name, identifier, role, owner="AWS"):
    return g.add("aws:cfg/rule:Rule", name, {"name": name, "source": {"owner": owner, "sourceIdentifier": identifier}},
                 role=role)


def build_graph():
    g = GraphBuilder()  # primary us-east-1, secondary us-west-2
    # cloudtrail-multi-region-enabled
    trail(g, "good-trail")
    trail(g, "good-trail-default-global-events", includeGlobalServiceEvents=None)  # AWS default: true
    trail(g, "bad-trail-single-region", isMultiRegionTrail=False)
    trail(g, "bad-trail-no-global-events", includeGlobalServiceEvents=False)
    trail(g, "bad-trail-no-validation", enableLogFileValidation=None)
    trail(g, "bad-trail-no-kms", kmsKeyId=None)
    trail(g, "bad-trail-no-cloudwatch", cloudWatchLogsGroupArn="")
    trail(g, "bad-trail-stopped", enableLogging=False)
    # config-recorder-both-regions: primary complete; secondary's recorder switched off; an orphan status
    config_service(g, "primary")
    g.add("aws:cfg/recorderStatus:RecorderStatus", "good-status-primary",
          {"name": "recorder-primary", "isEnabled": True})
    g.add("aws:cfg/recorderStatus:RecorderStatus", "bad-status-orphan", {"name": "no-such-recorder", "isEnabled": True})
    config_service(g, "secondary")
    g.add("aws:cfg/recorderStatus:RecorderStatus", "bad-status-secondary",
          {"name": "recorder-secondary", "isEnabled": False}, role="secondary")
    # config-rules-both-regions
    rule(g, "good-rule-versioning-primary", "S3_BUCKET_VERSIONING_ENABLED", "primary")
    rule(g, "good-rule-versioning-secondary", "S3_BUCKET_VERSIONING_ENABLED", "secondary")
    rule(g, "bad-rule-trail-primary-only", "CLOUD_TRAIL_ENABLED", "primary")
    rule(g, "bad-rule-rds-secondary-only", "RDS_STORAGE_ENCRYPTED", "secondary")
    rule(g, "good-custom-rule-primary", f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:check", "primary",
         owner="CUSTOM_LAMBDA")
    return g.build()


graph = graph_fixture(build_graph)
# The pack's initial config requires the catalogue's rules; these graphs test the comparison itself, so none required.
NO_REQUIRED_RULES = {RULES: {"requiredRuleIdentifiers": []}}
result = result_fixture(only(MINE, **NO_REQUIRED_RULES))
required_result = result_fixture(only(MINE, **{
    RULES: {"requiredRuleIdentifiers": ["S3_BUCKET_VERSIONING_ENABLED", "IAM_ROOT_ACCESS_KEY_CHECK"]}}))


@pytest.fixture(scope="module")
def bare_result():
    """No AWS Config at all, and only a single-region trail."""
    g = GraphBuilder()
    trail(g, "bad-only-trail", isMultiRegionTrail=False)
    return run_pack(g.build(), only(MINE, **NO_REQUIRED_RULES))


# -- cloudtrail-multi-region-enabled --

def test_trail_with_everything_passes(result):
    assert not {"good-trail", "good-trail-default-global-events", "stack"} & violated(result, TRAIL)


@pytest.mark.parametrize("name", ["bad-trail-single-region", "bad-trail-no-global-events", "bad-trail-no-validation",
                                  "bad-trail-no-kms", "bad-trail-no-cloudwatch", "bad-trail-stopped"])
def test_trail_missing_a_setting(result, name):
    assert name in violated(result, TRAIL)


def test_trail_message_names_the_setting(result):
    [message] = message_for(result, TRAIL, "bad-trail-no-kms")
    assert "kmsKeyId is not set" in message and "isMultiRegionTrail" not in message


def test_no_qualifying_trail_is_a_stack_violation(bare_result):
    assert violated(bare_result, TRAIL) == {"bad-only-trail", "stack"}


# -- config-recorder-both-regions --

def test_recorder_complete_region_passes(result):
    assert not {"aws-primary", "good-status-primary", "stack"} & violated(result, RECORDER)


def test_recorder_status_disabled(result):
    assert "bad-status-secondary" in violated(result, RECORDER)


def test_recorder_status_for_no_recorder(result):
    assert "bad-status-orphan" in violated(result, RECORDER)


def test_recorder_missing_in_both_regions(bare_result):
    assert violated(bare_result, RECORDER) == {"aws-primary", "aws-secondary"}
    assert all("aws:cfg/recorder:Recorder" in m and "aws:cfg/deliveryChannel:DeliveryChannel" in m
               for m in messages(bare_result, RECORDER))


@pytest.fixture(scope="module")
def organisation_result():
    """Control Tower records both regions: the stack creates no Config recorder, and one stray in the secondary."""
    g = GraphBuilder()
    trail(g, "good-trail")
    config_service(g, "secondary")
    settings = {RECORDER: {"organizationRecorderRegions": ["us-east-1", "us-west-2"]}}
    return run_pack(g.build(), only(MINE, **NO_REQUIRED_RULES, **settings)), run_pack(
        GraphBuilder().build(), only(MINE, **NO_REQUIRED_RULES, **{RECORDER: {"organizationRecorderRegions":
                                                                               ["us-east-1"]}}))


def test_organisation_recorder_regions_need_no_recorder_of_the_stack(organisation_result):
    both, primary_only = organisation_result
    assert not {"aws-primary", "aws-secondary", "stack"} & violated(both, RECORDER)
    # Only the primary is the organisation's: the secondary still needs its own.
    assert violated(primary_only, RECORDER) == {"aws-secondary"}


def test_a_second_recorder_where_the_organisation_records_is_refused(organisation_result):
    both, _ = organisation_result
    assert violated(both, RECORDER) == {"recorder-secondary", "channel-secondary"}
    assert all("organizationRecorderRegions" in m for m in messages(both, RECORDER))


# -- config-rules-both-regions --

def test_rules_in_both_regions_pass(result):
    assert not {"good-rule-versioning-primary", "good-rule-versioning-secondary", "good-custom-rule-primary",
                "aws-primary", "aws-secondary"} & violated(result, RULES)


def test_rule_only_in_primary(result):
    assert "bad-rule-trail-primary-only" in violated(result, RULES)


def test_rule_only_in_secondary(result):
    assert "bad-rule-rds-secondary-only" in violated(result, RULES)
    assert any("RDS_STORAGE_ENCRYPTED" in m and "us-east-1" in m for m in messages(result, RULES))


def test_required_rules_setting_reports_the_missing_identifier(required_result):
    assert {"aws-primary", "aws-secondary"} <= violated(required_result, RULES)
    provider_messages = [m for m in messages(required_result, RULES) if "Required" in m]
    assert provider_messages and all("IAM_ROOT_ACCESS_KEY_CHECK" in m and "S3_BUCKET_VERSIONING_ENABLED" not in m
                                     for m in provider_messages)


def test_no_rules_anywhere_and_none_required_passes(bare_result):
    assert violated(bare_result, RULES) == set()


def test_catalogue_rules_are_required_by_default():
    # With no policy config, the pack's initial config asks for every Config rule the compliance catalogue names.
    g = GraphBuilder()
    found = run_pack(g.build(), only(MINE))
    assert {"aws-primary", "aws-secondary"} <= violated(found, RULES)
    text = " ".join(messages(found, RULES))
    assert "S3_BUCKET_VERSIONING_ENABLED" in text and "BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK" in text
