"""Can the secondary region take over right now? Readiness checks in the spirit of Route 53 ARC's.

Every check reads from the recovery region (and Route 53); the primary region is asked only to compare
(configuration parity, metrics it alone publishes), on the short optional clients, and what it cannot
answer is reported UNKNOWN rather than failing the verdict. The verdict: READY when no check says NOT
READY. A required (recovery-region) read that fails is NOT READY: a failover would need that API.

The checks live in data.py, compute.py and protection.py, listed and run in suite.py; this module holds the
vocabulary (Check, context, report) and renders the table.
"""
from __future__ import annotations

import textwrap
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from botocore.exceptions import BotoCoreError, ClientError

from drcore.errors import UsageError
from drfailover.clients import AwsClients, RegionUnreachable
from drfailover.control_table import iso
from drfailover.deployment import PRIMARY, SECONDARY, Deployment

READY, NOT_READY, UNKNOWN = "READY", "NOT READY", "UNKNOWN"
STATUSES = (READY, NOT_READY, UNKNOWN)
# What a read of the primary region may run into; such reads only ever make a row UNKNOWN or add a note.
OPTIONAL_FAILURES = (ClientError, BotoCoreError, RegionUnreachable)


@dataclass(frozen=True)
class Check:
    name: str
    status: str
    detail: str
    source: str

    def as_dict(self) -> dict[str, str]:
        return {"check": self.name, "status": self.status, "detail": self.detail, "source": self.source}


@dataclass(frozen=True)
class RegionExtras:
    """Outputs the readiness checks need beyond drfailover.deployment.Deployment."""

    backup_vault_name: str
    database_secret_arn: str
    data_key_arns: dict[str, str]


@dataclass
class ReadinessContext:
    deployment: Deployment
    clients: AwsClients
    extras: dict[str, RegionExtras]
    backup_schedule: str | None = None  # the plan's schedule expression (stack config backup.scheduleExpression)
    # How long after its scheduled time a copy may still arrive (the plan rule's start + completion windows);
    # the program deploys them from drcore.backup_windows.
    copy_window_s: float = 0.0
    probes: dict[str, str] = field(default_factory=dict)  # role -> health URL override
    now: Callable[[], float] = time.time
    _memo: dict[str, Any] = field(default_factory=dict)
    _memo_lock: threading.Lock = field(default_factory=threading.Lock)
    _key_locks: dict[str, threading.Lock] = field(default_factory=dict)

    def once(self, key: str, read: Callable[[], Any]) -> Any:
        """Read something several checks share (a task definition) once; its exception is shared too.
        One lock per key: a read may itself ask for another key, and unrelated reads do not wait."""
        with self._memo_lock:
            lock = self._key_locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._memo:
                try:
                    self._memo[key] = (read(), None)
                except Exception as exc:  # noqa: BLE001 - re-raised to every check that asks
                    self._memo[key] = (None, exc)
        value, error = self._memo[key]
        if error is not None:
            raise error
        return value

    def probe_url(self, role: str) -> str:
        region = self.deployment.regions[role]
        return self.probes.get(role) or f"https://{region.alb_dns_name}{self.deployment.health_check_path}"


@dataclass
class ReadinessReport:
    stack: str
    primary_region: str
    secondary_region: str
    checks: list[Check]
    checked_at: float
    seconds: float
    calls: dict[str, Any]

    @property
    def ready(self) -> bool:
        return not any(c.status == NOT_READY for c in self.checks)

    def count(self, status: str) -> int:
        return sum(1 for c in self.checks if c.status == status)

    def failing(self) -> list[Check]:
        return [c for c in self.checks if c.status == NOT_READY]

    def summary(self) -> str:
        counts = ", ".join(f"{self.count(s)} {s}" for s in STATUSES if self.count(s))
        if self.ready:
            return f"READY: {self.secondary_region} can take over from {self.primary_region} ({counts})"
        names = ", ".join(c.name for c in self.failing())
        return f"NOT READY: {self.secondary_region} cannot take over safely ({counts}): {names}"

    def as_dict(self) -> dict[str, Any]:
        return {"kind": "drkit-readiness", "stack": self.stack, "ready": self.ready, "checkedAt": iso(self.checked_at),
                "primaryRegion": self.primary_region, "secondaryRegion": self.secondary_region,
                "summary": self.summary(), "counts": {s: self.count(s) for s in STATUSES},
                "checks": [c.as_dict() for c in self.checks], "seconds": round(self.seconds, 3), "awsCalls": self.calls}

    def render_text(self, detail_width: int = 72) -> str:
        """The table: check, status, detail (wrapped), source; then the verdict."""
        header = ("CHECK", "STATUS", "DETAIL", "SOURCE")
        widths = [max(len(header[0]), *(len(c.name) for c in self.checks)), len(NOT_READY), detail_width]
        lines = [f"Readiness of {self.secondary_region} to take over from {self.primary_region} "
                 f"(stack '{self.stack}', {iso(self.checked_at)})", ""]
        rows = [(header, [header[2]])] + [((c.name, c.status, c.detail, c.source),
                                            textwrap.wrap(c.detail, detail_width) or [""]) for c in self.checks]
        for (name, status, _, where), detail in rows:
            lines.append(f"{name:<{widths[0]}}  {status:<{widths[1]}}  {detail[0]:<{widths[2]}}  {where}")
            lines += [f"{'':<{widths[0]}}  {'':<{widths[1]}}  {more}" for more in detail[1:]]
        lines += ["", self.summary(),
                  f"{len(self.checks)} checks in {self.seconds:.2f} s, {self.calls.get('calls', 0)} AWS calls"]
        return "\n".join(line.rstrip() for line in lines)


def region_extras(outputs: dict[str, Any], where: str) -> dict[str, RegionExtras]:
    """The per-region outputs readiness needs (vault, secret, data keys); a missing one is a UsageError."""
    extras = {}
    for role in (PRIMARY, SECONDARY):
        region = outputs.get("regions", {}).get(role, {}) if isinstance(outputs.get("regions"), dict) else {}
        values = {}
        for key, kind in (("backupVaultName", str), ("databaseSecretArn", str), ("dataKeyArns", dict)):
            value = region.get(key) if isinstance(region, dict) else None
            if not isinstance(value, kind) or not value:
                raise UsageError(f"{where}: stack output 'regions.{role}.{key}' is missing; deploy the current infra/ "
                                 "and export the outputs again ('pulumi stack output --json --show-secrets')")
            values[key] = value
        extras[role] = RegionExtras(values["backupVaultName"], values["databaseSecretArn"],
                                    {str(k): str(v) for k, v in values["dataKeyArns"].items()})
    return extras


def named_check(name: str) -> Callable:
    """Name a check function: the runner reports a check that raises under this name."""

    def mark(function: Callable) -> Callable:
        function.check_name = name
        return function

    return mark


def source(ctx: ReadinessContext, what: str, role: str = SECONDARY) -> str:
    """The table's SOURCE column: the region asked and the API."""
    return f"{ctx.deployment.regions[role].region} {what}"


def describe_error(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        text = f"{error.get('Code', 'error')}: {error.get('Message', '')}".rstrip(": ")
    else:
        text = str(exc) or type(exc).__name__
    return text if len(text) <= 200 else text[:200] + "..."
