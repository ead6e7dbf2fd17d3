"""Catalog CRUD republishes the location's snapshot retained on its catalog topic with the next version
and a content hash; a change that alters nothing publishes nothing; prices, stop-list and staff PINs
travel per location; a broker outage is caught up on reconnect."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from argon2 import PasswordHasher
from litestar import Litestar
from litestar.testing import AsyncTestClient

from hub.app import create_app
from hub.settings import Settings
from protocols.catalog import CatalogSnapshot, verify_content_hash
from protocols.codec import decode_catalog
from protocols.topics import catalog_topic
from tests.hub._api import Client, create_location, owner_headers
from tests.hub._broker import HubBroker
from tests.hub._mqtt import TestClient
from tests.hub.conftest import HUB_MQTT_PASSWORD

pytestmark = pytest.mark.integration


@pytest.fixture
async def hub_client(broker_settings: Settings) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=create_app(broker_settings)) as client:
        yield client


@pytest.fixture
async def watcher(hub_broker: HubBroker) -> AsyncIterator[TestClient]:
    client = TestClient(hub_broker.host, hub_broker.port, "yago-hub", HUB_MQTT_PASSWORD)
    assert await client.connect() == 0
    yield client
    client.close()


async def _snapshot(watcher: TestClient, location: dict[str, Any], version: int) -> CatalogSnapshot:
    topic = catalog_topic(location["org_id"], location["id"])
    message = await watcher.wait_for(lambda m: m.topic == topic and decode_catalog(m.payload).version == version)
    return decode_catalog(message.payload)


async def _current_version(client: Client, headers: dict[str, str], location_id: str) -> int:
    versions = (await client.get("/api/v1/catalog/versions", headers=headers)).json()["data"]
    return int(next(v["version"] for v in versions if v["location_id"] == location_id))


async def test_catalog_changes_publish_new_versions_retained(hub_client: Client, watcher: TestClient) -> None:
    owner = await owner_headers(hub_client)
    location = await create_location(hub_client, owner)
    await watcher.subscribe(catalog_topic(location["org_id"], location["id"]))
    first = await _snapshot(watcher, location, 1)
    assert first.products == [] and verify_content_hash(first)

    category = (await hub_client.post("/api/v1/catalog/categories", json={"name": "Кофе"}, headers=owner)).json()
    group = await hub_client.post(
        "/api/v1/catalog/modifier-groups",
        json={"name": "Молоко", "options": [{"name": "Овсяное", "price_delta": 6000}]},
        headers=owner,
    )
    product = await hub_client.post(
        "/api/v1/catalog/products",
        json={
            "sku": "LAT",
            "name": "Латте",
            "price": 24000,
            "category_id": category["id"],
            "vat_rate": "vat22",
            "modifier_group_ids": [group.json()["id"]],
        },
        headers=owner,
    )
    assert product.status_code == 201, product.text
    version = await _current_version(hub_client, owner, location["id"])
    assert version == 4  # location, category, group, product
    latest = await _snapshot(watcher, location, version)
    assert verify_content_hash(latest)
    assert [(p.sku, p.price, p.modifier_group_ids) for p in latest.products] == [
        ("LAT", 24000, [latest.modifier_groups[0].id])
    ]
    assert latest.modifier_groups[0].options[0].price_delta == 6000

    # a retained message reaches a subscriber that comes later
    late = TestClient(watcher.host, watcher.port, "yago-hub", HUB_MQTT_PASSWORD)
    assert await late.connect() == 0
    try:
        await late.subscribe(catalog_topic(location["org_id"], location["id"]))
        retained = await late.wait_for(lambda m: m.retain)
        assert decode_catalog(retained.payload).content_hash == latest.content_hash
    finally:
        late.close()


async def test_a_change_that_alters_nothing_makes_no_new_version(hub_client: Client, watcher: TestClient) -> None:
    owner = await owner_headers(hub_client)
    location = await create_location(hub_client, owner)
    product = (
        await hub_client.post(
            "/api/v1/catalog/products", json={"sku": "E", "name": "Эспрессо", "price": 12000}, headers=owner
        )
    ).json()
    before = await _current_version(hub_client, owner, location["id"])
    same = await hub_client.patch(f"/api/v1/catalog/products/{product['id']}", json={"price": 12000}, headers=owner)
    assert same.status_code == 200
    assert await _current_version(hub_client, owner, location["id"]) == before
    await hub_client.patch(f"/api/v1/catalog/products/{product['id']}", json={"price": 13000}, headers=owner)
    assert await _current_version(hub_client, owner, location["id"]) == before + 1
    snapshot = decode_catalog(
        (await hub_client.get(f"/api/v1/locations/{location['id']}/catalog", headers=owner)).content
    )
    assert snapshot.version == before + 1 and snapshot.products[0].price == 13000


async def test_prices_stop_list_and_staff_are_per_location(hub_client: Client, watcher: TestClient) -> None:
    owner = await owner_headers(hub_client)
    center = await create_location(hub_client, owner, "Центр")
    airport = await create_location(hub_client, owner, "Аэропорт")
    product = (
        await hub_client.post(
            "/api/v1/catalog/products", json={"sku": "C", "name": "Капучино", "price": 22000}, headers=owner
        )
    ).json()
    price = await hub_client.put(
        f"/api/v1/locations/{airport['id']}/prices/{product['id']}", json={"price": 35000}, headers=owner
    )
    assert price.status_code == 200
    stop = await hub_client.put(f"/api/v1/locations/{center['id']}/stop-list/{product['id']}", headers=owner)
    assert stop.status_code == 200
    cashier = await hub_client.post(
        "/api/v1/users",
        json={"name": "Анна", "role": "cashier", "pin": "4321", "location_ids": [airport["id"]]},
        headers=owner,
    )
    assert cashier.status_code == 201

    async def current(location: dict[str, Any]) -> CatalogSnapshot:
        response = await hub_client.get(f"/api/v1/locations/{location['id']}/catalog", headers=owner)
        return decode_catalog(response.content)

    at_airport, at_center = await current(airport), await current(center)
    assert at_airport.products[0].price == 35000 and at_center.products[0].price == 22000
    assert at_center.stop_list == [at_center.products[0].id] and at_airport.stop_list == []
    assert [s.name for s in at_airport.staff] == ["Анна"] and at_center.staff == []
    assert PasswordHasher().verify(at_airport.staff[0].pin_hash, "4321")
    published = await _snapshot_on(watcher, airport, at_airport.version)
    assert published.content_hash == at_airport.content_hash


async def _snapshot_on(watcher: TestClient, location: dict[str, Any], version: int) -> CatalogSnapshot:
    await watcher.subscribe(catalog_topic(location["org_id"], location["id"]))
    return await _snapshot(watcher, location, version)


async def test_changes_made_while_the_broker_is_down_are_published_on_reconnect(
    hub_client: Client, hub_broker: HubBroker, broker_settings: Settings
) -> None:
    owner = await owner_headers(hub_client)
    location = await create_location(hub_client, owner)
    hub_broker.stop()
    await hub_client.post("/api/v1/catalog/products", json={"sku": "W", "name": "Вода", "price": 9000}, headers=owner)
    version = await _current_version(hub_client, owner, location["id"])
    hub_broker.start(broker_settings)
    watcher = TestClient(hub_broker.host, hub_broker.port, "yago-hub", HUB_MQTT_PASSWORD)
    assert await watcher.connect() == 0
    try:
        await watcher.subscribe(catalog_topic(location["org_id"], location["id"]))
        snapshot = await _snapshot(watcher, location, version)
        assert [p.sku for p in snapshot.products] == ["W"]
    finally:
        watcher.close()
