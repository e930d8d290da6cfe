"""Config compliance queries, and CloudWatch alarm evaluation on PutMetricData."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from drkit.emulation.gaps.cloudwatch_alarms import _metric_data
from drkit.emulation.wire import AwsRequest
from tests.integration.emulation.conftest import PRIMARY, SECONDARY


def _rule(emulation, name="s3-versioning", region=PRIMARY):
    emulation.client("config", region).put_config_rule(ConfigRule={
        "ConfigRuleName": name, "Source": {"Owner": "AWS", "SourceIdentifier": "S3_BUCKET_VERSIONING_ENABLED"}})


def test_a_rule_nobody_evaluated_has_insufficient_data(emulation):
    _rule(emulation)
    answer = emulation.client("config").describe_compliance_by_config_rule(ConfigRuleNames=["s3-versioning"])
    assert answer["ComplianceByConfigRules"] == [{"ConfigRuleName": "s3-versioning",
                                                  "Compliance": {"ComplianceType": "INSUFFICIENT_DATA"}}]


def test_recorded_results_answer_the_compliance_queries_of_their_region(emulation):
    _rule(emulation)
    _rule(emulation, region=SECONDARY)
    emulation.gaps.config.record(PRIMARY, "s3-versioning", "AWS::S3::Bucket", "media", "COMPLIANT")
    emulation.gaps.config.record(PRIMARY, "s3-versioning", "AWS::S3::Bucket", "logs", "NON_COMPLIANT", "versioning off")
    config = emulation.client("config")
    verdict = config.describe_compliance_by_config_rule()["ComplianceByConfigRules"][0]["Compliance"]
    assert (verdict["ComplianceType"], verdict["ComplianceContributorCount"]["CappedCount"]) == ("NON_COMPLIANT", 1)
    details = config.get_compliance_details_by_config_rule(ConfigRuleName="s3-versioning",
                                                           ComplianceTypes=["NON_COMPLIANT"])["EvaluationResults"]
    assert [(d["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ResourceId"], d["Annotation"])
            for d in details] == [("logs", "versioning off")]
    assert config.get_compliance_summary_by_config_rule()["ComplianceSummary"]["NonCompliantResourceCount"]["CappedCount"] == 1
    west = emulation.client("config", SECONDARY).describe_compliance_by_config_rule()["ComplianceByConfigRules"]
    assert west[0]["Compliance"]["ComplianceType"] == "INSUFFICIENT_DATA"


def test_compliance_of_an_unknown_rule_is_refused(emulation):
    with pytest.raises(ClientError) as refused:
        emulation.client("config").get_compliance_details_by_config_rule(ConfigRuleName="nope")
    assert refused.value.response["Error"]["Code"] == "NoSuchConfigRuleException"


def test_recording_an_unknown_compliance_type_is_refused(emulation):
    with pytest.raises(ValueError):
        emulation.gaps.config.record(PRIMARY, "r", "AWS::S3::Bucket", "b", "MOSTLY_FINE")


def _alarm(emulation, **overrides):
    arguments = {"AlarmName": "lag", "Namespace": "AWS/RDS", "MetricName": "AuroraGlobalDBReplicationLag",
                 "Statistic": "Maximum", "Period": 60, "EvaluationPeriods": 1, "Threshold": 5000,
                 "ComparisonOperator": "GreaterThanThreshold", "Dimensions": [{"Name": "DBClusterIdentifier", "Value": "two"}]}
    emulation.client("cloudwatch", SECONDARY).put_metric_alarm(**{**arguments, **overrides})


def _state(emulation):
    return emulation.client("cloudwatch", SECONDARY).describe_alarms(AlarmNames=["lag"])["MetricAlarms"][0]["StateValue"]


def _put(emulation, dimension="two", **datum):
    emulation.client("cloudwatch", SECONDARY).put_metric_data(Namespace="AWS/RDS", MetricData=[{
        "MetricName": "AuroraGlobalDBReplicationLag", "Dimensions": [{"Name": "DBClusterIdentifier", "Value": dimension}],
        **datum}])


def test_an_alarm_moves_with_the_datapoints_put_on_its_metric(emulation):
    _alarm(emulation)
    _put(emulation, Value=9000)
    assert _state(emulation) == "ALARM"
    _put(emulation, Value=100)
    assert _state(emulation) == "OK"


def test_datapoints_of_other_dimensions_leave_the_alarm_alone(emulation):
    _alarm(emulation)
    _put(emulation, dimension="one", Value=9000)
    assert _state(emulation) == "OK"


@pytest.mark.parametrize("datum, expected", [({"Values": [1, 9000, 2]}, "ALARM"), ({"Values": [1, 2]}, "OK"),
                                             ({"StatisticValues": {"SampleCount": 2, "Sum": 9001, "Minimum": 1,
                                                                   "Maximum": 9000}}, "ALARM")])
def test_the_alarms_statistic_is_taken_of_a_datums_values(emulation, datum, expected):
    _alarm(emulation)
    _put(emulation, **datum)
    assert _state(emulation) == expected


def test_query_protocol_metric_data_is_read_like_json():
    body = ("Action=PutMetricData&Version=2010-08-01&Namespace=N&MetricData.member.1.MetricName=M"
            "&MetricData.member.1.Value=3&MetricData.member.1.Dimensions.member.1.Name=Environment"
            "&MetricData.member.1.Dimensions.member.1.Value=prod&MetricData.member.2.MetricName=Q"
            "&MetricData.member.2.Values.member.1=1&MetricData.member.2.Values.member.2=7")
    request = AwsRequest.parse("POST", "/", {"Content-Type": "application/x-www-form-urlencoded",
                                             "Authorization": "AWS4-HMAC-SHA256 Credential=a/20260101/us-west-2/"
                                                              "monitoring/aws4_request, Signature=x"}, body.encode())
    assert (request.service, request.region, request.action) == ("monitoring", "us-west-2", "PutMetricData")
    assert _metric_data(request) == ("N", [
        {"MetricName": "M", "Value": 3.0, "Dimensions": [{"Name": "Environment", "Value": "prod"}]},
        {"MetricName": "Q", "Values": [1.0, 7.0], "Dimensions": []}])
