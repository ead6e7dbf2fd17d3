"""Menu services: CRUD, the active menu of a location as customers and staff see it, and the
periodic check that republishes catalogs when a menu's validity begins or ends.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.models import catalog as m
from hub.domain.auth.security import Principal
from hub.domain.catalog._common import get_owned
from hub.domain.catalog.snapshots import active_menu, build_snapshot, commit_and_publish, menu_product_ids
from hub.domain.menus import schemas as s
from hub.domain.tenants.services import get_location
from hub.listing import ListParams, fetch_page
from hub.problems import BadRequest
from hub.state import HubState
from protocols.ids import utcnow, uuid7


async def menu_out(session: AsyncSession, row: m.Menu) -> s.MenuOut:
    return s.MenuOut(
        id=row.id,
        name=row.name,
        location_id=row.location_id,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        priority=row.priority,
        active=row.active,
        product_ids=sorted(await menu_product_ids(session, row.id)),
    )


async def list_menus(
    session: AsyncSession, p: Principal, params: ListParams, location_id: uuid.UUID | None
) -> s.MenuPage:
    stmt = sa.select(m.Menu).where(m.Menu.org_id == p.org_id)
    if location_id is not None:
        stmt = stmt.where(sa.or_(m.Menu.location_id == location_id, m.Menu.location_id.is_(None)))
    sortable = {"name": m.Menu.name, "valid_from": m.Menu.valid_from, "priority": m.Menu.priority}
    rows, meta = await fetch_page(session, stmt, params, sortable, ["-valid_from"], m.Menu.id)
    return s.MenuPage(data=[await menu_out(session, r) for r in rows], meta=meta)


async def _set_products(session: AsyncSession, p: Principal, menu_id: uuid.UUID, product_ids: list[uuid.UUID]) -> None:
    for product_id in set(product_ids):
        await get_owned(session, m.Product, p.org_id, product_id, "product")
    await session.execute(sa.delete(m.MenuProduct).where(m.MenuProduct.menu_id == menu_id))
    for product_id in sorted(set(product_ids)):
        session.add(m.MenuProduct(menu_id=menu_id, product_id=product_id))
    await session.flush()


def _check_window(valid_from: datetime, valid_to: datetime | None) -> None:
    if valid_to is not None and valid_to <= valid_from:
        raise BadRequest("valid_to must be after valid_from")


async def create_menu(session: AsyncSession, p: Principal, data: s.MenuIn) -> m.Menu:
    _check_window(data.valid_from, data.valid_to)
    if data.location_id is not None:
        await get_location(session, p.org_id, data.location_id)
    row = m.Menu(
        id=uuid7(),
        org_id=p.org_id,
        location_id=data.location_id,
        name=data.name,
        valid_from=data.valid_from,
        valid_to=data.valid_to,
        priority=data.priority,
        active=data.active,
        created_at=utcnow(),
    )
    session.add(row)
    await session.flush()
    await _set_products(session, p, row.id, data.product_ids)
    return row


async def patch_menu(session: AsyncSession, p: Principal, menu_id: uuid.UUID, data: s.MenuPatch) -> m.Menu:
    row = await get_owned(session, m.Menu, p.org_id, menu_id, "menu")
    for name in ("name", "valid_from", "valid_to", "priority", "active"):
        value = getattr(data, name)
        if value is not None:
            setattr(row, name, value)
    if data.clear_valid_to:
        row.valid_to = None
    _check_window(row.valid_from, row.valid_to)
    if data.product_ids is not None:
        await _set_products(session, p, row.id, data.product_ids)
    await session.flush()
    return row


async def active_menu_view(session: AsyncSession, p: Principal, location_id: uuid.UUID) -> s.ActiveMenu:
    """What the location sells now: the active menu's products (all active products when no menu is in
    force) with the location's prices, grouped by category, stopped products marked unavailable."""
    location = await get_location(session, p.org_id, location_id)
    now = utcnow()
    menu = await active_menu(session, location, now)
    snapshot = await build_snapshot(session, location, now)
    groups = {
        g.id: s.MenuModifierGroup(
            id=g.id,
            name=g.name,
            kind=g.kind,
            min_select=g.min_select,
            max_select=g.max_select,
            options=[
                s.MenuOption(id=o.id, name=o.name, price_delta=o.price_delta, is_default=o.is_default)
                for o in g.options
            ],
        )
        for g in snapshot.modifier_groups
    }
    stopped = set(snapshot.stop_list)
    by_category: dict[uuid.UUID | None, list[s.MenuProduct]] = {}
    for product in snapshot.products:
        by_category.setdefault(product.category_id, []).append(
            s.MenuProduct(
                id=product.id,
                name=product.name,
                sku=product.sku,
                price=product.price,
                vat_rate=product.vat_rate,
                available=product.id not in stopped,
                description=product.description,
                modifier_groups=[groups[g] for g in product.modifier_group_ids if g in groups],
            )
        )
    categories = [
        s.MenuCategory(id=c.id, name=c.name, products=by_category[c.id])
        for c in snapshot.categories
        if c.id in by_category
    ]
    if None in by_category:
        categories.append(s.MenuCategory(id=None, name="", products=by_category[None]))
    return s.ActiveMenu(
        location_id=location.id,
        currency=location.currency,
        menu=await menu_out(session, menu) if menu is not None else None,
        categories=categories,
    )


async def refresh_menu_boundaries(hub: HubState, since: datetime | None) -> datetime:
    """Republish the organizations whose menus started or ended since the last check."""
    now = utcnow()
    if since is None:
        return now
    async with hub.sessions() as session:
        crossed = sa.or_(
            sa.and_(m.Menu.valid_from > since, m.Menu.valid_from <= now),
            sa.and_(m.Menu.valid_to > since, m.Menu.valid_to <= now),
        )
        org_ids = (await session.scalars(sa.select(m.Menu.org_id).where(crossed).distinct())).all()
        for org_id in org_ids:
            await commit_and_publish(session, hub, org_id)
    return now
