"""A tiny storefront per region on loopback, standing in for the region's load balancer and service.

- GET /health/deep: 200 while the endpoint is switched healthy AND its region's DynamoDB table answers
  through the region's AWS endpoint (so "primary region unreachable" also fails the deep check), else 503;
- GET /: 200 while it listens (what an alias record's EvaluateTargetHealth looks at);
- POST /orders: writes the JSON body as an order into the region's table, through the region's
  endpoint; GET /orders/<id> reads it back from that region.
`set_healthy(False)` is the drill's "primary endpoint down"; `set_reachable(False)` stops listening.
"""
from __future__ import annotations

import json
import socket
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from botocore.config import Config

from drkit.emulation.moto_server import LOOPBACK, new_client
from drkit.emulation.serving import LoopbackStorefront, send_json, serve_in_thread, stop_serving

HEALTH_PATH = LoopbackStorefront.health_path
_CLIENT_CONFIG = Config(retries={"total_max_attempts": 1}, connect_timeout=1, read_timeout=2)
REQUEST_TIMEOUT_SECONDS = 5


class HealthEndpoint(LoopbackStorefront):
    def __init__(self, role: str, region: str, aws_endpoint: str, table: str, hash_key: str = "pk",
                 range_key: str | None = "sk"):
        self.role, self.region = role, region
        self.table, self.hash_key, self.range_key = table, hash_key, range_key
        self.healthy = True
        self.port = 0
        self.requests = 0
        self._dynamodb = new_client("dynamodb", region, aws_endpoint, _CLIENT_CONFIG)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> "HealthEndpoint":
        with self._lock:
            if self._server is None:
                self._server = _Server((LOOPBACK, self.port), _handler_for(self))
                self.port = self._server.server_address[1]
                self._thread = serve_in_thread(self._server, f"drkit-endpoint-{self.role}")
        return self

    def stop(self) -> None:
        with self._lock:
            server, thread, self._server, self._thread = self._server, self._thread, None, None
        stop_serving(server, thread)

    def close(self) -> None:
        self.stop()
        self._dynamodb.close()

    def set_healthy(self, healthy: bool) -> None:
        self.healthy = healthy

    def set_reachable(self, reachable: bool) -> None:
        """Unreachable = nothing listens on the port (connection refused); reachable again = same port."""
        if reachable:
            self.start()
        else:
            self.stop()

    # -- what the handler does ------------------------------------------------------------------------
    def deep_health(self) -> tuple[int, dict[str, Any]]:
        if not self.healthy:
            return 503, {"status": "unhealthy", "role": self.role, "region": self.region,
                         "reason": "the endpoint was switched unhealthy"}
        try:
            self._dynamodb.describe_table(TableName=self.table)
        except Exception as exc:  # any failure to reach the region's data store makes the region unhealthy
            return 503, {"status": "unhealthy", "role": self.role, "region": self.region,
                         "reason": f"table {self.table} unreachable: {type(exc).__name__}"}
        return 200, {"status": "ok", "role": self.role, "region": self.region}

    def write_order(self, order: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        order_id = str(order.get("orderId") or uuid.uuid4())
        item = {self.hash_key: {"S": f"order#{order_id}"}, "region": {"S": self.region},
                "createdAt": {"N": f"{time.time():.3f}"}, "body": {"S": json.dumps(order)}}
        if self.range_key:
            item[self.range_key] = {"S": "order"}
        try:
            self._dynamodb.put_item(TableName=self.table, Item=item)
        except Exception as exc:
            return 503, {"error": f"order not stored in {self.region}: {type(exc).__name__}"}
        return 201, {"orderId": order_id, "region": self.region, "role": self.role}

    def read_order(self, order_id: str) -> tuple[int, dict[str, Any]]:
        key = {self.hash_key: {"S": f"order#{order_id}"}}
        if self.range_key:
            key[self.range_key] = {"S": "order"}
        try:
            item = self._dynamodb.get_item(TableName=self.table, Key=key, ConsistentRead=True).get("Item")
        except Exception as exc:
            return 503, {"error": f"cannot read orders in {self.region}: {type(exc).__name__}"}
        if item is None:
            return 404, {"error": f"order {order_id} not found in {self.region}"}
        return 200, {"orderId": order_id, "region": self.region, "storedIn": item["region"]["S"],
                     "order": json.loads(item["body"]["S"])}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def handle_error(self, request, client_address) -> None:
        # A prober that gives up mid-reply (drills cut regions off on purpose) is expected, not an error to print.
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


def _handler_for(endpoint: HealthEndpoint) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        timeout = REQUEST_TIMEOUT_SECONDS

        def setup(self) -> None:
            super().setup()
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no Nagle delay on replies

        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            endpoint.requests += 1
            if self.path == HEALTH_PATH:
                self._reply(*endpoint.deep_health())
            elif self.path.startswith("/orders/"):
                self._reply(*endpoint.read_order(self.path[len("/orders/"):]))
            elif self.path == "/":
                self._reply(200, {"service": "storefront", "role": endpoint.role, "region": endpoint.region})
            else:
                self._reply(404, {"error": f"no such path {self.path}"})

        def do_POST(self) -> None:  # noqa: N802
            endpoint.requests += 1
            length = int(self.headers.get("Content-Length") or 0)
            try:
                order = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                order = None
            if self.path != "/orders" or not isinstance(order, dict):
                self._reply(400, {"error": "POST /orders with a JSON object"})
                return
            self._reply(*endpoint.write_order(order))

        def _reply(self, status: int, body: dict[str, Any]) -> None:
            send_json(self, status, body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    return Handler
