"""Shared set-ups for the drkit evidence tests: managed rules deployed and evaluated on moto, records keyed."""
from __future__ import annotations

from typing import Iterable

IDENTIFIERS = ("S3_BUCKET_VERSIONING_ENABLED", "DYNAMODB_PITR_ENABLED", "CLOUD_TRAIL_ENABLED")
BUCKET = "AWS::S3::Bucket"


def rule_args(identifiers: Iterable[str]) -> list[str]:
    return [arg for identifier in identifiers for arg in ("--rule", identifier)]


def keyed(records: list[dict]) -> dict[tuple[str, str], dict]:
    """(region, identifier) -> the one record for it."""
    result = {}
    for record in records:
        key = (record["region"], record["identifier"])
        assert key not in result, f"two records for {key}"
        result[key] = record
    return result


def deploy_compliant(world, regions: Iterable[str],
                     identifiers: Iterable[str] = IDENTIFIERS) -> dict[tuple[str, str], str]:
    """Each identifier deployed and evaluated COMPLIANT in each region; (region, identifier) -> rule name."""
    deployed = {}
    for region in regions:
        for number, identifier in enumerate(identifiers):
            name = world.deploy(region, identifier, f"ecommerce-prod-{identifier.lower()}-{region}")
            world.evaluate(region, name, "COMPLIANT", [(BUCKET, f"bucket-{number}-{region}")])
            deployed[(region, identifier)] = name
    return deployed
