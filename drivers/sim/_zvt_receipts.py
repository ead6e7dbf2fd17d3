"""What the emulated terminal says about a transaction: its Status-Information (04 0F), the receipt it
prints through the ECR, and the end-of-day report; plus the made-up cards it reads."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime

from drivers.payment.zvt.messages import TOTAL_GROUPS, EndOfDayTotals, StatusInformation
from drivers.payment.zvt.texts import CARD_TYPES
from drivers.sim._zvt_state import Closure, Transaction

PAYMENT_TYPE_PIN = 0x70  # BMP 19: PIN payment, the only kind seen in real traces
VU_NUMBER = "YAGO0000000001"
_CARDS = ((0x0A, "427638"), (0x06, "546938"), (0x2E, "676280"))  # card type, BIN
_TITLES = {"sale": "ОПЛАТА ПО КАРТЕ", "refund": "ВОЗВРАТ ПО КАРТЕ", "reversal": "ОТМЕНА ОПЛАТЫ"}


def read_card(trace: int, rng: random.Random) -> tuple[int, str]:
    """The card presented for transaction ``trace``: its type and the PAN as a terminal masks it."""
    card_type, bin6 = _CARDS[trace % len(_CARDS)]
    return card_type, f"{bin6}******{rng.randint(0, 9999):04d}"


def money(kopecks: int, currency: int) -> str:
    unit = "руб." if currency == 643 else f"({currency:03d})"
    sign = "-" if kopecks < 0 else ""
    return f"{sign}{abs(kopecks) // 100}.{abs(kopecks) % 100:02d} {unit}"


def status_information(txn: Transaction, *, terminal_id: str, currency: int) -> StatusInformation:
    at = datetime.fromisoformat(txn.at)
    return StatusInformation(
        result_code=txn.result_code,
        amount=txn.amount,
        trace=txn.trace,
        time=(at.hour, at.minute, at.second),
        date=(at.month, at.day),
        expiry="2812" if txn.pan else None,
        payment_type=PAYMENT_TYPE_PIN,
        pan=txn.pan or None,
        terminal_id=terminal_id,
        vu_number=VU_NUMBER,
        auth_code=txn.auth_code,
        currency=currency,
        receipt_number=txn.receipt_number,
        turnover=txn.turnover,
        card_type=txn.card_type if txn.pan else None,
        card_name=CARD_TYPES.get(txn.card_type) if txn.pan else None,
    )


def receipt_lines(txn: Transaction, *, terminal_id: str, currency: int) -> list[str]:
    at = datetime.fromisoformat(txn.at)
    lines = [
        _TITLES.get(txn.kind, txn.kind.upper()),
        f"Терминал {terminal_id}",
        at.strftime("%d.%m.%Y %H:%M:%S"),
    ]
    if txn.pan:
        lines.append(f"{CARD_TYPES.get(txn.card_type, 'Карта')} {txn.pan}")
    lines.append(f"Сумма: {money(txn.amount, currency)}")
    if txn.original_receipt is not None:
        lines.append(f"Отмена чека {txn.original_receipt:04d}")
    number = f"Чек {txn.receipt_number:04d}  " if txn.receipt_number is not None else ""
    lines.append(f"{number}Операция {txn.trace:06d}")
    if txn.auth_code:
        lines.append(f"Код авторизации {txn.auth_code}")
    lines.append("ОДОБРЕНО" if txn.approved else f"ОТКАЗ, КОД {txn.result_code:02X}")
    return lines


def close_batch_totals(batch: Sequence[Transaction]) -> tuple[int, int, list[list[int]], int, int]:
    """Net total, count, per-group [count, total], first and last receipt of the batch.

    A refund counts in its card group and takes its amount off the total; a reversed sale and its reversal
    do not count at all. A negative group total is reported as 0 (BCD has no sign).
    """
    groups = [[0, 0] for _ in TOTAL_GROUPS]
    total = count = 0
    for txn in batch:
        signed = txn.signed_amount
        if signed == 0:
            continue
        group = groups[EndOfDayTotals.group_of(txn.card_type)]
        group[0] += 1
        group[1] += signed
        total += signed
        count += 1
    receipts = [t.receipt_number for t in batch if t.receipt_number is not None]
    return total, count, groups, min(receipts, default=0), max(receipts, default=0)


def end_of_day_information(closure: Closure, at: datetime) -> StatusInformation:
    totals = EndOfDayTotals(
        receipt_from=closure.receipt_from,
        receipt_to=closure.receipt_to,
        groups=tuple((count, max(0, total)) for count, total in closure.groups),
    )
    return StatusInformation(
        result_code=0,
        trace=closure.trace,
        time=(at.hour, at.minute, at.second),
        date=(at.month, at.day),
        amount=max(0, closure.total),
        totals=totals,
    )


def end_of_day_lines(closure: Closure, *, terminal_id: str, currency: int, at: datetime) -> list[str]:
    lines = ["СВЕРКА ИТОГОВ", f"Терминал {terminal_id}", at.strftime("%d.%m.%Y %H:%M:%S"), f"Пакет {closure.batch}"]
    for name, (count, total) in zip(TOTAL_GROUPS, closure.groups, strict=True):
        if count:
            lines.append(f"{name}: {count} на {money(total, currency)}")
    lines += [f"Итого: {closure.count} на {money(closure.total, currency)}", "ИТОГИ СОВПАЛИ"]
    return lines
