"""What a customer would see during the drill: orders placed through the record name (DNS as the emulated
Route 53 answers it), read back from a region's table through that region's storefront; and files written to
the serving region's bucket, looked for in the other region's replica of it."""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

if TYPE_CHECKING:
    from drkit.emulation import EmulatedEnvironment

HTTP_TIMEOUT_S = 5
FILE_BUCKET_PURPOSE = "media"  # the bucket customers' uploads go to; any replicated bucket when a stack has none


@dataclass(frozen=True)
class PlacedOrder:
    order_id: str
    placed_at: float  # epoch seconds
    region: str  # where the storefront stored it


@dataclass(frozen=True)
class PlacedFile:
    key: str
    role: str  # the region it was written in
    bucket: str


def file_bucket(env: "EmulatedEnvironment", role: str) -> str | None:
    names = env.outputs["regions"][role].get("bucketNames") or {}
    return names.get(FILE_BUCKET_PURPOSE) or (names[sorted(names)[0]] if names else None)


def place_file(env: "EmulatedEnvironment", role: str, label: str) -> tuple[PlacedFile | None, str]:
    """Write a file to `role`'s bucket through that region's S3 endpoint, as the storefront would."""
    bucket = file_bucket(env, role)
    if bucket is None:
        return None, "the stack exports no bucket (regions.<role>.bucketNames)"
    key = f"drill/{label}-{uuid.uuid4().hex[:8]}.txt"
    try:
        env.client("s3", role).put_object(Bucket=bucket, Key=key, Body=label.encode())
    except (ClientError, BotoCoreError) as exc:
        return None, f"PutObject {key} in {env.region(role)} failed ({exc})"
    return PlacedFile(key, role, bucket), f"file {key} written in {env.region(role)}"


def file_in(env: "EmulatedEnvironment", role: str, placed: PlacedFile) -> bool:
    """Is the file in `role`'s bucket (asked through that region's S3 endpoint)?"""
    bucket = file_bucket(env, role)
    try:
        env.client("s3", role).head_object(Bucket=bucket, Key=placed.key)
        return True
    except (ClientError, BotoCoreError):
        return False


def request_json(url: str, body: dict[str, Any] | None = None, *, timeout: float = HTTP_TIMEOUT_S
                 ) -> tuple[int, dict[str, Any]]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if data else "GET",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - loopback only
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return 0, {"error": f"no answer ({getattr(exc, 'reason', exc)})"}


def place_order(env: "EmulatedEnvironment", label: str) -> tuple[PlacedOrder | None, str]:
    """POST /orders to whichever storefront the failover record answers now; (order, what happened)."""
    role = env.serving_role()
    if role is None:
        return None, f"{env.outputs['dns']['recordName']} answers no storefront ({env.resolve()})"
    order_id = f"{label}-{uuid.uuid4().hex[:8]}"
    status, body = request_json(env.health[role].url + "/orders", {"orderId": order_id, "sku": "drill", "quantity": 1})
    if status != 201:
        return None, f"POST /orders via {role} answered {status}: {body.get('error', body)}"
    return PlacedOrder(order_id, time.time(), body["region"]), f"order {order_id} stored in {body['region']}"


def stored_in(env: "EmulatedEnvironment", role: str, order_id: str) -> bool:
    """Is the order in `role`'s table (read through that region's storefront, strongly consistent)?"""
    status, _ = request_json(f"{env.health[role].url}/orders/{order_id}")
    return status == 200


def wait_for(condition, *, timeout_s: float, interval_s: float) -> bool:
    """Poll `condition` until it holds or the time is up; bounded, like every wait of a drill."""
    deadline = time.monotonic() + timeout_s
    while True:
        if condition():
            return True
        if time.monotonic() + interval_s > deadline:
            return False
        time.sleep(interval_s)
