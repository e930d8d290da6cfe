"""Aurora PostgreSQL as the storefront uses it: a small pool of connections as `storefront_app`, each opened
with a fresh IAM authentication token (valid 15 minutes, so never stored), and the orders schema.

The writer is whichever cluster of the global database is not in recovery: a warm standby's reader answers
`pg_is_in_recovery() = true`, and the storefront then refuses writes itself instead of letting PostgreSQL
refuse them half-way through a request.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Iterator

import psycopg
import psycopg_pool
from psycopg_pool import ConnectionPool

from storefront.settings import Settings

POOL_MIN, POOL_MAX = 1, 8
CONNECT_TIMEOUT_S = 3
STATEMENT_TIMEOUT_MS = 3000  # a request never waits on the database longer than a health check would

# Idempotent, run on the writer before its first write: the app role owns its schema (database_access.py).
SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS orders (
    order_id    text PRIMARY KEY,
    sku         text NOT NULL,
    quantity    integer NOT NULL CHECK (quantity > 0),
    region      text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
)
"""


def token_source(settings: Settings) -> Callable[[], str]:
    """What to use as the password for each new connection."""
    if settings.database_auth == "password":
        return lambda: settings.database_password or ""
    if settings.database_auth == "trust":
        return lambda: ""
    import boto3  # only where IAM authentication is used

    rds = boto3.client("rds", region_name=settings.region, endpoint_url=settings.aws_endpoint)
    return lambda: rds.generate_db_auth_token(DBHostname=settings.database_host, Port=settings.database_port,
                                              DBUsername=settings.database_user, Region=settings.region)


def _server_said(error: psycopg.Error) -> str:
    """The server's own words for a failed connection (`role "x" does not exist`), without the socket or host
    psycopg puts before them."""
    text = (str(error).strip().splitlines() or [type(error).__name__])[0]
    return text.split("FATAL:", 1)[1].strip() if "FATAL:" in text else text


class Database:
    def __init__(self, settings: Settings, *, password: Callable[[], str] | None = None):
        self.settings = settings
        password = password or token_source(settings)
        conninfo = psycopg.conninfo.make_conninfo(
            host=settings.database_host, port=settings.database_port, dbname=settings.database_name,
            user=settings.database_user, sslmode=settings.database_sslmode, connect_timeout=CONNECT_TIMEOUT_S,
            application_name=f"storefront-{settings.role}",
            options=f"-c statement_timeout={STATEMENT_TIMEOUT_MS}")

        database = self

        class TokenConnection(psycopg.Connection):
            @classmethod
            def connect(cls, conninfo: str = "", **kwargs: Any) -> "TokenConnection":  # type: ignore[override]
                secret = password()
                try:
                    connection = super().connect(conninfo, **({"password": secret} if secret else {}), **kwargs)
                except psycopg.Error as exc:
                    database.last_connect_error = exc
                    raise
                database.last_connect_error = None
                return connection

        # autocommit: a read is never left open in a transaction; writes use explicit transaction blocks.
        self.pool = ConnectionPool(conninfo, connection_class=TokenConnection, kwargs={"autocommit": True},
                                   min_size=POOL_MIN, max_size=POOL_MAX,
                                   open=False, timeout=CONNECT_TIMEOUT_S, reconnect_timeout=0,
                                   check=ConnectionPool.check_connection)
        self._schema_ready = False
        # Why the pool's last attempt to connect failed (a missing role, a refused token): the pool's own timeout
        # only says it got no connection, and the operator reading /health/deep needs the cause.
        self.last_connect_error: psycopg.Error | None = None

    def open(self) -> None:
        self.pool.open(wait=False)

    def close(self) -> None:
        self.pool.close()

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        with self.pool.connection() as conn:
            yield conn

    def state(self) -> dict[str, Any]:
        """Reachable, writable, and how far behind a standby is. Raises psycopg errors when unreachable; a pool
        timeout names the last connection error when there was one."""
        try:
            return self._state()
        except psycopg_pool.PoolTimeout:
            cause = self.last_connect_error
            if cause is None:
                raise
            raise psycopg_pool.PoolTimeout(f"{_server_said(cause)} (no connection within {CONNECT_TIMEOUT_S} s)") from cause

    def _state(self) -> dict[str, Any]:
        with self.connection() as conn:
            recovery, lag = conn.execute(
                "SELECT pg_is_in_recovery(), CASE WHEN pg_is_in_recovery() THEN "
                "EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END").fetchone()
        return {"reachable": True, "writable": not recovery,
                "replayLagSeconds": round(float(lag), 3) if lag is not None else None}

    def place_order(self, order_id: str, sku: str, quantity: int) -> dict[str, Any]:
        """Insert in one transaction; returns the stored row once committed. ReadOnly on a standby, Duplicate when
        the id was taken (a client retrying an acknowledged order)."""
        with self.connection() as conn:
            if conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
                raise ReadOnly("this region's database is a read-only standby: it takes no writes until promoted")
            if not self._schema_ready:
                conn.execute(SCHEMA_SQL)
                self._schema_ready = True
            with conn.transaction():
                row = conn.execute(
                    "INSERT INTO orders (order_id, sku, quantity, region) VALUES (%s, %s, %s, %s) "
                    "ON CONFLICT (order_id) DO NOTHING RETURNING created_at",
                    (order_id, sku, quantity, self.settings.region)).fetchone()
            # Leaving the transaction block committed it: only now is the order acknowledged.
        if row is None:
            raise Duplicate(order_id)
        return {"orderId": order_id, "sku": sku, "quantity": quantity, "region": self.settings.region,
                "createdAt": row[0].isoformat()}

    def order(self, order_id: str) -> dict[str, Any] | None:
        with self.connection() as conn:
            try:
                row = conn.execute("SELECT order_id, sku, quantity, region, created_at FROM orders WHERE order_id = %s",
                                   (order_id,)).fetchone()
            except psycopg.errors.UndefinedTable:
                return None  # no order was ever placed
        if row is None:
            return None
        return {"orderId": row[0], "sku": row[1], "quantity": row[2], "region": row[3], "createdAt": row[4].isoformat()}


class ReadOnly(Exception):
    pass


class Duplicate(Exception):
    pass
