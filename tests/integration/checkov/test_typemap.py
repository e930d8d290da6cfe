"""Pulumi type tokens and property names -> Terraform: every type the program produces maps, names convert."""
import pytest

from drcore.errors import UsageError
from drkit.checkov.shapes import BLOCK, LIST, resource_fields
from drkit.checkov.typemap import (LIST_BLOCKS_KEEPING_NAME, PROPERTY_RENAMES, TERRAFORM_TYPES, UnmappedTypeError,
                                   camel_to_snake, terraform_attribute, terraform_name, terraform_type)
from tests.support.program import stack_graph


def _program_types() -> set[str]:
    """The AWS types the program produces: the plan checkov reads holds those (terraform_plan.AWS_TYPE_PREFIX)."""
    return {r.type for stack in ("dev", "prod") for r in stack_graph(stack)
            if r.custom and not r.is_provider and r.type.startswith("aws:")}


def test_every_resource_type_of_both_stacks_has_a_terraform_type():
    unmapped = sorted(t for t in _program_types() if t not in TERRAFORM_TYPES)
    assert unmapped == [], f"add these to TERRAFORM_TYPES in src/drkit/checkov/typemap.py: {unmapped}"


def test_every_mapped_pulumi_type_is_a_pulumi_aws_resource_class():
    # A typo in a token would map nothing and hide the type from its schema.
    unknown = sorted(token for token in TERRAFORM_TYPES if resource_fields(token) is None)
    assert unknown == []


def test_terraform_types_are_unique_and_well_formed():
    names = list(TERRAFORM_TYPES.values())
    assert len(names) == len(set(names))
    assert all(name.startswith("aws_") and name == name.lower() for name in names)


def test_an_unknown_type_fails_with_a_usage_error_naming_it():
    with pytest.raises(UnmappedTypeError) as caught:
        terraform_type("aws:madeup/thing:Thing")
    assert isinstance(caught.value, UsageError)
    assert "aws:madeup/thing:Thing" in str(caught.value) and "TERRAFORM_TYPES" in str(caught.value)


@pytest.mark.parametrize("pulumi_name, terraform", [
    ("tags", "tags"), ("tagsAll", "tags_all"), ("s3KmsKeyArn", "s3_kms_key_arn"), ("cidrIpv4", "cidr_ipv4"),
    ("ipv6CidrBlock", "ipv6_cidr_block"), ("enableHttp2", "enable_http2"), ("kmsKeyId", "kms_key_id"),
    ("serverlessv2ScalingConfiguration", "serverlessv2_scaling_configuration"), ("ttl", "ttl"),
    ("performanceInsightsKmsKeyId", "performance_insights_kms_key_id"),
])
def test_camel_case_becomes_snake_case(pulumi_name, terraform):
    assert camel_to_snake(pulumi_name) == terraform


@pytest.mark.parametrize("token, path, name, terraform", [
    ("aws:cloudwatch/metricAlarm:MetricAlarm", (), "name", "alarm_name"),
    ("aws:sns/topicSubscription:TopicSubscription", (), "topic", "topic_arn"),
    ("aws:lb/listener:Listener", (), "defaultActions", "default_action"),
    ("aws:backup/plan:Plan", ("rules",), "copyActions", "copy_action"),
    ("aws:s3/bucket:Bucket", (), "name", "name"),  # a rename is per type, not global
    ("aws:backup/plan:Plan", ("rules",), "targetVaultName", "target_vault_name"),
])
def test_bridge_renames_are_undone_per_type_and_path(token, path, name, terraform):
    assert terraform_attribute(token, path, name) == terraform


@pytest.mark.parametrize("pulumi_name, terraform", [
    ("ecommerce-prod-media-primary", "ecommerce-prod-media-primary"), ("a.b/c", "a_b_c"), ("1st", "r_1st")])
def test_terraform_names_are_valid_identifiers(pulumi_name, terraform):
    assert terraform_name(pulumi_name) == terraform


def _list_block_paths(token, fields, value, path=()):
    for name, raw in value.items():
        shape = fields.get(name)
        if shape is None:
            continue
        if shape.kind == LIST and shape.item is not None and shape.item.kind == BLOCK:
            yield ".".join((*path, name))
            for element in raw if isinstance(raw, list) else []:
                if isinstance(element, dict):
                    yield from _list_block_paths(token, shape.item.fields, element, (*path, name))
        elif shape.kind == BLOCK and isinstance(raw, dict):
            yield from _list_block_paths(token, shape.fields, raw, (*path, name))


def test_every_list_of_blocks_the_program_writes_has_a_decided_terraform_name():
    # The bridge pluralises singular Terraform block names; which ones cannot be derived, so each is reviewed.
    undecided = set()
    for stack in ("dev", "prod"):
        for resource in stack_graph(stack):
            fields = resource_fields(resource.type) if resource.type in TERRAFORM_TYPES else None
            for path in _list_block_paths(resource.type, fields or {}, resource.inputs):
                if path not in PROPERTY_RENAMES.get(resource.type, {}) and \
                        path not in LIST_BLOCKS_KEEPING_NAME.get(resource.type, ()):
                    undecided.add(f"{resource.type} {path}")
    assert sorted(undecided) == [], ("add each to PROPERTY_RENAMES (Terraform's singular name) or "
                                     "LIST_BLOCKS_KEEPING_NAME in src/drkit/checkov/typemap.py")
