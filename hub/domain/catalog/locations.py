"""Per-location catalog data: price overrides, the stop-list, and which catalog version each register runs."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.models import catalog as m
from hub.db.models.ingest import RegisterPresence
from hub.db.models.tenancy import Location, Register
from hub.domain.auth.security import Principal
from hub.domain.catalog import schemas as s
from hub.domain.catalog._common import get_owned
from hub.domain.tenants.services import get_location
from hub.listing import ListParams, fetch_page
from protocols.ids import utcnow


async def list_prices(session: AsyncSession, p: Principal, location_id: uuid.UUID, params: ListParams) -> s.PricePage:
    await get_location(session, p.org_id, location_id)
    stmt = sa.select(m.LocationPrice).where(m.LocationPrice.location_id == location_id)
    sortable = {"price": m.LocationPrice.price, "product_id": m.LocationPrice.product_id}
    rows, meta = await fetch_page(session, stmt, params, sortable, ["product_id"], m.LocationPrice.product_id)
    return s.PricePage(
        data=[s.PriceOut(location_id=r.location_id, product_id=r.product_id, price=r.price) for r in rows], meta=meta
    )


async def put_price(
    session: AsyncSession, p: Principal, location_id: uuid.UUID, product_id: uuid.UUID, price: int
) -> s.PriceOut:
    await get_location(session, p.org_id, location_id)
    await get_owned(session, m.Product, p.org_id, product_id, "product")
    row = await session.get(m.LocationPrice, (location_id, product_id))
    if row is None:
        row = m.LocationPrice(location_id=location_id, product_id=product_id, price=price)
        session.add(row)
    row.price = price
    await session.flush()
    return s.PriceOut(location_id=location_id, product_id=product_id, price=price)


async def delete_price(session: AsyncSession, p: Principal, location_id: uuid.UUID, product_id: uuid.UUID) -> None:
    await get_location(session, p.org_id, location_id)
    await session.execute(
        sa.delete(m.LocationPrice).where(
            m.LocationPrice.location_id == location_id, m.LocationPrice.product_id == product_id
        )
    )


async def list_stop(session: AsyncSession, p: Principal, location_id: uuid.UUID, params: ListParams) -> s.StopListPage:
    await get_location(session, p.org_id, location_id)
    stmt = sa.select(m.StopListEntry).where(m.StopListEntry.location_id == location_id)
    sortable = {"created_at": m.StopListEntry.created_at, "product_id": m.StopListEntry.product_id}
    rows, meta = await fetch_page(session, stmt, params, sortable, ["-created_at"], m.StopListEntry.product_id)
    return s.StopListPage(
        data=[
            s.StopListItem(location_id=r.location_id, product_id=r.product_id, created_at=r.created_at) for r in rows
        ],
        meta=meta,
    )


async def put_stop(
    session: AsyncSession, p: Principal, location_id: uuid.UUID, product_id: uuid.UUID
) -> s.StopListItem:
    await get_location(session, p.org_id, location_id)
    await get_owned(session, m.Product, p.org_id, product_id, "product")
    row = await session.get(m.StopListEntry, (location_id, product_id))
    if row is None:
        row = m.StopListEntry(location_id=location_id, product_id=product_id, created_at=utcnow())
        session.add(row)
        await session.flush()
    return s.StopListItem(location_id=location_id, product_id=product_id, created_at=row.created_at)


async def delete_stop(session: AsyncSession, p: Principal, location_id: uuid.UUID, product_id: uuid.UUID) -> None:
    await get_location(session, p.org_id, location_id)
    await session.execute(
        sa.delete(m.StopListEntry).where(
            m.StopListEntry.location_id == location_id, m.StopListEntry.product_id == product_id
        )
    )


def reported_version(register: Register, presence: RegisterPresence | None) -> int | None:
    """What the register last said it runs: its retained status, else the enrollment-time column."""
    if presence is not None and presence.catalog_version is not None:
        return presence.catalog_version
    return register.catalog_version_reported


async def catalog_versions(session: AsyncSession, p: Principal, location_id: uuid.UUID | None) -> s.CatalogVersions:
    stmt = sa.select(Location).where(Location.org_id == p.org_id).order_by(Location.name, Location.id)
    if location_id is not None:
        stmt = stmt.where(Location.id == location_id)
    locations = (await session.scalars(stmt)).all()
    rows = await session.execute(
        sa.select(Register, RegisterPresence)
        .outerjoin(RegisterPresence, RegisterPresence.register_id == Register.id)
        .where(Register.org_id == p.org_id)
        .order_by(Register.name, Register.id)
    )
    by_location: dict[uuid.UUID, list[tuple[Register, RegisterPresence | None]]] = {}
    for register, presence in rows:
        by_location.setdefault(register.location_id, []).append((register, presence))
    out = []
    for loc in locations:
        registers = []
        for reg, seen in by_location.get(loc.id, []):
            version = reported_version(reg, seen)
            registers.append(
                s.RegisterVersion(
                    register_id=reg.id,
                    name=reg.name,
                    reported_version=version,
                    lagging=version is None or version < loc.catalog_version,
                )
            )
        out.append(
            s.LocationVersion(
                location_id=loc.id,
                name=loc.name,
                version=loc.catalog_version,
                content_hash=loc.catalog_hash,
                registers=registers,
            )
        )
    return s.CatalogVersions(data=out)


async def current_snapshot(session: AsyncSession, p: Principal, location_id: uuid.UUID) -> bytes | None:
    loc = await get_location(session, p.org_id, location_id)
    row = (
        await session.scalars(
            sa.select(m.CatalogSnapshotRecord).where(
                m.CatalogSnapshotRecord.location_id == loc.id, m.CatalogSnapshotRecord.version == loc.catalog_version
            )
        )
    ).first()
    return row.payload if row is not None else None
