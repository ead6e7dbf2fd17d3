"""Fleet and order endpoints read what the ingest stores (presence, orders with lines, payments, fiscal
documents and status history); rows are written here through the same ORM models the ingest uses."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hub.db.models.ingest import FiscalDocument, Order, OrderLine, OrderPayment, OrderStatusChange, RegisterPresence
from hub.db.session import create_engine, create_session_factory
from protocols.ids import uuid7
from tests.hub._api import Client, create_location, owner_headers, user_with_role

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
async def sessions(db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on the test's own loop (the app runs on the test client's loop)."""
    engine = create_engine(db_url)
    yield create_session_factory(engine)
    await engine.dispose()


async def _register(client: Client, headers: dict[str, str], location_id: str, name: str) -> str:
    response = await client.post(f"/api/v1/locations/{location_id}/registers", json={"name": name}, headers=headers)
    return str(response.json()["register"]["id"])


def _order(org: str, loc: str, reg: str, number: int, status: str, at: datetime, total: int) -> Order:
    return Order(
        id=uuid7(),
        org_id=uuid.UUID(org),
        location_id=uuid.UUID(loc),
        register_id=uuid.UUID(reg),
        number=str(number),
        status=status,
        kitchen_status=None,
        order_type="takeaway",
        comment="",
        subtotal=total,
        discount=0,
        total=total,
        paid_total=total if status != "draft" else 0,
        refunded_total=0,
        vat=[],
        currency="RUB",
        created_at=at,
        updated_at=at,
    )


async def test_fleet_shows_presence_and_catalog_lag(sessions: async_sessionmaker[AsyncSession], client: Client) -> None:
    owner = await owner_headers(client)
    location = await create_location(client, owner)
    current = location["catalog_version"]
    fresh = await _register(client, owner, location["id"], "Касса 1")
    stale = await _register(client, owner, location["id"], "Касса 2")
    silent = await _register(client, owner, location["id"], "Касса 3")
    async with sessions() as session:
        for reg, version in ((fresh, current), (stale, current - 1)):
            session.add(
                RegisterPresence(
                    register_id=uuid.UUID(reg),
                    state="online" if reg == fresh else "offline",
                    version="0.1.0",
                    backlog=3 if reg == stale else 0,
                    devices=[{"kind": "fiscal", "state": "ok"}],
                    catalog_version=version,
                    last_seen_at=T0,
                )
            )
        await session.commit()
    response = await client.get("/api/v1/fleet/registers", params={"sort": "name"}, headers=owner)
    assert response.status_code == 200
    rows = {r["register_id"]: r for r in response.json()["data"]}
    assert (rows[fresh]["state"], rows[fresh]["lagging"]) == ("online", False)
    assert (rows[stale]["state"], rows[stale]["lagging"], rows[stale]["backlog"]) == ("offline", True, 3)
    assert (rows[silent]["state"], rows[silent]["lagging"]) == ("unknown", True)
    lagging = await client.get("/api/v1/fleet/registers", params={"lagging": "true"}, headers=owner)
    assert {r["register_id"] for r in lagging.json()["data"]} == {stale, silent}
    online = await client.get("/api/v1/fleet/registers", params={"state": "online"}, headers=owner)
    assert [r["register_id"] for r in online.json()["data"]] == [fresh]
    versions = await client.get("/api/v1/catalog/versions", headers=owner)
    registers = {r["register_id"]: r["lagging"] for r in versions.json()["data"][0]["registers"]}
    assert registers == {fresh: False, stale: True, silent: True}


