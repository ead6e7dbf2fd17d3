"""Enrollment codes (short, expiring, single-use, stored as SHA-256) and the enrollment that turns a
code into broker credentials; the broker's password file and ACL are rewritten and reloaded at once.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import uuid
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hub.broker.passwd import hash_broker_password
from hub.broker.sync import sync_broker_files
from hub.db.models.tenancy import Register
from hub.domain.auth.security import Principal
from hub.domain.catalog.snapshots import staff_for_location
from hub.domain.enrollment import schemas as s
from hub.domain.tenants.services import get_location, get_register
from hub.problems import Gone, NotFound
from hub.state import HubState
from protocols.ids import utcnow, uuid7

_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: codes are read aloud and typed
CODE_LENGTH = 10


def new_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def code_digest(code: str) -> str:
    normalized = "".join(ch for ch in code.upper() if ch.isalnum())
    return hashlib.sha256(normalized.encode()).hexdigest()


def mqtt_username(register_id: uuid.UUID) -> str:
    return f"reg-{register_id}"


def issue_code(register: Register, ttl: int) -> s.EnrollmentCode:
    """A fresh code for the register; any earlier unused code stops working."""
    code = new_code()
    register.enrollment_code_hash = code_digest(code)
    register.enrollment_expires_at = utcnow() + timedelta(seconds=ttl)
    register.enrollment_used_at = None
    return s.EnrollmentCode(register_id=register.id, code=code, expires_at=register.enrollment_expires_at)


async def create_register(
    session: AsyncSession, p: Principal, location_id: uuid.UUID, name: str, ttl: int
) -> tuple[Register, s.EnrollmentCode]:
    location = await get_location(session, p.org_id, location_id)
    register_id = uuid7()
    row = Register(
        id=register_id,
        org_id=location.org_id,
        location_id=location.id,
        name=name,
        mqtt_username=mqtt_username(register_id),
        created_at=utcnow(),
    )
    enrollment = issue_code(row, ttl)
    session.add(row)
    await session.commit()
    return row, enrollment


async def reissue_code(session: AsyncSession, p: Principal, register_id: uuid.UUID, ttl: int) -> s.EnrollmentCode:
    row = await get_register(session, p.org_id, register_id)
    enrollment = issue_code(row, ttl)
    await session.commit()
    return enrollment


async def enroll(session: AsyncSession, hub: HubState, code: str) -> s.EnrollOut:
    """Spend the code: new broker credentials for the register (re-enrolling rotates them)."""
    row = (
        await session.scalars(
            sa.select(Register).where(Register.enrollment_code_hash == code_digest(code)).with_for_update()
        )
    ).first()
    if row is None:
        raise NotFound("unknown enrollment code", slug="enrollment-code-unknown")
    now = utcnow()
    if row.enrollment_used_at is not None:
        raise Gone("this enrollment code was already used; ask for a new one", slug="enrollment-code-used")
    if row.enrollment_expires_at is None or row.enrollment_expires_at <= now:
        raise Gone("this enrollment code has expired; ask for a new one", slug="enrollment-code-expired")
    password = secrets.token_urlsafe(24)
    row.mqtt_password_hash = await asyncio.to_thread(hash_broker_password, row.mqtt_username, password)
    row.enrollment_used_at = now
    row.enrolled_at = now
    await session.commit()
    await sync_broker_files(session, hub.broker_files)
    staff = await staff_for_location(session, row.location_id)
    settings = hub.settings
    return s.EnrollOut(
        org_id=row.org_id,
        location_id=row.location_id,
        register_id=row.id,
        mqtt=s.MqttCredentials(
            host=settings.broker.public_host or settings.mqtt.host,
            port=settings.broker.public_port or settings.mqtt.port,
            username=row.mqtt_username,
            password=password,
            tls=settings.mqtt.tls if settings.broker.public_tls is None else settings.broker.public_tls,
        ),
        staff=[s.StaffOut(id=m.id, name=m.name, role=m.role, pin_hash=m.pin_hash) for m in staff],
    )
