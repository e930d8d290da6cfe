"""Creators (see drkit.emulation.creators) for alarms, DNS and health checks, backup, buckets and Config."""
from __future__ import annotations

from typing import Any

from drkit.emulation.creators import _caller_reference, _drop_none, _tags


# -- alarms --------------------------------------------------------------------------------------------
def metric_alarm(resource, inputs, build):
    if inputs.get("metricQueries"):
        raise build.skip("metric-math alarms are not emulated")
    dimensions = inputs.get("dimensions") or {}
    build.client("cloudwatch", resource).put_metric_alarm(**_drop_none({
        "AlarmName": inputs["name"], "AlarmDescription": inputs.get("alarmDescription"),
        "Namespace": inputs.get("namespace"), "MetricName": inputs.get("metricName"),
        "Statistic": inputs.get("statistic"), "ExtendedStatistic": inputs.get("extendedStatistic"),
        "Period": inputs.get("period"), "EvaluationPeriods": inputs.get("evaluationPeriods"),
        "DatapointsToAlarm": inputs.get("datapointsToAlarm"), "Threshold": inputs.get("threshold"),
        "ComparisonOperator": inputs.get("comparisonOperator"), "TreatMissingData": inputs.get("treatMissingData"),
        "Unit": inputs.get("unit"), "ActionsEnabled": inputs.get("actionsEnabled"),
        "Dimensions": [{"Name": k, "Value": str(v)} for k, v in dimensions.items()] or None,
        "AlarmActions": inputs.get("alarmActions"), "OKActions": inputs.get("okActions"),
        "InsufficientDataActions": inputs.get("insufficientDataActions"), "Tags": _tags(inputs) or None}))
    return {}


# -- DNS -------------------------------------------------------------------------------------------------
def hosted_zone(resource, inputs, build):
    answer = build.client("route53", resource).create_hosted_zone(
        Name=inputs["name"], CallerReference=_caller_reference(resource),
        HostedZoneConfig=_drop_none({"Comment": inputs.get("comment"), "PrivateZone": False}))
    zone_id = answer["HostedZone"]["Id"].rsplit("/", 1)[-1]
    return {"zoneId": zone_id, "id": zone_id}


def health_check(resource, inputs, build):
    alarm = _drop_none({"Region": inputs.get("cloudwatchAlarmRegion"), "Name": inputs.get("cloudwatchAlarmName")})
    config = _drop_none({
        "Type": inputs["type"], "FullyQualifiedDomainName": inputs.get("fqdn"), "IPAddress": inputs.get("ipAddress"),
        "Port": inputs.get("port"), "ResourcePath": inputs.get("resourcePath"), "SearchString": inputs.get("searchString"),
        "RequestInterval": inputs.get("requestInterval"), "FailureThreshold": inputs.get("failureThreshold"),
        "MeasureLatency": inputs.get("measureLatency"), "Inverted": inputs.get("invertHealthcheck"),
        "Disabled": inputs.get("disabled"), "EnableSNI": inputs.get("enableSni"), "Regions": inputs.get("regions"),
        "ChildHealthChecks": inputs.get("childHealthchecks"), "HealthThreshold": inputs.get("childHealthThreshold"),
        "AlarmIdentifier": alarm or None, "InsufficientDataHealthStatus": inputs.get("insufficientDataHealthStatus")})
    route53 = build.client("route53", resource)
    check_id = route53.create_health_check(CallerReference=_caller_reference(resource),
                                           HealthCheckConfig=config)["HealthCheck"]["Id"]
    if _tags(inputs):
        route53.change_tags_for_resource(ResourceType="healthcheck", ResourceId=check_id, AddTags=_tags(inputs))
    return {"id": check_id}


def dns_record(resource, inputs, build):
    record: dict[str, Any] = {"Name": inputs["name"], "Type": inputs["type"]}
    aliases = inputs.get("aliases") or []
    if aliases:
        alias = aliases[0]
        record["AliasTarget"] = {"HostedZoneId": alias["zoneId"], "DNSName": alias["name"],
                                 "EvaluateTargetHealth": bool(alias.get("evaluateTargetHealth"))}
    else:
        record.update(TTL=int(inputs.get("ttl", 300)), ResourceRecords=[{"Value": v} for v in inputs.get("records") or []])
    if inputs.get("setIdentifier"):
        record["SetIdentifier"] = inputs["setIdentifier"]
    for policy in inputs.get("failoverRoutingPolicies") or []:
        record["Failover"] = policy["type"]
    for policy in inputs.get("weightedRoutingPolicies") or []:
        record["Weight"] = policy["weight"]
    if inputs.get("healthCheckId"):
        record["HealthCheckId"] = inputs["healthCheckId"]
    build.client("route53", resource).change_resource_record_sets(HostedZoneId=inputs["zoneId"], ChangeBatch={
        "Changes": [{"Action": "UPSERT", "ResourceRecordSet": record}]})
    return {}


# -- backup ----------------------------------------------------------------------------------------------
def backup_vault(resource, inputs, build):
    build.client("backup", resource).create_backup_vault(**_drop_none({
        "BackupVaultName": inputs["name"], "EncryptionKeyArn": inputs.get("kmsKeyArn"),
        "BackupVaultTags": dict(inputs["tags"]) if isinstance(inputs.get("tags"), dict) else None}))
    return {}


