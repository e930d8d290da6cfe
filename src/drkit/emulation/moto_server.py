"""moto's AWS emulator as an HTTP server on a free loopback port, in a thread of this process.

Its state lives in this process's moto backends, which are module-global: only one emulator may run
per process at a time, and it starts from (and leaves behind) empty backends.
"""
from __future__ import annotations

import http.client
import logging
import threading
import urllib.request
from typing import Any
from urllib.parse import urlsplit

import boto3
from botocore.config import Config

from drcore.errors import UsageError

LOOPBACK = "127.0.0.1"
# Credentials moto accepts; they can never reach a real account, and the endpoint is always loopback.
FAKE_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
ACCOUNT_HEADER = "x-moto-account-id"
DEFAULT_ACCOUNT = "123456789012"
_one_per_process = threading.Lock()
_session_lock = threading.Lock()
_session: Any = None


def new_client(service: str, region: str, endpoint_url: str, config: Config | None = None) -> Any:
    """A boto3 client for an emulated endpoint, with the fake credentials.

    Every client comes from one boto3 session, which parses each service model once; a session per
    client would parse it again each time (a tenth of a second or more per client).
    """
    global _session
    with _session_lock:
        if _session is None:
            _session = boto3.session.Session(**{k: v for k, v in FAKE_CREDENTIALS.items()})
        return _session.client(service, region_name=region, endpoint_url=endpoint_url, config=config)


class MotoServer:
    """Start with start(), stop with stop(); `url` is where moto answers, `account` the account it plays."""

    def __init__(self, account: str = DEFAULT_ACCOUNT):
        self.account = account
        self.url = ""
        self._server: Any = None
        self._clients: dict[tuple[str, str], Any] = {}
        self._clients_lock = threading.Lock()

    def start(self) -> "MotoServer":
        if not _one_per_process.acquire(blocking=False):
            raise UsageError("an emulated AWS environment is already running in this process; "
                             "stop it before starting another (moto's state is per process)")
        try:
            from moto.server import \
                ThreadedMotoServer  # deferred: importing moto takes a second

            # werkzeug logs every request moto serves; a drill's progress must stay readable.
            logging.getLogger("werkzeug").setLevel(logging.ERROR)
            self._server = ThreadedMotoServer(ip_address=LOOPBACK, port=0, verbose=False)
            self._server.start()
            host, port = self._server.get_host_and_port()
            self.url = f"http://{host}:{port}"
            self.reset()
        except BaseException:
            self._shutdown()
            raise
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        try:
            self.reset()
        finally:
            self._shutdown()

    def reset(self) -> None:
        """Empty every moto backend, through moto's own management API."""
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()

    def client(self, service: str, region: str) -> Any:
        """A boto3 client talking to moto directly (no proxy, no faults), as the emulated account."""
        key = (service, region)
        with self._clients_lock:
            if key not in self._clients:
                client = new_client(service, region, self.url,
                                    Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=30))
                client.meta.events.register("before-sign.*.*", self._add_account_header)
                self._clients[key] = client
            return self._clients[key]

    def raw(self, service: str, region: str, method: str, path: str, body: bytes = b"",
            headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        """One request straight to moto, for responses the gap fillers pass on in moto's own wire format."""
        target = urlsplit(self.url)
        connection = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
        try:
            # moto routes by the signing scope and does not check the signature.
            connection.request(method, path, body=body, headers={
                "Authorization": f"AWS4-HMAC-SHA256 Credential=testing/20200101/{region}/{service}/aws4_request, "
                                 "SignedHeaders=host, Signature=0",
                ACCOUNT_HEADER: self.account, "Content-Length": str(len(body)), **(headers or {})})
            answer = connection.getresponse()
            return answer.status, answer.read()
        finally:
            connection.close()

    def _add_account_header(self, request: Any, **_: Any) -> None:
        request.headers[ACCOUNT_HEADER] = self.account

    def _shutdown(self) -> None:
        server, self._server = self._server, None
        try:
            if server is not None and server._server is not None:
                server.stop()
                # ThreadedMotoServer.stop() leaves the listening socket open until garbage collection.
                server._server.server_close()
        finally:
            with self._clients_lock:
                for client in self._clients.values():
                    client.close()
                self._clients.clear()
            if _one_per_process.locked():
                _one_per_process.release()
