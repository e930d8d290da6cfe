"""S3 buckets and the per-bucket settings resources that name them in their `bucket` input (encryption
configurations, bucket policies, public access blocks, versioning, logging, replication).

Two matching rules are in use, and they differ on purpose (each area's tests pin its own):
- `bucket_targets` (encryption, transit) compares names, reading an ARN in `bucket` as the bucket's name; a bucket
  without a name of its own (auto-named) gets the candidates that depend on it in any way.
- `configs_of` (guardrails) takes a candidate whose `bucket` equals the bucket's declared name, or whose `bucket`
  input the engine recorded as computed from the bucket.
"""
from __future__ import annotations

from typing import Any, Iterable, Optional

from pulumi_policy import PolicyResource

from drguard.common import bucket_name_from_arn, refers_to

BUCKET_TYPES = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")


def bucket_name(value: Any) -> Optional[str]:
    """The bucket a `bucket` input names: the name itself, or the name inside an S3 bucket ARN."""
    if not isinstance(value, str) or not value:
        return None
    return bucket_name_from_arn(value) or value


def declared_name(bucket: PolicyResource) -> Optional[str]:
    """The name the program gives the bucket (its `bucket` input), None when AWS generates it."""
    name = bucket.props.get("bucket")
    return name if isinstance(name, str) and name else None


def bucket_targets(buckets: list[PolicyResource], candidates: list[PolicyResource]) -> dict[str, list[PolicyResource]]:
    """Bucket URN -> the candidate resources (per-bucket configuration resources) whose `bucket` names it.

    A bucket without an explicit `bucket` name (auto-named) is matched by the candidates that depend on it."""
    by_name: dict[str, list[PolicyResource]] = {}
    for candidate in candidates:
        name = bucket_name(candidate.props.get("bucket"))
        if name:
            by_name.setdefault(name, []).append(candidate)
    matched: dict[str, list[PolicyResource]] = {}
    for bucket in buckets:
        name = bucket_name(bucket.props.get("bucket"))
        if name:
            matched[bucket.urn] = by_name.get(name, [])
        else:
            matched[bucket.urn] = [c for c in candidates if any(d.urn == bucket.urn for d in c.dependencies)]
    return matched


def configs_of(bucket: PolicyResource, candidates: Iterable[PolicyResource]) -> list[PolicyResource]:
    """The candidates that apply to the bucket: same `bucket` name, or `bucket` flows from it."""
    name = declared_name(bucket)
    return [c for c in candidates if refers_to(c, "bucket", bucket, name)]
