"""The resource graph as a Terraform plan: shapes from pulumi-aws's schema, references, unknowns, URNs."""
import json

import pytest

from drkit.checkov.terraform_plan import build_plan, urns_from_plan
from drkit.checkov.typemap import UnmappedTypeError
from drkit.graph.resource_graph import REDACTED, SECRET_SIG, SIG_KEY, UNKNOWN
from tests.support.graphs import BASE_TAGS, GraphBuilder
from tests.support.program import stack_graph

BUCKET = "aws:s3/bucket:Bucket"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"


def _small_graph():
    g = GraphBuilder()
    bucket = g.add(BUCKET, "media", {"bucket": "shop-media", "tags": {"Purpose": "media"}})
    versioning = g.add(VERSIONING, "media-versioning",
                       {"bucket": "shop-media", "versioningConfiguration": {"status": "Enabled"}})
    g.depends(versioning, "bucket", bucket)
    alarm = g.add("aws:cloudwatch/metricAlarm:MetricAlarm", "lag", {
        "name": "lag", "dimensions": {"DBClusterIdentifier": "db-1"}, "alarmActions": [UNKNOWN]}, role="secondary")
    g.add("aws:rds/cluster:Cluster", "db", {"masterPassword": {SIG_KEY: SECRET_SIG, "value": REDACTED},
                                           "clusterIdentifier": "db-1"})
    return g, bucket, versioning, alarm


def _by_address(document, section="planned_values"):
    items = document[section]["root_module"]["resources"] if section != "resource_changes" else document[section]
    return {item["address"]: item for item in items}


def test_resources_get_terraform_types_addresses_and_their_urns():
    g, bucket, versioning, _ = _small_graph()
    plan = build_plan(g.build())
    assert plan.urns["aws_s3_bucket.media"] == bucket
    assert plan.urns["aws_s3_bucket_versioning.media-versioning"] == versioning
    assert plan.urns["aws.aws-primary"] == g.providers["primary"]
    assert urns_from_plan(json.loads(json.dumps(plan.document))) == plan.urns
    resource = _by_address(plan.document)["aws_s3_bucket.media"]
    assert (resource["mode"], resource["type"], resource["name"]) == ("managed", "aws_s3_bucket", "media")
    assert resource["provider_name"] == "registry.terraform.io/hashicorp/aws"


def test_tags_stay_a_map_and_a_single_nested_object_becomes_a_one_element_block_list():
    plan = build_plan(_small_graph()[0].build())
    planned = _by_address(plan.document)
    assert planned["aws_s3_bucket.media"]["values"]["tags"] == {"Purpose": "media"}
    assert planned["aws_s3_bucket_versioning.media-versioning"]["values"]["versioning_configuration"] == \
        [{"status": "Enabled"}]
    assert planned["aws_cloudwatch_metric_alarm.lag"]["values"]["dimensions"] == {"DBClusterIdentifier": "db-1"}


def test_bridge_renamed_properties_get_their_terraform_names():
    values = _by_address(build_plan(_small_graph()[0].build()).document)["aws_cloudwatch_metric_alarm.lag"]["values"]
    assert values["alarm_name"] == "lag" and "name" not in values


def test_tags_all_merges_provider_default_tags_and_region_comes_from_the_provider():
    planned = _by_address(build_plan(_small_graph()[0].build()).document)
    bucket = planned["aws_s3_bucket.media"]["values"]
    assert bucket["tags_all"] == {**BASE_TAGS, "DRRole": "primary", "Purpose": "media"}
    assert bucket["region"] == "us-east-1"
    assert planned["aws_cloudwatch_metric_alarm.lag"]["values"]["region"] == "us-west-2"


