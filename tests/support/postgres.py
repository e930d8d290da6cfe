"""Throwaway PostgreSQL servers from Debian's packages for the tests (scripts/test.sh installs them when missing):
the emulation's own (drkit.emulation.postgres), so the tests and the drills run the same servers.

Unix socket and loopback, data and socket in a temp directory, superuser `postgres` with trust authentication; as
root the servers run as the `postgres` system user the Debian package creates (initdb refuses root).
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from drkit.emulation.postgres import PostgresPair, PostgresServer, missing_reason, single_server

LocalPostgres = PostgresServer
__all__ = ["LocalPostgres", "local_postgres", "missing_reason", "streaming_pair"]


@contextmanager
def local_postgres(port: int | None = None) -> Iterator[PostgresServer]:
    with single_server(port) as server:
        yield server


@contextmanager
def streaming_pair(setup_sql: list[tuple[str, str]] = ()) -> Iterator[PostgresPair]:
    """A primary and a hot standby streaming from it through a link with latency; `setup_sql` runs on the primary
    first ((database, sql) as the superuser)."""
    pair = PostgresPair()
    try:
        yield pair.start(setup_sql)
    finally:
        pair.stop()
