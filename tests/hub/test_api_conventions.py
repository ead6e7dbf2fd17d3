"""API conventions: RFC 9457 Problem Details for every error, ``limit/offset/sort`` on lists with the
``{"data", "meta"}`` envelope, OpenAPI at ``/schema``, health, readiness and metrics, and the active menu."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from litestar import Litestar, get
from litestar.testing import AsyncTestClient

from hub.app import create_app
from tests.hub._api import Client, create_location, owner_headers
from tests.hub.conftest import SettingsFactory

pytestmark = pytest.mark.integration

PROBLEM_KEYS = {"type", "title", "status", "detail", "instance"}


def _is_problem(response: object, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"].startswith("application/problem+json")  # type: ignore[attr-defined]
    body: dict[str, object] = response.json()  # type: ignore[attr-defined]
    assert set(body) >= PROBLEM_KEYS and body["status"] == status
    return body


async def test_errors_are_problem_details(client: Client) -> None:
    headers = await owner_headers(client)
    _is_problem(await client.get("/api/v1/nowhere"), 404)
    _is_problem(await client.delete("/healthz"), 405)
    _is_problem(await client.get("/api/v1/locations"), 401)
    invalid = _is_problem(await client.post("/api/v1/locations", json={"name": "", "extra": 1}, headers=headers), 400)
    assert invalid["type"] == "urn:yago:problem:validation" and invalid["errors"]
    bad_json = await client.post(
        "/api/v1/locations", content=b"{not json", headers={**headers, "content-type": "application/json"}
    )
    _is_problem(bad_json, 400)
    bad_id = await client.get("/api/v1/locations/not-a-uuid", headers=headers)
    assert bad_id.status_code in (400, 404)
    assert bad_id.headers["content-type"].startswith("application/problem+json")
    sku = {"sku": "DUP", "name": "x", "price": 1}
    await client.post("/api/v1/catalog/products", json=sku, headers=headers)
    _is_problem(await client.post("/api/v1/catalog/products", json=sku, headers=headers), 409)


async def test_unexpected_errors_are_500_problems_without_internals(app: Litestar) -> None:
    @get("/boom", sync_to_thread=False)
    def boom() -> None:
        raise RuntimeError("secret internals")

    app.register(boom)
    async with AsyncTestClient(app=app) as client:
        body = _is_problem(await client.get("/boom"), 500)
        assert "secret" not in str(body)


async def test_lists_take_limit_offset_and_sort(client: Client) -> None:
    headers = await owner_headers(client)
    for name, price in (("Б", 300), ("А", 100), ("В", 200)):
        await client.post("/api/v1/catalog/products", json={"sku": name, "name": name, "price": price}, headers=headers)
    page = await client.get("/api/v1/catalog/products", params={"sort": "-price", "limit": 2}, headers=headers)
    assert [p["price"] for p in page.json()["data"]] == [300, 200]
    assert page.json()["meta"] == {"total": 3, "limit": 2, "offset": 0}
    rest = await client.get(
        "/api/v1/catalog/products", params={"sort": "-price", "limit": 2, "offset": 2}, headers=headers
    )
    assert [p["price"] for p in rest.json()["data"]] == [100]
    by_name = await client.get("/api/v1/catalog/products", params={"sort": "name,-price"}, headers=headers)
    assert [p["name"] for p in by_name.json()["data"]] == ["А", "Б", "В"]
    wrong = _is_problem(await client.get("/api/v1/catalog/products", params={"sort": "password"}, headers=headers), 400)
    assert wrong["type"] == "urn:yago:problem:invalid-sort"
    _is_problem(await client.get("/api/v1/catalog/products", params={"limit": 0}, headers=headers), 400)
    _is_problem(await client.get("/api/v1/catalog/products", params={"limit": 100000}, headers=headers), 400)


async def test_schema_health_readiness_and_metrics(client: Client) -> None:
    schema = await client.get("/schema/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert {"/api/v1/auth/login", "/api/v1/enroll", "/api/v1/menu/active", "/api/v1/fleet/registers"} <= set(paths)
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["database"] == "up"
    await client.get("/api/v1/locations")
    metrics = await client.get("/metrics")
    assert "yago_hub_http_requests_total" in metrics.text


async def test_readiness_fails_while_the_broker_is_unreachable(make_settings: SettingsFactory) -> None:
    from tests.support.net import free_port

    settings = make_settings(mqtt={"enabled": True, "port": free_port()})
    async with AsyncTestClient(app=create_app(settings)) as client:
        ready = await client.get("/readyz")
        body = _is_problem(ready, 503)
        assert body["broker"] == "disconnected"


async def test_active_menu_follows_validity_dates(client: Client) -> None:
    headers = await owner_headers(client)
    location = await create_location(client, headers)
    category = (await client.post("/api/v1/catalog/categories", json={"name": "Кофе"}, headers=headers)).json()
    latte = (
        await client.post(
            "/api/v1/catalog/products",
            json={"sku": "L", "name": "Латте", "price": 24000, "category_id": category["id"]},
            headers=headers,
        )
    ).json()
    pie = (
        await client.post(
            "/api/v1/catalog/products", json={"sku": "P", "name": "Пирог", "price": 9000}, headers=headers
        )
    ).json()
    now = datetime.now(UTC)
    summer = {
        "name": "Летнее",
        "valid_from": (now - timedelta(days=1)).isoformat(),
        "valid_to": (now + timedelta(days=30)).isoformat(),
        "product_ids": [latte["id"]],
    }
    future = {"name": "Осеннее", "valid_from": (now + timedelta(days=30)).isoformat(), "product_ids": [pie["id"]]}
    assert (await client.post("/api/v1/menus", json=summer, headers=headers)).status_code == 201
    assert (await client.post("/api/v1/menus", json=future, headers=headers)).status_code == 201
    await client.put(f"/api/v1/locations/{location['id']}/prices/{latte['id']}", json={"price": 26000}, headers=headers)
    active = await client.get("/api/v1/menu/active", params={"location": location["id"]}, headers=headers)
    assert active.status_code == 200, active.text
    body = active.json()
    assert body["menu"]["name"] == "Летнее"
    assert [
        (c["name"], [(p["name"], p["price"], p["available"]) for p in c["products"]]) for c in body["categories"]
    ] == [("Кофе", [("Латте", 26000, True)])]
    snapshot = (await client.get(f"/api/v1/locations/{location['id']}/catalog", headers=headers)).json()
    assert snapshot["menu_name"] == "Летнее" and [p["sku"] for p in snapshot["products"]] == ["L"]
    backwards = {**summer, "valid_to": (now - timedelta(days=2)).isoformat()}
    _is_problem(await client.post("/api/v1/menus", json=backwards, headers=headers), 400)
    missing = await client.get("/api/v1/menu/active", headers=headers)
    _is_problem(missing, 400)
