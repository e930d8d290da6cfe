"""AWS clients per (service, region) with the contract's timeouts and retries, and a call counter.

Required clients (the recovery region, Route 53) retry throttling with botocore's `standard` mode, 4
attempts, connect 2 s / read 5 s. Clients for the primary region are *optional*: one attempt, connect
2 s / read 3 s, and once a connection to that region fails every later optional call to it fails at
once, so a dead region costs one timeout, not one per call.
"""
from __future__ import annotations

import json
import os
import threading
from collections import Counter
from pathlib import Path
from typing import Any, Mapping

import boto3
from botocore.config import Config
from botocore.exceptions import ConnectionClosedError, ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError

from drcore.errors import UsageError
from drcore.regions import ROUTE53_HOME_REGION
from drfailover.dns_answer import DNS_ENDPOINT_KEY, endpoint_server

ENDPOINTS_ENV = "DRKIT_AWS_ENDPOINTS"
GLOBAL_ENDPOINT_KEY = "global"  # serves Route 53 in emulators; without it Route 53 uses us-east-1's endpoint
# DNS_ENDPOINT_KEY ("dns"): an emulator's name server, dns://HOST:PORT (drfailover.dns_answer)
GLOBAL_SERVICES = {"route53": ROUTE53_HOME_REGION}
REQUIRED_CONFIG = Config(retries={"mode": "standard", "total_max_attempts": 4}, connect_timeout=2, read_timeout=5)
OPTIONAL_CONFIG = Config(retries={"mode": "standard", "total_max_attempts": 1}, connect_timeout=2, read_timeout=3)
EMULATOR_KEY = "drkit-emulator"  # the emulation accepts any signature; its clients sign with this key
EMULATOR_CREDENTIALS = {"aws_access_key_id": EMULATOR_KEY, "aws_secret_access_key": EMULATOR_KEY}
_SESSION: boto3.session.Session | None = None
_SESSION_LOCK = threading.RLock()
CONNECTION_ERRORS = (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError, ConnectionClosedError)


class RegionUnreachable(Exception):
    """An optional region already failed to answer in this run; the call was not attempted."""


class CallCounter:
    """API calls (one per operation invoked) and HTTP attempts (retries included), thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls: Counter[str] = Counter()
        self.attempts = 0

    def count_call(self, key: str) -> None:
        with self._lock:
            self.calls[key] += 1

    def count_attempt(self) -> None:
        with self._lock:
            self.attempts += 1

    @property
    def total(self) -> int:
        with self._lock:
            return sum(self.calls.values())

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {"calls": sum(self.calls.values()), "httpAttempts": self.attempts,
                    "byOperation": dict(sorted(self.calls.items()))}


class AwsClients:
    """One cached client per (service, region, optional); safe to share between step threads."""

    def __init__(self, endpoints: Mapping[str, str] | None = None, *, session: boto3.session.Session | None = None,
                 counter: CallCounter | None = None):
        self.endpoints = dict(endpoints or {})
        self.session = session or shared_session()
        # Emulators accept any signature; real AWS never gets here because it needs no endpoint override.
        self._credentials = EMULATOR_CREDENTIALS if self.endpoints and self.session.get_credentials() is None else {}
        self.counter = counter or CallCounter()
        self._clients: dict[tuple[str, str, bool], Any] = {}
        self._unreachable: set[str] = set()
        self._lock = threading.Lock()

    @property
    def has_credentials(self) -> bool:
        return bool(self._credentials) or self.session.get_credentials() is not None

    def get(self, service: str, region: str, *, optional: bool = False) -> Any:
        region = GLOBAL_SERVICES.get(service, region)
        key = (service, region, optional)
        with self._lock:
            if key not in self._clients:
                with _SESSION_LOCK:  # boto3 sessions are not thread-safe while creating clients
                    self._clients[key] = self._create(service, region, optional)
            return self._clients[key]

    def unreachable(self, region: str) -> bool:
        with self._lock:
            return region in self._unreachable

    def retry_region(self, region: str) -> None:
        """Forget that `region` did not answer: the next optional call tries it again (a region that came back)."""
        with self._lock:
            self._unreachable.discard(region)

    def _create(self, service: str, region: str, optional: bool) -> Any:
        endpoint = (self.endpoints.get(GLOBAL_ENDPOINT_KEY) or self.endpoints.get(region)) \
            if service in GLOBAL_SERVICES else self.endpoints.get(region)
        client = self.session.client(service, region_name=region, endpoint_url=endpoint,
                                     config=OPTIONAL_CONFIG if optional else REQUIRED_CONFIG, **self._credentials)
        events = client.meta.events
        if optional:
            events.register("before-call", lambda **_: self._refuse_if_unreachable(region))
            events.register("after-call-error", lambda exception=None, **_: self._note_failure(region, exception))
        events.register("before-call", lambda model=None, **_: self.counter.count_call(
            f"{region} {service}:{model.name if model else '?'}"))
        events.register("before-send", lambda **_: self.counter.count_attempt())
        return client

    def _refuse_if_unreachable(self, region: str) -> None:
        if self.unreachable(region):
            raise RegionUnreachable(f"{region} did not answer earlier in this run; call skipped")

    def _note_failure(self, region: str, exception: BaseException | None) -> None:
        if isinstance(exception, CONNECTION_ERRORS):
            with self._lock:
                self._unreachable.add(region)


def shared_session() -> boto3.session.Session:
    """One session per process: a new one reloads botocore's endpoint and service data (about a second)."""
    global _SESSION
    with _SESSION_LOCK:
        if _SESSION is None:
            _SESSION = boto3.session.Session()
        return _SESSION


