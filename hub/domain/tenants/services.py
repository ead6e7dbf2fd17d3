"""Organization, location, register and user services; every query is scoped to the caller's
organization, so another organization's id behaves exactly like an id that does not exist (404).
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.models.auth import User, UserLocation
from hub.db.models.tenancy import Location, Organization, Register
from hub.domain.auth.security import ADMINS, Principal, hash_secret
from hub.domain.auth.services import check_locations, email_taken, location_ids_of, user_out
from hub.domain.tenants import schemas as s
from hub.listing import ListParams, fetch_page
from hub.problems import BadRequest, Conflict, Forbidden, NotFound
from protocols.ids import utcnow, uuid7


def location_out(row: Location) -> s.LocationOut:
    return s.LocationOut(
        id=row.id,
        org_id=row.org_id,
        name=row.name,
        address=row.address,
        timezone=row.timezone,
        currency=row.currency,
        taxation_type=row.taxation_type,
        fiscal=row.fiscal,
        catalog_version=row.catalog_version,
        created_at=row.created_at,
    )


def register_out(row: Register) -> s.RegisterOut:
    return s.RegisterOut(
        id=row.id,
        org_id=row.org_id,
        location_id=row.location_id,
        name=row.name,
        mqtt_username=row.mqtt_username,
        enrolled_at=row.enrolled_at,
        catalog_version_reported=row.catalog_version_reported,
        created_at=row.created_at,
    )


async def get_organization(session: AsyncSession, principal: Principal) -> Organization:
    org = await session.get(Organization, principal.org_id)
    if org is None:
        raise NotFound("no such organization")
    return org


async def get_location(session: AsyncSession, org_id: uuid.UUID, location_id: uuid.UUID) -> Location:
    row = await session.get(Location, location_id)
    if row is None or row.org_id != org_id:
        raise NotFound(f"no location {location_id}")
    return row


async def list_locations(session: AsyncSession, principal: Principal, params: ListParams) -> s.LocationPage:
    stmt = sa.select(Location).where(Location.org_id == principal.org_id)
    sortable = {"name": Location.name, "created_at": Location.created_at, "currency": Location.currency}
    rows, meta = await fetch_page(session, stmt, params, sortable, ["name"], Location.id)
    return s.LocationPage(data=[location_out(r) for r in rows], meta=meta)


async def create_location(session: AsyncSession, principal: Principal, data: s.LocationIn) -> Location:
    row = Location(
        id=uuid7(),
        org_id=principal.org_id,
        name=data.name,
        address=data.address,
        timezone=data.timezone,
        currency=data.currency,
        taxation_type=data.taxation_type,
        fiscal=data.fiscal,
        catalog_version=0,
        catalog_hash="",
        created_at=utcnow(),
    )
    session.add(row)
    await session.flush()
    return row


async def patch_location(
    session: AsyncSession, principal: Principal, location_id: uuid.UUID, data: s.LocationPatch
) -> Location:
    row = await get_location(session, principal.org_id, location_id)
    for field in ("name", "address", "timezone", "currency", "taxation_type", "fiscal"):
        value = getattr(data, field)
        if value is not None:
            setattr(row, field, value)
    await session.flush()
    return row


async def delete_location(session: AsyncSession, principal: Principal, location_id: uuid.UUID) -> None:
    row = await get_location(session, principal.org_id, location_id)
    await session.delete(row)
    await session.commit()


async def get_register(session: AsyncSession, org_id: uuid.UUID, register_id: uuid.UUID) -> Register:
    row = await session.get(Register, register_id)
    if row is None or row.org_id != org_id:
        raise NotFound(f"no register {register_id}")
    return row


async def list_registers(
    session: AsyncSession, principal: Principal, params: ListParams, location_id: uuid.UUID | None
) -> s.RegisterPage:
    stmt = sa.select(Register).where(Register.org_id == principal.org_id)
    if location_id is not None:
        stmt = stmt.where(Register.location_id == location_id)
    sortable = {"name": Register.name, "created_at": Register.created_at, "enrolled_at": Register.enrolled_at}
    rows, meta = await fetch_page(session, stmt, params, sortable, ["name"], Register.id)
    return s.RegisterPage(data=[register_out(r) for r in rows], meta=meta)


# Users


async def get_user(session: AsyncSession, org_id: uuid.UUID, user_id: uuid.UUID) -> User:
    row = await session.get(User, user_id)
    if row is None or row.org_id != org_id:
        raise NotFound(f"no user {user_id}")
    return row


async def list_users(
    session: AsyncSession, principal: Principal, params: ListParams, role: str | None, location_id: uuid.UUID | None
) -> s.UserPage:
    stmt = sa.select(User).where(User.org_id == principal.org_id)
    if role:
        stmt = stmt.where(User.role == role)
    if location_id is not None:
        stmt = stmt.where(User.id.in_(sa.select(UserLocation.user_id).where(UserLocation.location_id == location_id)))
    sortable = {"name": User.name, "email": User.email, "role": User.role, "created_at": User.created_at}
    rows, meta = await fetch_page(session, stmt, params, sortable, ["name"], User.id)
    return s.UserPage(data=[await user_out(session, r) for r in rows], meta=meta)


def _check_role_grant(principal: Principal, role: str) -> None:
    if role in ADMINS and principal.role != "owner":
        raise Forbidden("only an owner may grant the owner and admin roles")


async def _set_locations(session: AsyncSession, user_id: uuid.UUID, location_ids: set[uuid.UUID]) -> None:
    await session.execute(sa.delete(UserLocation).where(UserLocation.user_id == user_id))
    for location_id in sorted(location_ids):
        session.add(UserLocation(user_id=user_id, location_id=location_id))
    await session.flush()


async def create_user(session: AsyncSession, principal: Principal, data: s.UserIn) -> User:
    _check_role_grant(principal, data.role)
    email = data.email.strip().lower() if data.email else None
    if email and await email_taken(session, email):
        raise Conflict("an account with this email already exists", slug="email-taken")
    if data.password and not email:
        raise BadRequest("a password needs an email to sign in with")
    locations = await check_locations(session, principal.org_id, data.location_ids)
    row = User(
        id=uuid7(),
        org_id=principal.org_id,
        email=email,
        name=data.name,
        role=data.role,
        password_hash=hash_secret(data.password) if data.password else None,
        pin_hash=hash_secret(data.pin) if data.pin else None,
        active=True,
        created_at=utcnow(),
    )
    session.add(row)
    await session.flush()
    await _set_locations(session, row.id, locations)
    return row


async def patch_user(
    session: AsyncSession, principal: Principal, user_id: uuid.UUID, data: s.UserPatch
) -> tuple[User, set[uuid.UUID]]:
    """Apply the patch; returns the user and every location whose staff list may have changed."""
    row = await get_user(session, principal.org_id, user_id)
    if row.role in ADMINS or data.role is not None:
        _check_role_grant(principal, data.role or row.role)
    before = set(await location_ids_of(session, row.id))
    if data.email is not None:
        email = data.email.strip().lower()
        if email != row.email and await email_taken(session, email):
            raise Conflict("an account with this email already exists", slug="email-taken")
        row.email = email
    if data.name is not None:
        row.name = data.name
    if data.role is not None:
        if row.id == principal.user_id and data.role != row.role:
            raise BadRequest("you cannot change your own role")
        row.role = data.role
    if data.password is not None:
        row.password_hash = hash_secret(data.password)
    if data.clear_pin:
        row.pin_hash = None
    if data.pin is not None:
        row.pin_hash = hash_secret(data.pin)
    if data.active is not None:
        if row.id == principal.user_id and not data.active:
            raise BadRequest("you cannot deactivate yourself")
        row.active = data.active
    after = before
    if data.location_ids is not None:
        after = await check_locations(session, principal.org_id, data.location_ids)
        await _set_locations(session, row.id, after)
    await session.flush()
    return row, before | after


async def delete_user(session: AsyncSession, principal: Principal, user_id: uuid.UUID) -> set[uuid.UUID]:
    row = await get_user(session, principal.org_id, user_id)
    if row.id == principal.user_id:
        raise BadRequest("you cannot delete yourself")
    _check_role_grant(principal, row.role)
    locations = set(await location_ids_of(session, row.id))
    await session.delete(row)
    await session.flush()
    return locations
