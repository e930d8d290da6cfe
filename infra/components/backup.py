"""Point-in-time backups that replication cannot give: protection against corruption and deletion, restore-tested
weekly in both regions (backup_restore_testing.py).

Aurora global database and DynamoDB global tables replicate a bad write or a DROP to the
standby within seconds, so the dataCorruption recovery target rests on backups instead.
AWS Backup takes scheduled recovery points of the primary's cluster and tables into a
locked vault and copies each one to a locked vault in the secondary, so a restore is
possible even when the primary region, or an attacker with admin rights there, is the problem.
"""
from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from drcore.backup_windows import COMPLETION_WINDOW_MINUTES, START_WINDOW_MINUTES
from drcore.platform import PRIMARY, SECONDARY
from drcore.stack_config import StackConfig
from infra.components.backup_restore_testing import RestoreTestingArgs, restore_testing
from infra.context import RegionContext, classification_tags, physical_name, policy_json

BACKUP_NAME_LIMIT = 50  # vault, plan and selection names
BACKUP_MANAGED_POLICIES = {
    "backup": "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
    "restore": "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
}


@dataclass
class BackupProtectionArgs:
    config: StackConfig
    contexts: dict[str, RegionContext]
    kms_key_arns: dict[str, pulumi.Input[str]]  # role -> multi-Region platform key / its replica
    protected_resource_arns: list[pulumi.Input[str]]  # primary-region Aurora cluster and DynamoDB tables
    # Where restore tests land, per role: the database subnet group and security group, and the key for tables.
    database_subnet_group_names: dict[str, pulumi.Input[str]]
    database_security_group_ids: dict[str, pulumi.Input[str]]
    table_key_arns: dict[str, pulumi.Input[str]]
    classification: str = "confidential"  # recovery points hold copies of the protected stores' data


def deny_recovery_point_tampering() -> pulumi.Output[str]:
    """Vault access policy: nobody, not even an account administrator, deletes or shortens a recovery point."""
    return policy_json([{
        "Sid": "DenyRecoveryPointTampering", "Effect": "Deny", "Principal": {"AWS": "*"},
        "Action": ["backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"],
        # "*" is this vault's recovery points only; their ARNs differ per service (RDS snapshots,
        # DynamoDB backups, backup recovery points), so a narrower pattern would leave some deletable.
        "Resource": "*",
    }])


class BackupProtection(pulumi.ComponentResource):
    """A locked vault per region and one plan in the primary that copies every recovery point to the secondary."""

    vault_names: dict[str, pulumi.Output[str]]
    vault_arns: dict[str, pulumi.Output[str]]
    plan_id: pulumi.Output[str]
    plan_arn: pulumi.Output[str]
    selection_id: pulumi.Output[str]

    def __init__(self, name: str, args: BackupProtectionArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ecommerce:backup:BackupProtection", name, None, opts)
        backup_config = args.config.backup
        self.vault_names, self.vault_arns = {}, {}
        locks: list[pulumi.Resource] = []
        for role, ctx in args.contexts.items():
            vault = aws.backup.Vault(
                ctx.name("vault"),
                name=physical_name(ctx, "vault", limit=BACKUP_NAME_LIMIT),
                kms_key_arn=args.kms_key_arns[role],
                force_destroy=False,
                tags=classification_tags(args.classification),
                opts=ctx.opts(self))
            # Compliance mode: once changeable_for_days pass, nobody can remove the lock or shorten
            # retention below the minimum, which is what makes the copies ransomware-resistant.
            locks.append(aws.backup.VaultLockConfiguration(
                ctx.name("vault-lock"),
                backup_vault_name=vault.name,
                changeable_for_days=backup_config.vault_lock_changeable_for_days,
                min_retention_days=backup_config.vault_lock_min_retention_days,
                max_retention_days=backup_config.vault_lock_max_retention_days,
                opts=ctx.opts(self)))
            # Defence in depth while the lock is still changeable, and against lifecycle edits within its range.
            locks.append(aws.backup.VaultPolicy(
                ctx.name("vault-policy"), backup_vault_name=vault.name, policy=deny_recovery_point_tampering(),
                opts=ctx.opts(self)))
            self.vault_names[role], self.vault_arns[role] = vault.name, vault.arn
            # Cross-region copies of DynamoDB backups need AWS Backup's own management of DynamoDB
            # (advanced features), an account-wide setting per region.
            locks.append(aws.backup.RegionSettings(
                ctx.name("backup-region-settings"),
                resource_type_opt_in_preference={"Aurora": True, "DynamoDB": True, "RDS": True, "S3": True},
                resource_type_management_preference={"DynamoDB": True},
                opts=ctx.opts(self)))

        primary = args.contexts[PRIMARY]
        backup_role = aws.iam.Role(
            primary.name("backup"),
            description="AWS Backup: take, copy and restore recovery points of the platform's data stores",
            assume_role_policy=policy_json([{
                "Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"}, "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": primary.account_id()}}}]),
            opts=primary.opts(self))
        attachments = [aws.iam.RolePolicyAttachment(primary.name("backup", purpose), role=backup_role.id,
                                                    policy_arn=arn, opts=primary.opts(self))
                       for purpose, arn in BACKUP_MANAGED_POLICIES.items()]

        plan = aws.backup.Plan(
            primary.name("backup-plan"),
            name=physical_name(primary, "backup-plan", limit=BACKUP_NAME_LIMIT),
            rules=[aws.backup.PlanRuleArgs(
                rule_name="scheduled-with-dr-copy",
                target_vault_name=self.vault_names[PRIMARY],
                schedule=backup_config.schedule_expression,
                start_window=START_WINDOW_MINUTES,
                completion_window=COMPLETION_WINDOW_MINUTES,
                lifecycle=aws.backup.PlanRuleLifecycleArgs(delete_after=backup_config.retention_days),
                # Continuous backup caps retention at 35 days; point-in-time restore already comes
                # from the stores themselves (Aurora backup retention, DynamoDB PITR).
                enable_continuous_backup=False,
                copy_actions=[aws.backup.PlanRuleCopyActionArgs(
                    destination_vault_arn=self.vault_arns[SECONDARY],
                    lifecycle=aws.backup.PlanRuleCopyActionLifecycleArgs(
                        delete_after=backup_config.copy_retention_days))],
            )],
            # No recovery point may land in a vault before its lock and policy are in force.
            opts=primary.opts(self, depends_on=locks))
        selection = aws.backup.Selection(
            primary.name("backup-selection"),
            name=physical_name(primary, "backup-selection", limit=BACKUP_NAME_LIMIT),
            plan_id=plan.id,
            iam_role_arn=backup_role.arn,
            resources=args.protected_resource_arns,
            opts=primary.opts(self, depends_on=attachments))
        self.plan_id, self.plan_arn, self.selection_id = plan.id, plan.arn, selection.id
        self.restore_testing_plan_names = {
            role: restore_testing(self, RestoreTestingArgs(
                ctx=ctx, vault_arn=self.vault_arns[role], restore_role_arn=backup_role.arn,
                database_subnet_group_name=args.database_subnet_group_names[role],
                database_security_group_id=args.database_security_group_ids[role],
                table_key_arn=args.table_key_arns[role])).name
            for role, ctx in args.contexts.items()}
        self.register_outputs({"vaultNames": self.vault_names, "vaultArns": self.vault_arns,
                               "planId": self.plan_id, "planArn": self.plan_arn, "selectionId": self.selection_id})
