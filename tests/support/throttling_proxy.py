"""A loopback HTTP proxy in front of moto's server that throttles one AWS operation, like AWS Config does.

Throttling has to arrive over HTTP for the test to mean anything: botocore retries (standard mode, with
backoff) inside its HTTP layer, and a Stubber's queued ThrottlingException is returned before that layer,
so it would be raised at once and never retried. The proxy answers the first `times` requests for
`operation` with AWS's 400 ThrottlingException and forwards everything else to moto unchanged.
"""
from __future__ import annotations

import http.client
import json
import threading
from collections import Counter
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator
from urllib.parse import urlparse

from tests.support.moto_server import LOOPBACK

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length"}


class ThrottlingProxy:
    def __init__(self, upstream_url: str, operation: str, times: float):
        self.upstream = urlparse(upstream_url)
        self.operation = operation
        self.times = times
        self.requests: Counter[str] = Counter()  # operation -> requests seen
        self.throttled = 0
        self.url = ""
        self._lock = threading.Lock()

    def should_throttle(self, operation: str) -> bool:
        with self._lock:
            self.requests[operation] += 1
            if operation == self.operation and self.throttled < self.times:
                self.throttled += 1
                return True
            return False

    def forward(self, method: str, path: str, headers: dict, body: bytes) -> tuple[int, list, bytes]:
        connection = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port, timeout=10)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()


@contextmanager
def throttling_proxy(upstream_url: str, operation: str, times: float) -> Iterator[ThrottlingProxy]:
    proxy = ThrottlingProxy(upstream_url, operation, times)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # botocore keeps connections alive

        def do_POST(self):  # noqa: N802 - the name http.server dispatches to
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            operation = self.headers.get("X-Amz-Target", "").rpartition(".")[2]
            if proxy.should_throttle(operation):
                self._reply(400, [("Content-Type", "application/x-amz-json-1.1")], json.dumps(
                    {"__type": "ThrottlingException", "message": "Rate exceeded"}).encode())
                return
            status, headers, payload = proxy.forward("POST", self.path, dict(self.headers), body)
            self._reply(status, [(k, v) for k, v in headers if k.lower() not in _HOP_BY_HOP], payload)

        def _reply(self, status: int, headers: list, payload: bytes) -> None:
            self.send_response(status)
            for key, value in headers:
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):  # the test output is not the place for an access log
            pass

    server = ThreadingHTTPServer((LOOPBACK, 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    proxy.url = f"http://{LOOPBACK}:{server.server_address[1]}"
    try:
        yield proxy
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
