"""Layouts rendered through python-escpos's Dummy: golden bytes, columns, code page pinning, safe text."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC
from decimal import Decimal
from pathlib import Path

import pytest

from drivers.base import PrintLine
from drivers.printer.escpos.layout import (
    format_money,
    format_quantity,
    render_kitchen_ticket,
    render_receipt,
    render_text,
    two_columns,
)
from drivers.printer.escpos.profiles import PrinterProfile
from drivers.sim._printer_model import PrintHead, TextLine
from drivers.sim._printer_parser import Tokenizer
from tests.drivers.printer import samples

GOLDEN = Path(__file__).parent / "golden"
ESC_AT = b"\x1b@"
PIN_866 = b"\x1bt\x11"


def check_golden(name: str, data: bytes) -> None:
    """Compare with the committed file; YAGO_UPDATE_GOLDEN=1 rewrites it after a deliberate change."""
    path = GOLDEN / name
    if os.environ.get("YAGO_UPDATE_GOLDEN"):
        path.write_bytes(data)
    assert data == path.read_bytes(), f"{name} changed; inspect and rerun with YAGO_UPDATE_GOLDEN=1 if intended"


def printed_lines(data: bytes, profile: PrinterProfile) -> list[str]:
    head = PrintHead(dots=profile.dots, columns_a=profile.columns_a, columns_b=profile.columns_b)
    jobs = []
    for token in Tokenizer().feed(data):
        jobs += head.apply(token)[0]
    tail = head.close()  # a model without a cutter ends its job when the link closes
    jobs += [tail] if tail is not None else []
    assert len(jobs) == 1
    return [e.text for e in jobs[0].elements if isinstance(e, TextLine)]


def test_receipt_bytes_match_golden(profile_80: PrinterProfile) -> None:
    check_golden("receipt-80mm.bin", render_receipt(samples.receipt(), profile_80))


def test_kitchen_ticket_bytes_match_golden(profile_80: PrinterProfile) -> None:
    check_golden("kitchen-80mm.bin", render_kitchen_ticket(samples.kitchen_ticket(), profile_80, tz=UTC))


def test_receipt_58mm_bytes_match_golden(profile_58: PrinterProfile) -> None:
    check_golden("receipt-58mm.bin", render_receipt(samples.receipt(), profile_58))


def test_receipt_carries_native_qr_cut_and_cyrillic_in_cp866(profile_80: PrinterProfile) -> None:
    data = render_receipt(samples.receipt(), profile_80)
    assert "Капучино 0,3 л".encode("cp866") in data
    store = b"\x1d(k" + (len(samples.FISCAL_QR) + 3).to_bytes(2, "little") + b"1P0" + samples.FISCAL_QR.encode()
    assert store in data
    assert b"\x1d(k\x03\x001Q0" in data  # print the stored symbol
    assert data.endswith(b"\x1bd\x04\x1dV\x01")  # the profile's feed, then a partial cut
    assert b"\x1bp" not in data  # no drawer kick unless asked


def test_open_drawer_adds_one_kick_on_the_profile_pin(profile_80: PrinterProfile) -> None:
    data = render_receipt(samples.receipt(open_drawer=True), profile_80)
    assert data.count(b"\x1bp") == 1
    assert b"\x1bp\x00\x32\x64" in data  # pin 2, 100 ms on, 200 ms off


def test_profile_without_cutter_only_feeds(profile_58: PrinterProfile) -> None:
    data = render_receipt(samples.receipt(), profile_58)
    assert b"\x1dV" not in data
    assert data.endswith(b"\x1bd\x05")


@pytest.mark.parametrize("render", ["receipt", "kitchen", "text"])
def test_code_page_is_selected_right_after_every_init(render: str, profile_80: PrinterProfile) -> None:
    data = _render(render, profile_80)
    parts = data.split(ESC_AT)
    assert len(parts) == 2 and parts[0] == b""
    assert parts[1].startswith(PIN_866)


@pytest.mark.parametrize("render", ["receipt", "kitchen"])
def test_code_page_is_reselected_after_every_font_or_size_change(render: str, profile_80: PrinterProfile) -> None:
    tokens = Tokenizer().feed(_render(render, profile_80))
    changes = [i for i, t in enumerate(tokens) if t.name in ("ESC !", "ESC M", "GS !", "ESC @")]
    assert len(changes) >= 4
    for index in changes:
        following = [t for t in tokens[index + 1 :] if t.name in ("ESC t", "TEXT")]
        assert following, f"nothing after {tokens[index].name}"
        assert following[0].name == "ESC t" and following[0].params == (17,), f"text after {tokens[index].name}"


def _render(kind: str, profile: PrinterProfile) -> bytes:
    if kind == "receipt":
        return render_receipt(samples.receipt(), profile)
    if kind == "kitchen":
        return render_kitchen_ticket(samples.kitchen_ticket(), profile, tz=UTC)
    return render_text(["Смена закрыта"], profile)


@pytest.mark.parametrize("fixture", ["profile_80", "profile_58"])
def test_no_printed_line_is_wider_than_the_profile(fixture: str, request: pytest.FixtureRequest) -> None:
    profile: PrinterProfile = request.getfixturevalue(fixture)
    lines = printed_lines(render_receipt(samples.receipt(), profile), profile)
    assert max(len(line) for line in lines) == profile.columns_a  # rules span the paper exactly
    assert "ИТОГО" in "\n".join(lines)


def test_amount_sits_flush_right_on_the_quantity_line(profile_80: PrinterProfile) -> None:
    lines = printed_lines(render_receipt(samples.receipt(), profile_80), profile_80)
    qty = next(line for line in lines if line.startswith("  2 x 190,00"))
    assert qty.endswith("=380,00") and len(qty) == 48
    assert "  + овсяное молоко" in lines


def test_kitchen_ticket_shows_big_number_type_time_and_comments(profile_80: PrinterProfile) -> None:
    data = render_kitchen_ticket(samples.kitchen_ticket(), profile_80, tz=UTC)
    assert b"\x1d!\x22\x1bt\x11" + "№42".encode("cp866") in data  # 3x3 magnification
    lines = printed_lines(data, profile_80)
    assert "С СОБОЙ" in lines
    assert "09:15  01.03.2025" in lines
    assert "2 x Капучино 0,3 л" in lines
    assert "   ! очень горячий" in lines
    assert "1,5 x Сырники" in lines
    assert "Гость ждёт у окна" in lines


def test_control_characters_in_names_never_become_commands(profile_80: PrinterProfile) -> None:
    hostile = replace(
        samples.receipt(),
        lines=[PrintLine(name="Чай\x1b@\x1dV\x00\x10\x04", quantity=Decimal(1), price=100, amount=100)],
    )
    data = render_receipt(hostile, profile_80)
    assert data.count(ESC_AT) == 1
    assert data.count(b"\x1dV") == 1
    assert b"\x10\x04" not in data


def test_characters_missing_from_cp866_are_replaced_readably(profile_80: PrinterProfile) -> None:
    data = render_text(["2 × 150 ₽ — «ok»"], profile_80)
    assert '2 x 150 р. - "ok"'.encode("cp866") in data


def test_money_and_quantity_formats() -> None:
    assert format_money(53500) == "535,00"
    assert format_money(5) == "0,05"
    assert format_money(-12000) == "-120,00"
    assert format_quantity(Decimal("2.000")) == "2"
    assert format_quantity(Decimal("0.250")) == "0,25"
    assert format_quantity(Decimal("10")) == "10"


def test_two_columns_moves_the_amount_down_when_the_name_is_too_long() -> None:
    assert two_columns("Итого", "=1,00", 12) == ["Итого  =1,00"]
    assert two_columns("Очень длинное", "=1,00", 12) == ["Очень", "длинное", "       =1,00"]