def test_an_identifier_taken_from_another_resource_is_unknown_with_a_reference_checkov_can_follow():
    document = build_plan(_small_graph()[0].build()).document
    address = "aws_s3_bucket_versioning.media-versioning"
    assert "bucket" not in _by_address(document)[address]["values"]
    assert _by_address(document, "resource_changes")[address]["change"]["after_unknown"] == {"bucket": True}
    configured = {r["address"]: r for r in document["configuration"]["root_module"]["resources"]}
    assert configured[address]["expressions"]["bucket"] == {"references": ["aws_s3_bucket.media.id",
                                                                           "aws_s3_bucket.media"]}


def test_unknown_values_and_secrets_are_marked_as_terraform_marks_them():
    document = build_plan(_small_graph()[0].build()).document
    alarm = _by_address(document, "resource_changes")["aws_cloudwatch_metric_alarm.lag"]["change"]
    assert alarm["after"]["alarm_actions"] == [None] and alarm["after_unknown"] == {"alarm_actions": [True]}
    cluster = _by_address(document)["aws_rds_cluster.db"]
    assert cluster["values"]["master_password"] == REDACTED
    assert cluster["sensitive_values"] == {"master_password": True}


def test_a_resource_type_without_a_terraform_mapping_stops_the_plan():
    g = GraphBuilder()
    g.add("aws:madeup/thing:Thing", "x", {})
    with pytest.raises(UnmappedTypeError, match="aws:madeup/thing:Thing"):
        build_plan(g.build())


def test_repeated_names_of_one_terraform_type_get_distinct_addresses():
    g = GraphBuilder()
    first = g.add(BUCKET, "logs", {"bucket": "a"})
    second = g.add(BUCKET, "logs", {"bucket": "b"}, role="secondary")
    g.items[-1]["urn"] = second.replace("::logs", "$child::logs")
    plan = build_plan(g.build())
    buckets = {address: urn for address, urn in plan.urns.items() if address.startswith("aws_s3_bucket.")}
    assert sorted(buckets) == ["aws_s3_bucket.logs", "aws_s3_bucket.logs_2"]
    assert set(buckets.values()) == {first, second.replace("::logs", "$child::logs")}


@pytest.fixture(scope="module")
def prod_plan():
    graph = stack_graph("prod")
    return graph, build_plan(graph)


def test_every_prod_aws_resource_is_in_the_plan_once_with_its_urn(prod_plan):
    graph, plan = prod_plan
    custom = {r.urn for r in graph if r.custom and not r.is_provider and r.type.startswith("aws:")}
    others = {r.type for r in graph if r.custom and not r.is_provider and not r.type.startswith("aws:")}
    assert others == {"docker-build:index:Image"}, "a non-AWS resource checkov cannot read entered the graph"
    providers = {r.urn for r in graph if r.type == "pulumi:providers:aws"}
    assert set(plan.urns.values()) == custom | providers and len(plan.urns) == len(custom) + len(providers)
    assert len(plan.document["resource_changes"]) == len(custom)
    assert set(plan.document["configuration"]["provider_config"]) == \
        {address for address, urn in plan.urns.items() if urn in providers}


@pytest.mark.parametrize("terraform_type, attribute, kind", [
    ("aws_s3_bucket", "tags", dict),
    ("aws_s3_bucket_versioning", "versioning_configuration", list),
    ("aws_s3_bucket_server_side_encryption_configuration", "rule", list),
    ("aws_dynamodb_table", "attribute", list),
    ("aws_dynamodb_table", "point_in_time_recovery", list),
    ("aws_backup_region_settings", "resource_type_opt_in_preference", dict),
    ("aws_lb_target_group", "health_check", list),
])
def test_prod_maps_and_blocks_are_shaped_from_the_schema(prod_plan, terraform_type, attribute, kind):
    resources = [r for r in prod_plan[1].document["planned_values"]["root_module"]["resources"]
                 if r["type"] == terraform_type and attribute in r["values"]]
    assert resources, f"no {terraform_type} with {attribute} in the prod plan"
    for resource in resources:
        value = resource["values"][attribute]
        assert isinstance(value, kind), resource["address"]
        if kind is list:
            assert value and all(isinstance(block, dict) for block in value)
