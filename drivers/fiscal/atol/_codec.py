"""Primitives of the ATOL wire: kopecks ↔ exact rouble Decimals, the device's time zone, tag 1054 codes
and the receipt QR payload. Amounts go out as ``250.10`` (never ``250.1``) and come back as integers."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

from drivers.base import ReceiptKind
from drivers.errors import ProtocolError

MOSCOW = timezone(timedelta(hours=3), "MSK")

# Tag 1054 (признак расчёта) and the fiscal document type each receipt kind produces.
OPERATION_CODE: dict[ReceiptKind, int] = {
    ReceiptKind.SELL: 1,
    ReceiptKind.SELL_RETURN: 2,
    ReceiptKind.SELL_CORRECTION: 1,
    ReceiptKind.SELL_RETURN_CORRECTION: 2,
}
RECEIPT_DOCUMENT_TYPE = 3
CORRECTION_DOCUMENT_TYPE = 31
DOCUMENT_TYPE: dict[ReceiptKind, int] = {
    ReceiptKind.SELL: RECEIPT_DOCUMENT_TYPE,
    ReceiptKind.SELL_RETURN: RECEIPT_DOCUMENT_TYPE,
    ReceiptKind.SELL_CORRECTION: CORRECTION_DOCUMENT_TYPE,
    ReceiptKind.SELL_RETURN_CORRECTION: CORRECTION_DOCUMENT_TYPE,
}

# Tasks whose loss in transit leaves the device state unknown: never sent twice blind.
MUTATING_TASKS = frozenset(
    {
        "openShift",
        "closeShift",
        "sell",
        "sellReturn",
        "sellCorrection",
        "sellReturnCorrection",
        "buy",
        "buyReturn",
        "cashIn",
        "cashOut",
    }
)


# ------------------------------------------------------------------------------------------- money


def roubles(kopecks: int) -> Decimal:
    """Kopecks as an exact two-decimal rouble amount: 25010 → Decimal('250.10')."""
    return Decimal(kopecks).scaleb(-2)


def to_kopecks(value: Decimal | int) -> int:
    """A rouble amount from the device as kopecks; anything finer than a kopeck is a protocol error."""
    try:
        scaled = Decimal(value).scaleb(2)
        if scaled != scaled.to_integral_value():
            raise ProtocolError(f"amount {value} is not a whole number of kopecks")
        return int(scaled)
    except InvalidOperation as exc:
        raise ProtocolError(f"amount {value!r} is not a number") from exc


def format_roubles(kopecks: int) -> str:
    """``s=`` of the receipt QR and printed totals: 25010 → '250.10'."""
    return f"{roubles(kopecks):.2f}"


def parse_datetime(value: str, device_tz: timezone = MOSCOW) -> datetime:
    """A device timestamp; a naive one is in the device's own zone."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ProtocolError(f"bad device timestamp {value!r}") from exc
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=device_tz)


def build_qr(local_time: datetime, total: int, fn_number: str, document_number: int, sign: str, operation: int) -> str:
    """The receipt QR payload (ФНС format): ``t=YYYYMMDDTHHMM&s=R.KK&fn=…&i=FD&fp=FPD&n=1054``."""
    return (
        f"t={local_time.strftime('%Y%m%dT%H%M')}&s={format_roubles(total)}"
        f"&fn={fn_number}&i={document_number}&fp={sign}&n={operation}"
    )
