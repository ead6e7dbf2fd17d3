"""Locations, registers and users: CRUD within the caller's organization, and staff changes (PIN,
deactivation, location assignment) reaching the registers through a new catalog version."""

from __future__ import annotations

from typing import Any

import pytest

from tests.hub._api import Client, create_location, owner_headers

pytestmark = pytest.mark.integration


async def _catalog(client: Client, headers: dict[str, str], location_id: str) -> dict[str, Any]:
    body: dict[str, Any] = (await client.get(f"/api/v1/locations/{location_id}/catalog", headers=headers)).json()
    return body


async def test_locations_can_be_changed_and_closed(client: Client) -> None:
    owner = await owner_headers(client)
    location = await create_location(client, owner)
    patched = await client.patch(
        f"/api/v1/locations/{location['id']}", json={"currency": "KZT", "timezone": "Asia/Almaty"}, headers=owner
    )
    assert (patched.json()["currency"], patched.json()["timezone"]) == ("KZT", "Asia/Almaty")
    assert (await _catalog(client, owner, location["id"]))["currency"] == "KZT"
    assert patched.json()["catalog_version"] == location["catalog_version"] + 1
    registers = await client.post(f"/api/v1/locations/{location['id']}/registers", json={"name": "K"}, headers=owner)
    assert registers.status_code == 201
    listed = await client.get("/api/v1/registers", params={"location": location["id"]}, headers=owner)
    assert [r["name"] for r in listed.json()["data"]] == ["K"]
    assert (await client.delete(f"/api/v1/locations/{location['id']}", headers=owner)).status_code == 204
    assert (await client.get(f"/api/v1/locations/{location['id']}", headers=owner)).status_code == 404
    assert (await client.get("/api/v1/registers", headers=owner)).json()["meta"]["total"] == 0


async def test_staff_changes_republish_the_staff_list(client: Client) -> None:
    owner = await owner_headers(client)
    location = await create_location(client, owner)
    created = await client.post(
        "/api/v1/users",
        json={"name": "Вера", "role": "kitchen", "pin": "3333", "location_ids": [location["id"]]},
        headers=owner,
    )
    user = created.json()
    first = await _catalog(client, owner, location["id"])
    assert [s["name"] for s in first["staff"]] == ["Вера"]

    await client.patch(f"/api/v1/users/{user['id']}", json={"pin": "4444"}, headers=owner)
    second = await _catalog(client, owner, location["id"])
    assert second["version"] == first["version"] + 1
    assert second["staff"][0]["pin_hash"] != first["staff"][0]["pin_hash"]

    await client.patch(f"/api/v1/users/{user['id']}", json={"active": False}, headers=owner)
    assert (await _catalog(client, owner, location["id"]))["staff"] == []
    await client.patch(f"/api/v1/users/{user['id']}", json={"active": True, "location_ids": []}, headers=owner)
    assert (await _catalog(client, owner, location["id"]))["staff"] == []
    await client.patch(f"/api/v1/users/{user['id']}", json={"location_ids": [location["id"]]}, headers=owner)
    assert len((await _catalog(client, owner, location["id"]))["staff"]) == 1
    assert (await client.delete(f"/api/v1/users/{user['id']}", headers=owner)).status_code == 204
    assert (await _catalog(client, owner, location["id"]))["staff"] == []


async def test_users_list_and_guard_themselves(client: Client) -> None:
    owner = await owner_headers(client)
    me = (await client.get("/api/v1/users/me", headers=owner)).json()
    for name, role in (("Борис", "manager"), ("Анна", "cashier")):
        await client.post("/api/v1/users", json={"name": name, "role": role}, headers=owner)
    listed = await client.get("/api/v1/users", params={"sort": "name", "role": "cashier"}, headers=owner)
    assert [u["name"] for u in listed.json()["data"]] == ["Анна"]
    assert (await client.get("/api/v1/users", headers=owner)).json()["meta"]["total"] == 3
    assert (await client.delete(f"/api/v1/users/{me['id']}", headers=owner)).status_code == 400
    assert (await client.patch(f"/api/v1/users/{me['id']}", json={"role": "cashier"}, headers=owner)).status_code == 400
    no_email = await client.post(
        "/api/v1/users", json={"name": "X", "role": "cashier", "password": "password123"}, headers=owner
    )
    assert no_email.status_code == 400
    short_pin = await client.post("/api/v1/users", json={"name": "X", "role": "cashier", "pin": "12"}, headers=owner)
    assert short_pin.status_code == 400
