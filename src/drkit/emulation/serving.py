"""Loopback HTTP servers on background threads: started and stopped the same way everywhere in the emulation."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler
from socketserver import BaseServer
from typing import Any

from drkit.emulation.moto_server import LOOPBACK


class LoopbackStorefront:
    """What the emulation's storefronts (the stand-in and the real one) have in common: a port on loopback."""

    port: int
    health_path = "/health/deep"

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def health_url(self) -> str:
        return self.url + self.health_path


def serve_in_thread(server: BaseServer, name: str) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=name, daemon=True)
    thread.start()
    return thread


def stop_serving(server: BaseServer | None, thread: threading.Thread | None) -> None:
    """Stop accepting, close the socket, and wait (bounded) for the serving thread."""
    if server is not None:
        server.shutdown()
        server.server_close()
    if thread is not None:
        thread.join(timeout=5)


def send_json(handler: BaseHTTPRequestHandler, status: int, body: dict[str, Any]) -> None:
    """Answer a request with `body` as JSON."""
    data = json.dumps(body).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)