# Emulators only (drills, tests, the sandbox), like ENDPOINTS_ENV: role -> health URL of the storefront standing
# behind a load balancer whose DNS name nothing resolves there.
PROBE_URLS_ENV = "DRKIT_PROBE_URLS"


def load_probe_urls(environ: Mapping[str, str] | None = None, roles: tuple[str, ...] | None = None) -> dict[str, str]:
    """Probe URLs from $DRKIT_PROBE_URLS; {} when unset (then each role's load balancer is probed)."""
    environ = os.environ if environ is None else environ
    text = environ.get(PROBE_URLS_ENV)
    if not text:
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"${PROBE_URLS_ENV} is not JSON ({exc}); write an object of role -> http(s) URL") from None
    if not isinstance(data, dict) or not all(isinstance(v, str) and v.startswith(("http://", "https://"))
                                             for v in data.values()):
        raise UsageError(f"${PROBE_URLS_ENV} must be a JSON object of role -> http(s) URL")
    unknown = sorted(set(data) - set(roles)) if roles is not None else []
    if unknown:
        raise UsageError(f"${PROBE_URLS_ENV} names {unknown[0]!r}; roles are {', '.join(roles)}")
    return dict(data)


def load_endpoints(path: Path | None = None, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Endpoint overrides from --endpoints FILE, else $DRKIT_AWS_ENDPOINTS; {} means real AWS."""
    environ = os.environ if environ is None else environ
    if path is not None:
        try:
            text, where = Path(path).read_text(), str(path)
        except OSError as exc:
            raise UsageError(f"endpoints file {path} cannot be read ({exc.strerror or exc}); pass a JSON file "
                             'like {"us-east-1": "http://127.0.0.1:5001"}') from None
    elif environ.get(ENDPOINTS_ENV):
        text, where = environ[ENDPOINTS_ENV], f"${ENDPOINTS_ENV}"
    else:
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{where} is not JSON ({exc}); write an object of region -> endpoint URL") from None
    if not isinstance(data, dict) or not data:
        raise UsageError(f"{where} must be a non-empty JSON object of region -> endpoint URL")
    for region, url in data.items():
        if region == DNS_ENDPOINT_KEY:
            if not isinstance(url, str):
                raise UsageError(f"{where}: endpoint for '{region}' is {url!r}; give dns://HOST:PORT")
            endpoint_server(url)  # one clear line when it is not dns://HOST[:PORT]
            continue
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise UsageError(f"{where}: endpoint for '{region}' is {url!r}; give an http:// or https:// URL")
    return dict(data)
