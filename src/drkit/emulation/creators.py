"""How each resource type of the program is created in the emulated environment, from its graph inputs.

Each creator turns a resource's inputs (Pulumi's camelCase names, graph ids already translated to the
emulated ones) into the AWS API calls that create it, made through the region's proxy like any other
client. It returns only the identities AWS makes up (key ids, zone ids, health-check ids, secret
suffixes, endpoints) under the output names the preview mocks use, so references to them can be
translated; names the program chose itself are the same in both worlds and are never returned.
"""
from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from drkit.emulation.materialize import Build
    from drkit.graph.resource_graph import Resource

Creator = Callable[["Resource", dict[str, Any], "Build"], dict[str, str]]
EMULATED_PASSWORD = "Emulated-Password-1"  # the graph holds no secret values; moto needs some value


def _tags(inputs: dict[str, Any]) -> list[dict[str, str]]:
    tags = inputs.get("tags") if isinstance(inputs.get("tags"), dict) else {}
    return [{"Key": k, "Value": str(v)} for k, v in tags.items()]


def _drop_none(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _caller_reference(resource: "Resource") -> str:
    return hashlib.sha256(resource.urn.encode()).hexdigest()[:32]


# -- keys, topics, secrets ---------------------------------------------------------------------------
def kms_key(resource, inputs, build):
    kms = build.client("kms", resource)
    meta = kms.create_key(**_drop_none({"Description": inputs.get("description"), "MultiRegion": inputs.get("multiRegion"),
                                        "KeyUsage": inputs.get("keyUsage"), "Policy": inputs.get("policy"),
                                        "Tags": [{"TagKey": t["Key"], "TagValue": t["Value"]} for t in _tags(inputs)]}))
    meta = meta["KeyMetadata"]
    if inputs.get("enableKeyRotation"):
        kms.enable_key_rotation(KeyId=meta["KeyId"])
    return {"arn": meta["Arn"], "keyId": meta["KeyId"], "id": meta["KeyId"]}


def kms_replica_key(resource, inputs, build):
    primary_arn = inputs["primaryKeyArn"]
    kms = build.client_in("kms", primary_arn.split(":")[3])
    # moto's ReplicateKey accepts a key id only (an ARN fails with a 500).
    meta = kms.replicate_key(**_drop_none({"KeyId": primary_arn.rsplit("/", 1)[-1], "ReplicaRegion": build.region(resource),
                                           "Description": inputs.get("description"), "Policy": inputs.get("policy")}))
    meta = meta["ReplicaKeyMetadata"]
    return {"arn": meta["Arn"], "keyId": meta["KeyId"], "id": meta["KeyId"]}


def kms_alias(resource, inputs, build):
    kms = build.client("kms", resource)
    try:
        kms.create_alias(AliasName=inputs["name"], TargetKeyId=inputs["targetKeyId"])
    except kms.exceptions.AlreadyExistsException:
        pass  # moto's ReplicateKey already lists the primary's aliases in the replica region
    return {}


def sns_topic(resource, inputs, build):
    attributes = _drop_none({"KmsMasterKeyId": inputs.get("kmsMasterKeyId"), "DisplayName": inputs.get("displayName")})
    build.client("sns", resource).create_topic(Name=inputs["name"], Attributes=attributes, Tags=_tags(inputs))
    return {}


def sns_subscription(resource, inputs, build):
    """The alert e-mail subscription, as on-call leaves it after confirming (moto's subscriptions are confirmed)."""
    build.client("sns", resource).subscribe(TopicArn=inputs["topic"], Protocol=inputs["protocol"],
                                            Endpoint=inputs["endpoint"])
    return {}


def secret(resource, inputs, build):
    replicas = [_drop_none({"Region": r["region"], "KmsKeyId": r.get("kmsKeyId")}) for r in inputs.get("replicas") or []]
    answer = build.client("secretsmanager", resource).create_secret(**_drop_none({
        "Name": inputs["name"], "Description": inputs.get("description"), "KmsKeyId": inputs.get("kmsKeyId"),
        "Tags": _tags(inputs) or None, "AddReplicaRegions": replicas or None}))
    region = build.region(resource)
    mock_arn = build.mock_identity(resource).get("arn", "")
    for replica in replicas:  # a replica's ARN is the primary's with the replica's region, in AWS and the mocks
        build.alias(mock_arn.replace(f":{region}:", f":{replica['Region']}:"),
                    answer["ARN"].replace(f":{region}:", f":{replica['Region']}:"))
    return {"arn": answer["ARN"]}


def secret_version(resource, inputs, build):
    build.client("secretsmanager", resource).put_secret_value(SecretId=inputs["secretId"],
                                                              SecretString=EMULATED_PASSWORD)
    return {}


# -- data stores -------------------------------------------------------------------------------------
def dynamodb_table(resource, inputs, build):
    dynamodb = build.client("dynamodb", resource)
    keys = [{"AttributeName": inputs["hashKey"], "KeyType": "HASH"}]
    if inputs.get("rangeKey"):
        keys.append({"AttributeName": inputs["rangeKey"], "KeyType": "RANGE"})
    spec: dict[str, Any] = {
        "TableName": inputs["name"], "KeySchema": keys,
        "AttributeDefinitions": [{"AttributeName": a["name"], "AttributeType": a["type"]} for a in inputs["attributes"]],
        "BillingMode": inputs.get("billingMode", "PROVISIONED"), "Tags": _tags(inputs),
        "DeletionProtectionEnabled": bool(inputs.get("deletionProtectionEnabled"))}
    if spec["BillingMode"] == "PROVISIONED":
        spec["ProvisionedThroughput"] = {"ReadCapacityUnits": inputs.get("readCapacity", 1),
                                         "WriteCapacityUnits": inputs.get("writeCapacity", 1)}
    if inputs.get("streamEnabled"):
        spec["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": inputs.get("streamViewType")}
    encryption = inputs.get("serverSideEncryption") or {}
    if encryption.get("enabled"):
        spec["SSESpecification"] = _drop_none({"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": encryption.get("kmsKeyArn")})
    indexes = [_drop_none({"IndexName": index["name"], "KeySchema": [{"AttributeName": index["hashKey"], "KeyType": "HASH"}]
                           + ([{"AttributeName": index["rangeKey"], "KeyType": "RANGE"}] if index.get("rangeKey") else []),
                           "Projection": _drop_none({"ProjectionType": index.get("projectionType", "ALL"),
                                                     "NonKeyAttributes": index.get("nonKeyAttributes")})})
               for index in inputs.get("globalSecondaryIndexes") or []]
    if indexes:
        spec["GlobalSecondaryIndexes"] = indexes
    dynamodb.create_table(**spec)
    regions = [build.region(resource)]
    for replica in inputs.get("replicas") or []:
        dynamodb.update_table(TableName=inputs["name"], ReplicaUpdates=[{"Create": _drop_none({
            "RegionName": replica["regionName"], "KMSMasterKeyId": replica.get("kmsKeyArn")})}])
        regions.append(replica["regionName"])
    for region in regions:
        if (inputs.get("pointInTimeRecovery") or {}).get("enabled"):
            build.client_in("dynamodb", region).update_continuous_backups(
                TableName=inputs["name"], PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
        if (inputs.get("ttl") or {}).get("enabled"):
            build.client_in("dynamodb", region).update_time_to_live(TableName=inputs["name"], TimeToLiveSpecification={
                "Enabled": True, "AttributeName": inputs["ttl"]["attributeName"]})
    return {}


def rds_global_cluster(resource, inputs, build):
    build.client("rds", resource).create_global_cluster(**_drop_none({
        "GlobalClusterIdentifier": inputs["globalClusterIdentifier"], "Engine": inputs.get("engine"),
        "EngineVersion": inputs.get("engineVersion"), "StorageEncrypted": inputs.get("storageEncrypted"),
        "DeletionProtection": inputs.get("deletionProtection"), "DatabaseName": inputs.get("databaseName")}))
    return {}


def rds_cluster(resource, inputs, build):
    secondary = bool(inputs.get("globalClusterIdentifier")) and not inputs.get("masterUsername")
    answer = build.client("rds", resource).create_db_cluster(**_drop_none({
        "DBClusterIdentifier": inputs["clusterIdentifier"], "Engine": inputs["engine"],
        "EngineVersion": inputs.get("engineVersion"), "GlobalClusterIdentifier": inputs.get("globalClusterIdentifier"),
        "MasterUsername": inputs.get("masterUsername"), "MasterUserPassword": None if secondary else EMULATED_PASSWORD,
        "DatabaseName": inputs.get("databaseName"), "StorageEncrypted": inputs.get("storageEncrypted"),
        "KmsKeyId": inputs.get("kmsKeyId"), "DeletionProtection": inputs.get("deletionProtection"),
        "BackupRetentionPeriod": inputs.get("backupRetentionPeriod"),
        "EnableIAMDatabaseAuthentication": inputs.get("iamDatabaseAuthenticationEnabled"),
        "EnableCloudwatchLogsExports": inputs.get("enabledCloudwatchLogsExports"),
        "CopyTagsToSnapshot": inputs.get("copyTagsToSnapshot"), "Tags": _tags(inputs) or None}))["DBCluster"]
    return {"endpoint": answer.get("Endpoint", ""), "readerEndpoint": answer.get("ReaderEndpoint", ""),
            "clusterResourceId": answer.get("DbClusterResourceId", "")}


def rds_cluster_instance(resource, inputs, build):
    build.client("rds", resource).create_db_instance(**_drop_none({
        "DBInstanceIdentifier": inputs["identifier"], "DBClusterIdentifier": inputs["clusterIdentifier"],
        "Engine": inputs["engine"], "DBInstanceClass": inputs.get("instanceClass"),
        "PromotionTier": inputs.get("promotionTier"), "PubliclyAccessible": inputs.get("publiclyAccessible"),
        "Tags": _tags(inputs) or None}))
    return {}


# -- compute -----------------------------------------------------------------------------------------
def ecs_cluster(resource, inputs, build):
    build.client("ecs", resource).create_cluster(
        clusterName=inputs["name"], settings=[{"name": s["name"], "value": s["value"]} for s in inputs.get("settings") or []],
        tags=[{"key": t["Key"], "value": t["Value"]} for t in _tags(inputs)])
    return {}


def ecs_task_definition(resource, inputs, build):
    definitions = inputs["containerDefinitions"]
    build.client("ecs", resource).register_task_definition(**_drop_none({
        "family": inputs["family"], "containerDefinitions": json.loads(definitions) if isinstance(definitions, str) else definitions,
        "cpu": inputs.get("cpu"), "memory": inputs.get("memory"), "networkMode": inputs.get("networkMode"),
        "requiresCompatibilities": inputs.get("requiresCompatibilities"), "taskRoleArn": inputs.get("taskRoleArn"),
        "executionRoleArn": inputs.get("executionRoleArn"), "runtimePlatform": inputs.get("runtimePlatform"),
        "volumes": [{"name": v["name"]} for v in inputs.get("volumes") or []] or None}))
    return {}


def ecs_service(resource, inputs, build):
    # No VPC or load balancer is emulated: the service runs "behind" the region's health endpoint.
    create_running_service(build.client("ecs", resource), **_drop_none({
        "cluster": inputs["cluster"], "serviceName": inputs["name"], "taskDefinition": inputs["taskDefinition"],
        "desiredCount": inputs.get("desiredCount", 0), "launchType": inputs.get("launchType"),
        "platformVersion": inputs.get("platformVersion"), "propagateTags": inputs.get("propagateTags"),
        "enableECSManagedTags": inputs.get("enableEcsManagedTags")}))
    return {}


def create_running_service(ecs, **arguments):
    """CreateService, then the state AWS reaches a few minutes later: moto starts a service with no running task
    (runningCount 0) and sets runningCount to desiredCount only on UpdateService."""
    ecs.create_service(**arguments)
    ecs.update_service(cluster=arguments["cluster"], service=arguments["serviceName"],
                       desiredCount=arguments.get("desiredCount", 0))


def scalable_target(resource, inputs, build):
    build.client("application-autoscaling", resource).register_scalable_target(
        ServiceNamespace=inputs["serviceNamespace"], ResourceId=inputs["resourceId"],
        ScalableDimension=inputs["scalableDimension"], MinCapacity=inputs["minCapacity"],
        MaxCapacity=inputs["maxCapacity"])
    return {}
