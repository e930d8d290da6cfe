"""DynamoDB global tables (version 2019.11.21). moto 5.2.5 accepts UpdateTable's ReplicaUpdates and
ignores them: no replica table appears in the other region and DescribeTable lists no Replicas.

- UpdateTable ReplicaUpdates Create: creates the replica in the named region with moto's CreateTable
  (same keys, indexes, billing, stream; the replica's own KMS key), copies the items, and joins it to
  the table's replica group; Delete removes the replica table. The source needs a NEW_AND_OLD_IMAGES
  stream, as in AWS. Other changes in the same UpdateTable go to moto as they are.
- DescribeTable / UpdateTable answers list the other members as Replicas (ACTIVE).
- Every write accepted in one member (PutItem, UpdateItem, DeleteItem, BatchWriteItem,
  TransactWriteItems) is replicated to the others at once, last writer wins: the item is read back
  from the region that took the write and put (or deleted) in each other member with moto's own calls.
  `pause()` holds replication (writes queue up, as during a replication backlog) until `resume()`.
"""
from __future__ import annotations

import json
import threading
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from drkit.emulation.gaps import GapFiller
from drkit.emulation.wire import AwsRequest, ProxyResponse, error_response, json_response

if TYPE_CHECKING:
    from drkit.emulation.gaps import GapContext
    from drkit.emulation.moto_server import MotoServer

_WRITES = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems")


