"""The reference storefront against real parts: Debian's PostgreSQL (a primary and a streaming standby, set up as
the bootstrap task sets up Aurora) and DynamoDB on moto's server; served by uvicorn on loopback."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Iterator

import pytest
import uvicorn

from drcore.database_access import APP_DATABASE_USER, app_role_sql
from drkit.emulation.moto_server import MotoServer
from drkit.emulation.postgres import free_port
from storefront.app import create_app
from storefront.settings import Settings
from tests.support.postgres import LocalPostgres, missing_reason, streaming_pair

DATABASE = "shop"
REGIONS = {"primary": "us-east-1", "secondary": "us-west-2"}
CARTS = "ecommerce-test-carts"


@dataclass
class Running:
    settings: Settings
    url: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def serve(settings: Settings) -> Running:
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=settings.port, log_level="warning",
                            access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="storefront-under-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the storefront did not start"
        time.sleep(0.02)
    return Running(settings, f"http://127.0.0.1:{settings.port}", server, thread)


def settings_for(role: str, pg: LocalPostgres, moto_url: str | None) -> Settings:
    return Settings(region=REGIONS[role], role=role, port=free_port(), database_host=str(pg.socket_dir),
                    database_port=pg.port, database_name=DATABASE, database_user=APP_DATABASE_USER,
                    database_auth="trust", database_sslmode="disable",
                    tables={"carts": CARTS} if moto_url else {}, aws_endpoint=moto_url)


@pytest.fixture(scope="module")
def pair() -> Iterator[tuple[LocalPostgres, LocalPostgres]]:
    reason = missing_reason()
    if reason:
        pytest.skip(reason)
    # Aurora's rds_iam role, the database, then the bootstrap task's own SQL as the master user.
    setup = [("postgres", "CREATE ROLE rds_iam"), ("postgres", f"CREATE DATABASE {DATABASE}"),
             (DATABASE, app_role_sql(DATABASE))]
    with streaming_pair(setup) as servers:
        yield servers.servers["primary"], servers.servers["secondary"]


@pytest.fixture(scope="module")
def moto() -> Iterator[MotoServer]:
    server = MotoServer().start()
    patch = pytest.MonkeyPatch()  # the storefront's own boto3 clients sign with any key the emulator accepts
    patch.setenv("AWS_ACCESS_KEY_ID", "storefront-test")
    patch.setenv("AWS_SECRET_ACCESS_KEY", "storefront-test")
    for region in REGIONS.values():
        server.client("dynamodb", region).create_table(
            TableName=CARTS, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "S"}])
    try:
        yield server
    finally:
        patch.undo()
        server.stop()


@pytest.fixture(scope="module")
def storefronts(pair, moto) -> Iterator[dict[str, Running]]:
    """One storefront per region: the primary's on the writer, the secondary's on the standby."""
    primary, standby = pair
    running = {"primary": serve(settings_for("primary", primary, moto.url)),
               "secondary": serve(settings_for("secondary", standby, moto.url))}
    try:
        yield running
    finally:
        for one in running.values():
            one.stop()
