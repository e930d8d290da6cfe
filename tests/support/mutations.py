"""Mutations of the real prod graph: each breaks one control, and names the policy that must catch it and the
resource the finding must name. Used by the mutation tests and by the test that runs the pack alone."""
from __future__ import annotations

import json
from typing import Any, Callable

from drkit.graph.resource_graph import Graph, Resource


def one(graph: Graph, type_token: str, name_part: str = "") -> Resource:
    matches = [r for r in graph.of_type(type_token) if name_part in r.name]
    assert matches, f"no {type_token} named like {name_part!r} in the prod graph"
    return matches[0]


def drop(graph: Graph, type_token: str, name_part: str = "") -> str:
    victim = one(graph, type_token, name_part)
    graph.resources.remove(victim)
    return victim.urn


def set_input(type_token: str, name_part: str, path: str, value: Any,
              reported_on: tuple[str, str] | None = None) -> Callable[[Graph], str]:
    """A mutation setting inputs[path] (dots for nesting, digits for list indexes) on one resource.

    Returns the URN the finding must name: the mutated resource, or `reported_on` (type, name part) when a
    stack policy reports the store that lost its control rather than the helper resource that was edited.
    """
    def mutate(graph: Graph) -> str:
        resource = one(graph, type_token, name_part)
        node: Any = resource.inputs
        keys = path.split(".")
        for key in keys[:-1]:
            node = node[int(key)] if key.isdigit() else node[key]
        last = keys[-1]
        if value is ...:
            del node[int(last) if last.isdigit() else last]
        elif last.isdigit():
            node[int(last)] = value
        else:
            node[last] = value
        return one(graph, *reported_on).urn if reported_on else resource.urn
    return mutate


def remove(type_token: str, name_part: str = "") -> Callable[[Graph], str]:
    def mutate(graph: Graph) -> str:
        drop(graph, type_token, name_part)
        return ""  # the finding lands on what lost its control, not on the removed resource
    return mutate


def provider_without_tag(tag: str) -> Callable[[Graph], str]:
    def mutate(graph: Graph) -> str:
        provider = one(graph, "pulumi:providers:aws", "aws-secondary")
        tags = json.loads(provider.inputs["defaultTags"])
        del tags["tags"][tag]
        provider.inputs["defaultTags"] = json.dumps(tags)
        return ""
    return mutate


def drop_secondary_config_rules(graph: Graph) -> str:
    secondary = one(graph, "pulumi:providers:aws", "aws-secondary").urn
    rules = [r for r in graph.of_type("aws:cfg/rule:Rule") if r.provider == secondary]
    assert rules, "the secondary region deploys no Config rules to drop"
    for rule in rules:
        graph.resources.remove(rule)
    return ""


def wildcard_key_policy(graph: Graph) -> str:
    key = one(graph, "aws:kms/key:Key", "objects")
    document = json.loads(key.inputs["policy"])
    document["Statement"].append({"Sid": "Everyone", "Effect": "Allow", "Principal": "*", "Action": "kms:*",
                                  "Resource": "*"})
    key.inputs["policy"] = json.dumps(document)
    return key.urn


def admin_role_policy(graph: Graph) -> str:
    policy = one(graph, "aws:iam/rolePolicy:RolePolicy")
    policy.inputs["policy"] = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"}]})
    return policy.urn


def drop_secondary_failover_record(graph: Graph) -> str:
    records = [r for r in graph.of_type("aws:route53/record:Record") if r.inputs.get("failoverRoutingPolicies")]
    secondary = [r for r in records if r.inputs["failoverRoutingPolicies"][0]["type"] == "SECONDARY"]
    assert secondary
    graph.resources.remove(secondary[0])
    return ""


def slow_dns(graph: Graph) -> str:
    # Failing over through a record cached for an hour cannot meet a 15-minute regional RTO.
    records = [r for r in graph.of_type("aws:route53/record:Record") if r.inputs.get("failoverRoutingPolicies")]
    for record in records:
        record.inputs.pop("aliases", None)
        record.inputs["ttl"] = 3600
        record.inputs["records"] = ["203.0.113.10"]
    return ""


