"""AWS Backup jobs, recovery points and cross-region copies. moto 5.2.5 has vaults, plans and
selections but no jobs and no recovery points: StartBackupJob, StartCopyJob, ListCopyJobs and
ListRecoveryPointsByBackupVault all answer 404.

The recovery points and jobs live here (no moto API holds them); the vaults are moto's, looked up with
its DescribeBackupVault, so a job into a vault that was never created fails as in AWS.
- StartBackupJob: a COMPLETED job and a recovery point of the resource in the vault;
- StartCopyJob (called in the source vault's region): a COMPLETED copy job and a recovery point in the
  destination vault, which may be in another region;
- DescribeBackupJob, ListBackupJobs, DescribeCopyJob, ListCopyJobs (with the state, destination vault,
  resource and creation-time filters), ListRecoveryPointsByBackupVault, DescribeRecoveryPoint.
Jobs complete at once; what a drill measures is how recent the newest copy is, not how long it took.
"""
from __future__ import annotations

import threading
import time
import uuid
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from drkit.emulation.gaps import GapFiller
from drkit.emulation.wire import AwsRequest, ProxyResponse, error_response, json_response

if TYPE_CHECKING:
    from drkit.emulation.gaps import GapContext
    from drkit.emulation.moto_server import MotoServer

_RESOURCE_TYPES = {"rds": "Aurora", "dynamodb": "DynamoDB", "s3": "S3", "ec2": "EC2", "elasticfilesystem": "EFS"}


