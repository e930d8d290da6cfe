"""The shared emulation harness (tests/support/emulation.py), bare, for the gap and fault tests: nothing is
materialized; each test creates what it needs through the proxies, as a client would."""
from __future__ import annotations

from typing import Any, Iterator

import pytest

from tests.support.emulation import ACCOUNT, EmulatedAws  # noqa: F401 - the gap tests take ACCOUNT from here

PRIMARY, SECONDARY = "us-east-1", "us-west-2"


@pytest.fixture(scope="module")
def harness() -> Iterator[EmulatedAws]:
    aws = EmulatedAws.start([PRIMARY, SECONDARY], global_endpoint=False)
    try:
        yield aws
    finally:
        aws.stop()


@pytest.fixture
def emulation(harness: EmulatedAws) -> Iterator[EmulatedAws]:
    """The module's harness, emptied and fault-free for each test."""
    harness.reset(gaps=True)
    yield harness
    for faults in harness.faults.values():
        faults.clear()


class StubSite:
    """An HTTP site on loopback whose answer a test sets: `status` and `body` for every GET."""

    def __init__(self) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        site = self
        self.status, self.body = 200, b"ok"

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                self.send_response(site.status)
                self.send_header("Content-Length", str(len(site.body)))
                self.end_headers()
                self.wfile.write(site.body)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def site() -> Iterator[StubSite]:
    stub = StubSite()
    try:
        yield stub
    finally:
        stub.close()
