"""Small helpers the hub API tests share: sign-up, bearer headers, creating locations and staff."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

Client = AsyncTestClient[Litestar]
PASSWORD = "correct horse battery"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def sign_up(client: Client, email: str | None = None, organization: str = "Кофейня") -> dict[str, Any]:
    email = email or f"owner-{uuid.uuid4().hex[:8]}@example.test"
    response = await client.post(
        "/api/v1/auth/register",
        json={"organization": organization, "name": "Owner", "email": email, "password": PASSWORD},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    client.cookies.clear()  # tests choose bearer or cookie explicitly
    return body


async def owner_headers(client: Client, email: str | None = None) -> dict[str, str]:
    return bearer((await sign_up(client, email))["access_token"])


async def create_location(client: Client, headers: dict[str, str], name: str = "Тверская") -> dict[str, Any]:
    response = await client.post("/api/v1/locations", json={"name": name, "address": "Москва"}, headers=headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def user_with_role(
    client: Client, headers: dict[str, str], role: str, location_ids: list[str] | None = None
) -> dict[str, str]:
    """Create a user with ``role`` and a password, sign them in, return their bearer headers."""
    email = f"{role}-{uuid.uuid4().hex[:8]}@example.test"
    response = await client.post(
        "/api/v1/users",
        json={
            "name": role.title(),
            "role": role,
            "email": email,
            "password": PASSWORD,
            "location_ids": location_ids or [],
        },
        headers=headers,
    )
    assert response.status_code == 201, response.text
    login = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    client.cookies.clear()
    return bearer(login.json()["access_token"])
