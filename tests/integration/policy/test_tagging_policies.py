"""required-tags, run through the real pack (plugin process, gRPC) over one hand-built graph.

Other areas' policies are disabled in these runs so a finding, or a crash, of theirs cannot decide these tests.
"""
import importlib.metadata

from drguard.taggable_types import PULUMI_AWS_VERSION, TAGGABLE_TYPES
from tests.support.gate import graph_fixture, messages, only, result_fixture, run_pack, violated
from tests.support.graphs import BASE_TAGS, GraphBuilder

POLICY = "required-tags"
FULL_TAGS = {**BASE_TAGS, "DRRole": "primary"}


def build_graph():
    g = GraphBuilder()
    g.provider("bare", "us-east-1", tags={})  # an AWS provider without default tags
    g.provider("tertiary", "eu-west-1")  # default tags with DRRole=tertiary, not an allowed value
    # compliant
    g.add("aws:s3/bucket:Bucket", "good-bucket", {"bucket": "good-bucket"})
    g.add("aws:sqs/queue:Queue", "good-own-tags", {"name": "q", "tags": FULL_TAGS}, role="bare")
    g.add("aws:sns/topic:Topic", "good-override", {"tags": {"DRRole": "global"}}, role="tertiary")
    g.add("aws:s3/bucketPolicy:BucketPolicy", "good-untaggable", {"bucket": "good-bucket"}, role="bare")
    g.component("ecommerce:storage:SecureBucket", "good-component")
    # non-compliant
    g.add("aws:sqs/queue:Queue", "bad-no-tags", {"name": "q2"}, role="bare")
    g.add("aws:s3/bucket:Bucket", "bad-empty-owner", {"bucket": "b2", "tags": {"Owner": ""}})
    g.add("aws:dynamodb/table:Table", "bad-classification", {"name": "t", "tags": {"DataClassification": "secret"}})
    g.add("aws:kms/key:Key", "bad-drrole", {"description": "k"}, role="tertiary")
    return g.build()


graph = graph_fixture(build_graph)
result = result_fixture(only([POLICY]))


def test_default_tags_from_the_provider_satisfy_the_policy(result):
    assert "good-bucket" not in violated(result, POLICY)


def test_own_tags_satisfy_the_policy_without_provider_default_tags(result):
    assert "good-own-tags" not in violated(result, POLICY)


def test_own_tag_overrides_a_disallowed_provider_default(result):
    assert "good-override" not in violated(result, POLICY)


def test_types_without_tags_are_not_checked(result):
    assert "good-untaggable" not in violated(result, POLICY)


def test_component_resources_are_not_checked(result):
    assert "good-component" not in violated(result, POLICY)


def test_resource_without_any_tags_is_reported_for_each_key(result):
    assert "bad-no-tags" in violated(result, POLICY)
    text = "\n".join(m for m in messages(result, POLICY) if "bad-no-tags" in m)
    for key in ("Project", "Environment", "Owner", "CostCenter", "DataClassification", "DRRole"):
        assert f"required tag '{key}' is missing" in text


def test_empty_own_tag_overrides_the_default_and_is_reported(result):
    assert "bad-empty-owner" in violated(result, POLICY)
    assert any("bad-empty-owner" in m and "'Owner' is empty" in m for m in messages(result, POLICY))


def test_value_outside_the_allowed_list_is_reported(result):
    assert "bad-classification" in violated(result, POLICY)
    assert any("DataClassification='secret'" in m for m in messages(result, POLICY))


def test_disallowed_value_from_provider_default_tags_is_reported(result):
    assert "bad-drrole" in violated(result, POLICY)
    assert any("bad-drrole" in m and "DRRole='tertiary'" in m for m in messages(result, POLICY))


def test_an_extra_required_tag_in_config_reports_resources_without_it(graph):
    config = only([POLICY], **{POLICY: {"requiredTags": {"Project": [], "Team": ["payments"]}}})
    reported = violated(run_pack(graph, config), POLICY)
    assert {"good-bucket", "good-own-tags"} <= reported
    assert "good-untaggable" not in reported


def test_config_without_allowed_values_accepts_any_non_empty_value(graph):
    config = only([POLICY], **{POLICY: {"requiredTags": {"DataClassification": [], "DRRole": [], "Owner": []}}})
    reported = violated(run_pack(graph, config), POLICY)
    assert "bad-classification" not in reported and "bad-drrole" not in reported
    assert "bad-empty-owner" in reported


def test_generated_taggable_types_match_the_installed_pulumi_aws():
    assert PULUMI_AWS_VERSION == importlib.metadata.version("pulumi_aws"), \
        "pulumi-aws changed: run .venv/bin/python scripts/generate_taggable_types.py"
    assert {"aws:s3/bucket:Bucket", "aws:kms/key:Key", "aws:dynamodb/table:Table"} <= TAGGABLE_TYPES
    assert not {"aws:s3/bucketPolicy:BucketPolicy", "aws:ec2/route:Route"} & TAGGABLE_TYPES
    assert not any(t.startswith("pulumi:") for t in TAGGABLE_TYPES)
