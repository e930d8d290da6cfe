"""Application secrets, created in the primary region and replicated by Secrets Manager to the secondary.

A failover must not depend on the primary region answering: the storefront in the
secondary reads its database credentials and API keys from the local replica, which
Secrets Manager keeps in sync and encrypts with the replica of the same multi-Region
key. Replicas keep the secret's name, so only the region in the ARN differs.
"""
from __future__ import annotations

import json
import secrets
import string
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from drcore.platform import PRIMARY, SECONDARY
from drcore.stack_config import StackConfig
from drcore.tags import AURORA_GLOBAL_DATABASE_MASTER, ROTATION_EXEMPTION_TAG, THIRD_PARTY_ISSUED
from infra.context import RegionContext, classification_tags, replica_arn

MASTER_USERNAME = "storefront_admin"
# RDS rejects these in a master password; the rest of the printable set keeps the entropy high.
_RDS_FORBIDDEN_PASSWORD_CHARACTERS = '/@" '
_PASSWORD_LENGTH = 32
# Credentials and payment keys grant access to everything else, so they rank above the data they protect.
_SECRET_CLASSIFICATION = "restricted"
# Operators set the real value out of band; the program only guarantees the secret exists and replicates.
_APP_SECRET_PLACEHOLDER = {"paymentProviderApiKey": "REPLACE_ME"}
# Neither secret can rotate in Secrets Manager; each says why with a reason the policy pack accepts
# (secretsmanager-secret-rotation, docs/policy-gate.md). Aurora global databases do not support RDS-managed master
# passwords and the storefront signs in with IAM database authentication, so the master secret is break-glass; the
# payment provider issues and rotates its own API key.


def master_password(length: int = _PASSWORD_LENGTH) -> str:
    """A password RDS accepts (printable ASCII but / @ " and space) with a lower, an upper, a digit and a symbol."""
    alphabet = [c for c in string.printable[:94] if c not in _RDS_FORBIDDEN_PASSWORD_CHARACTERS]
    classes = (string.ascii_lowercase, string.ascii_uppercase, string.digits,
               [c for c in alphabet if c in string.punctuation])
    while True:
        password = "".join(secrets.choice(alphabet) for _ in range(length))
        if all(any(c in group for c in password) for group in classes):
            return password


@dataclass
class AppSecretsArgs:
    config: StackConfig
    primary: RegionContext
    secondary: RegionContext
    kms_key_arns: dict[str, pulumi.Input[str]]  # role -> multi-Region platform key (primary) / its replica
    recovery_window_days: int = 30


class AppSecrets(pulumi.ComponentResource):
    """The database master credentials and the application's third-party secrets, replicated cross-region."""

    master_username: str
    master_password: pulumi.Output[str]
    database_secret_arns: dict[str, pulumi.Output[str]]
    app_secret_arns: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: AppSecretsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ecommerce:security:AppSecrets", name, None, opts)

        self.master_username = MASTER_USERNAME
        # Generated here, not by Secrets Manager's GetRandomPassword in the primary region: a `pulumi up` during a
        # primary-region outage must not depend on it. It is used once (the cluster and the secret ignore later
        # values), and marked secret: encrypted in state and kept out of logs.
        self.master_password = pulumi.Output.secret(master_password())

        database_secret = self._replicated_secret(
            args, "database", "Aurora master credentials for the storefront database",
            pulumi.Output.json_dumps({"username": MASTER_USERNAME, "password": self.master_password}),
            AURORA_GLOBAL_DATABASE_MASTER)
        app_secret = self._replicated_secret(
            args, "app", "Storefront third-party credentials (payment provider API key)",
            pulumi.Output.secret(json.dumps(_APP_SECRET_PLACEHOLDER)), THIRD_PARTY_ISSUED)

        self.database_secret_arns = {PRIMARY: database_secret.arn,
                                     SECONDARY: replica_arn(database_secret.arn, args.secondary.region)}
        self.app_secret_arns = {PRIMARY: app_secret.arn,
                                SECONDARY: replica_arn(app_secret.arn, args.secondary.region)}
        self.register_outputs({
            "masterUsername": self.master_username,
            "databaseSecretArns": self.database_secret_arns,
            "appSecretArns": self.app_secret_arns,
        })

    def _replicated_secret(self, args: AppSecretsArgs, purpose: str, description: str,
                           value: pulumi.Output[str], rotation_exemption: str) -> aws.secretsmanager.Secret:
        primary, secondary = args.primary, args.secondary
        secret = aws.secretsmanager.Secret(
            primary.name("secret", purpose),
            # One name for both regions: the replica is the same secret, so it cannot carry a DR role.
            name=f"{primary.prefix}/{purpose}",
            description=description,
            kms_key_id=args.kms_key_arns[PRIMARY],
            replicas=[aws.secretsmanager.SecretReplicaArgs(
                region=secondary.region, kms_key_id=args.kms_key_arns[SECONDARY])],
            recovery_window_in_days=args.recovery_window_days,
            tags={**classification_tags(_SECRET_CLASSIFICATION), ROTATION_EXEMPTION_TAG: rotation_exemption},
            opts=primary.opts(self),
        )
        aws.secretsmanager.SecretVersion(
            primary.name("secret-value", purpose),
            secret_id=secret.id,
            secret_string=pulumi.Output.secret(value),
            # GetRandomPassword answers differently on every run and the app secret is set by operators;
            # without this each deployment would overwrite the live value (and rotate the DB password).
            opts=primary.opts(self, ignore_changes=["secret_string"]),
        )
        return secret