MUTATIONS: dict[str, tuple[Callable[[Graph], str], str]] = {
    "strip bucket encryption": (remove("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                                       "media-encryption-primary"), "s3-bucket-kms-encryption"),
    "bucket encryption AES256": (set_input("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                                           "exports-encryption-primary",
                                           "rules.0.applyServerSideEncryptionByDefault.sseAlgorithm", "AES256",
                                           reported_on=("aws:s3/bucket:Bucket", "exports-primary")),
                                 "s3-bucket-kms-encryption"),
    "aurora unencrypted": (set_input("aws:rds/cluster:Cluster", "primary", "storageEncrypted", False),
                           "rds-storage-encrypted-cmk"),
    "table without CMK": (set_input("aws:dynamodb/table:Table", "carts", "serverSideEncryption.kmsKeyArn", ...),
                          "dynamodb-table-cmk-encryption"),
    "topic unencrypted": (set_input("aws:sns/topic:Topic", "secondary", "kmsMasterKeyId", ...),
                          "sns-topic-kms-encryption"),
    "log group unencrypted": (set_input("aws:cloudwatch/logGroup:LogGroup", "", "kmsKeyId", ...),
                              "cloudwatch-log-group-kms-encryption"),
    "secret with AWS key": (set_input("aws:secretsmanager/secret:Secret", "", "kmsKeyId", "alias/aws/secretsmanager"),
                            "secretsmanager-secret-cmk-encryption"),
    "vault without CMK": (set_input("aws:backup/vault:Vault", "secondary", "kmsKeyArn", ...),
                          "backup-vault-cmk-encryption"),
    "key rotation off": (set_input("aws:kms/key:Key", "database", "enableKeyRotation", False),
                         "kms-key-rotation-enabled"),
    "key policy open to everyone": (wildcard_key_policy, "kms-key-policy-no-public-wildcard"),
    "TLS 1.0 listener": (set_input("aws:lb/listener:Listener", "https-primary", "sslPolicy",
                                   "ELBSecurityPolicy-2016-08"), "alb-listener-https-only"),
    "HTTP listener forwards": (set_input("aws:lb/listener:Listener", "http-secondary", "defaultActions.0",
                                         {"type": "forward", "targetGroupArn": "arn:aws:elasticloadbalancing:x"}),
                               "alb-listener-https-only"),
    "bucket policy without TLS deny": (set_input("aws:s3/bucketPolicy:BucketPolicy", "media-policy-secondary", "policy",
                                                 json.dumps({"Version": "2012-10-17", "Statement": []}),
                                                 reported_on=("aws:s3/bucket:Bucket", "media-secondary")),
                                       "s3-bucket-tls-only"),
    "single-region trail": (set_input("aws:cloudtrail/trail:Trail", "", "isMultiRegionTrail", False),
                            "cloudtrail-multi-region-enabled"),
    "trail without log validation": (set_input("aws:cloudtrail/trail:Trail", "", "enableLogFileValidation", False),
                                     "cloudtrail-multi-region-enabled"),
    "drop CostCenter tag": (provider_without_tag("CostCenter"), "required-tags"),
    "DRRole outside allowed values": (set_input("aws:sns/topic:Topic", "primary", "tags", {"DRRole": "tertiary"}),
                                      "required-tags"),
    "remove vault lock": (remove("aws:backup/vaultLockConfiguration:VaultLockConfiguration", "secondary"),
                          "backup-vault-lock-compliance-mode"),
    "vault lock in governance mode": (set_input("aws:backup/vaultLockConfiguration:VaultLockConfiguration", "primary",
                                                "changeableForDays", ...), "backup-vault-lock-compliance-mode"),
    "backup plan without copy": (set_input("aws:backup/plan:Plan", "", "rules.0.copyActions", [],
                                           reported_on=("aws:rds/cluster:Cluster", "primary")),
                                 "backup-plan-cross-region-copy"),
    # The primary's rule: replication now runs both ways, and the policy guards the primary's copy to the standby.
    "remove replication rule": (remove("aws:s3/bucketReplicationConfig:BucketReplicationConfig",
                                       "exports-replication-primary"),
                                "s3-bucket-cross-region-replication"),
    "replication without RTC": (set_input("aws:s3/bucketReplicationConfig:BucketReplicationConfig",
                                           "media-replication-primary",
                                           "rules.0.destination.replicationTime.status", "Disabled",
                                           reported_on=("aws:s3/bucket:Bucket", "media-primary")),
                                "s3-bucket-cross-region-replication"),
    "no secondary Aurora member": (remove("aws:rds/cluster:Cluster", "secondary"),
                                   "aurora-global-cluster-secondary-member"),
    "table without replica": (set_input("aws:dynamodb/table:Table", "sessions", "replicas", []),
                              "dynamodb-global-table-replica"),
    "secret not replicated": (set_input("aws:secretsmanager/secret:Secret", "", "replicas", ...),
                              "secretsmanager-secret-replicated"),
    "replica key missing": (remove("aws:kms/replicaKey:ReplicaKey", "sessions"), "kms-replica-keys-present"),
    "no recorder in secondary": (remove("aws:cfg/recorder:Recorder", "secondary"), "config-recorder-both-regions"),
    "secondary's Config rules dropped": (drop_secondary_config_rules, "config-rules-both-regions"),
    "SSH open to the world": (set_input("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "alb-in-https-primary",
                                        "fromPort", 22), "security-group-no-public-ingress"),
    "aurora deletable": (set_input("aws:rds/cluster:Cluster", "secondary", "deletionProtection", False),
                         "database-deletion-protection"),
    "wildcard admin policy": (admin_role_policy, "iam-no-wildcard-admin"),
    "public access allowed": (set_input("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "media",
                                        "restrictPublicBuckets", False), "s3-bucket-public-access-blocked"),
    "no secondary failover record": (drop_secondary_failover_record, "route53-failover-pair"),
    "DNS cached for an hour": (slow_dns, "rto-rpo-achievable"),
    "PITR off": (set_input("aws:dynamodb/table:Table", "carts", "pointInTimeRecovery.enabled", False),
                 "dynamodb-point-in-time-recovery"),
    "versioning suspended": (set_input("aws:s3/bucketVersioning:BucketVersioning", "media-versioning-primary",
                                       "versioningConfiguration.status", "Suspended"), "s3-bucket-versioning-enabled"),
    "access logging removed": (remove("aws:s3/bucketLogging:BucketLogging", "exports"), "s3-bucket-access-logging"),
    "IAM auth off": (set_input("aws:rds/cluster:Cluster", "primary", "iamDatabaseAuthenticationEnabled", False),
                     "aurora-iam-authentication"),
}
