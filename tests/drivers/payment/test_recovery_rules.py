"""The rules that settle a lost operation from the terminal's last transaction, without any I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from drivers.base import CardOperation, CardOutcome, PendingCard
from drivers.payment.zvt._recovery import decide
from drivers.payment.zvt.messages import StatusInformation

pytestmark = pytest.mark.unit

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


def _pending(amount: int = 1000, trace: int | None = 41, started: datetime = NOW) -> PendingCard:
    return PendingCard(
        reference="r", operation=CardOperation.SALE, amount=amount, last_known_trace=trace, started_at=started
    )


def _last(trace: int, amount: int = 1000, code: int = 0, at: datetime = NOW) -> StatusInformation:
    return StatusInformation(
        result_code=code, amount=amount, trace=trace, time=(at.hour, at.minute, at.second), date=(at.month, at.day)
    )


def _decide(pending: PendingCard, last: StatusInformation | None) -> tuple[CardOutcome, str]:
    verdict = decide(pending, last, tz=UTC, now=NOW + timedelta(seconds=5), tolerance=timedelta(seconds=2))
    return verdict.outcome, verdict.message


def test_newer_trace_same_amount_takes_its_outcome() -> None:
    assert _decide(_pending(), _last(42))[0] is CardOutcome.APPROVED
    assert _decide(_pending(), _last(42, code=0x05))[0] is CardOutcome.DECLINED


def test_same_trace_means_not_performed() -> None:
    assert _decide(_pending(), _last(41)) == (CardOutcome.DECLINED, "not performed")


def test_trace_wraps_after_999999() -> None:
    assert _decide(_pending(trace=999_999), _last(1))[0] is CardOutcome.APPROVED
    assert _decide(_pending(trace=5), _last(999_990))[0] is CardOutcome.UNKNOWN


@pytest.mark.parametrize(
    "last",
    [None, StatusInformation(amount=1000), _last(43, amount=999), _last(40)],
    ids=["no answer", "no trace", "other amount", "older trace"],
)
def test_anything_else_stays_unknown(last: StatusInformation | None) -> None:
    assert _decide(_pending(), last)[0] is CardOutcome.UNKNOWN


def test_without_a_known_trace_amount_and_time_decide() -> None:
    assert _decide(_pending(trace=None), _last(7, at=NOW + timedelta(seconds=1)))[0] is CardOutcome.APPROVED
    assert _decide(_pending(trace=None), _last(7, at=NOW - timedelta(minutes=5)))[0] is CardOutcome.UNKNOWN
    assert _decide(_pending(trace=None, amount=5), _last(7))[0] is CardOutcome.UNKNOWN


def test_year_is_inferred_across_new_year() -> None:
    info = StatusInformation(time=(23, 59, 59), date=(12, 31))
    when = info.occurred_at(UTC, datetime(2027, 1, 1, 0, 0, 5, tzinfo=UTC))
    assert when == datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC)