def vault_lock(resource, inputs, build):
    build.client("backup", resource).put_backup_vault_lock_configuration(**_drop_none({
        "BackupVaultName": inputs["backupVaultName"], "MinRetentionDays": inputs.get("minRetentionDays"),
        "MaxRetentionDays": inputs.get("maxRetentionDays"), "ChangeableForDays": inputs.get("changeableForDays")}))
    return {}


def backup_plan(resource, inputs, build):
    rules = [_drop_none({
        "RuleName": rule["ruleName"], "TargetBackupVaultName": rule["targetVaultName"],
        "ScheduleExpression": rule.get("schedule"), "StartWindowMinutes": rule.get("startWindow"),
        "CompletionWindowMinutes": rule.get("completionWindow"),
        "EnableContinuousBackup": rule.get("enableContinuousBackup"),
        "Lifecycle": _lifecycle(rule.get("lifecycle")),
        "CopyActions": [_drop_none({"DestinationBackupVaultArn": copy["destinationVaultArn"],
                                    "Lifecycle": _lifecycle(copy.get("lifecycle"))})
                        for copy in rule.get("copyActions") or []] or None})
        for rule in inputs.get("rules") or []]
    answer = build.client("backup", resource).create_backup_plan(BackupPlan={"BackupPlanName": inputs["name"],
                                                                             "Rules": rules})
    return {"id": answer["BackupPlanId"], "arn": answer["BackupPlanArn"]}


def _lifecycle(lifecycle: dict[str, Any] | None) -> dict[str, Any] | None:
    if not lifecycle:
        return None
    return _drop_none({"DeleteAfterDays": lifecycle.get("deleteAfter"),
                       "MoveToColdStorageAfterDays": lifecycle.get("coldStorageAfter")})


def backup_selection(resource, inputs, build):
    # moto 5.2.5 has no CreateBackupSelection; the selection is kept so the plan's last run can be seeded.
    build.selections.append((build.region(resource), inputs))
    raise build.skip("moto has no CreateBackupSelection; its resources seed the plan's last backup and copy")


# -- storage and Config --------------------------------------------------------------------------------
def s3_bucket(resource, inputs, build):
    region = build.region(resource)
    extra = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    build.client("s3", resource).create_bucket(Bucket=inputs["bucket"], **extra)
    return {}


def s3_versioning(resource, inputs, build):
    status = (inputs.get("versioningConfiguration") or {}).get("status", "Enabled")
    build.client("s3", resource).put_bucket_versioning(Bucket=inputs["bucket"],
                                                       VersioningConfiguration={"Status": status})
    return {}


def s3_encryption(resource, inputs, build):
    rules = [{"ApplyServerSideEncryptionByDefault": _drop_none({
        "SSEAlgorithm": rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"],
        "KMSMasterKeyID": rule["applyServerSideEncryptionByDefault"].get("kmsMasterKeyId")}),
        "BucketKeyEnabled": bool(rule.get("bucketKeyEnabled"))} for rule in inputs.get("rules") or []]
    build.client("s3", resource).put_bucket_encryption(Bucket=inputs["bucket"],
                                                       ServerSideEncryptionConfiguration={"Rules": rules})
    return {}


def s3_replication(resource, inputs, build):
    rules = []
    for rule in inputs.get("rules") or []:
        destination = rule["destination"]
        rules.append(_drop_none({
            "ID": rule.get("id"), "Priority": rule.get("priority"), "Status": rule.get("status", "Enabled"),
            "Filter": {"Prefix": (rule.get("filter") or {}).get("prefix", "")},
            "DeleteMarkerReplication": {"Status": (rule.get("deleteMarkerReplication") or {}).get("status", "Disabled")},
            "Destination": _drop_none({"Bucket": destination["bucket"], "StorageClass": destination.get("storageClass")})}))
    build.client("s3", resource).put_bucket_replication(Bucket=inputs["bucket"], ReplicationConfiguration={
        "Role": inputs["role"], "Rules": rules})
    return {}


def config_recorder(resource, inputs, build):
    group = inputs.get("recordingGroup") or {}
    build.client("config", resource).put_configuration_recorder(ConfigurationRecorder={
        "name": inputs["name"], "roleARN": inputs["roleArn"],
        "recordingGroup": {"allSupported": bool(group.get("allSupported", True)),
                           "includeGlobalResourceTypes": bool(group.get("includeGlobalResourceTypes"))}})
    return {}


def config_rule(resource, inputs, build):
    source = inputs.get("source") or {}
    scope = inputs.get("scope") or {}
    build.client("config", resource).put_config_rule(ConfigRule=_drop_none({
        "ConfigRuleName": inputs["name"], "Description": inputs.get("description"),
        "InputParameters": inputs.get("inputParameters"),
        "Scope": _drop_none({"ComplianceResourceTypes": scope.get("complianceResourceTypes")}) or None,
        "Source": {"Owner": source.get("owner", "AWS"), "SourceIdentifier": source.get("sourceIdentifier")}}))
    return {}
