"""Settling an operation whose outcome was lost, from the terminal's last transaction (06 20).

The trace number decides: newer than the last one the agent knew, with the same amount, is our
operation; equal means it never ran (a retry is safe); anything else stays UNKNOWN.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from drivers.base import CardOutcome, PendingCard
from drivers.payment.zvt.messages import StatusInformation

TRACE_MODULUS = 1_000_000  # six BCD digits


@dataclass(frozen=True, slots=True)
class Verdict:
    outcome: CardOutcome
    message: str
    matched: bool  # the status information describes the pending operation


def _is_newer(trace: int, known: int) -> bool:
    """Trace numbers wrap after 999999; anything up to half the range ahead counts as newer."""
    return 0 < (trace - known) % TRACE_MODULUS < TRACE_MODULUS // 2


def decide(
    pending: PendingCard,
    last: StatusInformation | None,
    *,
    tz: tzinfo,
    now: datetime,
    tolerance: timedelta,
) -> Verdict:
    if last is None or last.trace is None:
        return Verdict(CardOutcome.UNKNOWN, "the terminal did not report its last transaction", False)
    outcome = CardOutcome.APPROVED if last.result_code == 0 else CardOutcome.DECLINED
    if pending.last_known_trace is not None:
        known = pending.last_known_trace
        if last.trace == known:
            return Verdict(CardOutcome.DECLINED, "not performed", False)
        if not _is_newer(last.trace, known):
            return Verdict(CardOutcome.UNKNOWN, f"the terminal's last trace {last.trace} is older than {known}", False)
        if last.amount != pending.amount:
            return Verdict(
                CardOutcome.UNKNOWN,
                f"trace {last.trace} is for {last.amount}, not {pending.amount}: another operation followed",
                False,
            )
        return Verdict(outcome, "recovered from the terminal's last transaction", True)
    when = last.occurred_at(tz, now)
    if when is None:
        return Verdict(CardOutcome.UNKNOWN, "the last transaction carries no time", False)
    started = pending.started_at
    if when >= started - tolerance and last.amount == pending.amount:
        return Verdict(outcome, "recovered by amount and time", True)
    return Verdict(CardOutcome.UNKNOWN, "the terminal's last transaction does not match", False)