class BackupCopies(GapFiller):
    def __init__(self, moto: "MotoServer"):
        self.moto = moto
        self._lock = threading.Lock()
        self.recovery_points: list[dict[str, Any]] = []  # each with "_region" and "BackupVaultName"
        self.backup_jobs: dict[str, dict[str, Any]] = {}
        self.copy_jobs: dict[str, dict[str, Any]] = {}

    def handlers(self) -> dict:
        return {("backup", "StartBackupJob"): self.start_backup_job,
                ("backup", "DescribeBackupJob"): self.describe_backup_job,
                ("backup", "ListBackupJobs"): self.list_backup_jobs,
                ("backup", "StartCopyJob"): self.start_copy_job,
                ("backup", "DescribeCopyJob"): self.describe_copy_job,
                ("backup", "ListCopyJobs"): self.list_copy_jobs,
                ("backup", "ListRecoveryPointsByBackupVault"): self.list_recovery_points,
                ("backup", "DescribeRecoveryPoint"): self.describe_recovery_point}


    # -- jobs --------------------------------------------------------------------------------------
    def start_backup_job(self, request: AwsRequest, context: "GapContext") -> ProxyResponse:
        body = request.json()
        vault = self._vault(context.region, body.get("BackupVaultName", ""))
        if vault is None:
            return _no_vault(request, body.get("BackupVaultName", ""))
        if not body.get("ResourceArn") or not body.get("IamRoleArn"):
            return error_response(request, "InvalidParameterValueException", "ResourceArn and IamRoleArn are required")
        now = time.time()
        job_id = str(uuid.uuid4()).upper()
        point = self._add_point(context.region, vault, body["ResourceArn"], now, body.get("IamRoleArn"))
        job = {"BackupJobId": job_id, "BackupVaultName": vault["BackupVaultName"], "BackupVaultArn": vault["BackupVaultArn"],
               "RecoveryPointArn": point["RecoveryPointArn"], "ResourceArn": body["ResourceArn"],
               "ResourceType": point["ResourceType"], "IamRoleArn": body["IamRoleArn"], "State": "COMPLETED",
               "CreationDate": now, "CompletionDate": now, "PercentDone": "100.0", "AccountId": self.moto.account,
               "_region": context.region}
        with self._lock:
            self.backup_jobs[job_id] = job
        return json_response({"BackupJobId": job_id, "RecoveryPointArn": point["RecoveryPointArn"],
                              "CreationDate": now, "IsParent": False})

    def describe_backup_job(self, request: AwsRequest, context: "GapContext") -> ProxyResponse:
        job = self.backup_jobs.get(request.path_params.get("backupJobId", ""))
        if job is None:
            return error_response(request, "ResourceNotFoundException", "Backup job not found")
        return json_response(_public(job))

    def list_backup_jobs(self, request: AwsRequest, context: "GapContext") -> ProxyResponse:
        jobs = [j for j in self.backup_jobs.values() if j["_region"] == context.region]
        return json_response({"BackupJobs": [_public(j) for j in _filtered(jobs, request.query_params())]})

    def start_copy_job(self, request: AwsRequest, context: "GapContext") -> ProxyResponse:
        body = request.json()
        source_vault = self._vault(context.region, body.get("SourceBackupVaultName", ""))
        if source_vault is None:
            return _no_vault(request, body.get("SourceBackupVaultName", ""))
        destination_arn = body.get("DestinationBackupVaultArn", "")
        parts = destination_arn.split(":")
        destination = self._vault(parts[3], parts[-1]) if len(parts) >= 7 else None
        if destination is None:
            return _no_vault(request, destination_arn)
        with self._lock:
            source = next((p for p in self.recovery_points if p["RecoveryPointArn"] == body.get("RecoveryPointArn")
                           and p["BackupVaultName"] == source_vault["BackupVaultName"]
                           and p["_region"] == context.region), None)
            token = body.get("IdempotencyToken")
            repeated = next((j for j in self.copy_jobs.values() if token and j.get("_token") == token), None)
        if repeated is not None:
            return json_response({"CopyJobId": repeated["CopyJobId"], "CreationDate": repeated["CreationDate"],
                                  "IsParent": False})
        if source is None:
            return error_response(request, "ResourceNotFoundException", f"Recovery point "
                                  f"{body.get('RecoveryPointArn')} not found in vault {source_vault['BackupVaultName']}")
        now = time.time()
        copy = self._add_point(parts[3], destination, source["ResourceArn"], now, body.get("IamRoleArn"))
        job_id = str(uuid.uuid4()).upper()
        job = {"CopyJobId": job_id, "AccountId": self.moto.account, "SourceBackupVaultArn": source_vault["BackupVaultArn"],
               "SourceRecoveryPointArn": source["RecoveryPointArn"], "DestinationBackupVaultArn": destination["BackupVaultArn"],
               "DestinationRecoveryPointArn": copy["RecoveryPointArn"], "ResourceArn": source["ResourceArn"],
               "ResourceType": source["ResourceType"], "IamRoleArn": body.get("IamRoleArn"), "State": "COMPLETED",
               "CreationDate": now, "CompletionDate": now, "_region": context.region, "_token": token}
        with self._lock:
            self.copy_jobs[job_id] = job
        return json_response({"CopyJobId": job_id, "CreationDate": now, "IsParent": False})

    def describe_copy_job(self, request: AwsRequest, context: "GapContext") -> ProxyResponse:
        job = self.copy_jobs.get(request.path_params.get("copyJobId", ""))
        if job is None:
            return error_response(request, "ResourceNotFoundException", "Copy job not found")
        return json_response({"CopyJob": _public(job)})

    def list_copy_jobs(self, request: AwsRequest, context: "GapContext") -> ProxyResponse:
        jobs = [j for j in self.copy_jobs.values() if j["_region"] == context.region]
        return json_response({"CopyJobs": [_public(j) for j in _filtered(jobs, request.query_params())]})

    # -- recovery points ------------------------------------------------------------------------------
    def list_recovery_points(self, request: AwsRequest, context: "GapContext") -> ProxyResponse:
        name = request.path_params.get("backupVaultName", "")
        if self._vault(context.region, name) is None:
            return _no_vault(request, name)
        with self._lock:
            points = [p for p in self.recovery_points if p["_region"] == context.region and p["BackupVaultName"] == name]
        return json_response({"RecoveryPoints": [_public(p) for p in _filtered(points, request.query_params())]})

    def describe_recovery_point(self, request: AwsRequest, context: "GapContext") -> ProxyResponse:
        name, arn = request.path_params.get("backupVaultName", ""), request.path_params.get("recoveryPointArn", "")
        with self._lock:
            point = next((p for p in self.recovery_points if p["_region"] == context.region
                          and p["BackupVaultName"] == name and p["RecoveryPointArn"] == arn), None)
        if point is None:
            return error_response(request, "ResourceNotFoundException", f"Recovery point {arn} not found in {name}")
        return json_response(_public(point))

    # -- helpers ---------------------------------------------------------------------------------------
    def _vault(self, region: str, name: str) -> dict[str, Any] | None:
        try:
            return self.moto.client("backup", region).describe_backup_vault(BackupVaultName=name)
        except (ClientError, BotoCoreError):  # no such vault, or no such region
            return None

    def _add_point(self, region: str, vault: dict[str, Any], resource_arn: str, now: float,
                   role: str | None) -> dict[str, Any]:
        point = {"RecoveryPointArn": f"arn:aws:backup:{region}:{self.moto.account}:recovery-point:{uuid.uuid4()}",
                 "BackupVaultName": vault["BackupVaultName"], "BackupVaultArn": vault["BackupVaultArn"],
                 "ResourceArn": resource_arn, "ResourceType": _resource_type(resource_arn), "IamRoleArn": role,
                 "Status": "COMPLETED", "CreationDate": now, "CompletionDate": now,
                 "EncryptionKeyArn": vault.get("EncryptionKeyArn"), "IsEncrypted": True, "_region": region}
        with self._lock:
            self.recovery_points.append(point)
        return point


def _resource_type(arn: str) -> str:
    parts = arn.split(":")
    return _RESOURCE_TYPES.get(parts[2], parts[2]) if len(parts) > 2 else ""


def _filtered(items: list[dict[str, Any]], query: dict[str, str]) -> list[dict[str, Any]]:
    """The List* filters botocore sends as query parameters (names lower-cased)."""
    def keep(item: dict[str, Any]) -> bool:
        checks = [("state", item.get("State")), ("resourcearn", item.get("ResourceArn")),
                  ("resourcetype", item.get("ResourceType")),
                  ("destinationvaultarn", item.get("DestinationBackupVaultArn")),
                  ("backupvaultname", item.get("BackupVaultName"))]
        if any(key in query and query[key] != value for key, value in checks):
            return False
        created = float(item.get("CreationDate", 0))
        for key, newer in (("createdafter", True), ("createdbefore", False)):
            if key in query and (created < _epoch(query[key])) == newer:
                return False
        return True
    return sorted((i for i in items if keep(i)), key=lambda i: i["CreationDate"], reverse=True)


def _epoch(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        from datetime import datetime
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def _public(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if not k.startswith("_") and v is not None}


def _no_vault(request: AwsRequest, name: str) -> ProxyResponse:
    return error_response(request, "ResourceNotFoundException", f"Backup vault {name} does not exist")
