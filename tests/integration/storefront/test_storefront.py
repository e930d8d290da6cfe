"""The reference storefront on a real PostgreSQL pair and DynamoDB (moto): orders are acknowledged only after
commit, a warm standby is healthy but takes no writes, and a region whose database is gone says so."""
from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

import pytest

from storefront.settings import SettingsError, from_environment
from tests.integration.storefront.conftest import DATABASE, free_port, serve, settings_for
from tests.support.cli import REPO


def call(url: str, method: str = "GET", body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def test_the_writer_region_is_healthy_and_takes_writes(storefronts):
    status, body = call(storefronts["primary"].url + "/health/deep")
    assert status == 200, body
    assert body["takesWrites"] is True and body["database"]["writable"] is True
    assert body["region"] == "us-east-1" and body["dynamodb"] == {"configured": True, "table": "ecommerce-test-carts"}
    assert call(storefronts["primary"].url + "/health/live") == (200, {"status": "ok", "role": "primary",
                                                                        "region": "us-east-1"})


def test_an_order_is_acknowledged_after_commit_and_replicates_to_the_standby(storefronts, pair):
    primary, standby = pair
    order_id = f"order-{uuid.uuid4().hex[:8]}"
    status, body = call(storefronts["primary"].url + "/orders", "POST", {"orderId": order_id, "sku": "tea", "quantity": 2})
    assert status == 201, body
    assert body["orderId"] == order_id and body["region"] == "us-east-1"
    # Committed: another session sees it at once.
    assert primary.psql(f"SELECT sku, quantity FROM storefront.orders WHERE order_id = '{order_id}'",
                        database=DATABASE).stdout.strip() == "tea|2"
    assert call(storefronts["primary"].url + f"/orders/{order_id}")[1]["sku"] == "tea"
    deadline = time.monotonic() + 10  # streaming replication: the standby's storefront reads it soon after
    while call(storefronts["secondary"].url + f"/orders/{order_id}")[0] != 200:
        assert time.monotonic() < deadline, "the order never reached the standby"
        time.sleep(0.05)


def test_a_warm_standby_is_healthy_but_refuses_writes_until_promoted(storefronts):
    status, body = call(storefronts["secondary"].url + "/health/deep")
    assert status == 200, body
    assert body["takesWrites"] is False and body["database"]["writable"] is False
    status, body = call(storefronts["secondary"].url + "/orders", "POST", {"sku": "tea", "quantity": 1})
    assert status == 503 and "read-only standby" in body["error"], body


def test_bad_orders_are_refused_with_one_clear_line(storefronts):
    url = storefronts["primary"].url + "/orders"
    assert call(url, "POST", {"sku": "tea", "quantity": 0}) == (400, {"error": "quantity must be a positive integer",
                                                                       "region": "us-east-1"})
    assert call(url, "POST", {"quantity": 1})[1]["error"] == "sku must be a non-empty string"
    order_id = f"dup-{uuid.uuid4().hex[:8]}"
    assert call(url, "POST", {"orderId": order_id, "sku": "tea", "quantity": 1})[0] == 201
    assert call(url, "POST", {"orderId": order_id, "sku": "tea", "quantity": 1})[0] == 409
    assert call(storefronts["primary"].url + "/orders/nope")[0] == 404


def test_carts_live_in_the_regions_dynamodb_table(storefronts):
    url = storefronts["primary"].url + "/carts/c-1"
    assert call(url, "PUT", {"items": [{"sku": "tea", "quantity": 1}]})[0] == 200
    assert call(url)[1]["items"] == [{"sku": "tea", "quantity": 1}]
    assert call(storefronts["primary"].url + "/carts/none")[0] == 404


def test_a_region_whose_database_does_not_answer_is_unhealthy_and_says_why(pair, moto):
    primary, _ = pair
    settings = settings_for("primary", primary, moto.url)
    broken = serve(settings.__class__(**{**settings.__dict__, "database_port": free_port()}))
    try:
        status, body = call(broken.url + "/health/deep")
        assert status == 503 and body["status"] == "unavailable"
        assert body["reasons"][0].startswith("database unreachable")
        status, body = call(broken.url + "/orders", "POST", {"sku": "tea", "quantity": 1})
        assert status == 503 and "not stored" in body["error"]
    finally:
        broken.stop()


def test_before_the_bootstrap_creates_its_role_the_storefront_is_live_but_not_deep_healthy(pair, moto):
    # The first deployment: tasks start before the databaseBootstrap task created storefront_app. They must stay
    # live (the load balancer follows /health/live, so ECS does not replace them) and say in /health/deep why the
    # region cannot take traffic yet.
    primary, _ = pair
    settings = settings_for("primary", primary, moto.url)
    early = serve(settings.__class__(**{**settings.__dict__, "database_user": "storefront_not_created"}))
    try:
        assert call(early.url + "/health/live")[0] == 200
        status, body = call(early.url + "/health/deep")
        assert status == 503 and "storefront_not_created" in body["reasons"][0], body
    finally:
        early.stop()


def test_settings_missing_from_the_environment_are_one_line_and_exit_2():
    with pytest.raises(SettingsError, match="DATABASE_HOST is not set"):
        from_environment({"AWS_REGION": "us-east-1"})
    with pytest.raises(SettingsError, match="DATABASE_AUTH is 'kerberos'"):
        from_environment({"AWS_REGION": "r", "DATABASE_HOST": "h", "DATABASE_NAME": "d", "DATABASE_USER": "u",
                          "DATABASE_AUTH": "kerberos"})
    done = subprocess.run([sys.executable, "-m", "storefront"], cwd=REPO, capture_output=True, text=True, timeout=30,
                          env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == ["storefront: AWS_REGION is not set; the task definition sets it "
                                                "(infra/components/storefront.py)"]


def test_the_image_pins_are_the_repository_pins():
    pins = {line.split("==")[0].lower().replace("_", "-"): line.split("==")[1]
            for line in (REPO / "constraints.txt").read_text().splitlines() if "==" in line}
    for line in (REPO / "storefront" / "requirements.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==")
            assert pins.get(name.lower().replace("_", "-")) == version, line
