"""Fleet view: registers joined with the presence the ingest records from their retained status."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.models.ingest import RegisterPresence
from hub.db.models.tenancy import Location, Register
from hub.domain.auth.security import Principal
from hub.domain.catalog.locations import reported_version
from hub.domain.fleet import schemas as s
from hub.listing import ListParams, fetch_page


async def list_fleet(
    session: AsyncSession,
    p: Principal,
    params: ListParams,
    location_id: uuid.UUID | None,
    state: str | None,
    lagging: bool | None,
) -> s.FleetPage:
    current = sa.select(Location.catalog_version).where(Location.id == Register.location_id).scalar_subquery()
    reported = sa.func.coalesce(RegisterPresence.catalog_version, Register.catalog_version_reported)
    stmt = (
        sa.select(Register)
        .outerjoin(RegisterPresence, RegisterPresence.register_id == Register.id)
        .where(Register.org_id == p.org_id)
    )
    if location_id is not None:
        stmt = stmt.where(Register.location_id == location_id)
    if state == "unknown":
        stmt = stmt.where(RegisterPresence.register_id.is_(None))
    elif state:
        stmt = stmt.where(RegisterPresence.state == state)
    if lagging is not None:
        is_lagging = sa.or_(reported.is_(None), reported < current)
        stmt = stmt.where(is_lagging if lagging else sa.not_(is_lagging))
    sortable = {
        "name": Register.name,
        "last_seen_at": RegisterPresence.last_seen_at,
        "backlog": RegisterPresence.backlog,
        "state": RegisterPresence.state,
        "catalog_version": reported,
    }
    rows, meta = await fetch_page(session, stmt, params, sortable, ["name"], Register.id)
    ids = [r.id for r in rows]
    presence = {
        x.register_id: x
        for x in (await session.scalars(sa.select(RegisterPresence).where(RegisterPresence.register_id.in_(ids)))).all()
    }
    locations = {
        x.id: x
        for x in (
            await session.scalars(sa.select(Location).where(Location.id.in_({r.location_id for r in rows})))
        ).all()
    }
    data = []
    for r in rows:
        pr = presence.get(r.id)
        loc = locations[r.location_id]
        version = reported_version(r, pr)
        data.append(
            s.FleetRegister(
                register_id=r.id,
                name=r.name,
                location_id=r.location_id,
                location_name=loc.name,
                enrolled=r.enrolled_at is not None,
                state=pr.state if pr else "unknown",
                last_seen_at=pr.last_seen_at if pr else None,
                version=pr.version if pr else None,
                backlog=pr.backlog if pr else None,
                oldest_unacked_at=pr.oldest_unacked_at if pr else None,
                devices=list(pr.devices) if pr else [],
                catalog_version=version,
                catalog_version_current=loc.catalog_version,
                lagging=version is None or version < loc.catalog_version,
            )
        )
    return s.FleetPage(data=data, meta=meta)