async def _seed_orders(sessions: async_sessionmaker[AsyncSession], location: dict[str, Any], reg: str) -> list[Order]:
    org, loc = location["org_id"], location["id"]
    orders = [
        _order(org, loc, reg, 1, "fiscalized", T0, 24000),
        _order(org, loc, reg, 2, "cancelled", T0 + timedelta(hours=1), 15000),
        _order(org, loc, reg, 3, "fiscalized", T0 + timedelta(days=1), 31000),
    ]
    first = orders[0]
    async with sessions() as session:
        session.add_all(orders)
        await session.flush()
        session.add(
            OrderLine(
                id=uuid7(),
                order_id=first.id,
                position=1,
                product_id=uuid7(),
                sku="LAT",
                name="Латте",
                quantity=Decimal("1.000"),
                unit_price=24000,
                discount=0,
                amount=24000,
                vat_rate="vat22",
                vat_amount=4328,
                modifiers=[],
                comment="",
            )
        )
        session.add(
            OrderPayment(
                id=uuid7(),
                order_id=first.id,
                kind="payment",
                method="card",
                amount=24000,
                change=0,
                status="approved",
                reason="",
                created_at=T0,
                updated_at=T0,
            )
        )
        session.add(
            FiscalDocument(
                id=uuid7(),
                org_id=first.org_id,
                location_id=first.location_id,
                register_id=first.register_id,
                order_id=first.id,
                kind="sell",
                document_number=17,
                document_sign="3849450238",
                fn_number="7380440700000000",
                registration_number="0000000001000001",
                document_datetime=T0,
                total=24000,
                qr="t=20261120T0900&s=240.00",
            )
        )
        for seq, (status, previous) in enumerate((("paid", "draft"), ("fiscalized", "paid")), start=1):
            session.add(
                OrderStatusChange(
                    id=uuid7(),
                    order_id=first.id,
                    register_id=first.register_id,
                    seq=seq,
                    field="status",
                    status=status,
                    previous=previous,
                    at=T0,
                )
            )
        await session.commit()
    return orders


async def test_orders_filter_by_period_status_and_location(
    sessions: async_sessionmaker[AsyncSession], client: Client
) -> None:
    owner = await owner_headers(client)
    location = await create_location(client, owner)
    reg = await _register(client, owner, location["id"], "Касса 1")
    orders = await _seed_orders(sessions, location, reg)
    day = {"dateFrom": "2026-11-20T00:00:00+00:00", "dateTo": "2026-11-21T00:00:00+00:00"}
    response = await client.get("/api/v1/orders", params={**day, "location": location["id"]}, headers=owner)
    assert response.status_code == 200, response.text
    assert [o["number"] for o in response.json()["data"]] == ["2", "1"]  # newest first
    paid = await client.get("/api/v1/orders", params={"status": "fiscalized", "sort": "total"}, headers=owner)
    assert [o["total"] for o in paid.json()["data"]] == [24000, 31000]
    assert paid.json()["meta"] == {"total": 2, "limit": 50, "offset": 0}

    detail = (await client.get(f"/api/v1/orders/{orders[0].id}", headers=owner)).json()
    assert [(x["sku"], x["amount"]) for x in detail["lines"]] == [("LAT", 24000)]
    assert [(p["method"], p["amount"]) for p in detail["payments"]] == [("card", 24000)]
    assert detail["fiscal"][0]["document_number"] == 17
    assert [h["status"] for h in detail["status_history"]] == ["paid", "fiscalized"]


async def test_orders_are_isolated_and_need_a_manager(
    sessions: async_sessionmaker[AsyncSession], client: Client
) -> None:
    owner = await owner_headers(client)
    location = await create_location(client, owner)
    reg = await _register(client, owner, location["id"], "Касса 1")
    orders = await _seed_orders(sessions, location, reg)
    stranger = await owner_headers(client)
    assert (await client.get(f"/api/v1/orders/{orders[0].id}", headers=stranger)).status_code == 404
    assert (await client.get("/api/v1/orders", headers=stranger)).json()["data"] == []
    cashier = await user_with_role(client, owner, "cashier")
    assert (await client.get("/api/v1/orders", headers=cashier)).status_code == 403
    naive = await client.get("/api/v1/orders", params={"dateFrom": "2026-11-20T00:00:00"}, headers=owner)
    assert naive.status_code == 400
