"""Sign-up, login, refresh rotation with reuse detection, logout and invitations.

Refresh tokens are opaque and stored as SHA-256. Every login starts a token family; each refresh spends
the presented token and issues the next one in the family. Presenting a spent token means it was
copied, so the whole family is revoked and the user must sign in again.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.models.auth import Invitation, RefreshToken, User, UserLocation
from hub.db.models.tenancy import Location, Organization
from hub.domain.auth import schemas as s
from hub.domain.auth.security import (
    ADMINS,
    Principal,
    burn_verification,
    encode_access_token,
    hash_secret,
    new_token,
    token_digest,
    verify_secret,
)
from hub.problems import Conflict, Forbidden, Gone, NotFound, TooManyRequests, Unauthorized
from hub.settings import AppSettings
from hub.state import Limits
from protocols.ids import utcnow, uuid7


async def location_ids_of(session: AsyncSession, user_id: uuid.UUID) -> list[uuid.UUID]:
    rows = await session.scalars(
        sa.select(UserLocation.location_id).where(UserLocation.user_id == user_id).order_by(UserLocation.location_id)
    )
    return list(rows.all())


async def user_out(session: AsyncSession, user: User) -> s.UserOut:
    return s.UserOut(
        id=user.id,
        org_id=user.org_id,
        email=user.email,
        name=user.name,
        role=user.role,
        active=user.active,
        has_pin=user.pin_hash is not None,
        location_ids=await location_ids_of(session, user.id),
        created_at=user.created_at,
    )


async def check_locations(
    session: AsyncSession, org_id: uuid.UUID, location_ids: Iterable[uuid.UUID]
) -> set[uuid.UUID]:
    """The ids, all of which must be locations of the organization (else 404, as for any foreign id)."""
    wanted = set(location_ids)
    if not wanted:
        return wanted
    found = set(
        (await session.scalars(sa.select(Location.id).where(Location.org_id == org_id, Location.id.in_(wanted)))).all()
    )
    missing = wanted - found
    if missing:
        raise NotFound(f"no location {sorted(map(str, missing))[0]}")
    return wanted


async def email_taken(session: AsyncSession, email: str) -> bool:
    return (await session.scalar(sa.select(User.id).where(User.email == email))) is not None


async def issue_tokens(
    session: AsyncSession, user: User, settings: AppSettings, family_id: uuid.UUID | None = None
) -> s.TokenOut:
    """A fresh access token and the next refresh token of the family (a new family when None)."""
    now = utcnow()
    refresh = new_token()
    session.add(
        RefreshToken(
            id=uuid7(),
            user_id=user.id,
            family_id=family_id or uuid7(),
            token_hash=token_digest(refresh),
            issued_at=now,
            expires_at=now + timedelta(seconds=settings.refresh_ttl),
        )
    )
    principal = Principal(user_id=user.id, org_id=user.org_id, role=user.role)
    access = encode_access_token(principal, settings.jwt_secret, now, settings.access_ttl)
    out = s.TokenOut(
        access_token=access, refresh_token=refresh, expires_in=settings.access_ttl, user=await user_out(session, user)
    )
    await session.commit()
    return out


async def sign_up(session: AsyncSession, data: s.SignUp, settings: AppSettings) -> s.TokenOut:
    """A new organization with its owner."""
    email = data.email.strip().lower()
    if await email_taken(session, email):
        raise Conflict("an account with this email already exists", slug="email-taken")
    now = utcnow()
    org = Organization(id=uuid7(), name=data.organization, created_at=now)
    user = User(
        id=uuid7(),
        org_id=org.id,
        email=email,
        name=data.name,
        role="owner",
        password_hash=hash_secret(data.password),
        active=True,
        created_at=now,
    )
    session.add(org)
    await session.flush()
    session.add(user)
    await session.flush()
    return await issue_tokens(session, user, settings)


async def login(
    session: AsyncSession, data: s.Login, settings: AppSettings, limits: Limits, address: str
) -> s.TokenOut:
    """Check the password; failures count against the account and every attempt against the address."""
    email = data.email.strip().lower()
    account_key = f"login:{email}"
    wait = limits.login_address.hit(f"login:{address}") or limits.login_account.retry_after(account_key)
    if wait is not None:
        raise TooManyRequests("too many sign-in attempts; try again later", retry_after=wait)
    user = (await session.scalars(sa.select(User).where(User.email == email))).first()
    if user is None:
        burn_verification(data.password)
    if user is None or not user.active or not verify_secret(user.password_hash, data.password):
        limits.login_account.hit(account_key)
        raise Unauthorized("wrong email or password", slug="bad-credentials")
    limits.login_account.reset(account_key)
    return await issue_tokens(session, user, settings)


async def _revoke_family(session: AsyncSession, family_id: uuid.UUID) -> None:
    await session.execute(
        sa.update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


async def refresh(session: AsyncSession, token: str | None, settings: AppSettings) -> s.TokenOut:
    """Spend ``token`` and issue the next pair; a spent or revoked token revokes its whole family."""
    if not token:
        raise Unauthorized("no refresh token", slug="refresh-invalid")
    row = (
        await session.scalars(
            sa.select(RefreshToken).where(RefreshToken.token_hash == token_digest(token)).with_for_update()
        )
    ).first()
    if row is None:
        raise Unauthorized("unknown refresh token", slug="refresh-invalid")
    now = utcnow()
    if row.used_at is not None or row.revoked_at is not None:
        await _revoke_family(session, row.family_id)
        await session.commit()
        raise Unauthorized(
            "this refresh token was already used; every session of this sign-in is revoked", slug="refresh-reused"
        )
    if row.expires_at <= now:
        raise Unauthorized("the refresh token has expired", slug="refresh-expired")
    user = await session.get(User, row.user_id)
    if user is None or not user.active:
        await _revoke_family(session, row.family_id)
        await session.commit()
        raise Unauthorized("the account is disabled", slug="refresh-invalid")
    row.used_at = now
    return await issue_tokens(session, user, settings, family_id=row.family_id)


async def logout(session: AsyncSession, token: str | None) -> None:
    """Revoke the family of the presented refresh token (unknown tokens are ignored)."""
    if not token:
        return
    row = (await session.scalars(sa.select(RefreshToken).where(RefreshToken.token_hash == token_digest(token)))).first()
    if row is not None:
        await _revoke_family(session, row.family_id)
        await session.commit()


async def invite(session: AsyncSession, principal: Principal, data: s.InviteIn, ttl: int) -> s.InviteOut:
    """An invitation token for ``email`` with ``role``; only an owner may invite owners and admins."""
    if data.role in ADMINS and principal.role != "owner":
        raise Forbidden("only an owner may invite owners and admins")
    email = data.email.strip().lower()
    if await email_taken(session, email):
        raise Conflict("an account with this email already exists", slug="email-taken")
    await check_locations(session, principal.org_id, data.location_ids)
    token = new_token()
    now = utcnow()
    row = Invitation(
        id=uuid7(),
        org_id=principal.org_id,
        email=email,
        role=data.role,
        location_ids=[str(x) for x in data.location_ids],
        token_hash=token_digest(token),
        invited_by=principal.user_id,
        created_at=now,
        expires_at=now + timedelta(seconds=ttl),
    )
    session.add(row)
    await session.commit()
    return s.InviteOut(id=row.id, email=email, role=data.role, token=token, expires_at=row.expires_at)


async def accept_invite(session: AsyncSession, data: s.InviteAccept, settings: AppSettings) -> tuple[s.TokenOut, User]:
    """Create the invited user (once) and sign them in."""
    row = (
        await session.scalars(
            sa.select(Invitation).where(Invitation.token_hash == token_digest(data.token)).with_for_update()
        )
    ).first()
    if row is None:
        raise NotFound("no such invitation", slug="invite-invalid")
    if row.accepted_at is not None:
        raise Gone("this invitation was already accepted", slug="invite-used")
    now = utcnow()
    if row.expires_at <= now:
        raise Gone("this invitation has expired", slug="invite-expired")
    if await email_taken(session, row.email):
        raise Conflict("an account with this email already exists", slug="email-taken")
    user = User(
        id=uuid7(),
        org_id=row.org_id,
        email=row.email,
        name=data.name,
        role=row.role,
        password_hash=hash_secret(data.password),
        pin_hash=hash_secret(data.pin) if data.pin else None,
        active=True,
        created_at=now,
    )
    session.add(user)
    await session.flush()
    for location_id in row.location_ids:
        session.add(UserLocation(user_id=user.id, location_id=uuid.UUID(location_id)))
    row.accepted_at = now
    await session.flush()
    return await issue_tokens(session, user, settings), user
