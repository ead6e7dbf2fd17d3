"""Receipt, kitchen-ticket and plain-text layouts rendered to ESC/POS bytes for one printer profile.

Pure functions: same input and profile, same bytes (the golden tests pin them). Money is kopecks in and
``1234,56`` on paper; times are printed in ``tz`` (the register's local zone when not given).
"""

from __future__ import annotations

import functools
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import tzinfo
from decimal import Decimal

from drivers.base import KitchenTicket, PrintableReceipt, PrintLine, PrintTotal
from drivers.printer.escpos._writer import EscPosWriter, clean_text
from drivers.printer.escpos.profiles import PrinterProfile


@dataclass(frozen=True, slots=True, kw_only=True)
class KitchenLabels:
    """Words printed on kitchen tickets; the order type keys are the ones the register sends."""

    order_types: tuple[tuple[str, str], ...] = (
        ("dine-in", "В ЗАЛЕ"),
        ("takeaway", "С СОБОЙ"),
        ("delivery", "ДОСТАВКА"),
    )
    table: str = "СТОЛ"
    comment: str = "Комментарий:"

    def order_type(self, key: str) -> str:
        return dict(self.order_types).get(key, key.upper())


DEFAULT_KITCHEN_LABELS = KitchenLabels()


def format_money(kopecks: int) -> str:
    sign = "-" if kopecks < 0 else ""
    rubles, kop = divmod(abs(kopecks), 100)
    return f"{sign}{rubles},{kop:02d}"


def format_quantity(quantity: Decimal) -> str:
    text = format(quantity.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def wrap(text: str, width: int, indent: str = "") -> list[str]:
    """Lines of at most ``width`` characters; continuation lines keep ``indent``."""
    text = clean_text(text)
    if not text.strip():
        return [""]
    return textwrap.wrap(
        text,
        width=width,
        initial_indent=indent,
        subsequent_indent=indent,
        break_long_words=True,
        break_on_hyphens=False,
    ) or [indent.rstrip()]


def two_columns(left: str, right: str, width: int) -> list[str]:
    """``left`` wrapped, with ``right`` flush right on its last line (or on a line of its own)."""
    right = clean_text(right)
    lines = wrap(left, width)
    last = lines[-1]
    if len(last) + 1 + len(right) <= width:
        lines[-1] = last + " " * (width - len(last) - len(right)) + right
    else:
        lines.append(right.rjust(width))
    return lines


def render_receipt(receipt: PrintableReceipt, profile: PrinterProfile) -> bytes:
    w = EscPosWriter(profile)
    w.init()
    if receipt.open_drawer:
        # Kicked first so the drawer opens while the receipt prints.
        w.kick(profile.drawer_pins[0])
    width = w.columns

    w.style(align="center")
    for i, text in enumerate(receipt.header):
        w.style(bold=i == 0)
        for line in wrap(text, width):
            w.line(line)
    w.style(bold=False)
    if receipt.title:
        w.line()
        w.style(bold=True, size=(1, 2))
        for line in wrap(receipt.title, w.columns):
            w.line(line)
        w.style(bold=False, size=(1, 1))

    w.style(align="left")
    rule = "-" * width
    w.line(rule)
    for item in receipt.lines:
        _receipt_line(w, item, width)
    w.line(rule)

    for i, total in enumerate(receipt.totals):
        if i == 0:
            w.style(bold=True, size=(1, 2))
        for line in two_columns(total.label, f"={format_money(total.amount)}", w.columns):
            w.line(line)
        if i == 0:
            w.style(bold=False, size=(1, 1))
    _amounts(w, receipt.vat_lines, width)
    _amounts(w, receipt.payments, width)

    if receipt.fiscal_lines:
        w.line(rule)
        for text in receipt.fiscal_lines:
            for line in wrap(text, width):
                w.line(line)
    if receipt.qr:
        w.style(align="center")
        w.qr(receipt.qr)
        w.style(align="left")
    if receipt.footer:
        w.style(align="center")
        for text in receipt.footer:
            for line in wrap(text, width):
                w.line(line)
        w.style(align="left")
    w.cut()
    return w.output


def _receipt_line(w: EscPosWriter, item: PrintLine, width: int) -> None:
    for line in wrap(item.name, width):
        w.line(line)
    for modifier in item.modifiers:
        for line in wrap(f"+ {modifier}", width, indent="  "):
            w.line(line)
    quantity = format_quantity(item.quantity)
    left = f"  {quantity} x {format_money(item.price)}" if item.price is not None else f"  {quantity}"
    for line in two_columns(left, f"={format_money(item.amount)}", width):
        w.line(line)


def _amounts(w: EscPosWriter, rows: Sequence[PrintTotal], width: int) -> None:
    for row in rows:
        for line in two_columns(row.label, format_money(row.amount), width):
            w.line(line)


def render_kitchen_ticket(
    ticket: KitchenTicket,
    profile: PrinterProfile,
    *,
    tz: tzinfo | None = None,
    labels: KitchenLabels = DEFAULT_KITCHEN_LABELS,
) -> bytes:
    w = EscPosWriter(profile)
    w.init()
    scale = profile.kitchen_number_scale

    w.style(align="center", bold=True, size=(scale, scale))
    for line in wrap(f"№{ticket.order_number}", w.columns):
        w.line(line)
    w.style(size=(1, 2))
    kind = labels.order_type(ticket.order_type)
    if ticket.table:
        kind = f"{kind} - {labels.table} {ticket.table}"
    for line in wrap(kind, w.columns):
        w.line(line)
    w.style(bold=False, size=(1, 1))
    local = ticket.created_at.astimezone(tz)
    w.line(local.strftime("%H:%M  %d.%m.%Y"))

    w.style(align="left")
    width = w.columns
    rule = "-" * width
    w.line(rule)
    for item in ticket.lines:
        w.style(bold=True, size=(1, 2))
        for line in wrap(f"{format_quantity(item.quantity)} x {item.name}", w.columns):
            w.line(line)
        w.style(bold=False, size=(1, 1))
        for modifier in item.modifiers:
            for line in wrap(f"+ {modifier}", width, indent="   "):
                w.line(line)
        if item.comment:
            for line in wrap(f"! {item.comment}", width, indent="   "):
                w.line(line)
    w.line(rule)
    if ticket.comment:
        w.style(bold=True)
        w.line(labels.comment)
        w.style(bold=False)
        for line in wrap(ticket.comment, width):
            w.line(line)
    w.cut()
    return w.output


def render_text(lines: Sequence[str], profile: PrinterProfile) -> bytes:
    w = EscPosWriter(profile)
    w.init()
    for text in lines:
        for line in wrap(text, w.columns):
            w.line(line)
    w.cut()
    return w.output


@functools.lru_cache(maxsize=16)
def render_drawer_kick(profile: PrinterProfile, pin: int) -> bytes:
    """The same few bytes for a profile and pin every time: rendered once, not on every cash sale."""
    w = EscPosWriter(profile)
    w.kick(pin)
    return w.output
