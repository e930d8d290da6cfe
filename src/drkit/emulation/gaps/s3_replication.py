"""S3 replication. moto 5.2.5 stores a bucket's replication configuration (PutBucketReplication) and never
replicates an object: the destination bucket stays empty.

- moto keeps a rule's status and destination but answers every Filter prefix as "" (so every key would
  match): the rules are read from the PutBucketReplication request itself as it passes the proxy.
- Every object written through a proxy (PutObject, CopyObject, CompleteMultipartUpload) is copied to the
  destination bucket of each enabled rule whose prefix matches, with moto's own GetObject and PutObject
  (body, content type, user metadata), once the write succeeded.
- A copy made here is a replica: it is written to moto directly, never through a proxy, so it is not
  replicated again (AWS does not replicate replicas either, so two rules pointing at each other do not loop).
- While the source's or the destination's region is unreachable, the copy waits, like S3's own retries;
  `deliver_pending()` (called on every later write and when a region comes back) sends what can go now.
- A DeleteObject without a version (which puts a delete marker in a versioned bucket) is replicated as a delete
  marker when the rule enables DeleteMarkerReplication; deleting a version is never replicated (as in AWS).
"""
from __future__ import annotations

import threading
from xml.etree import ElementTree
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from drkit.emulation.gaps import GapFiller
from drkit.emulation.wire import AwsRequest, ProxyResponse

if TYPE_CHECKING:
    from drkit.emulation.faults import RegionFaults
    from drkit.emulation.gaps import GapContext
    from drkit.emulation.moto_server import MotoServer

_WRITES = ("PutObject", "CopyObject", "CompleteMultipartUpload")
_ANY_REGION = "us-east-1"  # S3's bucket namespace is global: moto answers bucket-level reads from any region


@dataclass(frozen=True)
class PendingCopy:
    source_bucket: str
    key: str
    destination_bucket: str
    delete_marker: bool = False


@dataclass(frozen=True)
class Rule:
    status: str
    prefix: str
    destination: str  # bucket name
    delete_markers: bool


class BucketReplication(GapFiller):
    def __init__(self, moto: "MotoServer", faults: dict[str, "RegionFaults"]):
        self.moto, self.faults = moto, faults
        self.pending: list[PendingCopy] = []
        self.rules: dict[str, list[Rule]] = {}  # bucket -> its rules, as PutBucketReplication sent them
        self.delivered = 0
        self._lock = threading.RLock()


    def after_hooks(self) -> dict:
        hooks = {("s3", action): self.replicate for action in _WRITES}
        hooks[("s3", "PutBucketReplication")] = self.remember_rules
        hooks[("s3", "DeleteObject")] = self.replicate_delete
        return hooks

    def remember_rules(self, request: AwsRequest, response: ProxyResponse, context: "GapContext") -> ProxyResponse:
        bucket = request.path_params.get("Bucket")
        if response.ok and bucket:
            with self._lock:
                self.rules[bucket] = _rules_of(request.body)
        return response

    def replicate(self, request: AwsRequest, response: ProxyResponse, context: "GapContext") -> ProxyResponse:
        bucket, key = request.path_params.get("Bucket"), request.path_params.get("Key")
        if response.ok and bucket and key:
            with self._lock:
                self.pending.extend(PendingCopy(bucket, key, destination)
                                    for destination in self._destinations(bucket, key))
        self.deliver_pending()
        return response

    def replicate_delete(self, request: AwsRequest, response: ProxyResponse, context: "GapContext") -> ProxyResponse:
        bucket, key = request.path_params.get("Bucket"), request.path_params.get("Key")
        if response.ok and bucket and key and "versionid" not in request.query_params():
            with self._lock:
                self.pending.extend(PendingCopy(bucket, key, rule.destination, delete_marker=True)
                                    for rule in self._matching(bucket, key) if rule.delete_markers)
        self.deliver_pending()
        return response

    def deliver_pending(self) -> int:
        """Copy every pending object whose two regions answer now; the number copied."""
        with self._lock:
            waiting, self.pending = self.pending, []
            copied = 0
            for copy in waiting:
                if self._reachable(copy.source_bucket) and self._reachable(copy.destination_bucket):
                    self._copy(copy)
                    copied += 1
                else:
                    self.pending.append(copy)
            self.delivered += copied
            return copied

    def _destinations(self, bucket: str, key: str) -> list[str]:
        return [rule.destination for rule in self._matching(bucket, key)]

    def _matching(self, bucket: str, key: str) -> list[Rule]:
        with self._lock:
            rules = list(self.rules.get(bucket, []))
        return [rule for rule in rules if rule.status == "Enabled" and key.startswith(rule.prefix)]

    def _copy(self, copy: PendingCopy) -> None:
        if copy.delete_marker:
            self.moto.client("s3", self._region(copy.destination_bucket)).delete_object(
                Bucket=copy.destination_bucket, Key=copy.key)
            return
        source = self.moto.client("s3", self._region(copy.source_bucket))
        try:
            read = source.get_object(Bucket=copy.source_bucket, Key=copy.key)
        except source.exceptions.NoSuchKey:
            return  # deleted before it could replicate: nothing to copy
        extra: dict[str, Any] = {"Metadata": read.get("Metadata") or {}}
        if read.get("ContentType"):
            extra["ContentType"] = read["ContentType"]
        self.moto.client("s3", self._region(copy.destination_bucket)).put_object(
            Bucket=copy.destination_bucket, Key=copy.key, Body=read["Body"].read(), **extra)

    def _reachable(self, bucket: str) -> bool:
        faults = self.faults.get(self._region(bucket))
        return faults is None or faults.unreachable is None

    def _region(self, bucket: str) -> str:
        location = self.moto.client("s3", _ANY_REGION).get_bucket_location(Bucket=bucket).get("LocationConstraint")
        return location or "us-east-1"


def _rules_of(body: bytes) -> list[Rule]:
    """The rules of a ReplicationConfiguration document."""
    root = ElementTree.fromstring(body)
    namespace = root.tag[:root.tag.index("}") + 1] if root.tag.startswith("{") else ""

    def text(element: ElementTree.Element, path: str) -> str:
        found = element.find("/".join(namespace + part for part in path.split("/")))
        return (found.text or "") if found is not None else ""

    rules = []
    for rule in root.findall(f"{namespace}Rule"):
        prefix = text(rule, "Filter/Prefix") or text(rule, "Filter/And/Prefix") or text(rule, "Prefix")
        rules.append(Rule(text(rule, "Status"), prefix, text(rule, "Destination/Bucket").rsplit(":", 1)[-1],
                          delete_markers=text(rule, "DeleteMarkerReplication/Status") == "Enabled"))
    return rules
