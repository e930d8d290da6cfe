"""moto's AWS emulator as a real HTTP server on a free loopback port, for tests that talk to it with boto3.

The server runs in a thread of the test process (moto.server.ThreadedMotoServer), so its state is this
process's moto backends: `reset()` clears them between tests through moto's own /moto-api/reset.
"""
from __future__ import annotations

import logging
import socket
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

from moto.server import ThreadedMotoServer

LOOPBACK = "127.0.0.1"
# Credentials moto accepts; no real account can ever be reached with them.
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


@dataclass(frozen=True)
class MotoServer:
    url: str

    def reset(self) -> None:
        with urllib.request.urlopen(urllib.request.Request(f"{self.url}/moto-api/reset", method="POST"),
                                    timeout=10) as response:
            response.read()


@contextmanager
def moto_server() -> Iterator[MotoServer]:
    """Start moto's server on 127.0.0.1 with a port the OS picks (no collisions between workers); stop it after."""
    server = ThreadedMotoServer(ip_address=LOOPBACK, port=0, verbose=False)
    # werkzeug logs every request at INFO; a failing test's output should show the test's own story.
    access_log = logging.getLogger("werkzeug")
    level = access_log.level
    access_log.setLevel(logging.WARNING)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield MotoServer(f"http://{host}:{port}")
    finally:
        server.stop()
        access_log.setLevel(level)


def closed_port_url() -> str:
    """A loopback URL nothing listens on: connecting is refused at once, like a region that does not answer."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        port = probe.getsockname()[1]
    return f"http://{LOOPBACK}:{port}"
