"""Edits of the real prod graph that the mutation table (tests/support/mutations.py) applies: finding a resource,
dropping one, setting an input, and the edits that need more than one step. Each returns the URN the finding
must name ("" when the finding lands on what lost its control rather than on the edited resource)."""
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


def secondary_in_primary_region(graph: Graph) -> str:
    provider = one(graph, "pulumi:providers:aws", "aws-secondary")
    provider.inputs["region"] = one(graph, "pulumi:providers:aws", "aws-primary").inputs["region"]
    return provider.urn


def unencrypted_volume(graph: Graph) -> str:
    """An EBS volume added next to the primary's database, as a hand-run `pulumi up` of a debugging box would."""
    neighbour = one(graph, "aws:rds/cluster:Cluster", "primary")
    urn = neighbour.urn.rsplit("::", 1)[0].rsplit("$", 1)[0] + "$aws:ebs/volume:Volume::scratch"
    graph.resources.append(Resource(urn=urn, type="aws:ebs/volume:Volume", name="scratch", custom=True,
                                    parent=neighbour.parent, provider=neighbour.provider, dependencies=[],
                                    inputs={"availabilityZone": "us-east-1a", "size": 20, "encrypted": False}))
    return urn


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


def container_setting(name_part: str, key: str, value: Any) -> Callable[[Graph], str]:
    """A mutation setting `key` on the first container of a task definition (containerDefinitions is JSON text)."""
    def mutate(graph: Graph) -> str:
        task = one(graph, "aws:ecs/taskDefinition:TaskDefinition", name_part)
        containers = json.loads(task.inputs["containerDefinitions"])
        containers[0][key] = value
        task.inputs["containerDefinitions"] = json.dumps(containers)
        return task.urn
    return mutate


def service_wildcard_role_policy(graph: Graph) -> str:
    policy = one(graph, "aws:iam/rolePolicy:RolePolicy", "storefront-task-primary")
    document = json.loads(policy.inputs["policy"])
    document["Statement"].append({"Sid": "AllOfS3", "Effect": "Allow", "Action": ["s3:*"], "Resource": ["*"]})
    policy.inputs["policy"] = json.dumps(document)
    return policy.urn


def table_full_access_role_policy(graph: Graph) -> str:
    """Every DynamoDB action on one named table: not administrator, not every resource, but still full access."""
    policy = one(graph, "aws:iam/rolePolicy:RolePolicy", "storefront-task-secondary")
    document = json.loads(policy.inputs["policy"])
    document["Statement"].append({"Sid": "AllOnCarts", "Effect": "Allow", "Action": "dynamodb:*",
                                  "Resource": "arn:aws:dynamodb:us-west-2:123456789012:table/carts"})
    policy.inputs["policy"] = json.dumps(document)
    return policy.urn


def admin_over_bucket_objects(graph: Graph) -> str:
    """Every action on every object of the media bucket: administrative over those objects, though not on "*"."""
    policy = one(graph, "aws:iam/rolePolicy:RolePolicy", "storefront-task-primary")
    media = one(graph, "aws:s3/bucket:Bucket", "media-primary").inputs["bucket"]
    document = json.loads(policy.inputs["policy"])
    document["Statement"].append({"Sid": "AllOnMedia", "Effect": "Allow", "Action": "*",
                                  "Resource": f"arn:aws:s3:::{media}/*"})
    policy.inputs["policy"] = json.dumps(document)
    return policy.urn


def public_bucket_policy(graph: Graph) -> str:
    policy = one(graph, "aws:s3/bucketPolicy:BucketPolicy", "media-policy-secondary")
    document = json.loads(policy.inputs["policy"])
    document["Statement"].append({"Sid": "AnyoneReads", "Effect": "Allow", "Principal": {"AWS": ["*"]},
                                  "Action": "s3:GetObject", "Resource": "arn:aws:s3:::media/*"})
    policy.inputs["policy"] = json.dumps(document)
    return policy.urn


def drop_secondary_waf_association(graph: Graph) -> str:
    drop(graph, "aws:wafv2/webAclAssociation:WebAclAssociation", "waf-alb-secondary")
    return one(graph, "aws:lb/loadBalancer:LoadBalancer", "alb-secondary").urn


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


def without_tls_statement(policy_type: str, name_part: str, reported_on: tuple[str, str]) -> Callable[[Graph], str]:
    """A mutation dropping the statements that deny plain-HTTP requests from an SNS topic / SQS queue policy; the
    finding names the topic or queue, which is what now accepts them."""
    def mutate(graph: Graph) -> str:
        policy = one(graph, policy_type, name_part)
        document = json.loads(policy.inputs["policy"])
        kept = [s for s in document["Statement"] if "aws:SecureTransport" not in json.dumps(s.get("Condition", {}))]
        assert len(kept) < len(document["Statement"]), f"{policy.name} has no TLS statement to drop"
        document["Statement"] = kept
        policy.inputs["policy"] = json.dumps(document)
        return one(graph, *reported_on).urn
    return mutate


def provisioned_table(name_part: str) -> Callable[[Graph], str]:
    """A mutation switching a table from on-demand to provisioned capacity with no auto scaling."""
    def mutate(graph: Graph) -> str:
        table = one(graph, "aws:dynamodb/table:Table", name_part)
        table.inputs.update({"billingMode": "PROVISIONED", "readCapacity": 5, "writeCapacity": 5})
        return table.urn
    return mutate
