"""A run's journal writes, guarded by the failover lock (docs/failover-design.md, "Lock and journal").

Until the lock is taken a run's records stay in memory (the steps before it only read), so a run refused
at confirmation or at the lock leaves no trace. After that every write is one transaction whose first
item renews this owner's lease on condition it still holds the lock *with the version it last wrote*
(a fencing token): a run that lost the lock can write nothing more, and since every mutating stage is
journaled before it acts, nothing more can it change either. A heartbeat renews the lease every third of it
while the run works (a promotion can take minutes), each renewal a new version. Whether a holder is alive is
judged by whether its version changes, watched on the contender's own clock (ControlTable.lock_is_abandoned),
never by comparing clocks of different hosts. Records of steps that only read ride along with the next write.
"""
from __future__ import annotations

import threading
import uuid
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from drfailover.control_table import (LEASE_SECONDS, LOCK_KEY, TRAFFIC_KEY, ControlTable, LockInfo, StepRecord, iso,
                                      to_ddb)


class LockHeld(Exception):
    def __init__(self, holder: LockInfo | None):
        self.holder = holder
        super().__init__(f"the failover lock is held by {holder.describe()}" if holder else "the failover lock is held")


class LockLost(Exception):
    """Another owner took the lock (lease expired, or an operator resumed this run elsewhere)."""


