"""Credential primitives: argon2 password and PIN hashes, HS256 access tokens, opaque refresh and
invitation tokens stored as SHA-256, and the roles with what each may do.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Literal, get_args

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

Role = Literal["owner", "admin", "manager", "cashier", "kitchen", "waiter", "chef", "technician", "customer"]
ROLES: Final[tuple[str, ...]] = get_args(Role)
ADMINS: Final = frozenset({"owner", "admin"})
MANAGERS: Final = frozenset({"owner", "admin", "manager"})
STAFF_ROLES: Final = frozenset({"owner", "admin", "manager", "cashier", "kitchen", "waiter", "chef", "technician"})
"""Roles whose holders may open a register session by PIN (their PIN hashes travel in snapshots)."""
SNAPSHOT_ROLES: Final = frozenset({"manager", "cashier", "kitchen", "waiter", "chef", "technician", "owner", "admin"})

_hasher = PasswordHasher()
_ALGORITHM: Final = "HS256"


def set_hash_cost(time_cost: int, memory_kib: int) -> None:
    """Cost of new argon2 hashes (existing hashes carry their own parameters and keep verifying)."""
    global _hasher, _dummy_hash
    if (_hasher.time_cost, _hasher.memory_cost) != (time_cost, memory_kib):
        _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)
        _dummy_hash = None


def hash_secret(secret: str) -> str:
    """argon2id hash of a password or PIN."""
    return _hasher.hash(secret)


def verify_secret(stored: str | None, secret: str) -> bool:
    if not stored:
        return False
    try:
        return _hasher.verify(stored, secret)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


_dummy_hash: str | None = None


def burn_verification(secret: str) -> None:
    """Spend the same time as a real check, so a missing account is not told apart by timing."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash("not-a-real-password")
    verify_secret(_dummy_hash, secret)


def new_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def token_digest(token: str) -> str:
    """SHA-256 of a high-entropy token: enough to store it, since it cannot be guessed."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a user of one organization with one role."""

    user_id: uuid.UUID
    org_id: uuid.UUID
    role: str


class InvalidToken(Exception):
    """An access token that is malformed, expired or signed with another key."""


def encode_access_token(principal: Principal, secret: str, now: datetime, ttl: int) -> str:
    claims = {
        "sub": str(principal.user_id),
        "org": str(principal.org_id),
        "role": principal.role,
        "typ": "access",
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=ttl)).timestamp()),
        "jti": secrets.token_hex(8),
    }
    return jwt.encode(claims, secret, algorithm=_ALGORITHM)


def decode_access_token(token: str, secret: str) -> Principal:
    try:
        claims = jwt.decode(token, secret, algorithms=[_ALGORITHM], options={"require": ["exp", "sub", "org"]})
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from exc
    if claims.get("typ") != "access" or claims.get("role") not in ROLES:
        raise InvalidToken("not an access token")
    try:
        return Principal(user_id=uuid.UUID(claims["sub"]), org_id=uuid.UUID(claims["org"]), role=claims["role"])
    except (ValueError, TypeError) as exc:
        raise InvalidToken("malformed subject") from exc
