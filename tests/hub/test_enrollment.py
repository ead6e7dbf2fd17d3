"""Enrollment: an admin creates a register and gets a one-time code; the box trades it for its
identity, broker credentials and the location's staff. The hub rewrites Mosquitto's password file and
ACL and reloads it, after which each register can use only its own topics and read its catalog."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from hub.app import create_app
from hub.settings import Settings
from protocols.codec import decode_catalog, decode_command
from protocols.topics import Channel, catalog_topic, register_topic
from tests.hub._api import Client, create_location, owner_headers, user_with_role
from tests.hub._broker import HubBroker
from tests.hub._mqtt import TestClient, connected, refused
from tests.hub.conftest import HUB_MQTT_PASSWORD, SettingsFactory

pytestmark = pytest.mark.integration


@pytest.fixture
async def hub_client(broker_settings: Settings) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=create_app(broker_settings)) as client:
        yield client


async def _new_register(client: Client, headers: dict[str, str], location_id: str, name: str) -> dict[str, Any]:
    response = await client.post(f"/api/v1/locations/{location_id}/registers", json={"name": name}, headers=headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_enrollment_returns_identity_credentials_and_staff_once(
    hub_client: Client, hub_broker: HubBroker
) -> None:
    owner = await owner_headers(hub_client)
    location = await create_location(hub_client, owner)
    staff = await hub_client.post(
        "/api/v1/users",
        json={"name": "Анна", "role": "cashier", "pin": "1111", "location_ids": [location["id"]]},
        headers=owner,
    )
    assert staff.status_code == 201
    created = await _new_register(hub_client, owner, location["id"], "Касса 1")
    code = created["enrollment"]["code"]
    assert created["register"]["enrolled_at"] is None

    answer = await hub_client.post("/api/v1/enroll", json={"code": code.lower()})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) == {"org_id", "location_id", "register_id", "mqtt", "staff"}
    assert set(body["mqtt"]) == {"host", "port", "username", "password", "tls"}
    assert (body["org_id"], body["location_id"], body["register_id"]) == (
        location["org_id"],
        location["id"],
        created["register"]["id"],
    )
    assert (body["mqtt"]["host"], body["mqtt"]["port"], body["mqtt"]["tls"]) == (
        hub_broker.host,
        hub_broker.port,
        False,
    )
    assert [(s["name"], s["role"]) for s in body["staff"]] == [("Анна", "cashier")]
    assert body["staff"][0]["pin_hash"].startswith("$argon2")

    reused = await hub_client.post("/api/v1/enroll", json={"code": code})
    assert reused.status_code == 410
    assert reused.json()["type"] == "urn:yago:problem:enrollment-code-used"
    unknown = await hub_client.post("/api/v1/enroll", json={"code": "AAAAA-BBBBB"})
    assert unknown.status_code == 404
    assert body["mqtt"]["username"] in hub_broker.password_file.read_text()
    assert body["mqtt"]["password"] not in hub_broker.password_file.read_text()


async def test_a_register_can_use_only_its_own_topics(hub_client: Client, hub_broker: HubBroker) -> None:
    owner = await owner_headers(hub_client)
    location = await create_location(hub_client, owner)
    other = await create_location(hub_client, owner, "Другая")
    a = await _new_register(hub_client, owner, location["id"], "A")
    b = await _new_register(hub_client, owner, location["id"], "B")
    cred_a = (await hub_client.post("/api/v1/enroll", json={"code": a["enrollment"]["code"]})).json()
    cred_b = (await hub_client.post("/api/v1/enroll", json={"code": b["enrollment"]["code"]})).json()
    org, loc = location["org_id"], location["id"]
    reg_a, reg_b = cred_a["register_id"], cred_b["register_id"]

    hub = await connected(hub_broker.host, hub_broker.port, "yago-hub", HUB_MQTT_PASSWORD)
    register_a = await connected(
        hub_broker.host, hub_broker.port, cred_a["mqtt"]["username"], cred_a["mqtt"]["password"]
    )
    impostor = TestClient(hub_broker.host, hub_broker.port, cred_a["mqtt"]["username"], cred_b["mqtt"]["password"])
    try:
        assert await impostor.connect() != 0  # A's name with B's password
        await hub.subscribe("yago/v1/#")
        for topic in (
            f"yago/v1/{org}/{loc}/{reg_a}/#",
            f"yago/v1/{org}/{loc}/{reg_b}/#",
            catalog_topic(org, loc),
            catalog_topic(org, other["id"]),
        ):
            await register_a.subscribe(topic)

        catalog = await register_a.wait_for(lambda m: m.topic == catalog_topic(org, loc))
        assert decode_catalog(catalog.payload).location_id.hex == loc.replace("-", "")

        await hub.publish(register_topic(org, loc, reg_b, Channel.CMD), b"for B")
        await hub.publish(register_topic(org, loc, reg_a, Channel.CMD), b"for A")
        await register_a.wait_for(lambda m: m.payload == b"for A")

        await register_a.publish(register_topic(org, loc, reg_b, Channel.EVT), b"forged as B")
        await register_a.publish(register_topic(org, loc, reg_a, Channel.EVT), b"from A")
        await hub.wait_for(lambda m: m.payload == b"from A")

        assert not [m for m in register_a.messages if m.payload == b"for B"]
        assert not [m for m in hub.messages if m.payload == b"forged as B"]
        assert not register_a.received(catalog_topic(org, other["id"]))
        assert await _cannot_publish_catalog(register_a, hub, org, loc)
    finally:
        for client in (hub, register_a, impostor):
            client.close()


async def _cannot_publish_catalog(register: TestClient, hub: TestClient, org: str, loc: str) -> bool:
    await register.publish(catalog_topic(org, loc), b"forged catalog")
    await register.publish(register_topic(org, loc, "marker", Channel.EVT), b"x")  # denied too; just a delay
    await hub.publish(register_topic(org, loc, "marker", Channel.CMD), b"marker")
    await hub.wait_for(lambda m: m.payload == b"marker")
    return not [m for m in hub.messages if m.payload == b"forged catalog"]


async def test_deleting_a_register_removes_its_broker_account(hub_client: Client, hub_broker: HubBroker) -> None:
    owner = await owner_headers(hub_client)
    location = await create_location(hub_client, owner)
    created = await _new_register(hub_client, owner, location["id"], "A")
    cred = (await hub_client.post("/api/v1/enroll", json={"code": created["enrollment"]["code"]})).json()
    assert cred["mqtt"]["username"] in hub_broker.acl_file.read_text()
    gone = await hub_client.delete(f"/api/v1/registers/{cred['register_id']}", headers=owner)
    assert gone.status_code == 204
    assert cred["mqtt"]["username"] not in hub_broker.password_file.read_text()
    assert await refused(hub_broker.host, hub_broker.port, cred["mqtt"]["username"], cred["mqtt"]["password"])


async def test_only_admins_create_registers_and_codes_expire(make_settings: SettingsFactory) -> None:
    async with AsyncTestClient(app=create_app(make_settings(app={"enrollment_code_ttl": 0}))) as client:
        owner = await owner_headers(client)
        location = await create_location(client, owner)
        manager = await user_with_role(client, owner, "manager")
        denied = await client.post(f"/api/v1/locations/{location['id']}/registers", json={"name": "X"}, headers=manager)
        assert denied.status_code == 403
        created = await _new_register(client, owner, location["id"], "X")
        expired = await client.post("/api/v1/enroll", json={"code": created["enrollment"]["code"]})
        assert expired.status_code == 410
        assert expired.json()["type"] == "urn:yago:problem:enrollment-code-expired"


async def test_enrollment_is_rate_limited(make_settings: SettingsFactory) -> None:
    async with AsyncTestClient(app=create_app(make_settings(app={"enroll_limit_per_minute": 2}))) as client:
        statuses = [(await client.post("/api/v1/enroll", json={"code": f"WRONG-{n}"})).status_code for n in range(3)]
        assert statuses == [404, 404, 429]


async def test_commands_are_sent_to_the_registers_cmd_topic(hub_client: Client, hub_broker: HubBroker) -> None:
    owner = await owner_headers(hub_client)
    location = await create_location(hub_client, owner)
    created = await _new_register(hub_client, owner, location["id"], "A")
    cred = (await hub_client.post("/api/v1/enroll", json={"code": created["enrollment"]["code"]})).json()
    register = await connected(hub_broker.host, hub_broker.port, cred["mqtt"]["username"], cred["mqtt"]["password"])
    try:
        topic = register_topic(location["org_id"], location["id"], cred["register_id"], Channel.CMD)
        await register.subscribe(topic)
        sent = await hub_client.post(
            f"/api/v1/registers/{cred['register_id']}/commands", json={"type": "report.x"}, headers=owner
        )
        assert sent.status_code == 202, sent.text
        message = await register.wait_for(lambda m: m.topic == topic)
        command = decode_command(message.payload)
        assert str(command.command_id) == sent.json()["command_id"] and command.expires_at is not None
        invalid = await hub_client.post(
            f"/api/v1/registers/{cred['register_id']}/commands", json={"type": "config.update"}, headers=owner
        )
        assert invalid.status_code == 400
    finally:
        register.close()
