"""The cross-region network link on loopback: a TCP forwarder that delays every byte by a one-way latency and
can be cut, standing in for the path between two regions (what replication crosses).

Each direction of each connection has its own pump: bytes read at time t are written at t + latency, in order,
so the link behaves like a long pipe (bandwidth is not limited). `cut()` drops every open connection and
refuses new ones until `heal()`; bytes still in flight are lost, as they would be.
"""
from __future__ import annotations

import collections
import socket
import threading
import time

from drkit.emulation.moto_server import LOOPBACK

DEFAULT_ONE_WAY_LATENCY_S = 0.035  # us-east-1 <-> us-west-2 is about 70 ms round trip
_CHUNK = 65536


class LatencyLink:
    def __init__(self, name: str, target_port: int, *, latency_s: float = DEFAULT_ONE_WAY_LATENCY_S):
        self.name, self.target_port, self.latency_s = name, target_port, latency_s
        self.cut_off = False
        self._listener = socket.create_server((LOOPBACK, 0))
        self.port = self._listener.getsockname()[1]
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, name=f"drkit-link-{name}", daemon=True).start()

    def cut(self) -> None:
        with self._lock:
            self.cut_off = True
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            _close(sock)

    def heal(self) -> None:
        with self._lock:
            self.cut_off = False

    def close(self) -> None:
        self._closed = True
        self.cut()
        _close(self._listener)

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                refuse = self.cut_off
            if refuse:
                _close(client)
                continue
            try:
                server = socket.create_connection((LOOPBACK, self.target_port), timeout=2)
            except OSError:
                _close(client)
                continue
            server.settimeout(None)
            with self._lock:
                self._sockets |= {client, server}
            for source, sink, way in ((client, server, "out"), (server, client, "back")):
                _Pump(self, source, sink, f"drkit-link-{self.name}-{way}").start()


class _Pump:
    """Reads one direction and writes it latency_s later: a reader thread queues, a writer thread delivers."""

    def __init__(self, link: LatencyLink, source: socket.socket, sink: socket.socket, name: str):
        self.link, self.source, self.sink, self.name = link, source, sink, name
        self.queue: collections.deque[tuple[float, bytes]] = collections.deque()
        self.ready = threading.Condition()
        self.done = False

    def start(self) -> None:
        threading.Thread(target=self._read, name=self.name + "-read", daemon=True).start()
        threading.Thread(target=self._write, name=self.name + "-write", daemon=True).start()

    def _read(self) -> None:
        while True:
            try:
                data = self.source.recv(_CHUNK)
            except OSError:
                data = b""
            with self.ready:
                self.queue.append((time.monotonic() + self.link.latency_s, data))
                self.ready.notify()
            if not data:
                return

    def _write(self) -> None:
        while True:
            with self.ready:
                while not self.queue:
                    self.ready.wait()
                due, data = self.queue.popleft()
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            if not data:
                _shutdown_write(self.sink)
                return
            try:
                self.sink.sendall(data)
            except OSError:
                _close(self.source)
                return


def _shutdown_write(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
