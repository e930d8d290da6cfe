"""What moto 5.2.5 does on its own, without the proxy: each gap the emulation fills, confirmed.

When a moto upgrade fills a gap, its test here fails: drop the filler (docs/emulation.md) rather than
keep two implementations of one action.
"""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.integration.emulation.conftest import PRIMARY, SECONDARY


def _global_database(emulation):
    rds, rds_secondary = emulation.direct("rds", PRIMARY), emulation.direct("rds", SECONDARY)
    rds.create_global_cluster(GlobalClusterIdentifier="g", Engine="aurora-postgresql", EngineVersion="16.4")
    rds.create_db_cluster(DBClusterIdentifier="one", Engine="aurora-postgresql", GlobalClusterIdentifier="g",
                          MasterUsername="admin", MasterUserPassword="Password-123")
    two = rds_secondary.create_db_cluster(DBClusterIdentifier="two", Engine="aurora-postgresql",
                                          GlobalClusterIdentifier="g")["DBCluster"]["DBClusterArn"]
    return rds_secondary, two


def test_moto_has_no_global_cluster_failover_or_switchover(emulation):
    rds_secondary, two = _global_database(emulation)
    for call in (lambda: rds_secondary.failover_global_cluster(GlobalClusterIdentifier="g", TargetDbClusterIdentifier=two,
                                                               AllowDataLoss=True),
                 lambda: rds_secondary.switchover_global_cluster(GlobalClusterIdentifier="g", TargetDbClusterIdentifier=two)):
        with pytest.raises(Exception) as raised:
            call()
        assert "500" in str(raised.value) or "Internal Server Error" in str(raised.value)


def test_moto_remove_from_global_cluster_outside_us_east_1_does_nothing(emulation):
    rds_secondary, two = _global_database(emulation)
    rds_secondary.remove_from_global_cluster(GlobalClusterIdentifier="g", DbClusterIdentifier=two)
    members = emulation.direct("rds").describe_global_clusters()["GlobalClusters"][0]["GlobalClusterMembers"]
    assert two in [m["DBClusterArn"] for m in members]


def test_moto_health_check_status_is_always_success(emulation):
    route53 = emulation.direct("route53")
    check = route53.create_health_check(CallerReference="c", HealthCheckConfig={
        "Type": "HTTPS", "FullyQualifiedDomainName": "nothing-listens.invalid", "Port": 443, "ResourcePath": "/"})
    status = route53.get_health_check_status(HealthCheckId=check["HealthCheck"]["Id"])
    assert all(o["StatusReport"]["Status"].startswith("Success") for o in status["HealthCheckObservations"])


def test_moto_drops_a_cloudwatch_health_checks_alarm(emulation):
    route53 = emulation.direct("route53")
    check = route53.create_health_check(CallerReference="c", HealthCheckConfig={
        "Type": "CLOUDWATCH_METRIC", "AlarmIdentifier": {"Region": SECONDARY, "Name": "fenced"},
        "InsufficientDataHealthStatus": "LastKnownStatus"})
    config = route53.get_health_check(HealthCheckId=check["HealthCheck"]["Id"])["HealthCheck"]["HealthCheckConfig"]
    assert "AlarmIdentifier" not in config


def test_moto_has_no_test_dns_answer(emulation):
    with pytest.raises(ClientError) as raised:
        emulation.direct("route53").test_dns_answer(HostedZoneId="Z1", RecordName="www.example.com", RecordType="A")
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_moto_does_not_evaluate_alarms(emulation):
    cloudwatch = emulation.direct("cloudwatch", SECONDARY)
    cloudwatch.put_metric_alarm(AlarmName="fenced", Namespace="N", MetricName="M", Statistic="Maximum", Period=10,
                                EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold")
    before = cloudwatch.describe_alarms(AlarmNames=["fenced"])["MetricAlarms"][0]["StateValue"]
    cloudwatch.put_metric_data(Namespace="N", MetricData=[{"MetricName": "M", "Value": 5}])
    after = cloudwatch.describe_alarms(AlarmNames=["fenced"])["MetricAlarms"][0]["StateValue"]
    assert after == before != "ALARM"


def test_moto_ignores_replica_updates(emulation):
    dynamodb = emulation.direct("dynamodb")
    dynamodb.create_table(TableName="t", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                          BillingMode="PAY_PER_REQUEST",
                          StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    answer = dynamodb.update_table(TableName="t", ReplicaUpdates=[{"Create": {"RegionName": SECONDARY}}])
    assert not answer["TableDescription"].get("Replicas")
    with pytest.raises(ClientError):
        emulation.direct("dynamodb", SECONDARY).describe_table(TableName="t")


@pytest.mark.parametrize("call", ["start_copy_job", "list_copy_jobs", "start_backup_job", "list_recovery_points"])
def test_moto_has_no_backup_jobs_or_recovery_points(emulation, call):
    backup = emulation.direct("backup")
    backup.create_backup_vault(BackupVaultName="v")
    calls = {
        "start_copy_job": lambda: backup.start_copy_job(
            RecoveryPointArn="arn:aws:backup:us-east-1:111122223333:recovery-point:x", SourceBackupVaultName="v",
            DestinationBackupVaultArn="arn:aws:backup:us-west-2:111122223333:backup-vault:w",
            IamRoleArn="arn:aws:iam::111122223333:role/r"),
        "list_copy_jobs": lambda: backup.list_copy_jobs(),
        "start_backup_job": lambda: backup.start_backup_job(BackupVaultName="v", ResourceArn="arn:aws:dynamodb:us-east-1:"
                                                            "111122223333:table/t", IamRoleArn="arn:aws:iam::111122223333:role/r"),
        "list_recovery_points": lambda: backup.list_recovery_points_by_backup_vault(BackupVaultName="v")}
    with pytest.raises(ClientError) as raised:
        calls[call]()
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_moto_has_no_config_compliance_queries(emulation):
    config = emulation.direct("config")
    config.put_config_rule(ConfigRule={"ConfigRuleName": "r", "Source": {"Owner": "AWS",
                                                                           "SourceIdentifier": "S3_BUCKET_VERSIONING_ENABLED"}})
    with pytest.raises(ClientError) as raised:
        config.describe_compliance_by_config_rule(ConfigRuleNames=["r"])
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
