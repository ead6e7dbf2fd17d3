"""A menu whose validity starts (or ends) with no request around is picked up by the periodic check,
which republishes the affected organization's catalogs."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from hub.broker.files import BrokerFiles
from hub.broker.publisher import CatalogPublisher
from hub.db.models.catalog import Menu, MenuProduct
from hub.db.models.tenancy import Location
from hub.db.session import create_engine, create_session_factory
from hub.domain.menus.services import refresh_menu_boundaries
from hub.settings import Settings
from hub.state import HubState, Limits
from protocols.ids import utcnow, uuid7
from tests.hub._api import Client, create_location, owner_headers

pytestmark = pytest.mark.integration


async def test_a_menu_that_starts_later_republishes_the_catalog(client: Client, settings: Settings) -> None:
    headers = await owner_headers(client)
    location = await create_location(client, headers)
    product = (
        await client.post(
            "/api/v1/catalog/products", json={"sku": "S", "name": "Сезонное", "price": 1}, headers=headers
        )
    ).json()
    engine = create_engine(settings.db.url)
    sessions = create_session_factory(engine)
    hub = HubState(
        settings=settings,
        engine=engine,
        sessions=sessions,
        publisher=CatalogPublisher(settings.mqtt, sessions),
        broker_files=BrokerFiles(settings.broker, settings.mqtt),
        limits=Limits.from_settings(settings),
    )
    try:
        now = utcnow()
        async with sessions() as session:
            before = await session.scalar(
                sa.select(Location.catalog_version).where(Location.id == uuid.UUID(location["id"]))
            )
            menu = Menu(
                id=uuid7(),
                org_id=uuid.UUID(location["org_id"]),
                name="Зимнее",
                valid_from=now - timedelta(seconds=5),  # began a moment ago, after the last check
                priority=0,
                active=True,
                created_at=now - timedelta(days=1),
            )
            session.add(menu)
            await session.flush()
            session.add(MenuProduct(menu_id=menu.id, product_id=uuid.UUID(product["id"])))
            await session.commit()
        await refresh_menu_boundaries(hub, now - timedelta(seconds=30))
        async with sessions() as session:
            after = await session.scalar(
                sa.select(Location.catalog_version).where(Location.id == uuid.UUID(location["id"]))
            )
        assert after == (before or 0) + 1
        snapshot = (await client.get(f"/api/v1/locations/{location['id']}/catalog", headers=headers)).json()
        assert snapshot["menu_name"] == "Зимнее"
        # nothing crossed a boundary since: no new version
        await refresh_menu_boundaries(hub, utcnow())
        async with sessions() as session:
            again = await session.scalar(
                sa.select(Location.catalog_version).where(Location.id == uuid.UUID(location["id"]))
            )
        assert again == after
    finally:
        await engine.dispose()
