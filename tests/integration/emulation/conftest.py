"""A bare emulation for gap and fault tests: moto's server and one regional proxy per region, on loopback,
with nothing materialized; each test creates what it needs through the proxies, as a client would."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

import pytest
from botocore.config import Config

from drkit.emulation.faults import RegionFaults
from drkit.emulation.gaps import GapFillers
from drkit.emulation.moto_server import MotoServer, new_client
from drkit.emulation.proxy import RegionalProxy

PRIMARY, SECONDARY = "us-east-1", "us-west-2"
ACCOUNT = "111122223333"


@dataclass
class Harness:
    moto: MotoServer
    faults: dict[str, RegionFaults]
    gaps: GapFillers
    proxies: dict[str, RegionalProxy]
    _clients: dict = field(default_factory=dict)

    def client(self, service: str, region: str = PRIMARY, **config: Any) -> Any:
        """A client to the region's proxy; one attempt unless the test asks for retries."""
        key = (service, region, repr(sorted(config.items())))
        if key not in self._clients:
            settings = {"retries": {"total_max_attempts": 1}, "connect_timeout": 2, "read_timeout": 10, **config}
            self._clients[key] = new_client(service, region, self.proxies[region].url, Config(**settings))
        return self._clients[key]

    def direct(self, service: str, region: str = PRIMARY) -> Any:
        """A client to moto itself, bypassing the proxies: what moto 5.2.5 does on its own."""
        return self.moto.client(service, region)


@pytest.fixture(scope="module")
def harness() -> Iterator[Harness]:
    moto = MotoServer(ACCOUNT).start()
    faults = {region: RegionFaults(region) for region in (PRIMARY, SECONDARY)}
    gaps = GapFillers(moto, faults)
    proxies = {region: RegionalProxy(region, moto, gaps, faults[region]).start() for region in faults}
    try:
        yield Harness(moto, faults, gaps, proxies)
    finally:
        for proxy in proxies.values():
            proxy.stop()
        moto.stop()


@pytest.fixture
def emulation(harness: Harness) -> Iterator[Harness]:
    """The module's harness, emptied and fault-free for each test."""
    harness.moto.reset()
    harness.gaps.reset()
    for faults in harness.faults.values():
        faults.clear()
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