class TableReplicas(GapFiller):
    def __init__(self, moto: "MotoServer"):
        self.moto = moto
        self._lock = threading.RLock()
        self.groups: dict[str, set[str]] = {}  # table name -> regions holding it
        self._key_names: dict[str, list[str]] = {}
        self._paused = False
        self.pending: list[tuple[str, dict[str, Any], str]] = []  # (table, key, region that took the write)

    def handlers(self) -> dict:
        return {("dynamodb", "UpdateTable"): self.update_table}

    def after_hooks(self) -> dict:
        hooks = {("dynamodb", action): self.replicate for action in _WRITES}
        hooks[("dynamodb", "DescribeTable")] = self.list_replicas
        return hooks

    # -- replica management ---------------------------------------------------------------------------
    def update_table(self, request: AwsRequest, context: "GapContext") -> ProxyResponse:
        body = request.json()
        updates = body.pop("ReplicaUpdates", None)
        name = body.get("TableName", "")
        if not updates:
            return self.list_replicas(request, context.forward(request), context)
        if set(body) - {"TableName"}:
            answer = context.forward(replace(request, body=json.dumps(body).encode()))
            if not answer.ok:
                return answer
        for update in updates:
            problem = self._apply(name, context.region, update)
            if problem:
                return error_response(request, "ValidationException", problem)
        description = self.moto.client("dynamodb", context.region).describe_table(TableName=name)["Table"]
        return json_response({"TableDescription": self._with_replicas(description, context.region)})

    def _apply(self, name: str, region: str, update: dict[str, Any]) -> str | None:
        source = self.moto.client("dynamodb", region)
        try:
            table = source.describe_table(TableName=name)["Table"]
        except source.exceptions.ResourceNotFoundException:
            return f"Requested resource not found: Table: {name} not found"
        with self._lock:
            members = self.groups.setdefault(name, {region})
            if "Create" in update:
                target = update["Create"].get("RegionName", "")
                stream = table.get("StreamSpecification") or {}
                if not stream.get("StreamEnabled") or stream.get("StreamViewType") != "NEW_AND_OLD_IMAGES":
                    return f"Table {name} needs a stream of NEW_AND_OLD_IMAGES before it can have replicas"
                if target in members:
                    return f"Failed to create a new replica of table {name} in {target}: a replica exists there"
                self._create_replica(table, target, update["Create"].get("KMSMasterKeyId"))
                self._copy_items(name, region, target)
                members.add(target)
            elif "Delete" in update:
                target = update["Delete"].get("RegionName", "")
                if target not in members or target == region:
                    return f"Table {name} has no replica in {target} that can be deleted from {region}"
                self.moto.client("dynamodb", target).delete_table(TableName=name)
                members.discard(target)
        return None

    def _create_replica(self, table: dict[str, Any], region: str, kms_key: str | None) -> None:
        spec: dict[str, Any] = {
            "TableName": table["TableName"], "KeySchema": table["KeySchema"],
            "AttributeDefinitions": table["AttributeDefinitions"],
            "BillingMode": (table.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED"),
            "StreamSpecification": table["StreamSpecification"]}
        if spec["BillingMode"] == "PROVISIONED":
            throughput = table["ProvisionedThroughput"]
            spec["ProvisionedThroughput"] = {k: throughput[k] for k in ("ReadCapacityUnits", "WriteCapacityUnits")}
        indexes = [{k: index[k] for k in ("IndexName", "KeySchema", "Projection")}
                   for index in table.get("GlobalSecondaryIndexes", [])]
        if indexes:
            spec["GlobalSecondaryIndexes"] = indexes
        if kms_key or table.get("SSEDescription"):
            spec["SSESpecification"] = {"Enabled": True, "SSEType": "KMS", **({"KMSMasterKeyId": kms_key} if kms_key else {})}
        self.moto.client("dynamodb", region).create_table(**spec)

    def _copy_items(self, name: str, source_region: str, target_region: str) -> None:
        source, target = self.moto.client("dynamodb", source_region), self.moto.client("dynamodb", target_region)
        for page in source.get_paginator("scan").paginate(TableName=name, ConsistentRead=True):
            for item in page.get("Items", []):
                target.put_item(TableName=name, Item=item)

    def list_replicas(self, request: AwsRequest, response: ProxyResponse, context: "GapContext") -> ProxyResponse:
        if not response.ok:
            return response
        answer = response.json()
        key = "Table" if "Table" in answer else "TableDescription"
        if key not in answer or len(self.groups.get(answer[key].get("TableName", ""), ())) < 2:
            return response
        answer[key] = self._with_replicas(answer[key], context.region)
        return ProxyResponse(response.status, response.headers, json.dumps(answer, default=str).encode())

    def _with_replicas(self, description: dict[str, Any], region: str) -> dict[str, Any]:
        with self._lock:
            others = sorted(self.groups.get(description.get("TableName", ""), set()) - {region})
        if others:
            description = {**description, "GlobalTableVersion": "2019.11.21",
                           "Replicas": [{"RegionName": r, "ReplicaStatus": "ACTIVE"} for r in others]}
        return description

    # -- replication -----------------------------------------------------------------------------------
    def pause(self) -> None:
        with self._lock:
            self._paused = True

    def resume(self) -> None:
        with self._lock:
            self._paused, pending, self.pending = False, self.pending, []
        for table, key, region in pending:
            self._mirror(table, key, region)

    def replicate(self, request: AwsRequest, response: ProxyResponse, context: "GapContext") -> ProxyResponse:
        if not response.ok:
            return response
        for table, key in self._written_keys(request.action, request.json(), context.region):
            with self._lock:
                if len(self.groups.get(table, ())) < 2:
                    continue
                if self._paused:
                    self.pending.append((table, key, context.region))
                    continue
            self._mirror(table, key, context.region)
        return response

    def _written_keys(self, action: str, body: dict[str, Any], region: str) -> list[tuple[str, dict[str, Any]]]:
        if action == "PutItem":
            return [(body["TableName"], self._key_of(body["TableName"], body["Item"], region))]
        if action in ("UpdateItem", "DeleteItem"):
            return [(body["TableName"], body["Key"])]
        written = []
        if action == "BatchWriteItem":
            for table, requests in (body.get("RequestItems") or {}).items():
                for item in requests:
                    if "PutRequest" in item:
                        written.append((table, self._key_of(table, item["PutRequest"]["Item"], region)))
                    elif "DeleteRequest" in item:
                        written.append((table, item["DeleteRequest"]["Key"]))
        elif action == "TransactWriteItems":
            for item in body.get("TransactItems") or []:
                for kind, operation in item.items():
                    if kind == "Put":
                        written.append((operation["TableName"], self._key_of(operation["TableName"], operation["Item"], region)))
                    elif kind in ("Update", "Delete"):
                        written.append((operation["TableName"], operation["Key"]))
        return written

    def _key_of(self, table: str, item: dict[str, Any], region: str) -> dict[str, Any]:
        with self._lock:
            names = self._key_names.get(table)
        if names is None:
            schema = self.moto.client("dynamodb", region).describe_table(TableName=table)["Table"]["KeySchema"]
            names = [element["AttributeName"] for element in schema]
            with self._lock:
                self._key_names[table] = names
        return {name: item[name] for name in names if name in item}

    def _mirror(self, table: str, key: dict[str, Any], source_region: str) -> None:
        item = self.moto.client("dynamodb", source_region).get_item(
            TableName=table, Key=key, ConsistentRead=True).get("Item")
        with self._lock:
            targets = sorted(self.groups.get(table, set()) - {source_region})
        for region in targets:
            client = self.moto.client("dynamodb", region)
            if item is None:
                client.delete_item(TableName=table, Key=key)
            else:
                client.put_item(TableName=table, Item=item)
