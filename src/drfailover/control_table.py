"""The DynamoDB control table of the recovery region: its layout, and reading what is in it.

Layout (docs/failover-design.md): lock `pk=lock, sk=failover`; a run's header `pk=run#<id>, sk=header`
and its steps `sk=step#<nn>#<name>`; traffic state `pk=state, sk=traffic`; when a refusal last paged
`pk=page, sk=<operation>:<what failed>`. A run's writes are in drfailover.journal.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Callable

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from drcore.recovery_model import FAILOVER_LOCK_LEASE_S

LOCK_KEY = {"pk": "lock", "sk": "failover"}
TRAFFIC_KEY = {"pk": "state", "sk": "traffic"}
LEASE_SECONDS = FAILOVER_LOCK_LEASE_S[0]
# The function runs every minute; what it pages about (a refusal for the same reasons, a standing failover
# proposal) pages once, then reminds at this interval.
PAGE_REPEAT_S = 15 * 60
_SERIALIZER, _DESERIALIZER = TypeSerializer(), TypeDeserializer()


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class LockInfo:
    owner: str
    run_id: str
    operation: str
    expires_at: float  # the holder's own clock: shown to people, never compared with another host's clock
    version: str = ""  # the fencing token: changes with every write of the holder (renewals included)
    lease_seconds: float = LEASE_SECONDS

    def describe(self) -> str:
        return f"{self.operation} run {self.run_id} by {self.owner} (renewed until about {iso(self.expires_at)})"


@dataclass(frozen=True)
class RunHeader:
    run_id: str
    operation: str
    mode: str
    started_at: str
    state: str  # running | done | failed | superseded (another run did the work) | cancelled (by an operator)


@dataclass
class StepRecord:
    index: int
    name: str
    status: str  # started | done | failed | skipped
    started_at: float
    finished_at: float | None = None
    detail: str = ""
    optional: bool = False

    @property
    def sk(self) -> str:
        return f"step#{self.index:02d}#{self.name}"

    @property
    def seconds(self) -> float:
        return (self.finished_at or self.started_at) - self.started_at

    @property
    def finished(self) -> bool:
        return self.status in ("done", "skipped") or (self.status == "failed" and self.optional)


@dataclass(frozen=True)
class TrafficState:
    active_region: str
    since: str
    run_id: str


@dataclass
class ControlSnapshot:
    lock: LockInfo | None
    traffic: TrafficState | None
    unfinished: list[RunHeader] = field(default_factory=list)  # newest first


class ControlTable:
    def __init__(self, client: Any, table_name: str, clock: Callable[[], float] = time.time):
        self.client, self.table, self.clock = client, table_name, clock

    def snapshot(self) -> ControlSnapshot:
        """Lock, traffic state and unfinished run headers in one strongly consistent scan."""
        items, start = [], None
        while True:
            kwargs = {"ExclusiveStartKey": start} if start else {}
            page = self.client.scan(TableName=self.table, ConsistentRead=True,
                                    FilterExpression="pk IN (:lock, :state) OR "
                                                     "(sk = :header AND NOT #s IN (:done, :superseded, :cancelled))",
                                    ExpressionAttributeNames={"#s": "state"},
                                    ExpressionAttributeValues=to_ddb({":lock": "lock", ":state": "state",
                                                                    ":header": "header", ":done": "done",
                                                                    ":superseded": "superseded",
                                                                    ":cancelled": "cancelled"}), **kwargs)
            items.extend(from_ddb(i) for i in page.get("Items", []))
            start = page.get("LastEvaluatedKey")
            if not start:
                break
        lock = traffic = None
        headers = []
        for item in items:
            if (item["pk"], item["sk"]) == (LOCK_KEY["pk"], LOCK_KEY["sk"]):
                lock = lock_from(item)
            elif (item["pk"], item["sk"]) == (TRAFFIC_KEY["pk"], TRAFFIC_KEY["sk"]):
                traffic = TrafficState(item["activeRegion"], item["since"], item.get("runId", ""))
            elif item["sk"] == "header":
                headers.append(header_from(item))
        headers.sort(key=lambda h: h.started_at, reverse=True)
        return ControlSnapshot(lock, traffic, headers)

    def lock(self) -> LockInfo | None:
        item = self.client.get_item(TableName=self.table, Key=to_ddb(LOCK_KEY), ConsistentRead=True).get("Item")
        return lock_from(from_ddb(item)) if item else None

    def lock_is_abandoned(self, seen: LockInfo, wait: Callable[[float], None], *,
                          poll_s: float | None = None) -> LockInfo | None:
        """Watch the lock for one whole lease on this host's own clock: a live holder renews it (a new version)
        within a third of the lease. Returns the lock as last seen when nothing renewed it (its holder died),
        None when its holder is alive or it was released. No clock of another host is trusted."""
        lease = float(seen.lease_seconds)
        poll = poll_s if poll_s is not None else max(lease / 6, 0.05)
        deadline = time.monotonic() + lease
        while True:
            current = self.lock()
            if current is None or current.version != seen.version or current.owner != seen.owner:
                return None
            if time.monotonic() >= deadline:
                return current
            wait(min(poll, max(deadline - time.monotonic(), 0.0)) or poll)

    def end_run(self, run_id: str, state: str, *, note: str) -> bool:
        """Mark an unfinished run (running or failed) ended for good: superseded or cancelled. False if it was
        already finished. It is then never resumed; its journal stays as the record of what it did."""
        return conditional(lambda: self.client.update_item(
            TableName=self.table, Key=to_ddb({"pk": f"run#{run_id}", "sk": "header"}),
            UpdateExpression="SET #s = :state, finishedAt = :at, endNote = :note",
            ConditionExpression="#s IN (:running, :failed)", ExpressionAttributeNames={"#s": "state"},
            ExpressionAttributeValues=to_ddb({":state": state, ":at": iso(self.clock()), ":note": note[:500],
                                              ":running": "running", ":failed": "failed"})))

    def release_abandoned_lock(self, seen: LockInfo) -> bool:
        """Delete a lock whose holder stopped renewing it (seen unchanged for a lease); False if it changed."""
        return conditional(lambda: self.client.delete_item(
            TableName=self.table, Key=to_ddb(LOCK_KEY), ConditionExpression="#v = :seen AND #o = :owner",
            ExpressionAttributeNames={"#v": "version", "#o": "owner"},
            ExpressionAttributeValues=to_ddb({":seen": seen.version, ":owner": seen.owner})))

    def claim_page(self, reason: str, *, every_s: float = PAGE_REPEAT_S) -> bool:
        """May a page for `reason` go now? True the first time and once `every_s` has passed since the last one
        (this host's clock: a skewed clock can only send a reminder early or late, never drop the first page)."""
        now = self.clock()
        return conditional(lambda: self.client.put_item(
            TableName=self.table, Item=to_ddb({"pk": "page", "sk": reason[:512], "sentAt": Decimal(str(round(now, 3))),
                                               "at": iso(now)}),
            ConditionExpression="attribute_not_exists(pk) OR sentAt < :cutoff",
            ExpressionAttributeValues=to_ddb({":cutoff": Decimal(str(round(now - every_s, 3)))})))

    def run(self, run_id: str) -> tuple[RunHeader | None, dict[str, StepRecord]]:
        items = self.client.query(TableName=self.table, ConsistentRead=True, KeyConditionExpression="pk = :pk",
                                  ExpressionAttributeValues=to_ddb({":pk": f"run#{run_id}"})).get("Items", [])
        header, steps = None, {}
        for item in map(from_ddb, items):
            if item["sk"] == "header":
                header = header_from(item)
            elif item["sk"].startswith("step#"):
                record = StepRecord(index=int(item["index"]), name=item["name"], status=item["status"],
                                    started_at=float(item["startedAtEpoch"]),
                                    finished_at=float(item["finishedAtEpoch"]) if "finishedAtEpoch" in item else None,
                                    detail=item.get("detail", ""), optional=bool(item.get("optional", False)))
                steps[record.name] = record
        return header, steps


def conditional(write: Callable[[], Any]) -> bool:
    """Run a conditional write: True when it was made, False when its condition did not hold."""
    try:
        write()
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return False
        raise
    return True


def lock_from(item: dict[str, Any]) -> LockInfo:
    return LockInfo(item["owner"], item["runId"], item["operation"], float(item["expiresAt"]),
                    str(item.get("version", "")), float(item.get("leaseSeconds", LEASE_SECONDS)))


def header_from(item: dict[str, Any]) -> RunHeader:
    return RunHeader(run_id=item["pk"].split("#", 1)[1], operation=item.get("operation", ""),
                     mode=item.get("mode", ""), started_at=item.get("startedAt", ""), state=item.get("state", ""))


def to_ddb(values: dict[str, Any]) -> dict[str, Any]:
    """Attribute values in DynamoDB's wire form (floats as Decimal, which boto3 requires)."""

    def convert(value: Any) -> Any:
        return Decimal(str(value)) if isinstance(value, float) else value

    return {k: _SERIALIZER.serialize(convert(v)) for k, v in values.items()}


def from_ddb(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _DESERIALIZER.deserialize(v) for k, v in item.items()}