class RunJournal:
    """One run's writes; each after the lock is taken is conditional on still holding it."""

    def __init__(self, table: ControlTable, *, run_id: str, owner: str, operation: str, mode: str,
                 resumed: bool = False, takeover: bool = False, abandoned: LockInfo | None = None,
                 lease_seconds: float = LEASE_SECONDS):
        self.table, self.run_id, self.owner = table, run_id, owner
        self.operation, self.mode, self.resumed, self.takeover = operation, mode, resumed, takeover
        self.abandoned = abandoned  # a dead holder's lock, seen unchanged for a whole lease: it may be taken
        self.lease_seconds = lease_seconds
        self.version = ""
        # Versions this run wrote whose answer may have been lost (a timeout after DynamoDB committed): the lock
        # showing one of them is still this run's, not "taken over".
        self._unconfirmed: set[str] = set()
        self.holds_lock = False
        self._lost = False
        self._stop_heartbeat = threading.Event()
        self._heartbeat: threading.Thread | None = None
        self._acquired = False  # once released, later records (the release step's own) are written unguarded
        self._release_state: str | None = None  # set by release()/failed(): the next write lets go of the lock
        self._pending: list[dict[str, Any]] = []  # written with the next write (before the lock: by acquire)
        self._lock = threading.RLock()

    # -- lock ---------------------------------------------------------------------------------------
    def acquire(self) -> str:
        now = self.table.clock()
        condition, values, names = "attribute_not_exists(pk)", {}, {}
        if self.takeover:  # the operator named this run to resume: its (dead) owner's lease is void
            condition += " OR runId = :run"
            values[":run"] = self.run_id
        elif self.abandoned is not None:  # unchanged for a whole lease: its holder is gone
            condition += " OR (#v = :seen AND #o = :seen_owner)"
            values |= {":seen": self.abandoned.version, ":seen_owner": self.abandoned.owner}
            names |= {"#v": "version", "#o": "owner"}
        version = uuid.uuid4().hex
        lock = {**LOCK_KEY, "owner": self.owner, "runId": self.run_id, "operation": self.operation,
                "version": version, "leaseSeconds": self.lease_seconds, "expiresAt": now + self.lease_seconds,
                "acquiredAt": iso(now)}
        header = {"Update": {"TableName": self.table.table, "Key": to_ddb({"pk": f"run#{self.run_id}", "sk": "header"}),
                             "UpdateExpression": "SET #s = :running, operation = :op, #m = :mode, "
                                                 "startedAt = if_not_exists(startedAt, :at), lastOwner = :owner",
                             "ExpressionAttributeNames": {"#s": "state", "#m": "mode"},
                             "ExpressionAttributeValues": to_ddb({":running": "running", ":op": self.operation,
                                                                ":mode": self.mode, ":at": iso(now),
                                                                ":owner": self.owner})}}
        put = {"TableName": self.table.table, "Item": to_ddb(lock), "ConditionExpression": condition}
        if values:
            put["ExpressionAttributeValues"] = to_ddb(values)
        if names:
            put["ExpressionAttributeNames"] = names
        items = [{"Put": put}, header, *self._pending]
        with self._lock:
            try:
                self.table.client.transact_write_items(TransactItems=_one_per_item(items))
            except ClientError as exc:
                if not _condition_failed(exc, index=0):
                    raise
                raise LockHeld(self.table.lock()) from None
            self._pending = []
            self.version = version
            self.holds_lock = self._acquired = True
        self._heartbeat = threading.Thread(target=self._beat, name="drkit-lock-heartbeat", daemon=True)
        self._heartbeat.start()
        taken = f"from {self.abandoned.owner}, whose lease went unrenewed" if self.abandoned and not self.takeover else ""
        return f"lock taken by {self.owner} {taken}".rstrip() + f", lease {self.lease_seconds:g} s renewed every " \
               f"{self.lease_seconds / 3:g} s" + (" (resumed run)" if self.resumed else "")

    def stop_heartbeat(self) -> None:
        self._stop_heartbeat.set()
        if self._heartbeat is not None and self._heartbeat is not threading.current_thread():
            self._heartbeat.join(timeout=5)

    def _beat(self) -> None:
        while not self._stop_heartbeat.wait(self.lease_seconds / 3):
            with self._lock:
                if not self.holds_lock:
                    return
                try:
                    self._guarded([], renew_only=True)
                except LockLost:
                    return
                except (ClientError, BotoCoreError):
                    continue  # a throttled renewal: the next beat tries again, well inside the lease

    def release(self, state: str = "done") -> str:
        """Let go of the lock with the next write — the release step's own record — so the lock is never
        gone while the journal still says the run is going."""
        self._release_state = state
        return f"lock released, run {state}"

    # -- records ------------------------------------------------------------------------------------
    def started(self, records: list[StepRecord]) -> None:
        self._write([self._put(r) for r in records])

    def finished(self, records: list[StepRecord]) -> None:
        self._write([self._put(r) for r in records])

    def defer(self, records: list[StepRecord]) -> None:
        """Records that may ride along with the next write: losing them in a crash only means their
        (read-only or always-run) steps run again on resume."""
        with self._lock:
            self._pending.extend(self._put(r) for r in records)

    def failed(self, record: StepRecord, state: str = "failed") -> None:
        """A step failed for good: record it, mark the run failed and let go of the lock so it can be resumed
        (state "superseded": another run did the work; it is never resumed)."""
        self._release_state = state
        self._write([self._put(record)])

    def set_traffic(self, active_region: str) -> None:
        """Written with the shifting step's own record: a crash before it re-runs that (idempotent) step."""
        item = {**TRAFFIC_KEY, "activeRegion": active_region, "since": iso(self.table.clock()), "runId": self.run_id}
        with self._lock:
            self._pending.append({"Put": {"TableName": self.table.table, "Item": to_ddb(item)}})

    def flush(self) -> None:
        if self._pending or (self._release_state and self.holds_lock):
            self._write([])

    # -- plumbing -----------------------------------------------------------------------------------
    def _write(self, items: list[dict[str, Any]]) -> None:
        with self._lock:
            if self._lost:
                raise LockLost(f"run {self.run_id} no longer holds the failover lock; another run took it over")
            items = _one_per_item(self._pending + items)
            if not self._acquired:
                self._pending = items  # nothing to protect before the lock: acquire() writes them
                return
            if self.holds_lock:
                self._guarded(items)
            elif items:
                self.table.client.transact_write_items(TransactItems=items)
            self._pending = []

    def _guarded(self, items: list[dict[str, Any]], *, renew_only: bool = False) -> None:
        now = self.table.clock()
        guard: dict[str, Any]
        release = None if renew_only else self._release_state
        mine = {"#o": "owner", "#v": "version"}
        new_version = uuid.uuid4().hex
        if release:
            guard = {"Delete": {"TableName": self.table.table, "Key": to_ddb(LOCK_KEY),
                                "ConditionExpression": "#o = :me AND #v = :mine", "ExpressionAttributeNames": mine,
                                "ExpressionAttributeValues": to_ddb({":me": self.owner, ":mine": self.version})}}
            items = [*items, self._header_state(release, now)]
        else:
            guard = {"Update": {"TableName": self.table.table, "Key": to_ddb(LOCK_KEY),
                                "UpdateExpression": "SET expiresAt = :exp, #v = :new",
                                "ConditionExpression": "#o = :me AND #v = :mine", "ExpressionAttributeNames": mine,
                                "ExpressionAttributeValues": to_ddb({":me": self.owner, ":mine": self.version,
                                                                   ":new": new_version,
                                                                   ":exp": now + self.lease_seconds})}}
        if not release:
            self._unconfirmed.add(new_version)
        try:
            self.table.client.transact_write_items(TransactItems=[guard, *items])
        except ClientError as exc:
            if not _condition_failed(exc, index=0):
                raise
            if self._adopt_own_earlier_write():
                return self._guarded(items, renew_only=renew_only)  # the guard now names the version that landed
            self.holds_lock, self._lost = False, True
            self._stop_heartbeat.set()
            raise LockLost(f"run {self.run_id} no longer holds the failover lock; another run took it over") from None
        self._unconfirmed.clear()
        if release:
            self.holds_lock, self._release_state = False, None
            self._stop_heartbeat.set()
        else:
            self.version = new_version

    def _adopt_own_earlier_write(self) -> bool:
        """After a failed guard: whether the lock still is this run's, at a version an earlier write of this run
        set but never heard back about (its answer lost to a timeout, then retried or given up). Then that version
        is adopted and nothing was taken over; a real takeover shows another owner or a version this run never
        wrote."""
        current = self.table.lock()
        if current is None or current.owner != self.owner or current.run_id != self.run_id \
                or current.version not in self._unconfirmed:
            return False
        self.version = current.version
        self._unconfirmed.clear()
        return True

    def _put(self, record: StepRecord) -> dict[str, Any]:
        item = {"pk": f"run#{self.run_id}", "sk": record.sk, "index": record.index, "name": record.name,
                "status": record.status, "startedAt": iso(record.started_at), "startedAtEpoch": record.started_at,
                "detail": record.detail[:2000], "optional": record.optional, "owner": self.owner}
        if record.finished_at is not None:
            item |= {"finishedAt": iso(record.finished_at), "finishedAtEpoch": record.finished_at,
                     "seconds": round(record.seconds, 3)}
        return {"Put": {"TableName": self.table.table, "Item": to_ddb(item)}}

    def _header_state(self, state: str, now: float) -> dict[str, Any]:
        return {"Update": {"TableName": self.table.table, "Key": to_ddb({"pk": f"run#{self.run_id}", "sk": "header"}),
                           "UpdateExpression": "SET #s = :state, finishedAt = :at",
                           "ExpressionAttributeNames": {"#s": "state"},
                           "ExpressionAttributeValues": to_ddb({":state": state, ":at": iso(now)})}}


def _one_per_item(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A transaction may touch an item once: keep the last write of each key, in order."""
    latest: dict[tuple, dict[str, Any]] = {}
    for item in items:
        operation = next(iter(item.values()))
        key = operation.get("Key") or {k: operation["Item"][k] for k in ("pk", "sk")}
        latest.pop((key["pk"]["S"], key["sk"]["S"]), None)
        latest[(key["pk"]["S"], key["sk"]["S"])] = item
    return list(latest.values())


def _condition_failed(exc: ClientError, index: int) -> bool:
    error = exc.response.get("Error", {})
    if error.get("Code") == "ConditionalCheckFailedException":
        return True
    reasons = exc.response.get("CancellationReasons") or []
    if error.get("Code") == "TransactionCanceledException" and not reasons:
        return "ConditionalCheckFailed" in error.get("Message", "")
    return len(reasons) > index and reasons[index].get("Code") == "ConditionalCheckFailed"


