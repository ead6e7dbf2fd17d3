"""UUIDv7 generation and parsing; UTC timestamps."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from protocols.ids import InvalidId, as_utc, parse_uuid7, utcnow, uuid7, uuid7_time

pytestmark = pytest.mark.unit


def test_uuid7_has_version_and_variant() -> None:
    value = uuid7()
    assert value.version == 7
    assert value.variant == uuid.RFC_4122


def test_uuid7_is_strictly_increasing_within_a_process() -> None:
    ids = [uuid7() for _ in range(5000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_uuid7_encodes_its_creation_time() -> None:
    before = utcnow() - timedelta(milliseconds=2)
    value = uuid7()
    after = utcnow() + timedelta(milliseconds=2)
    assert before <= uuid7_time(value) <= after


def test_parse_accepts_uuid7_and_refuses_others() -> None:
    value = uuid7()
    assert parse_uuid7(str(value)) == value
    with pytest.raises(InvalidId):
        parse_uuid7(str(uuid.uuid4()))
    with pytest.raises(InvalidId):
        parse_uuid7("not-a-uuid")


def test_as_utc_converts_and_refuses_naive() -> None:
    moscow = timezone(timedelta(hours=3))
    assert as_utc(datetime(2026, 3, 1, 10, 15, tzinfo=moscow)) == datetime(2026, 3, 1, 7, 15, tzinfo=UTC)
    with pytest.raises(ValueError):
        as_utc(datetime(2026, 3, 1, 10, 15))
