"""UUIDv7 identifiers (born where the thing is born, time-ordered) and the UTC timestamp type."""

from __future__ import annotations

import os
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Annotated

import msgspec

UtcDateTime = Annotated[datetime, msgspec.Meta(tz=True)]
"""A timezone-aware datetime; producers always store UTC (see :func:`utcnow` and :func:`as_utc`)."""

_lock = threading.Lock()
_last_ms = 0
_counter = 0


def uuid7() -> uuid.UUID:
    """A new UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then a 12-bit counter that keeps ids made in the
    same millisecond by this process strictly increasing, then 62 random bits."""
    global _last_ms, _counter
    with _lock:
        now_ms = time.time_ns() // 1_000_000
        if now_ms > _last_ms:
            _last_ms = now_ms
            _counter = int.from_bytes(os.urandom(2), "big") & 0x01FF  # leave headroom for increments
        else:
            _counter += 1
            if _counter > 0x0FFF:  # counter exhausted: borrow the next millisecond
                _last_ms += 1
                _counter = 0
        ms, counter = _last_ms, _counter
    rand_b = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= counter << 64
    value |= 0b10 << 62
    value |= rand_b
    return uuid.UUID(int=value)


class InvalidId(ValueError):
    """Raised when a string is not a UUIDv7."""


def parse_uuid7(value: str | uuid.UUID) -> uuid.UUID:
    """Parse and check a UUIDv7 (version 7, RFC 4122 variant)."""
    try:
        parsed = value if isinstance(value, uuid.UUID) else uuid.UUID(value)
    except (ValueError, AttributeError, TypeError) as exc:
        raise InvalidId(f"{value!r} is not a UUID") from exc
    if parsed.version != 7 or parsed.variant != uuid.RFC_4122:
        raise InvalidId(f"{value!r} is not a UUIDv7")
    return parsed


def uuid7_time(value: uuid.UUID) -> datetime:
    """The creation time encoded in a UUIDv7, in UTC."""
    return datetime.fromtimestamp((value.int >> 80) / 1000, tz=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """The same instant in UTC; naive datetimes are refused rather than guessed."""
    if value.tzinfo is None:
        raise ValueError("naive datetime: time must carry a zone")
    return value.astimezone(UTC)
