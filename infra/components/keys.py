"""Multi-Region KMS keys, one per data class: primary key in the primary region, replica in the secondary.

A replica shares key material with its primary, so data replicated across regions
(S3 CRR, DynamoDB global tables, Aurora global database, Secrets Manager replicas,
AWS Backup copies) can be decrypted in the secondary when the primary region is gone.
"""
from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from drcore.platform import PRIMARY, SECONDARY
from infra.context import RegionContext, policy_json

# Data class -> the AWS services that encrypt with it on the platform's behalf.
KEY_CLASSES: dict[str, tuple[str, ...]] = {
    "database": ("rds.amazonaws.com",),
    "sessions": ("dynamodb.amazonaws.com",),
    "objects": ("s3.amazonaws.com", "logging.s3.amazonaws.com"),
    "platform": ("logs.amazonaws.com", "cloudtrail.amazonaws.com", "sns.amazonaws.com", "cloudwatch.amazonaws.com",
                 "backup.amazonaws.com", "secretsmanager.amazonaws.com", "config.amazonaws.com",
                 "events.amazonaws.com"),
}
_USE_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey",
                "kms:CreateGrant"]
_ADMIN_ACTIONS = ["kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*",
                  "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource", "kms:UntagResource",
                  "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion", "kms:ReplicateKey", "kms:UpdatePrimaryRegion"]


@dataclass
class DataKeysArgs:
    primary: RegionContext
    secondary: RegionContext
    deletion_window_days: int = 30


def key_policy(ctx: RegionContext, services: tuple[str, ...]) -> pulumi.Output[str]:
    """Least privilege: the account administers the key; only the named services in this account may use it."""
    account = ctx.account_id()
    root = account.apply(lambda a: f"arn:aws:iam::{a}:root")
    statements = [
        {"Sid": "AccountAdministersKey", "Effect": "Allow", "Principal": {"AWS": root},
         "Action": _ADMIN_ACTIONS, "Resource": "*"},
        {"Sid": "AccountPrincipalsUseKeyViaIam", "Effect": "Allow", "Principal": {"AWS": root},
         "Action": _USE_ACTIONS, "Resource": "*"},
    ]
    other_services = [s for s in services if s != "logs.amazonaws.com"]
    if other_services:
        statements.append(
            {"Sid": "ServicesUseKeyForThisAccount", "Effect": "Allow", "Principal": {"Service": other_services},
             "Action": _USE_ACTIONS, "Resource": "*", "Condition": {"StringEquals": {"aws:SourceAccount": account}}})
    if "logs.amazonaws.com" in services:
        # CloudWatch Logs does not send aws:SourceAccount; AWS scopes it by the log group ARN in the encryption context.
        statements.append(
            {"Sid": "CloudWatchLogsUseKeyForThisAccount", "Effect": "Allow",
             "Principal": {"Service": f"logs.{ctx.region}.amazonaws.com"},
             "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
             "Resource": "*",
             "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn":
                                       account.apply(lambda a: f"arn:aws:logs:{ctx.region}:{a}:log-group:*")}}})
    return policy_json(statements)


class DataKeys(pulumi.ComponentResource):
    """One multi-Region key per data class, replicated to the secondary region, each with an alias."""

    def __init__(self, name: str, args: DataKeysArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ecommerce:security:DataKeys", name, None, opts)
        self._arns: dict[tuple[str, str], pulumi.Output[str]] = {}
        self._ids: dict[tuple[str, str], pulumi.Output[str]] = {}
        for data_class, services in KEY_CLASSES.items():
            primary_ctx, secondary_ctx = args.primary, args.secondary
            key = aws.kms.Key(
                primary_ctx.name("kms", data_class),
                description=f"{data_class} data, multi-Region primary",
                multi_region=True,
                enable_key_rotation=True,
                deletion_window_in_days=args.deletion_window_days,
                policy=key_policy(primary_ctx, services),
                opts=primary_ctx.opts(self),
            )
            replica = aws.kms.ReplicaKey(
                secondary_ctx.name("kms", data_class),
                description=f"{data_class} data, replica of the primary-region key",
                primary_key_arn=key.arn,
                deletion_window_in_days=args.deletion_window_days,
                policy=key_policy(secondary_ctx, services),
                opts=secondary_ctx.opts(self),
            )
            for ctx, resource in ((primary_ctx, key), (secondary_ctx, replica)):
                aws.kms.Alias(ctx.name("alias", data_class), name=f"alias/{ctx.prefix}-{data_class}",
                              target_key_id=resource.key_id, opts=ctx.opts(self))
                self._arns[(data_class, ctx.role)] = resource.arn
                self._ids[(data_class, ctx.role)] = resource.key_id
        self.register_outputs({f"{c}-{r}": arn for (c, r), arn in self._arns.items()})

    def key_arn(self, data_class: str, role: str) -> pulumi.Output[str]:
        return self._arns[(data_class, role)]

    def arns_by_role(self, data_class: str) -> dict[str, pulumi.Output[str]]:
        return {role: self._arns[(data_class, role)] for role in (PRIMARY, SECONDARY)}
