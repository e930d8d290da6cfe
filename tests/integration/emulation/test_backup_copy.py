"""AWS Backup jobs, recovery points and cross-region copies, through the regional proxies."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from botocore.exceptions import ClientError

from tests.integration.emulation.conftest import ACCOUNT, PRIMARY, SECONDARY

ROLE = f"arn:aws:iam::{ACCOUNT}:role/backup"
TABLE = f"arn:aws:dynamodb:{PRIMARY}:{ACCOUNT}:table/carts"


def _vaults(emulation):
    emulation.client("backup").create_backup_vault(BackupVaultName="east")
    return emulation.client("backup", SECONDARY).create_backup_vault(BackupVaultName="west")["BackupVaultArn"]


def _backup(emulation, resource=TABLE):
    return emulation.client("backup").start_backup_job(BackupVaultName="east", ResourceArn=resource, IamRoleArn=ROLE)


def test_a_backup_job_leaves_a_recovery_point_in_its_vault(emulation):
    _vaults(emulation)
    job = _backup(emulation)
    points = emulation.client("backup").list_recovery_points_by_backup_vault(BackupVaultName="east")["RecoveryPoints"]
    assert [(p["RecoveryPointArn"], p["ResourceArn"], p["ResourceType"], p["Status"]) for p in points] == \
        [(job["RecoveryPointArn"], TABLE, "DynamoDB", "COMPLETED")]
    assert emulation.client("backup").describe_backup_job(BackupJobId=job["BackupJobId"])["State"] == "COMPLETED"


def test_a_copy_job_puts_the_recovery_point_in_the_other_regions_vault(emulation):
    west = _vaults(emulation)
    point = _backup(emulation)["RecoveryPointArn"]
    copy = emulation.client("backup").start_copy_job(RecoveryPointArn=point, SourceBackupVaultName="east",
                                                     DestinationBackupVaultArn=west, IamRoleArn=ROLE)
    job = emulation.client("backup").describe_copy_job(CopyJobId=copy["CopyJobId"])["CopyJob"]
    assert (job["State"], job["SourceRecoveryPointArn"], job["DestinationBackupVaultArn"]) == ("COMPLETED", point, west)
    copies = emulation.client("backup", SECONDARY).list_recovery_points_by_backup_vault(
        BackupVaultName="west")["RecoveryPoints"]
    assert [(c["RecoveryPointArn"], c["ResourceArn"]) for c in copies] == [(job["DestinationRecoveryPointArn"], TABLE)]
    assert f":{SECONDARY}:" in copies[0]["RecoveryPointArn"]


def test_copy_jobs_are_listed_with_their_filters(emulation):
    west = _vaults(emulation)
    point = _backup(emulation)["RecoveryPointArn"]
    emulation.client("backup").start_copy_job(RecoveryPointArn=point, SourceBackupVaultName="east",
                                              DestinationBackupVaultArn=west, IamRoleArn=ROLE)
    backup = emulation.client("backup")
    an_hour_ago = datetime.now(timezone.utc) - timedelta(hours=1)
    assert len(backup.list_copy_jobs(ByState="COMPLETED", ByCreatedAfter=an_hour_ago)["CopyJobs"]) == 1
    assert backup.list_copy_jobs(ByState="FAILED")["CopyJobs"] == []
    assert backup.list_copy_jobs(ByCreatedBefore=an_hour_ago)["CopyJobs"] == []
    assert backup.list_copy_jobs(ByDestinationVaultArn=west)["CopyJobs"][0]["ResourceArn"] == TABLE
    assert emulation.client("backup", SECONDARY).list_copy_jobs()["CopyJobs"] == []  # jobs live in the source region


def test_a_repeated_idempotency_token_returns_the_first_copy_job(emulation):
    west = _vaults(emulation)
    point = _backup(emulation)["RecoveryPointArn"]
    copies = [emulation.client("backup").start_copy_job(RecoveryPointArn=point, SourceBackupVaultName="east",
                                                        DestinationBackupVaultArn=west, IamRoleArn=ROLE,
                                                        IdempotencyToken="once")["CopyJobId"] for _ in range(2)]
    assert copies[0] == copies[1]


@pytest.mark.parametrize("problem", ["missing source vault", "missing destination vault", "missing recovery point"])
def test_a_copy_that_cannot_happen_is_refused(emulation, problem):
    west = _vaults(emulation)
    point = _backup(emulation)["RecoveryPointArn"]
    arguments = {"RecoveryPointArn": point, "SourceBackupVaultName": "east", "DestinationBackupVaultArn": west,
                 "IamRoleArn": ROLE}
    arguments.update({"missing source vault": {"SourceBackupVaultName": "nope"},
                      "missing destination vault": {"DestinationBackupVaultArn": west.replace(":backup-vault:west", ":backup-vault:gone")},
                      "missing recovery point": {"RecoveryPointArn": point[:-4] + "0000"}}[problem])
    with pytest.raises(ClientError) as refused:
        emulation.client("backup").start_copy_job(**arguments)
    assert refused.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert emulation.gaps.backup.copy_jobs == {}
