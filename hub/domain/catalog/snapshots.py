"""Building, hashing, versioning and persisting a location's catalog snapshot.

A rebuild that yields the same content hash as the location's newest snapshot creates nothing; any
other change gets the next version (monotonic per location, under the location row's lock).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hub.broker.publisher import PendingSnapshot
from hub.db.models import catalog as m
from hub.db.models.auth import User, UserLocation
from hub.db.models.tenancy import Location
from hub.domain.auth.security import SNAPSHOT_ROLES
from hub.state import HubState
from protocols import catalog as wire
from protocols.codec import encode
from protocols.ids import utcnow, uuid7


def canonical(value: Decimal) -> Decimal:
    """The shortest spelling of a decimal (18.000 → 18, 180.500 → 180.5), so the wire and the hash do
    not depend on the column's scale or the database backend."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


async def active_menu(session: AsyncSession, location: Location, at: datetime) -> m.Menu | None:
    """The location's menu in force at ``at``: its own or a chain-wide one, highest priority, newest start."""
    stmt = (
        sa.select(m.Menu)
        .where(
            m.Menu.org_id == location.org_id,
            m.Menu.active.is_(True),
            sa.or_(m.Menu.location_id.is_(None), m.Menu.location_id == location.id),
            m.Menu.valid_from <= at,
            sa.or_(m.Menu.valid_to.is_(None), m.Menu.valid_to > at),
        )
        .order_by(m.Menu.priority.desc(), m.Menu.location_id.is_(None), m.Menu.valid_from.desc(), m.Menu.id.desc())
        .limit(1)
    )
    return (await session.scalars(stmt)).first()


async def menu_product_ids(session: AsyncSession, menu_id: uuid.UUID) -> set[uuid.UUID]:
    rows = await session.scalars(sa.select(m.MenuProduct.product_id).where(m.MenuProduct.menu_id == menu_id))
    return set(rows.all())


async def _products(
    session: AsyncSession, location: Location, only: set[uuid.UUID] | None
) -> tuple[list[wire.Product], set[uuid.UUID]]:
    rows = (
        await session.scalars(
            sa.select(m.Product)
            .where(m.Product.org_id == location.org_id, m.Product.active.is_(True))
            .order_by(m.Product.sort, m.Product.name, m.Product.id)
        )
    ).all()
    rows = [p for p in rows if only is None or p.id in only]
    ids = {p.id for p in rows}
    prices = dict(
        (
            await session.execute(
                sa.select(m.LocationPrice.product_id, m.LocationPrice.price).where(
                    m.LocationPrice.location_id == location.id
                )
            )
        ).all()
    )
    links: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    link_rows = await session.execute(
        sa.select(m.ProductModifierGroup.product_id, m.ProductModifierGroup.group_id)
        .join(m.Product, m.Product.id == m.ProductModifierGroup.product_id)
        .where(m.Product.org_id == location.org_id)
        .order_by(m.ProductModifierGroup.position, m.ProductModifierGroup.group_id)
    )
    for product_id, group_id in link_rows:
        links[product_id].append(group_id)
    products = [
        wire.Product(
            id=p.id,
            category_id=p.category_id,
            sku=p.sku,
            barcode=p.barcode,
            name=p.name,
            price=prices.get(p.id, p.price),
            vat_rate=p.vat_rate,
            measurement_unit=p.measurement_unit,
            payment_object=p.payment_object,
            active=p.active,
            modifier_group_ids=links.get(p.id, []),
            kitchen=p.kitchen,
            sort=p.sort,
            description=p.description,
        )
        for p in rows
    ]
    return products, ids


async def _modifier_groups(session: AsyncSession, org_id: uuid.UUID) -> list[wire.ModifierGroup]:
    groups = (
        await session.scalars(
            sa.select(m.ModifierGroup)
            .where(m.ModifierGroup.org_id == org_id)
            .order_by(m.ModifierGroup.name, m.ModifierGroup.id)
        )
    ).all()
    options: dict[uuid.UUID, list[wire.ModifierOption]] = defaultdict(list)
    option_rows = await session.scalars(
        sa.select(m.ModifierOption)
        .join(m.ModifierGroup, m.ModifierGroup.id == m.ModifierOption.group_id)
        .where(m.ModifierGroup.org_id == org_id)
        .order_by(m.ModifierOption.sort, m.ModifierOption.name, m.ModifierOption.id)
    )
    for o in option_rows:
        options[o.group_id].append(
            wire.ModifierOption(id=o.id, name=o.name, price_delta=o.price_delta, is_default=o.is_default, sort=o.sort)
        )
    return [
        wire.ModifierGroup(
            id=g.id,
            name=g.name,
            kind=g.kind,  # type: ignore[arg-type]
            min_select=g.min_select,
            max_select=g.max_select,
            options=options.get(g.id, []),
        )
        for g in groups
    ]


