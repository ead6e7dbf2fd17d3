"""The demo chain: the organization, location and two registers with the fixed ids of
``protocols.samples``, the coffee-shop catalog, an owner login and staff with the documented PINs.

``seed_demo`` is idempotent: run again it keeps the data and rotates the registers' broker passwords
(only hashes are stored, so fresh passwords are the only ones it can hand back).
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hub.broker.passwd import hash_broker_password
from hub.broker.publisher import PendingSnapshot
from hub.db.models import catalog as m
from hub.db.models.auth import User, UserLocation
from hub.db.models.tenancy import Location, Organization, Register
from hub.domain.auth.security import hash_secret
from hub.domain.catalog.snapshots import rebuild_locations
from hub.domain.enrollment.services import mqtt_username
from protocols.ids import utcnow
from protocols.samples import (
    DEMO_LOCATION_ID,
    DEMO_ORG_ID,
    DEMO_PINS,
    DEMO_REGISTER_IDS,
    STAFF_IDS,
    STAFF_NAMES,
    demo_catalog,
)

DEMO_OWNER_EMAIL = "owner@demo.yago"
DEMO_OWNER_PASSWORD = "demo-owner-password"
DEMO_OWNER_ID = uuid.UUID("019a0000-0000-7000-8000-000000000010")
DEMO_MENU_ID = uuid.UUID("019a0000-0000-7000-8000-000000000011")


@dataclass(frozen=True, slots=True)
class RegisterCredentials:
    register_id: uuid.UUID
    username: str
    password: str


@dataclass(frozen=True, slots=True)
class DemoSeed:
    org_id: uuid.UUID
    location_id: uuid.UUID
    registers: list[RegisterCredentials]
    snapshots: list[PendingSnapshot]
    """New snapshot versions to hand to a running publisher (the API republishes at start anyway)."""


async def _seed_tenancy(session: AsyncSession, now: datetime) -> None:
    session.add(Organization(id=DEMO_ORG_ID, name="Yago Coffee (демо)", created_at=now))
    await session.flush()
    session.add(
        Location(
            id=DEMO_LOCATION_ID,
            org_id=DEMO_ORG_ID,
            name="Кофейня на Тверской",
            address="Москва, Тверская ул., 1",
            timezone="Europe/Moscow",
            currency="RUB",
            taxation_type="usn_income",
            fiscal=True,
            catalog_version=0,
            catalog_hash="",
            created_at=now,
        )
    )
    await session.flush()
    for n, register_id in enumerate(DEMO_REGISTER_IDS, start=1):
        session.add(
            Register(
                id=register_id,
                org_id=DEMO_ORG_ID,
                location_id=DEMO_LOCATION_ID,
                name=f"Касса {n}",
                mqtt_username=mqtt_username(register_id),
                created_at=now,
            )
        )
    session.add(
        User(
            id=DEMO_OWNER_ID,
            org_id=DEMO_ORG_ID,
            email=DEMO_OWNER_EMAIL,
            name="Владелец демо",
            role="owner",
            password_hash=hash_secret(DEMO_OWNER_PASSWORD),
            active=True,
            created_at=now,
        )
    )
    for role, pin in DEMO_PINS.items():
        session.add(
            User(
                id=STAFF_IDS[role],
                org_id=DEMO_ORG_ID,
                name=STAFF_NAMES[role],
                role=role,
                pin_hash=hash_secret(pin),
                active=True,
                created_at=now,
            )
        )
    await session.flush()
    for role in DEMO_PINS:
        session.add(UserLocation(user_id=STAFF_IDS[role], location_id=DEMO_LOCATION_ID))
    await session.flush()


async def _seed_catalog(session: AsyncSession, now: datetime) -> None:
    snapshot = demo_catalog()
    for vat in snapshot.vat_rates:
        session.add(
            m.VatRate(
                id=uuid.uuid5(DEMO_ORG_ID, vat.code),
                org_id=DEMO_ORG_ID,
                code=vat.code,
                name=vat.name,
                percent=vat.percent,
            )
        )
    for c in snapshot.categories:
        session.add(
            m.Category(id=c.id, org_id=DEMO_ORG_ID, name=c.name, parent_id=c.parent_id, sort=c.sort, color=c.color)
        )
    for g in snapshot.modifier_groups:
        session.add(
            m.ModifierGroup(
                id=g.id, org_id=DEMO_ORG_ID, name=g.name, kind=g.kind, min_select=g.min_select, max_select=g.max_select
            )
        )
    await session.flush()
    for g in snapshot.modifier_groups:
        for o in g.options:
            session.add(
                m.ModifierOption(
                    id=o.id, group_id=g.id, name=o.name, price_delta=o.price_delta, is_default=o.is_default, sort=o.sort
                )
            )
    for p in snapshot.products:
        session.add(
            m.Product(
                id=p.id,
                org_id=DEMO_ORG_ID,
                category_id=p.category_id,
                sku=p.sku,
                barcode=p.barcode,
                name=p.name,
                price=p.price,
                vat_rate=p.vat_rate,
                measurement_unit=p.measurement_unit,
                payment_object=p.payment_object,
                active=p.active,
                kitchen=p.kitchen,
                sort=p.sort,
                description=p.description,
            )
        )
    await session.flush()
    for p in snapshot.products:
        for position, group_id in enumerate(p.modifier_group_ids):
            session.add(m.ProductModifierGroup(product_id=p.id, group_id=group_id, position=position))
    ingredients = {i.ingredient_id: i for r in snapshot.recipes for i in r.ingredients}
    for ingredient_id, item in ingredients.items():
        session.add(m.Ingredient(id=ingredient_id, org_id=DEMO_ORG_ID, name=item.name, unit=item.unit, cost_price=0))
    await session.flush()
    for r in snapshot.recipes:
        session.add(m.Recipe(id=r.id, org_id=DEMO_ORG_ID, product_id=r.product_id))
        await session.flush()
        for i in r.ingredients:
            session.add(m.RecipeItem(recipe_id=r.id, ingredient_id=i.ingredient_id, quantity=i.quantity, unit=i.unit))
    session.add(
        m.Menu(
            id=DEMO_MENU_ID,
            org_id=DEMO_ORG_ID,
            location_id=None,
            name=snapshot.menu_name,
            valid_from=datetime(2026, 1, 1, tzinfo=UTC),
            valid_to=None,
            priority=0,
            active=True,
            created_at=now,
        )
    )
    await session.flush()
    for p in snapshot.products:
        session.add(m.MenuProduct(menu_id=DEMO_MENU_ID, product_id=p.id))
    await session.flush()


async def seed_demo(session_factory: async_sessionmaker[AsyncSession], *, rotate_passwords: bool = True) -> DemoSeed:
    """Create the demo chain if missing; return fresh broker credentials for both demo registers.

    The caller (the demo runner) starts the hub afterwards, which writes the broker's password file and
    ACL from these hashes and publishes the catalog snapshot.
    """
    now = utcnow()
    credentials: list[RegisterCredentials] = []
    async with session_factory() as session:
        exists = await session.scalar(sa.select(Organization.id).where(Organization.id == DEMO_ORG_ID))
        if exists is None:
            await _seed_tenancy(session, now)
            await _seed_catalog(session, now)
        registers = (
            await session.scalars(sa.select(Register).where(Register.id.in_(DEMO_REGISTER_IDS)).order_by(Register.id))
        ).all()
        for register in registers:
            if register.mqtt_password_hash is not None and not rotate_passwords:
                continue
            password = f"demo-{register.id.hex[-6:]}-{uuid.uuid4().hex[:12]}"
            register.mqtt_password_hash = await asyncio.to_thread(
                hash_broker_password, register.mqtt_username, password
            )
            register.enrolled_at = register.enrolled_at or now
            credentials.append(RegisterCredentials(register.id, register.mqtt_username, password))
        snapshots = await rebuild_locations(session, DEMO_ORG_ID, [DEMO_LOCATION_ID])
        await session.commit()
    return DemoSeed(org_id=DEMO_ORG_ID, location_id=DEMO_LOCATION_ID, registers=credentials, snapshots=snapshots)
