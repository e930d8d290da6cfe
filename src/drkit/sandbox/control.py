"""The running sandbox's control channel: a loopback HTTP server in the `drkit sandbox up` process.

    GET  /status            the sandbox's status (drkit.sandbox.status)
    POST /fault {"kind": K}  inject a fault (drkit.sandbox.faults); 400 with one line for an unknown kind
One fault at a time: they change the same environment.
"""
from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from drcore.errors import UsageError
from drkit.emulation.moto_server import LOOPBACK
from drkit.emulation.serving import send_json, serve_in_thread, stop_serving
from drkit.sandbox.faults import inject
from drkit.sandbox.status import status

if TYPE_CHECKING:
    from drkit.emulation import EmulatedEnvironment


class ControlServer:
    def __init__(self, env: "EmulatedEnvironment"):
        self.env = env
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer((LOOPBACK, 0), _handler_for(self))
        self.url = f"http://{LOOPBACK}:{self.server.server_address[1]}"
        self.thread = serve_in_thread(self.server, "drkit-sandbox-control")

    def close(self) -> None:
        stop_serving(self.server, self.thread)


def _handler_for(control: ControlServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_: Any) -> None:  # the sandbox prints its own lines
            pass

        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            if self.path != "/status":
                return self._reply(404, {"error": "GET /status"})
            with control.lock:
                self._reply(200, status(control.env))

        def do_POST(self) -> None:  # noqa: N802
            if self.path != "/fault":
                return self._reply(404, {"error": "POST /fault"})
            try:
                kind = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}").get("kind")
                with control.lock:
                    done = inject(control.env, str(kind))
            except (UsageError, ValueError, AttributeError) as exc:
                return self._reply(400, {"error": str(exc)})
            print(f"drkit sandbox: fault {kind}: {done}", flush=True)
            self._reply(200, {"fault": kind, "done": done})

        def _reply(self, status_code: int, body: dict[str, Any]) -> None:
            send_json(self, status_code, body)

    return Handler


def call(url: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """A request to a running sandbox; UsageError (one line) when it does not answer or refuses."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url + path, data=data, method="POST" if data else "GET",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as answer:
            return json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        raise UsageError(json.loads(exc.read() or b"{}").get("error", f"the sandbox answered {exc.code}")) from None
    except (urllib.error.URLError, OSError) as exc:
        raise UsageError(f"no sandbox answers at {url} ({getattr(exc, 'reason', exc)}); is 'drkit sandbox up' "
                         "still running?") from None
