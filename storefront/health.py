"""What /health/deep says, and why (docs: storefront/README.md, "Health").

A region can take traffic when its database answers and its DynamoDB replica answers. The serving region's
database is writable. A warm standby's is not — and it still reports healthy (200, `takesWrites: false`): the
SECONDARY failover record's health check must pass *before* promotion, or Route 53 would have nowhere to send
traffic once the primary is fenced, and the automation's own "target can serve" check reads this same answer.
Writes on a standby are refused by the storefront itself (503 with Retry-After) until its cluster is promoted,
so a read-only replica never takes a write.
"""
from __future__ import annotations

from typing import Any

import psycopg
from botocore.exceptions import BotoCoreError, ClientError

from storefront.carts import Carts
from storefront.database import Database
from storefront.settings import Settings


def deep_health(settings: Settings, database: Database, carts: Carts) -> tuple[int, dict[str, Any]]:
    reasons: list[str] = []
    try:
        db = database.state()
    except (psycopg.Error, OSError) as exc:  # the pool's timeouts are psycopg errors too
        db = {"reachable": False, "error": _short(exc)}
        reasons.append(f"database unreachable ({db['error']})")
    try:
        table = carts.reachable()
    except (ClientError, BotoCoreError) as exc:
        table = {"configured": True, "reachable": False, "error": _short(exc)}
        reasons.append(f"DynamoDB table {carts.table} unreachable in {settings.region} ({table['error']})")
    healthy = not reasons
    body = {"status": "ok" if healthy else "unavailable", "region": settings.region, "role": settings.role,
            "takesWrites": bool(db.get("writable")), "database": db, "dynamodb": table}
    if reasons:
        body["reasons"] = reasons
    return (200 if healthy else 503), body


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]
