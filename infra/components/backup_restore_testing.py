"""AWS Backup restore testing: each week, in each region, the latest Aurora and DynamoDB recovery point of that
region's vault is restored, validated and deleted, and AWS Backup records how long the restore took.

This is what the AWS Config rules AURORA_MEETS_RESTORE_TIME_TARGET and DYNAMODB_MEETS_RESTORE_TIME_TARGET measure
(they evaluate restore *testing* jobs against the data-corruption RTO); without a restore-testing plan they have
nothing to evaluate. Testing the secondary's vault proves the cross-region copies restore in the recovery region,
which is the copy a region loss leaves. Restores land in the platform's own isolated subnets and database security
group, and restored tables are encrypted with the region's customer-managed key: AWS Backup would otherwise infer
the default VPC and DynamoDB's default encryption ("Restore testing inferred metadata", AWS Backup Developer Guide).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.context import RegionContext

# Restore-testing plan and selection names: letters, digits and underscores, at most 50 (AWS Backup API).
_NAME_LIMIT = 50
SCHEDULE = "cron(0 6 ? * SUN *)"  # weekly, after the nightly backups and their copies have landed
START_WINDOW_HOURS = 24
SELECTION_WINDOW_DAYS = 7  # the newest recovery point of the last week
VALIDATION_WINDOW_HOURS = 2  # a restored resource is kept this long for validation, then deleted


@dataclass
class RestoreTestingArgs:
    ctx: RegionContext
    vault_arn: pulumi.Input[str]
    restore_role_arn: pulumi.Input[str]  # trusted by backup.amazonaws.com, with AWS Backup's restore policy
    database_subnet_group_name: pulumi.Input[str]
    database_security_group_id: pulumi.Input[str]
    table_key_arn: pulumi.Input[str]  # the customer-managed key restored tables are encrypted with


def restore_name(ctx: RegionContext, *parts: str) -> str:
    name = re.sub(r"[^A-Za-z0-9_]", "_", ctx.name(*parts))
    return name[:_NAME_LIMIT]


def restore_testing(parent: pulumi.Resource, args: RestoreTestingArgs) -> aws.backup.RestoreTestingPlan:
    ctx = args.ctx
    plan = aws.backup.RestoreTestingPlan(
        ctx.name("restore-testing"), name=restore_name(ctx, "restore-testing"),
        schedule_expression=SCHEDULE, start_window_hours=START_WINDOW_HOURS,
        recovery_point_selection=aws.backup.RestoreTestingPlanRecoveryPointSelectionArgs(
            algorithm="LATEST_WITHIN_WINDOW", include_vaults=[args.vault_arn], recovery_point_types=["SNAPSHOT"],
            selection_window_days=SELECTION_WINDOW_DAYS),
        opts=ctx.opts(parent))
    overrides = {
        "Aurora": {"dbsubnetgroupname": args.database_subnet_group_name,
                   "vpcsecuritygroupids": pulumi.Output.from_input(args.database_security_group_id).apply(
                       lambda group: json.dumps([group]))},
        "DynamoDB": {"encryptiontype": "KMS", "kmsmasterkeyarn": args.table_key_arn},
    }
    for resource_type, metadata in overrides.items():
        aws.backup.RestoreTestingSelection(
            ctx.name("restore-testing", resource_type.lower()),
            name=restore_name(ctx, "restore-testing", resource_type.lower()),
            restore_testing_plan_name=plan.name, protected_resource_type=resource_type,
            iam_role_arn=args.restore_role_arn, protected_resource_arns=["*"],
            restore_metadata_overrides=metadata, validation_window_hours=VALIDATION_WINDOW_HOURS,
            opts=ctx.opts(parent))
    return plan
