"""PIN sessions, the PIN lockout, manager approval and the audit log.

A PIN does not say whose it is, so a login tries every staff hash; argon2 runs in a worker thread. Failed
PINs (login or approval) count towards one lockout per register that survives restarts.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import uuid
import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, insert, select, update

from edge.db import models as m
from edge.db.sql import Query, Tx
from edge.domain.runtime import Runtime
from edge.problems import Problem
from protocols.ids import utcnow

log = structlog.get_logger("edge.auth")
_hasher = PasswordHasher()
LOCK_KEY = "pin"

SELLERS = frozenset({"cashier", "manager", "owner", "admin"})
APPROVERS = frozenset({"manager", "owner", "admin"})
KITCHEN = frozenset({"kitchen", "cashier", "manager", "owner", "admin", "waiter", "chef"})
TECHNICIANS = frozenset({"technician", "owner", "admin"})


@dataclass(frozen=True, slots=True)
class Actor:
    staff_id: uuid.UUID
    name: str
    role: str
    token_hash: str = ""


def hash_pin(pin: str, *, fast: bool = False) -> str:
    """An argon2 hash of ``pin``; ``fast`` uses cheap parameters (demo and tests only)."""
    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1) if fast else _hasher
    return hasher.hash(pin)


def _verify(pin_hash: str, pin: str) -> bool:
    try:
        return _hasher.verify(pin_hash, pin)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def require(actor: Actor, roles: frozenset[str], what: str) -> None:
    if actor.role not in roles:
        raise Problem(403, "forbidden", "Not allowed for this role", f"{what} needs one of: {', '.join(sorted(roles))}")


async def _lock_state(conn: Tx) -> tuple[int, datetime | None]:
    row = (await conn.execute(select(m.pin_lockout).where(m.pin_lockout.c.key == LOCK_KEY))).first()
    return (row.failures, row.locked_until) if row else (0, None)


def _locked_problem(until: datetime) -> Problem:
    seconds = max(1, int((until - utcnow()).total_seconds()) + 1)
    return Problem(
        429,
        "pin_locked",
        "Too many wrong PINs",
        f"PIN entry is locked for {seconds} s",
        headers={"Retry-After": str(seconds)},
        extra={"retry_after": seconds},
    )


async def _check_lock(rt: Runtime) -> None:
    async with rt.db.read() as conn:
        _, until = await _lock_state(conn)
    if until is not None and until > utcnow():
        raise _locked_problem(until)


async def _record_failure(rt: Runtime) -> Problem | None:
    """Count a wrong PIN; the problem to raise instead of 401 when this failure starts a lockout."""
    async with rt.db.begin() as conn:
        failures, until = await _lock_state(conn)
        if until is not None and until <= utcnow():
            failures = 0
        failures += 1
        locked_until = None
        if failures >= rt.settings.app.pin_max_failures:
            locked_until = utcnow() + timedelta(seconds=rt.settings.app.pin_lockout_seconds)
        await conn.execute(delete(m.pin_lockout).where(m.pin_lockout.c.key == LOCK_KEY))
        await conn.execute(insert(m.pin_lockout).values(key=LOCK_KEY, failures=failures, locked_until=locked_until))
    log.warning("pin_rejected", failures=failures, locked=locked_until is not None)
    return _locked_problem(locked_until) if locked_until else None


async def _reset_failures(rt: Runtime) -> None:
    async with rt.db.begin() as conn:
        await conn.execute(delete(m.pin_lockout).where(m.pin_lockout.c.key == LOCK_KEY))


async def _match_pin(rt: Runtime, pin: str, roles: frozenset[str] | None = None) -> Actor | None:
    async with rt.db.read() as conn:
        rows = (await conn.execute(select(m.staff).order_by(m.staff.c.source, m.staff.c.id))).all()
    for row in rows:
        if roles is not None and row.role not in roles:
            continue
        if await asyncio.to_thread(_verify, row.pin_hash, pin):
            return Actor(staff_id=uuid.UUID(row.id), name=row.name, role=row.role)
    return None


async def login(rt: Runtime, pin: str) -> tuple[str, Actor, datetime]:
    """Open a session for the staff member whose PIN this is: ``(token, actor, expires_at)``."""
    await _check_lock(rt)
    actor = await _match_pin(rt, pin)
    if actor is None:
        locked = await _record_failure(rt)
        raise locked or Problem(401, "wrong_pin", "Wrong PIN", "No staff member has this PIN")
    await _reset_failures(rt)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    expires = now + timedelta(minutes=rt.settings.app.session_ttl_minutes)
    async with rt.db.begin() as conn:
        await conn.execute(
            insert(m.sessions).values(
                token_hash=token_digest(token),
                staff_id=str(actor.staff_id),
                name=actor.name,
                role=actor.role,
                created_at=now,
                expires_at=expires,
            )
        )
    log.info("session_opened", staff_id=str(actor.staff_id), role=actor.role)
    return token, actor, expires


# Open sessions already read from the database, per agent: every API call authenticates, and the session
# row only changes at login and logout, which go through this module. The database stays the record.
_open_sessions: weakref.WeakKeyDictionary[Runtime, dict[str, tuple[Actor, datetime]]] = weakref.WeakKeyDictionary()
_OPEN_SESSIONS_MAX = 1000


async def authenticate(rt: Runtime, token: str | None) -> Actor:
    if not token:
        raise Problem(
            401, "session_required", "Sign in with a PIN", "X-Session-Token header or yago_session cookie missing"
        )
    digest = token_digest(token)
    known = _open_sessions.setdefault(rt, {})
    cached = known.get(digest)
    if cached is not None and cached[1] > utcnow():
        return cached[0]
    async with rt.db.read() as conn:
        row = (await conn.execute(select(m.sessions).where(m.sessions.c.token_hash == digest))).first()
    if row is None or row.closed_at is not None or row.expires_at <= utcnow():
        known.pop(digest, None)
        raise Problem(401, "session_expired", "The session has ended", "Sign in again with a PIN")
    actor = Actor(staff_id=uuid.UUID(row.staff_id), name=row.name, role=row.role, token_hash=digest)
    if len(known) >= _OPEN_SESSIONS_MAX:
        known.clear()
    known[digest] = (actor, row.expires_at)
    return actor


async def logout(rt: Runtime, actor: Actor) -> None:
    _open_sessions.get(rt, {}).pop(actor.token_hash, None)
    async with rt.db.begin() as conn:
        await conn.execute(
            update(m.sessions).where(m.sessions.c.token_hash == actor.token_hash).values(closed_at=utcnow())
        )


async def approve(rt: Runtime, actor: Actor, pin: str | None, action: str) -> Actor:
    """The approving manager for ``action``: the acting manager themselves, or the owner of ``pin``."""
    if actor.role in APPROVERS:
        return actor
    if not pin:
        raise Problem(
            403,
            "approval_required",
            "Manager approval needed",
            f"{action} needs a manager PIN (approval_pin or X-Approval-Pin)",
        )
    await _check_lock(rt)
    approver = await _match_pin(rt, pin, APPROVERS)
    if approver is None:
        locked = await _record_failure(rt)
        raise locked or Problem(403, "approval_denied", "Approval refused", "The PIN is not a manager's")
    await _reset_failures(rt)
    return approver


_AUDIT = Query(insert(m.audit_log))


def audit(
    tx: Tx,
    action: str,
    actor: Actor | None,
    approver: Actor | None = None,
    order_id: str | None = None,
    amount: int | None = None,
    detail: str = "",
) -> None:
    """Write an audit row in the caller's transaction (it commits with the action it records)."""
    tx.run(
        _AUDIT,
        {
            "at": utcnow(),
            "action": action,
            "actor_id": str(actor.staff_id) if actor else None,
            "approver_id": str(approver.staff_id) if approver else None,
            "order_id": order_id,
            "amount": amount,
            "detail": detail,
        },
    )
