"""The storefront's settings, from the environment the task definition gives it (infra/components/storefront.py).

One line on stderr and exit 2 when a required variable is missing or malformed: a task that cannot start says why
in its log instead of failing its health checks in silence.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Mapping

DATABASE_AUTH_MODES = ("iam", "password", "trust")


class SettingsError(ValueError):
    pass


@dataclass(frozen=True)
class Settings:
    region: str
    role: str  # primary | secondary: which DR role this region plays (shown in answers, never trusted for writes)
    port: int
    database_host: str
    database_port: int
    database_name: str
    database_user: str
    database_auth: str  # iam (Aurora: a token per connection) | password (DATABASE_PASSWORD) | trust (local)
    database_password: str | None = None
    database_sslmode: str = "require"  # IAM authentication needs TLS; local servers over a Unix socket use disable
    tables: dict[str, str] = field(default_factory=dict)  # logical name (carts, sessions, ...) -> table name
    aws_endpoint: str | None = None  # an emulator's endpoint; unset in AWS

    @property
    def carts_table(self) -> str | None:
        return self.tables.get("carts")


def from_environment(environ: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ

    def need(name: str) -> str:
        value = env.get(name, "").strip()
        if not value:
            raise SettingsError(f"{name} is not set; the task definition sets it (infra/components/storefront.py)")
        return value

    def number(name: str, default: str | None = None) -> int:
        text = env.get(name, default) if default is not None else need(name)
        try:
            return int(text)
        except (TypeError, ValueError):
            raise SettingsError(f"{name} is {text!r}; give a port number") from None

    auth = env.get("DATABASE_AUTH", "iam")
    if auth not in DATABASE_AUTH_MODES:
        raise SettingsError(f"DATABASE_AUTH is {auth!r}; choose one of {', '.join(DATABASE_AUTH_MODES)}")
    password = env.get("DATABASE_PASSWORD") or None
    if auth == "password" and not password:
        raise SettingsError("DATABASE_AUTH is password but DATABASE_PASSWORD is not set")
    tables = {key[len("TABLE_"):].lower().replace("_", "-"): value for key, value in env.items()
              if key.startswith("TABLE_") and value}
    return Settings(
        region=need("AWS_REGION"), role=env.get("DR_ROLE", "unknown"), port=number("PORT", "8080"),
        database_host=need("DATABASE_HOST"), database_port=number("DATABASE_PORT", "5432"),
        database_name=need("DATABASE_NAME"), database_user=need("DATABASE_USER"), database_auth=auth,
        database_password=password, database_sslmode=env.get("DATABASE_SSLMODE", "require"), tables=tables,
        aws_endpoint=env.get("STOREFRONT_AWS_ENDPOINT") or None)


def load_or_exit() -> Settings:
    try:
        return from_environment()
    except SettingsError as exc:
        print(f"storefront: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
