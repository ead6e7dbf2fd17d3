"""Turning what the PT said in one exchange into a :class:`drivers.base.CardResult`."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from drivers.base import CardOperation, CardOutcome, CardResult
from drivers.payment.zvt._exchange import Exchange
from drivers.payment.zvt.texts import Language, card_type_name, result_text


def mask_pan(pan: str | None) -> str | None:
    """Keep what the terminal masked; if it sent more than 10 clear digits, mask all but the first 6 and last 4."""
    if not pan:
        return None
    if "*" in pan or len(pan) <= 10:
        return pan
    return pan[:6] + "*" * (len(pan) - 10) + pan[-4:]


def _outcome(exchange: Exchange, broken: str | None, recovered: bool) -> tuple[CardOutcome, int | None, str]:
    info = exchange.status
    info_code = info.result_code if info else None
    if broken is not None:
        # no result code with UNKNOWN, even when a Status-Information came: the terminal may still undo it
        return CardOutcome.UNKNOWN, None, f"outcome unknown, resolve with the terminal: {broken}"
    if recovered:
        if info_code is None:
            return CardOutcome.UNKNOWN, None, "the terminal reported no result code"
        return (CardOutcome.APPROVED if info_code == 0 else CardOutcome.DECLINED), info_code, ""
    if exchange.pt_abort is not None:
        if info_code == 0:
            # approved, then aborted: money may have moved; only the terminal's receipt can tell
            return CardOutcome.UNKNOWN, None, "approved, then aborted by the terminal: resolve with the terminal"
        declined = info_code if info_code is not None else exchange.pt_abort.result_code
        return CardOutcome.DECLINED, declined, exchange.pt_abort.error_text
    completion = exchange.completion
    final = info_code if info_code is not None else completion.result_code if completion else None
    if final in (None, 0):
        return CardOutcome.APPROVED, 0, "" if info else "completed without Status-Information"
    return CardOutcome.DECLINED, final, ""


def card_result(
    operation: CardOperation,
    amount: int,
    exchange: Exchange,
    *,
    broken: str | None,
    recovered: bool,
    terminal_id: str | None,
    language: Language,
    tz: tzinfo,
) -> CardResult:
    outcome, code, note = _outcome(exchange, broken, recovered)
    info = exchange.status
    text = result_text(code, language) if code is not None and outcome is not CardOutcome.UNKNOWN else ""
    if info is not None and info.amount is not None and info.amount != amount and outcome is CardOutcome.APPROVED:
        note = f"the terminal reports {info.amount}, not {amount}" + (f"; {note}" if note else "")
    message = "; ".join(part for part in (text, note) if part)
    occurred = info.occurred_at(tz, datetime.now(UTC)) if info else None
    return CardResult(
        outcome=outcome,
        operation=operation,
        amount=amount,
        result_code=code,
        message=message,
        trace_number=info.trace if info else None,
        receipt_number=info.receipt_number if info else None,
        turnover_number=info.turnover if info else None,
        terminal_id=(info.terminal_id if info else None) or terminal_id,
        card_pan_masked=mask_pan(info.pan) if info else None,
        card_type=(info.card_name or card_type_name(info.card_type)) if info else None,
        auth_code=info.auth_code if info else None,
        occurred_at=occurred.astimezone(UTC) if occurred else None,
        receipt_lines=tuple(exchange.receipt_lines),
    )
