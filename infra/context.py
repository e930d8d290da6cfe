"""Per-region deployment context: the explicit provider and the naming every component shares."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from drcore.platform import GLOBAL
from drcore.regions import ROUTE53_HOME_REGION
from drcore.stack_config import StackConfig
from drcore.tags import DATA_CLASSIFICATION_TAG


@dataclass(frozen=True)
class RegionContext:
    """One region of the deployment. Every AWS resource is created through `opts()` so its
    region is explicit in the graph (the stack disables the default provider)."""

    role: str  # primary | secondary | global (only Route 53 metric alarms, which live in us-east-1)
    region: str
    provider: aws.Provider
    prefix: str  # "<project>-<environment>"
    account: str | None = None  # stack config accountId: no STS look-up through this region's provider
    # The provider's default tags, for the few resources that take tags as data instead (aws.dynamodb.Tag).
    tags: Mapping[str, str] = field(default_factory=dict)

    def opts(self, parent: pulumi.Resource, **kwargs: Any) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=parent, provider=self.provider, **kwargs)

    def name(self, *parts: str) -> str:
        """Logical (and, where AWS needs one, physical) name: unique per stack, role and purpose."""
        return "-".join((self.prefix, *parts, self.role))

    def account_id(self) -> pulumi.Output[str]:
        if self.account:
            return pulumi.Output.from_input(self.account)
        return aws.get_caller_identity_output(opts=pulumi.InvokeOptions(provider=self.provider)).account_id


def bounded_name(name: str, limit: int = 63) -> str:
    """`name` cut to an AWS length limit, with a hash suffix so names that had to be cut stay unique."""
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[:limit - len(digest) - 1].rstrip('-')}-{digest}"


def physical_name(ctx: RegionContext, *parts: str, limit: int = 63) -> str:
    """A lower-case physical AWS name derived from the logical one, within the service's length limit."""
    return bounded_name(ctx.name(*parts).lower(), limit)


ACCOUNT_ID_LENGTH = 12


def bucket_name(ctx: RegionContext, *parts: str) -> pulumi.Output[str]:
    """A bucket's physical name: the logical name, then the account id.

    Bucket names are one namespace across every AWS account, so "ecommerce-prod-media-primary" is taken by the
    first team anywhere that deploys this kit; the account id makes the name ours. The suffix is known at
    preview (the caller-identity lookup runs then), so policies can name a bucket before it exists.
    """
    base = physical_name(ctx, *parts, limit=63 - ACCOUNT_ID_LENGTH - 1)
    return ctx.account_id().apply(lambda account: f"{base}-{account}")


def replica_arn(primary_arn: pulumi.Input[str], region: str) -> pulumi.Output[str]:
    """The ARN of a same-named copy in another region (secret replica, global-table replica)."""
    def swap(arn: str) -> str:
        parts = arn.split(":")
        parts[3] = region
        return ":".join(parts)

    return pulumi.Output.from_input(primary_arn).apply(swap)


def make_region_context(config: StackConfig, role: str, region: str) -> RegionContext:
    tags = config.base_tags(role)
    provider = aws.Provider(f"aws-{role}", region=region, default_tags=aws.ProviderDefaultTagsArgs(tags=tags))
    return RegionContext(role=role, region=region, provider=provider, prefix=f"ecommerce-{config.environment}",
                         account=config.account_id, tags=tags)


def policy_json(statements: list[dict]) -> pulumi.Output[str]:
    """An IAM/KMS/bucket policy document from statements that may hold Outputs."""
    return pulumi.Output.from_input({"Version": "2012-10-17", "Statement": statements}).apply(json.dumps)


def classification_tags(classification: str) -> dict[str, str]:
    """Resource tags that override the provider default for stores holding classified data."""
    return {DATA_CLASSIFICATION_TAG: classification}


def make_metrics_context(config: StackConfig, contexts: dict[str, RegionContext]) -> RegionContext:
    """Where Route 53 health-check alarms live: Route 53 publishes its metrics only in us-east-1.

    Reuses a deployment region when one is us-east-1; otherwise adds a provider there (DRRole=global).
    """
    for ctx in contexts.values():
        if ctx.region == ROUTE53_HOME_REGION:
            return ctx
    tags = config.base_tags(GLOBAL)
    provider = aws.Provider("aws-metrics", region=ROUTE53_HOME_REGION, default_tags=aws.ProviderDefaultTagsArgs(tags=tags))
    return RegionContext(role=GLOBAL, region=ROUTE53_HOME_REGION, provider=provider,
                         prefix=f"ecommerce-{config.environment}", account=config.account_id, tags=tags)
