"""The emulation's Aurora stand-in: two real PostgreSQL servers, the standby streaming through a link with latency.
What a drill's RPO rests on: what was committed but not yet across the link when the primary died is lost."""
from __future__ import annotations

import socket
import threading
import time

import pytest

from drkit.emulation.link import LatencyLink
from drkit.emulation.postgres import PostgresPair, ephemeral_port_range, free_port, missing_reason


@pytest.fixture
def pair():
    reason = missing_reason()
    if reason:
        pytest.skip(reason)
    servers = PostgresPair(latency_s=0.05).start([("postgres", "CREATE TABLE t (id int PRIMARY KEY)")])
    try:
        yield servers
    finally:
        servers.stop()


def _ids(server) -> list[int]:
    text = server.value("SELECT coalesce(string_agg(id::text, ',' ORDER BY id), '') FROM t")
    return [int(i) for i in text.split(",") if i]


def test_the_standby_replays_what_the_primary_commits_and_takes_no_writes(pair):
    primary, standby = pair.servers["primary"], pair.servers["secondary"]
    primary.psql("INSERT INTO t VALUES (1)")
    caught_up, flushed, replayed = pair.caught_up("secondary")
    assert caught_up and flushed == replayed
    assert _ids(standby) == [1] and standby.in_recovery()
    refused = standby.psql("INSERT INTO t VALUES (2)", check=False)
    assert refused.returncode != 0 and "read-only transaction" in refused.stderr


def test_what_never_crossed_the_link_is_lost_when_the_primary_dies(pair):
    primary, standby = pair.servers["primary"], pair.servers["secondary"]
    primary.psql("INSERT INTO t VALUES (1)")
    assert pair.caught_up("secondary")[0]
    pair.links["secondary"].cut()
    primary.psql("INSERT INTO t VALUES (2)")  # committed on the primary, never sent
    pair.kill("primary")
    pair.promote("secondary")
    assert not standby.in_recovery() and _ids(standby) == [1]
    standby.psql("INSERT INTO t VALUES (3)")
    # The old primary comes back as a standby of the new writer: its unsent row is gone there too.
    pair.demote("primary")
    assert pair.caught_up("primary")[0]
    assert _ids(primary) == [1, 3] and primary.in_recovery()


def test_a_planned_move_waits_for_the_standby_and_loses_nothing(pair):
    primary, standby = pair.servers["primary"], pair.servers["secondary"]
    primary.psql("INSERT INTO t SELECT generate_series(1, 500)")
    caught_up, flushed, replayed = pair.caught_up("secondary")
    assert caught_up and flushed == replayed
    pair.promote("secondary")
    pair.demote("primary")
    standby.psql("INSERT INTO t VALUES (501)")
    assert pair.caught_up("primary")[0] and len(_ids(primary)) == 501


def test_the_link_delays_each_way_and_can_be_cut():
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def echo():
        conn, _ = server.accept()
        while data := conn.recv(100):
            conn.sendall(data)

    threading.Thread(target=echo, daemon=True).start()
    link = LatencyLink("test", port, latency_s=0.1)
    try:
        client = socket.create_connection(("127.0.0.1", link.port))
        started = time.monotonic()
        client.sendall(b"ping")
        assert client.recv(100) == b"ping"
        assert 0.2 <= time.monotonic() - started < 1.0  # there and back
        link.cut()
        client.settimeout(2)
        assert client.recv(100) == b""  # the connection is dropped
        refused = socket.create_connection(("127.0.0.1", link.port))
        refused.settimeout(2)
        assert refused.recv(100) == b""  # and new ones are closed at once
    finally:
        link.close()
        server.close()


def test_servers_listen_below_the_ephemeral_range_so_no_outgoing_connection_can_take_their_port():
    # A failback restarts a server on its own port; a port from the ephemeral range may be taken by then by any
    # client connection (seen: "could not create listen socket"). The kernel never gives those out below the range.
    low, _ = ephemeral_port_range()
    ports = {free_port() for _ in range(20)}
    assert all(1024 <= port < low for port in ports), sorted(ports)



def test_a_port_below_the_range_that_is_taken_is_skipped(monkeypatch):
    low, _ = ephemeral_port_range()
    with socket.socket() as held:
        taken = next(port for port in range(low - 1, 1024, -1) if _bound(held, port))
        # The first candidate tried is the taken port: the next one is returned instead.
        monkeypatch.setattr("drkit.emulation.postgres.random.sample", lambda ports, k: [taken, taken - 1])
        assert free_port() == taken - 1


def _bound(sock: socket.socket, port: int) -> bool:
    try:
        sock.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
