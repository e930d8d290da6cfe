"""The storefront's HTTP interface (Starlette). Every answer is JSON and names the region that served it.

    GET  /health/live          200 while the process runs
    GET  /health/deep          200 when this region can take traffic (storefront/health.py), else 503
    POST /orders               {"orderId"?, "sku", "quantity"} -> 201 after commit; 503 on a standby; 409 duplicate
    GET  /orders/{order_id}    200 or 404
    PUT  /carts/{cart_id}      {"items": [...]} -> 200 (DynamoDB global table)
    GET  /carts/{cart_id}      200 or 404
"""
from __future__ import annotations

import uuid
from contextlib import asynccontextmanager
from typing import Any

import psycopg
from botocore.exceptions import BotoCoreError, ClientError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from storefront.carts import Carts
from storefront.database import Database, Duplicate, ReadOnly
from storefront.health import deep_health
from storefront.settings import Settings

RETRY_AFTER_S = "5"


def create_app(settings: Settings, database: Database | None = None, carts: Carts | None = None) -> Starlette:
    database = database or Database(settings)
    carts = carts or Carts(settings)

    def answer(status: int, body: dict[str, Any], **headers: str) -> JSONResponse:
        return JSONResponse({**body, "region": settings.region}, status_code=status, headers=headers or None)

    async def live(request: Request) -> JSONResponse:
        return answer(200, {"status": "ok", "role": settings.role})

    async def deep(request: Request) -> JSONResponse:
        status, body = await run_in_threadpool(deep_health, settings, database, carts)
        return answer(status, body)

    async def place_order(request: Request) -> JSONResponse:
        try:
            payload = await request.json()
        except ValueError:
            return answer(400, {"error": "the body is not JSON"})
        problem = _order_problem(payload)
        if problem:
            return answer(400, {"error": problem})
        order_id = str(payload.get("orderId") or uuid.uuid4())
        try:
            stored = await run_in_threadpool(database.place_order, order_id, payload["sku"], int(payload["quantity"]))
        except ReadOnly as exc:
            return answer(503, {"error": str(exc)}, **{"Retry-After": RETRY_AFTER_S})
        except Duplicate:
            return answer(409, {"error": f"order {order_id} exists", "orderId": order_id})
        except (psycopg.Error, OSError) as exc:
            return answer(503, {"error": f"the order was not stored ({type(exc).__name__})"},
                          **{"Retry-After": RETRY_AFTER_S})
        return answer(201, stored)

    async def get_order(request: Request) -> JSONResponse:
        try:
            found = await run_in_threadpool(database.order, request.path_params["order_id"])
        except (psycopg.Error, OSError) as exc:
            return answer(503, {"error": f"orders cannot be read ({type(exc).__name__})"})
        return answer(200, found) if found else answer(404, {"error": "no such order"})

    async def put_cart(request: Request) -> JSONResponse:
        if carts.client is None:
            return answer(404, {"error": "carts are not configured (TABLE_CARTS)"})
        try:
            payload = await request.json()
        except ValueError:
            return answer(400, {"error": "the body is not JSON"})
        items = payload.get("items") if isinstance(payload, dict) else None
        if not isinstance(items, list):
            return answer(400, {"error": "give {\"items\": [...]}"})
        try:
            return answer(200, await run_in_threadpool(carts.put, request.path_params["cart_id"], items))
        except (ClientError, BotoCoreError) as exc:
            return answer(503, {"error": f"the cart was not stored ({type(exc).__name__})"})

    async def get_cart(request: Request) -> JSONResponse:
        if carts.client is None:
            return answer(404, {"error": "carts are not configured (TABLE_CARTS)"})
        try:
            found = await run_in_threadpool(carts.get, request.path_params["cart_id"])
        except (ClientError, BotoCoreError) as exc:
            return answer(503, {"error": f"carts cannot be read ({type(exc).__name__})"})
        return answer(200, found) if found else answer(404, {"error": "no such cart"})

    @asynccontextmanager
    async def lifespan(app: Starlette):
        database.open()
        try:
            yield
        finally:
            await run_in_threadpool(database.close)

    return Starlette(routes=[
        Route("/health/live", live), Route("/health/deep", deep),
        Route("/orders", place_order, methods=["POST"]), Route("/orders/{order_id}", get_order),
        Route("/carts/{cart_id}", put_cart, methods=["PUT"]), Route("/carts/{cart_id}", get_cart),
    ], lifespan=lifespan)


def _order_problem(payload: Any) -> str | None:
    if not isinstance(payload, dict):
        return "give a JSON object {\"sku\": ..., \"quantity\": ...}"
    if not isinstance(payload.get("sku"), str) or not payload["sku"]:
        return "sku must be a non-empty string"
    quantity = payload.get("quantity")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        return "quantity must be a positive integer"
    order_id = payload.get("orderId")
    if order_id is not None and (not isinstance(order_id, str) or not 0 < len(order_id) <= 128):
        return "orderId, when given, must be a string of 1 to 128 characters"
    return None