async def _recipes(session: AsyncSession, org_id: uuid.UUID, product_ids: set[uuid.UUID]) -> list[wire.Recipe]:
    rows = await session.execute(
        sa.select(m.Recipe.id, m.Recipe.product_id, m.RecipeItem, m.Ingredient.name)
        .join(m.RecipeItem, m.RecipeItem.recipe_id == m.Recipe.id)
        .join(m.Ingredient, m.Ingredient.id == m.RecipeItem.ingredient_id)
        .where(m.Recipe.org_id == org_id)
        .order_by(m.Recipe.id, m.Ingredient.name, m.Ingredient.id)
    )
    items: dict[tuple[uuid.UUID, uuid.UUID], list[wire.RecipeIngredient]] = defaultdict(list)
    for recipe_id, product_id, item, name in rows:
        if product_id in product_ids:
            items[(recipe_id, product_id)].append(
                wire.RecipeIngredient(
                    ingredient_id=item.ingredient_id, name=name, quantity=canonical(item.quantity), unit=item.unit
                )
            )
    return [wire.Recipe(id=rid, product_id=pid, ingredients=ing) for (rid, pid), ing in items.items()]


async def staff_for_location(session: AsyncSession, location_id: uuid.UUID) -> list[wire.StaffMember]:
    """Active users assigned to the location who have a PIN: who may open a session on its registers."""
    rows = await session.scalars(
        sa.select(User)
        .join(UserLocation, UserLocation.user_id == User.id)
        .where(UserLocation.location_id == location_id, User.active.is_(True), User.pin_hash.is_not(None))
        .order_by(User.name, User.id)
    )
    return [
        wire.StaffMember(id=u.id, name=u.name, role=u.role, pin_hash=u.pin_hash or "")  # type: ignore[arg-type]
        for u in rows
        if u.role in SNAPSHOT_ROLES
    ]


async def build_snapshot(session: AsyncSession, location: Location, now: datetime) -> wire.CatalogSnapshot:
    """The location's catalog as registers see it, hashed, with version 0 (assigned when persisted)."""
    menu = await active_menu(session, location, now)
    only = await menu_product_ids(session, menu.id) if menu is not None else None
    products, product_ids = await _products(session, location, only)
    vat = (
        await session.scalars(sa.select(m.VatRate).where(m.VatRate.org_id == location.org_id).order_by(m.VatRate.code))
    ).all()
    categories = (
        await session.scalars(
            sa.select(m.Category)
            .where(m.Category.org_id == location.org_id)
            .order_by(m.Category.sort, m.Category.name, m.Category.id)
        )
    ).all()
    stop = (
        await session.scalars(
            sa.select(m.StopListEntry.product_id)
            .where(m.StopListEntry.location_id == location.id)
            .order_by(m.StopListEntry.product_id)
        )
    ).all()
    snapshot = wire.CatalogSnapshot(
        org_id=location.org_id,
        location_id=location.id,
        version=0,
        generated_at=now,
        currency=location.currency,
        vat_rates=[wire.VatRateDef(code=v.code, name=v.name, percent=canonical(v.percent)) for v in vat],
        categories=[
            wire.Category(id=c.id, name=c.name, parent_id=c.parent_id, sort=c.sort, color=c.color) for c in categories
        ],
        products=products,
        modifier_groups=await _modifier_groups(session, location.org_id),
        recipes=await _recipes(session, location.org_id, product_ids),
        stop_list=[p for p in stop if p in product_ids],
        staff=await staff_for_location(session, location.id),
        menu_name=menu.name if menu is not None else "",
    )
    return wire.with_content_hash(snapshot)


async def rebuild_location(session: AsyncSession, location_id: uuid.UUID) -> PendingSnapshot | None:
    """Persist a new snapshot version for the location if its content changed; the caller commits."""
    location = await session.get(Location, location_id, with_for_update=True, populate_existing=True)
    if location is None:
        return None
    now = utcnow()
    snapshot = await build_snapshot(session, location, now)
    if snapshot.content_hash == location.catalog_hash:
        return None
    version = location.catalog_version + 1
    snapshot = msgspec.structs.replace(snapshot, version=version)
    payload = encode(snapshot)
    session.add(
        m.CatalogSnapshotRecord(
            id=uuid7(),
            org_id=location.org_id,
            location_id=location.id,
            version=version,
            content_hash=snapshot.content_hash,
            payload=payload,
            created_at=now,
        )
    )
    location.catalog_version = version
    location.catalog_hash = snapshot.content_hash
    await session.flush()
    return PendingSnapshot(location.org_id, location.id, version, payload)


async def rebuild_locations(
    session: AsyncSession, org_id: uuid.UUID, location_ids: Iterable[uuid.UUID] | None = None
) -> list[PendingSnapshot]:
    """Rebuild the given locations of the organization (all of them when None)."""
    stmt = sa.select(Location.id).where(Location.org_id == org_id).order_by(Location.id)
    if location_ids is not None:
        wanted = set(location_ids)
        if not wanted:
            return []
        stmt = stmt.where(Location.id.in_(wanted))
    pending = []
    for location_id in (await session.scalars(stmt)).all():
        built = await rebuild_location(session, location_id)
        if built is not None:
            pending.append(built)
    return pending


async def commit_and_publish(
    session: AsyncSession, hub: HubState, org_id: uuid.UUID, location_ids: Iterable[uuid.UUID] | None = None
) -> list[PendingSnapshot]:
    """After a change that may alter what registers see: rebuild, commit, then hand to the publisher."""
    pending = await rebuild_locations(session, org_id, location_ids)
    await session.commit()
    hub.publish(pending)
    return pending
