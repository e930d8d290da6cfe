"""One regional proxy per region: the AWS endpoint of that region for the automation, on loopback.

It forwards each request to moto as the emulated account and is the one place that changes what
moto would answer: it refuses requests signed for another region (as AWS does), injects the region's
faults (drkit.emulation.faults) and hands the actions moto 5.2.5 lacks to the gap fillers
(drkit.emulation.gaps). Every call is logged (service, action, status, time) for tests and benchmarks.
"""
from __future__ import annotations

import http.client
import logging
import socket
import struct
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from drkit.emulation.faults import RegionFaults
from drkit.emulation.gaps import GapContext, GapFillers
from drkit.emulation.moto_server import ACCOUNT_HEADER, LOOPBACK, MotoServer
from drkit.emulation.serving import serve_in_thread, stop_serving
from drkit.emulation.wire import GLOBAL_SERVICES, AwsRequest, ProxyResponse, error_response

log = logging.getLogger(__name__)
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
               "proxy-authorization", "proxy-authenticate", "content-length"}
_SET_BY_THE_PROXY = _HOP_BY_HOP | {"server", "date"}  # the proxy's own HTTP server writes these
IDLE_CONNECTION_SECONDS = 5  # a keep-alive connection nobody uses ends its thread after this
FORWARD_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class Call:
    region: str
    service: str
    action: str
    status: int
    seconds: float
    filled: bool  # answered by a gap filler rather than by moto


class RegionalProxy:
    def __init__(self, region: str, moto: MotoServer, gaps: GapFillers, faults: RegionFaults):
        self.region, self.moto, self.gaps, self.faults = region, moto, gaps, faults
        self.port = 0
        self.calls: list[Call] = []
        self._calls_lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self._stopping = threading.Event()
        self._listen_lock = threading.Lock()
        faults.on_change(self._apply_reachability)

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def start(self) -> "RegionalProxy":
        self._stopping.clear()
        self._listen()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._stop_listening()
        self._reset_connections()

    def calls_since(self, index: int = 0) -> list[Call]:
        with self._calls_lock:
            return list(self.calls[index:])

    # -- listening -----------------------------------------------------------------------------------
    def _listen(self) -> None:
        with self._listen_lock:
            if self._server is not None:
                return
            server = _Server((LOOPBACK, self.port), _handler_for(self))
            self.port = server.server_address[1]
            self._server = server
            self._thread = serve_in_thread(server, f"drkit-proxy-{self.region}")

    def _stop_listening(self) -> None:
        with self._listen_lock:
            server, thread, self._server, self._thread = self._server, self._thread, None, None
        stop_serving(server, thread)

    def _apply_reachability(self) -> None:
        if self._stopping.is_set():
            return
        if self.faults.unreachable == "refuse":
            self._stop_listening()
            self._reset_connections()
        elif self.faults.unreachable is None:
            self._listen()
        else:
            self._listen()
            self._reset_connections()

    def _reset_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            # Another thread may be blocked reading this socket: shutdown() wakes it, close() would not.
            try:
                connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    # -- one request ---------------------------------------------------------------------------------
    def handle(self, request: AwsRequest) -> ProxyResponse:
        started = time.perf_counter()
        filled = False
        if request.region and request.service not in GLOBAL_SERVICES and request.region != self.region:
            code = "InvalidSignatureException" if request.protocol in ("json", "rest-json") else "SignatureDoesNotMatch"
            response = error_response(request, code, f"Credential should be scoped to a valid region, not "
                                      f"'{request.region}'. This endpoint serves '{self.region}'.", status=403)
        else:
            response = self.faults.throttled_response(request)
            if response is None:
                delay = self.faults.latency_for(request.action)
                if delay:
                    self._stopping.wait(delay)
                context = GapContext(region=self.region, moto=self.moto, gaps=self.gaps, forward=self.forward)
                handler = self.gaps.handler(request.service, request.action)
                filled = handler is not None
                response = self._safely(request, lambda: handler(request, context) if handler else self.forward(request))
                for hook in self.gaps.after_hooks(request.service, request.action):
                    response = self._safely(request, lambda hook=hook, r=response: hook(request, r, context))
        with self._calls_lock:
            self.calls.append(Call(self.region, request.service, request.action, response.status,
                                   time.perf_counter() - started, filled))
        return response

    def _safely(self, request: AwsRequest, work: Any) -> ProxyResponse:
        try:
            return work()
        except Exception as exc:  # a broken gap filler must answer like a failing service, not hang the client
            log.exception("emulation proxy %s failed on %s %s", self.region, request.service, request.action)
            return error_response(request, "InternalFailure", f"emulation proxy error: {exc}", status=500,
                                  sender=False)

    def forward(self, request: AwsRequest) -> ProxyResponse:
        target = urlsplit(self.moto.url)
        connection = http.client.HTTPConnection(target.hostname, target.port, timeout=FORWARD_TIMEOUT_SECONDS)
        try:
            headers = {k: v for k, v in request.headers.items() if k not in _HOP_BY_HOP}
            headers[ACCOUNT_HEADER] = self.moto.account
            headers["content-length"] = str(len(request.body))
            path = request.path + (f"?{request.query}" if request.query else "")
            connection.request(request.method, path, body=request.body, headers=headers)
            answer = connection.getresponse()
            body = answer.read()
            return ProxyResponse(answer.status, {k: v for k, v in answer.getheaders()
                                                 if k.lower() not in _SET_BY_THE_PROXY}, body)
        finally:
            connection.close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True


def _handler_for(proxy: RegionalProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout = IDLE_CONNECTION_SECONDS

        def setup(self) -> None:
            super().setup()
            # Headers and body leave in separate writes: without this, Nagle's algorithm and the client's
            # delayed ACK add 40 ms to every call.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with proxy._connections_lock:
                proxy._connections.add(self.connection)

        def finish(self) -> None:
            with proxy._connections_lock:
                proxy._connections.discard(self.connection)
            try:
                super().finish()
            except OSError:
                pass

        def _serve(self) -> None:
            mode = proxy.faults.unreachable
            if mode == "blackhole":
                deadline = time.monotonic() + proxy.faults.hang_seconds
                while time.monotonic() < deadline and proxy.faults.unreachable == "blackhole" \
                        and not proxy._stopping.wait(0.05):
                    pass
            if mode is not None:
                _reset(self.connection)
                self.close_connection = True
                return
            body = _read_body(self)
            request = AwsRequest.parse(self.command, self.path, dict(self.headers.items()), body)
            response = proxy.handle(request)
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _serve

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's signature
            pass

    return Handler


def _read_body(handler: BaseHTTPRequestHandler) -> bytes:
    if "chunked" in handler.headers.get("Transfer-Encoding", "").lower():
        chunks = []
        while True:
            size = int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                handler.rfile.readline()
                return b"".join(chunks)
            chunks.append(handler.rfile.read(size))
            handler.rfile.readline()
    length = int(handler.headers.get("Content-Length") or 0)
    return handler.rfile.read(length) if length else b""


def _reset(connection: socket.socket) -> None:
    """Close with RST rather than FIN, so the client sees 'connection reset by peer'."""
    try:
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        connection.close()
    except OSError:
        pass
