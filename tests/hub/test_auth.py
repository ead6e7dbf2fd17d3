"""Sign-up, login, token expiry, refresh rotation and reuse detection, cookies, logout, invitations,
role checks, organization isolation and rate limits — over HTTP through the ASGI app."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient

from hub.app import create_app
from tests.hub._api import PASSWORD, Client, bearer, create_location, owner_headers, sign_up, user_with_role
from tests.hub.conftest import SettingsFactory

pytestmark = pytest.mark.integration


async def test_sign_up_creates_an_organization_and_its_owner(client: Client) -> None:
    tokens = await sign_up(client, "boss@example.test", organization="Кофе и точка")
    assert tokens["user"]["role"] == "owner"
    org = await client.get("/api/v1/organization", headers=bearer(tokens["access_token"]))
    assert org.status_code == 200
    assert org.json()["name"] == "Кофе и точка"
    again = await client.post(
        "/api/v1/auth/register",
        json={"organization": "x", "name": "y", "email": "BOSS@example.test", "password": PASSWORD},
    )
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")


async def test_login_with_wrong_password_is_refused(client: Client) -> None:
    await sign_up(client, "a@example.test")
    bad = await client.post("/api/v1/auth/login", json={"email": "a@example.test", "password": "nope-nope"})
    assert bad.status_code == 401
    assert bad.json()["type"] == "urn:yago:problem:bad-credentials"
    good = await client.post("/api/v1/auth/login", json={"email": "A@example.test", "password": PASSWORD})
    assert good.status_code == 200
    assert good.json()["token_type"] == "Bearer"


async def test_requests_without_a_token_get_401(client: Client) -> None:
    response = await client.get("/api/v1/locations")
    assert response.status_code == 401
    assert response.json()["status"] == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_an_expired_access_token_is_refused_and_refresh_gives_a_new_one(make_settings: SettingsFactory) -> None:
    async with AsyncTestClient(app=create_app(make_settings(app={"access_ttl": 0}))) as client:
        tokens = await sign_up(client)
        expired = await client.get("/api/v1/users/me", headers=bearer(tokens["access_token"]))
        assert expired.status_code == 401
        assert expired.json()["type"] == "urn:yago:problem:token-expired"
        renewed = await client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
        assert renewed.status_code == 200
        assert renewed.json()["refresh_token"] != tokens["refresh_token"]


async def test_refresh_rotates_and_reuse_revokes_the_whole_family(client: Client) -> None:
    first = await sign_up(client)
    second = (await client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})).json()
    third = await client.post("/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert third.status_code == 200
    reused = await client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reused.status_code == 401
    assert reused.json()["type"] == "urn:yago:problem:refresh-reused"
    # the newest token of the family was revoked with it
    latest = await client.post("/api/v1/auth/refresh", json={"refresh_token": third.json()["refresh_token"]})
    assert latest.status_code == 401


async def test_browsers_use_httponly_cookies(client: Client) -> None:
    email = "cookie@example.test"
    await sign_up(client, email)
    login = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    set_cookies = login.headers.get_list("set-cookie")
    assert any(c.startswith("yago_access=") and "HttpOnly" in c for c in set_cookies)
    assert any(c.startswith("yago_refresh=") and "HttpOnly" in c and "Path=/api/v1/auth" in c for c in set_cookies)
    me = await client.get("/api/v1/users/me")
    assert me.status_code == 200
    assert me.json()["email"] == email
    client.cookies.set("yago_refresh", login.json()["refresh_token"], path="/api/v1/auth")
    refreshed = await client.post("/api/v1/auth/refresh")
    assert refreshed.status_code == 200


async def test_logout_revokes_the_refresh_token(client: Client) -> None:
    tokens = await sign_up(client)
    out = await client.post("/api/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    assert out.status_code == 204
    again = await client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert again.status_code == 401


async def test_invited_user_accepts_once_and_gets_the_role(client: Client) -> None:
    owner = await owner_headers(client)
    location = await create_location(client, owner)
    invite = await client.post(
        "/api/v1/auth/invite",
        json={"email": "barista@example.test", "role": "cashier", "location_ids": [location["id"]]},
        headers=owner,
    )
    assert invite.status_code == 201
    token = invite.json()["token"]
    accepted = await client.post(
        "/api/v1/auth/invite/accept", json={"token": token, "name": "Бариста", "password": PASSWORD, "pin": "5678"}
    )
    assert accepted.status_code == 201, accepted.text
    user = accepted.json()["user"]
    assert (user["role"], user["has_pin"], user["location_ids"]) == ("cashier", True, [location["id"]])
    twice = await client.post(
        "/api/v1/auth/invite/accept", json={"token": token, "name": "Бариста", "password": PASSWORD}
    )
    assert twice.status_code == 410
    login = await client.post("/api/v1/auth/login", json={"email": "barista@example.test", "password": PASSWORD})
    assert login.json()["user"]["role"] == "cashier"


async def test_roles_are_checked_per_route(client: Client) -> None:
    owner = await owner_headers(client)
    cashier = await user_with_role(client, owner, "cashier")
    manager = await user_with_role(client, owner, "manager")
    admin = await user_with_role(client, owner, "admin")
    assert (await client.post("/api/v1/locations", json={"name": "x"}, headers=cashier)).status_code == 403
    assert (await client.get("/api/v1/users", headers=manager)).status_code == 403
    invite = {"email": "new@example.test", "role": "cashier"}
    assert (await client.post("/api/v1/auth/invite", json=invite, headers=manager)).status_code == 403
    owner_invite = {"email": "new@example.test", "role": "owner"}
    denied = await client.post("/api/v1/auth/invite", json=owner_invite, headers=admin)
    assert denied.status_code == 403
    assert denied.json()["type"] == "urn:yago:problem:forbidden"
    assert (await client.post("/api/v1/auth/invite", json=invite, headers=admin)).status_code == 201
    product = {"sku": "ESP", "name": "Эспрессо", "price": 12000}
    assert (await client.post("/api/v1/catalog/products", json=product, headers=cashier)).status_code == 403
    assert (await client.post("/api/v1/catalog/products", json=product, headers=manager)).status_code == 201
    assert (await client.get("/api/v1/catalog/products", headers=cashier)).status_code == 200
    assert (await client.get("/api/v1/users/me", headers=cashier)).json()["role"] == "cashier"


async def test_another_organizations_ids_answer_404(client: Client) -> None:
    alice = await owner_headers(client)
    bob = await owner_headers(client)
    location = await create_location(client, alice)
    product = (
        await client.post("/api/v1/catalog/products", json={"sku": "A", "name": "A", "price": 1}, headers=alice)
    ).json()
    register = (
        await client.post(f"/api/v1/locations/{location['id']}/registers", json={"name": "K1"}, headers=alice)
    ).json()["register"]
    for path in (
        f"/api/v1/locations/{location['id']}",
        f"/api/v1/catalog/products/{product['id']}",
        f"/api/v1/registers/{register['id']}",
        f"/api/v1/locations/{location['id']}/catalog",
    ):
        response = await client.get(path, headers=bob)
        assert response.status_code == 404, path
        assert response.json()["type"] == "urn:yago:problem:not-found"
    patched = await client.patch(f"/api/v1/catalog/products/{product['id']}", json={"price": 5}, headers=bob)
    assert patched.status_code == 404
    foreign_price = await client.put(
        f"/api/v1/locations/{location['id']}/prices/{product['id']}", json={"price": 5}, headers=bob
    )
    assert foreign_price.status_code == 404
    listing = await client.get("/api/v1/catalog/products", headers=bob)
    assert listing.json()["data"] == []


async def test_login_is_rate_limited_per_account(make_settings: SettingsFactory) -> None:
    settings = make_settings(app={"login_account_limit": 3})
    async with AsyncTestClient(app=create_app(settings)) as client:
        await sign_up(client, "target@example.test")
        for _ in range(3):
            wrong = await client.post("/api/v1/auth/login", json={"email": "target@example.test", "password": "x" * 8})
            assert wrong.status_code == 401
        blocked = await client.post("/api/v1/auth/login", json={"email": "target@example.test", "password": PASSWORD})
        assert blocked.status_code == 429
        assert int(blocked.headers["retry-after"]) >= 1
        assert blocked.json()["type"] == "urn:yago:problem:too-many-requests"
        other = await client.post("/api/v1/auth/login", json={"email": "other@example.test", "password": "x" * 8})
        assert other.status_code == 401


async def test_login_is_rate_limited_per_address(make_settings: SettingsFactory) -> None:
    settings = make_settings(app={"login_address_limit": 2, "login_account_limit": 100})
    async with AsyncTestClient(app=create_app(settings)) as client:
        for n in range(2):
            response = await client.post(
                "/api/v1/auth/login", json={"email": f"u{n}@example.test", "password": "x" * 8}
            )
            assert response.status_code == 401
        blocked = await client.post("/api/v1/auth/login", json={"email": "u9@example.test", "password": "x" * 8})
        assert blocked.status_code == 429
        assert "retry-after" in blocked.headers


async def test_each_user_gets_a_request_budget_per_minute(make_settings: SettingsFactory) -> None:
    async with AsyncTestClient(app=create_app(make_settings(app={"rate_limit_per_minute": 5}))) as client:
        tokens = await sign_up(client)  # one anonymous request
        headers = bearer(tokens["access_token"])
        statuses = [(await client.get("/api/v1/users/me", headers=headers)).status_code for _ in range(6)]
        assert statuses[:5] == [200] * 5
        assert statuses[5] == 429
        limited = await client.get("/api/v1/users/me", headers=headers)
        assert int(limited.headers["retry-after"]) >= 1
        assert (await client.get("/healthz")).status_code == 200  # probes are never limited
        other = bearer(
            (
                await client.post("/api/v1/auth/login", json={"email": tokens["user"]["email"], "password": PASSWORD})
            ).json()["access_token"]
        )
        assert (await client.get("/api/v1/users/me", headers=other)).status_code == 429  # same user, same budget
