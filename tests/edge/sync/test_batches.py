"""A batch never skips a sequence number."""

from __future__ import annotations

import pytest

from edge.sync._store import OutboxRow
from edge.sync.outbox import contiguous

pytestmark = pytest.mark.unit


def rows(*seqs: int) -> list[OutboxRow]:
    return [OutboxRow(seq=s, payload=b"{}") for s in seqs]


def test_a_batch_stops_before_a_missing_number() -> None:
    assert [r.seq for r in contiguous(rows(5, 6, 8, 9), after=4)] == [5, 6]


def test_a_batch_must_start_right_after_what_was_sent() -> None:
    assert contiguous(rows(7, 8), after=5) == []
