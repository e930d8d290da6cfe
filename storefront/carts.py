"""Carts in the DynamoDB global table of the stack (`TABLE_CARTS`): written in whichever region serves, replicated
by DynamoDB itself. Missing table configuration means no cart endpoints, not a crash."""
from __future__ import annotations

import json
import time
from typing import Any

import boto3
from botocore.config import Config

from storefront.settings import Settings

_CONFIG = Config(retries={"mode": "standard", "total_max_attempts": 2}, connect_timeout=2, read_timeout=3)


class Carts:
    def __init__(self, settings: Settings):
        self.table = settings.carts_table
        self.region = settings.region
        self.client = boto3.client("dynamodb", region_name=settings.region, endpoint_url=settings.aws_endpoint,
                                   config=_CONFIG) if self.table else None

    def reachable(self) -> dict[str, Any]:
        """A strongly consistent read in this region's replica (GetItem: what the task role may do; it may not
        DescribeTable). Raises botocore errors when the table does not answer."""
        if self.client is None:
            return {"configured": False}
        self.client.get_item(TableName=self.table, Key={"pk": {"S": "health"}, "sk": {"S": "probe"}},
                             ConsistentRead=True)
        return {"configured": True, "table": self.table}

    def put(self, cart_id: str, items: list[dict[str, Any]]) -> dict[str, Any]:
        self.client.put_item(TableName=self.table, Item={
            "pk": {"S": f"cart#{cart_id}"}, "sk": {"S": "cart"}, "items": {"S": json.dumps(items)},
            "updatedAt": {"N": str(int(time.time()))}, "region": {"S": self.region}})
        return {"cartId": cart_id, "items": items, "region": self.region}

    def get(self, cart_id: str) -> dict[str, Any] | None:
        item = self.client.get_item(TableName=self.table, Key={"pk": {"S": f"cart#{cart_id}"}, "sk": {"S": "cart"}},
                                    ConsistentRead=True).get("Item")
        if not item:
            return None
        return {"cartId": cart_id, "items": json.loads(item["items"]["S"]), "region": item["region"]["S"]}
