"""Starts a policy pack the way the engine's Python language host does, and serves the engine's Log calls.

One plugin process per run: `python -u -m pulumi.policy <engine-address> <packdir>`, working directory the
pack, PULUMI_* variables set, the listening port read from the first line it prints. The process group is
always killed on the way out, whatever happened.
"""
from __future__ import annotations

import json
import os
import re
import select
import signal
import subprocess
import sys
import threading
import time
from concurrent import futures
from dataclasses import dataclass, field
from typing import Callable

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc

from drcore.errors import UsageError
from drkit.policy_host.pack import PackDirectory

# A pack imports pulumi and its policies before printing its port; a generous bound, overridable for tests.
START_TIMEOUT_S = float(os.environ.get("DRKIT_PACK_START_TIMEOUT", "60"))
_SEVERITIES = {engine_pb2.DEBUG: "debug", engine_pb2.INFO: "info", engine_pb2.WARNING: "warning",
               engine_pb2.ERROR: "error"}


@dataclass
class LogEntry:
    severity: str
    message: str
    urn: str = ""


class _EngineService(engine_pb2_grpc.EngineServicer):
    """The part of the engine a policy pack calls back into."""

    def __init__(self, sink: Callable[[LogEntry], None]):
        self._sink = sink

    def Log(self, request, context):  # noqa: N802
        self._sink(LogEntry(_SEVERITIES.get(request.severity, "info"), request.message, request.urn))
        return empty_pb2.Empty()

    def GetRootResource(self, request, context):  # noqa: N802
        return engine_pb2.GetRootResourceResponse(urn="")

    def SetRootResource(self, request, context):  # noqa: N802
        return engine_pb2.SetRootResourceResponse()


@dataclass
class PluginProcess:
    process: subprocess.Popen
    engine: grpc.Server
    engine_address: str
    logs: list[LogEntry] = field(default_factory=list)
    stderr_lines: list[str] = field(default_factory=list)
    port: int = 0
    spawned_at: float = field(default_factory=time.perf_counter)
    port_seconds: float = 0.0  # from spawn until the pack printed its port
    _first_line: str = ""
    _port_reader: threading.Thread | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def stderr_tail(self, lines: int = 1) -> str:
        meaningful = [line for line in self.stderr_lines if line.strip()]
        return " | ".join(meaningful[-lines:])

    def settle_stderr(self, timeout_s: float = 1.0) -> None:
        """Wait (bounded) until the stderr reader has taken everything the pack wrote so far. The pack writes a log
        line before it answers the call that logged it, so once the pipe is empty and the reader has had a moment,
        every log of the calls answered so far is in `logs` — on a busy machine the reader can lag behind."""
        stream = self.process.stderr
        if stream is None or stream.closed:
            return
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                pending, _, _ = select.select([stream], [], [], 0)
            except (OSError, ValueError):
                return
            if not pending:
                break
            time.sleep(0.01)
        time.sleep(0.02)

    def stop(self) -> None:
        _kill_group(self.process)
        self.engine.stop(grace=None)

    def _read_first_line(self) -> None:
        self._first_line = self.process.stdout.readline().decode(errors="replace").strip()
        self.port_seconds = time.perf_counter() - self.spawned_at

    def wait_for_port(self) -> int:
        """Block until the pack has printed its port; on any failure the process is stopped."""
        if not self.port:
            try:
                self.port = self._wait_for_port()
            except BaseException:
                self.stop()
                raise
        return self.port

    def _wait_for_port(self) -> int:
        # The first stdout line is the port; anything else, an early exit or silence is a start failure.
        self._port_reader.join(max(0.0, START_TIMEOUT_S - (time.perf_counter() - self.spawned_at)))
        line = self._first_line
        if line.isdigit():
            threading.Thread(target=_drain, args=(self.process.stdout, []), daemon=True).start()
            return int(line)
        if self._port_reader.is_alive():
            raise UsageError(f"policy pack did not report a port within {START_TIMEOUT_S:.0f} s; "
                             "check that its __main__.py constructs PolicyPack(...)")
        deadline = time.monotonic() + 2
        while self.process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.05)  # let the stderr reader catch the last lines
        why = self.stderr_tail() or (f"it printed {line!r}" if line else "it printed nothing")
        raise UsageError(f"policy pack failed to start: {why}")


def start_pack(pack: PackDirectory, *, project: str, stack: str, engine_config: dict[str, str],
               organization: str = "organization", dry_run: bool = True,
               python: str | None = None, on_log: Callable[[LogEntry], None] | None = None) -> PluginProcess:
    """Spawn the pack; it boots in the background until `wait_for_port()` is called."""
    logs: list[LogEntry] = []

    def sink(entry: LogEntry) -> None:
        logs.append(entry)
        if on_log:
            on_log(entry)

    engine = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    engine_pb2_grpc.add_EngineServicer_to_server(_EngineService(sink), engine)
    engine_port = engine.add_insecure_port("127.0.0.1:0")
    engine.start()
    env = dict(os.environ)
    env.update({
        "PULUMI_PROJECT": project, "PULUMI_STACK": stack, "PULUMI_ORGANIZATION": organization,
        "PULUMI_DRY_RUN": "true" if dry_run else "false",
        "PULUMI_CONFIG": json.dumps(engine_config),
        "PYTHONUNBUFFERED": "1",
    })
    interpreter = python or (str(pack.interpreter) if pack.interpreter else sys.executable)
    command = [interpreter, "-u", "-m", "pulumi.policy", f"127.0.0.1:{engine_port}", str(pack.path)]
    try:
        process = subprocess.Popen(command, cwd=pack.path, env=env, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    except OSError as exc:
        engine.stop(grace=None)
        raise UsageError(f"cannot start the policy pack's Python ({exc.strerror}); check the interpreter") from None
    plugin = PluginProcess(process=process, engine=engine, engine_address=f"127.0.0.1:{engine_port}", logs=logs)
    threading.Thread(target=_drain_stderr, args=(process.stderr, plugin.stderr_lines, sink), daemon=True).start()
    plugin._port_reader = threading.Thread(target=plugin._read_first_line, daemon=True)
    plugin._port_reader.start()
    return plugin


_STDERR_LOG = re.compile(r"^(debug|info|warning|error): (.*)$")


def _drain_stderr(stream, lines: list[str], sink: Callable[[LogEntry], None]) -> None:
    """The Python SDK logs to stderr as '<severity>: <message>' when no engine is wired in; show those as logs."""
    for raw in iter(stream.readline, b""):
        line = raw.decode(errors="replace").rstrip("\n")
        lines.append(line)
        match = _STDERR_LOG.match(line)
        if match:
            sink(LogEntry(match.group(1), match.group(2)))
    stream.close()


def _drain(stream, sink: list[str]) -> None:
    for raw in iter(stream.readline, b""):
        sink.append(raw.decode(errors="replace").rstrip("\n"))
    stream.close()


def _kill_group(process: subprocess.Popen) -> None:
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=3)
        except (ProcessLookupError, PermissionError):
            pass
        except subprocess.TimeoutExpired:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait()
