"""A conformance-pack rule said to have nothing to evaluate really has nothing here: no resource type that the dev
and prod programs create (directly, or implicitly through AWS) is one the rule evaluates."""
from __future__ import annotations

import functools

import pytest

from drcore.catalogue.managed_rules import parse_managed_rules
from drkit.compliance.catalogue import load_catalogue
from drkit.compliance.config_resource_types import UnmappedType, config_types, rules_with_something_to_evaluate
from tests.support.architecture import STACKS, stack
from tests.support.stacks import REPO


@functools.cache
def evaluated_types() -> dict[str, tuple[str, ...]]:
    managed = parse_managed_rules((REPO / "compliance" / "aws-config-managed-rules.txt").read_text())
    return {identifier: rule.resource_types for identifier, rule in managed.items()}


@pytest.mark.parametrize("name", STACKS)
def test_rules_with_nothing_to_evaluate_find_nothing_the_platform_creates(name):
    present = config_types(r.type for r in stack(name).graph.resources)
    coverage = load_catalogue(REPO / "compliance", repo=REPO).conformance
    assert rules_with_something_to_evaluate(coverage.nothing_to_evaluate, evaluated_types(), present) == {}


def test_the_check_finds_a_rule_that_would_evaluate_something():
    # The platform's load balancers: ELB_LOGGING_ENABLED evaluates them, so it cannot be "nothing to evaluate".
    present = config_types(["aws:lb/loadBalancer:LoadBalancer", "aws:ec2/vpc:Vpc"])
    found = rules_with_something_to_evaluate(["ELB_LOGGING_ENABLED", "NACL_NO_UNRESTRICTED_SSH_RDP",
                                              "EFS_ENCRYPTED_CHECK"], evaluated_types(), present)
    assert found == {"ELB_LOGGING_ENABLED": ["AWS::ElasticLoadBalancingV2::LoadBalancer"],
                     "NACL_NO_UNRESTRICTED_SSH_RDP": ["AWS::EC2::NetworkAcl"]}  # the VPC's default ACL


def test_a_resource_type_nobody_has_mapped_stops_the_check():
    # A new kind of resource in the program must be classified before coverage can be claimed.
    with pytest.raises(UnmappedType, match="aws:efs/fileSystem:FileSystem"):
        config_types(["aws:s3/bucket:Bucket", "aws:efs/fileSystem:FileSystem"])
    assert config_types(["ecommerce:storage:SecureBucket", "pulumi:providers:aws"]) == set()
