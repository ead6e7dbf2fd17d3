"""The PT's messages as typed values: Status-Information (04 0F), intermediate status (04 FF), print lines
(06 D1), text blocks (06 D3), Completion (06 0F), Abort (06 1E) and the end-of-day totals in BMP 60.

Each has ``parse`` (ECR side) and, where the emulator sends it, ``encode``. Parsing is lenient: a field
that does not parse ends the walk and keeps what came before, because the ECR must still acknowledge.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, tzinfo

from drivers.payment.zvt import bmp as b
from drivers.payment.zvt.bmp import Tlv, tlv

NO_RECEIPT = 0xFFFF  # BMP 87 "FF FF": no receipt number
# BMP 60 groups, in the order the spec lists them
TOTAL_GROUPS = ("girocard", "JCB", "Eurocard", "Amex", "VISA", "Diners", "others")
_GROUP_OF_CARD = {0x05: 0, 0x0E: 1, 0x06: 2, 0x08: 3, 0x0A: 4}


def lenient_bmps(data: bytes, start: int = 0) -> list[tuple[int, bytes]]:
    """BMPs from ``start`` until the data ends or a field does not parse."""
    fields: list[tuple[int, bytes]] = []
    pos = start
    while pos < len(data):
        try:
            end = _field_end(data, pos)
            if end > len(data):
                break
            fields += b.decode_bmps(data[pos:end])
        except b.BmpError:
            break
        pos = end
    return fields


def _field_end(data: bytes, pos: int) -> int:
    kind, size = b.bmp_format(data[pos])
    if kind == "fixed":
        return pos + 1 + size
    if kind == "var":
        return b.decode_var(data, pos + 1, size)[1]
    length, value_at = b.read_tlv_length(data, pos + 1)
    return value_at + length


def _text(value: bytes, encoding: str) -> str:
    return value.split(b"\x00", 1)[0].decode(encoding, errors="replace").strip()


def tlv_texts(items: Sequence[Tlv], encoding: str, container: int) -> list[str]:
    """The 07 text lines inside ``container`` (24 display texts, 25 print texts)."""
    return [_text(item.value, encoding) for item in b.find_tlv(items, container, 0x07)]


# ---------------------------------------------------------------------------------------- 04 0F


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusInformation:
    result_code: int | None = None
    amount: int | None = None
    trace: int | None = None
    original_trace: int | None = None
    time: tuple[int, int, int] | None = None  # terminal local HH, MM, SS
    date: tuple[int, int] | None = None  # terminal local MM, DD
    expiry: str | None = None  # YYMM
    card_sequence: int | None = None
    payment_type: int | None = None
    pan: str | None = None  # masked as the terminal sent it (E nibbles become *)
    terminal_id: str | None = None
    vu_number: str | None = None
    auth_code: str | None = None
    currency: int | None = None
    receipt_number: int | None = None
    turnover: int | None = None
    card_type: int | None = None
    card_name: str | None = None
    totals: EndOfDayTotals | None = None
    tlv: tuple[Tlv, ...] = ()

    @property
    def approved(self) -> bool:
        return self.result_code == 0

    @property
    def identity(self) -> tuple[int | None, int | None, int | None]:
        """What makes two Status-Informations the same transaction (a PT may send one twice)."""
        return (self.trace, self.receipt_number, self.amount)

    def occurred_at(self, tz: tzinfo, now: datetime) -> datetime | None:
        """The terminal's local time as an aware datetime; the year is the one that puts it nearest ``now``."""
        if self.time is None or self.date is None:
            return None
        local_now = now.astimezone(tz)
        best: datetime | None = None
        for year in (local_now.year - 1, local_now.year, local_now.year + 1):
            try:
                when = datetime.combine(date(year, *self.date), time(*self.time), tz)
            except ValueError:
                continue
            if best is None or abs(when - local_now) < abs(best - local_now):
                best = when
        return best

    @classmethod
    def parse(cls, data: bytes, encoding: str = "cp866") -> StatusInformation:
        values: dict[str, object] = {}
        for bmp, value in lenient_bmps(data):
            key, parsed = _parse_field(bmp, value, encoding)
            if key:
                values[key] = parsed
        return cls(**values)  # type: ignore[arg-type]

    def encode(self, encoding: str = "cp866") -> bytes:
        fields: list[tuple[int, bytes]] = []
        if self.result_code is not None:
            fields.append((0x27, bytes([self.result_code])))
        if self.amount is not None:
            fields.append((0x04, b.encode_amount(self.amount)))
        if self.trace is not None:
            fields.append((0x0B, b.bcd_encode(self.trace, 3)))
        if self.original_trace is not None:
            fields.append((0x37, b.bcd_encode(self.original_trace, 3)))
        if self.time is not None:
            fields.append((0x0C, bytes.fromhex("".join(f"{part:02d}" for part in self.time))))
        if self.date is not None:
            fields.append((0x0D, bytes.fromhex("".join(f"{part:02d}" for part in self.date))))
        if self.expiry is not None:
            fields.append((0x0E, bytes.fromhex(self.expiry)))
        if self.card_sequence is not None:
            fields.append((0x17, b.bcd_encode(self.card_sequence, 2)))
        if self.payment_type is not None:
            fields.append((0x19, bytes([self.payment_type])))
        if self.pan is not None:
            fields.append((0x22, b.encode_pan(self.pan)))
        if self.terminal_id is not None:
            fields.append((0x29, bytes.fromhex(self.terminal_id.rjust(8, "0"))))
        if self.vu_number is not None:
            fields.append((0x2A, self.vu_number.encode("ascii").ljust(15)[:15]))
        if self.auth_code is not None:
            fields.append((0x3B, self.auth_code.encode("ascii").ljust(8, b"\x00")[:8]))
        if self.currency is not None:
            fields.append((0x49, b.encode_currency(self.currency)))
        if self.receipt_number is not None:
            fields.append((0x87, b.bcd_encode(self.receipt_number, 2)))
        if self.turnover is not None:
            fields.append((0x88, b.bcd_encode(self.turnover, 3)))
        if self.card_type is not None:
            fields.append((0x8A, bytes([self.card_type])))
        if self.card_name is not None:
            fields.append((0x8B, self.card_name.encode(encoding) + b"\x00"))
        if self.totals is not None:
            fields.append((0x60, self.totals.encode()))
        if self.tlv:
            fields.append((b.TLV_BMP, b.encode_tlv(self.tlv)))
        return b.encode_bmps(fields)


def _bcd_or_none(value: bytes) -> int | None:
    try:
        return b.bcd_decode(value)
    except b.BmpError:
        return None


def _parse_field(bmp: int, value: bytes, encoding: str) -> tuple[str, object]:
    if bmp == 0x27:
        return "result_code", value[0]
    if bmp == 0x04:
        return "amount", _bcd_or_none(value)
    if bmp == 0x0B:
        return "trace", _bcd_or_none(value)
    if bmp == 0x37:
        return "original_trace", _bcd_or_none(value)
    if bmp == 0x0C:
        digits = value.hex()
        return "time", (int(digits[0:2]), int(digits[2:4]), int(digits[4:6])) if digits.isdigit() else None
    if bmp == 0x0D:
        digits = value.hex()
        return "date", (int(digits[0:2]), int(digits[2:4])) if digits.isdigit() else None
    if bmp == 0x0E:
        return "expiry", value.hex()
    if bmp == 0x17:
        return "card_sequence", _bcd_or_none(value)
    if bmp == 0x19:
        return "payment_type", value[0]
    if bmp == 0x22:
        return "pan", b.decode_pan(value)
    if bmp == 0x29:
        return "terminal_id", value.hex().upper()
    if bmp == 0x2A:
        return "vu_number", value.decode("ascii", errors="replace").strip()
    if bmp == 0x3B:
        return "auth_code", _text(value, "ascii") or None
    if bmp == 0x49:
        return "currency", _bcd_or_none(value)
    if bmp == 0x87:
        number = _bcd_or_none(value)
        return "receipt_number", None if value == b"\xff\xff" else number
    if bmp == 0x88:
        return "turnover", _bcd_or_none(value)
    if bmp == 0x8A:
        return "card_type", value[0]
    if bmp == 0x8B:
        return "card_name", _text(value, encoding)
    if bmp == 0x60:
        return "totals", EndOfDayTotals.parse(value)
    if bmp == b.TLV_BMP:
        try:
            return "tlv", tuple(b.decode_tlv(value))
        except b.BmpError:
            return "", None
    return "", None


# ---------------------------------------------------------------------------------------- BMP 60


@dataclass(frozen=True, slots=True, kw_only=True)
class EndOfDayTotals:
    """BMP 60 of the end-of-day Status-Information: receipt range and (count, total) per card group."""

    receipt_from: int = 0
    receipt_to: int = 0
    groups: tuple[tuple[int, int], ...] = ((0, 0),) * len(TOTAL_GROUPS)

    @property
    def count(self) -> int:
        return sum(count for count, _ in self.groups)

    @staticmethod
    def group_of(card_type: int | None) -> int:
        return _GROUP_OF_CARD.get(card_type or -1, len(TOTAL_GROUPS) - 1)

    def encode(self) -> bytes:
        out = bytearray(b.bcd_encode(self.receipt_from, 2) + b.bcd_encode(self.receipt_to, 2))
        for count, total in self.groups:
            out += bytes([min(count, 0xFF)]) + b.encode_amount(total)
        return bytes(out)

    @classmethod
    def parse(cls, value: bytes) -> EndOfDayTotals | None:
        if len(value) < 4 + 7 * len(TOTAL_GROUPS):
            return None
        try:
            groups = tuple(
                (value[4 + 7 * i], b.bcd_decode(value[5 + 7 * i : 11 + 7 * i])) for i in range(len(TOTAL_GROUPS))
            )
            return cls(receipt_from=b.bcd_decode(value[0:2]), receipt_to=b.bcd_decode(value[2:4]), groups=groups)
        except b.BmpError:
            return None


# ---------------------------------------------------------------------------------------- 04 FF


@dataclass(frozen=True, slots=True, kw_only=True)
class IntermediateStatus:
    code: int
    timeout: int | None = None
    texts: tuple[str, ...] = ()  # display lines from TLV 24 (status FF means "show these")

    @classmethod
    def parse(cls, data: bytes, encoding: str = "cp866") -> IntermediateStatus:
        if not data:
            return cls(code=0xFF)
        timeout = data[1] if len(data) > 1 else None
        texts: list[str] = []
        for bmp, value in lenient_bmps(data, 2):
            if bmp == b.TLV_BMP:
                with contextlib.suppress(b.BmpError):
                    texts += tlv_texts(b.decode_tlv(value), encoding, 0x24)
        return cls(code=data[0], timeout=timeout, texts=tuple(texts))

    def encode(self, encoding: str = "cp866") -> bytes:
        out = bytes([self.code])
        if self.timeout is not None or self.texts:
            out += bytes([self.timeout or 0])
        if self.texts:
            lines = [tlv(0x07, line.encode(encoding, errors="replace")) for line in self.texts]
            out += b.encode_bmp(b.TLV_BMP, b.encode_tlv([tlv(0x24, lines)]))
        return out


# ------------------------------------------------------------------------------------- receipts


def parse_print_line(data: bytes, encoding: str = "cp866") -> list[str]:
    """06 D1 ``<attr> <text>``: ``FF nn`` is nn line feeds, an attribute alone an empty line."""
    if not data:
        return [""]
    if data[0] == 0xFF:
        return [""] * (data[1] if len(data) > 1 else 1)
    return [data[1:].decode(encoding, errors="replace").rstrip()]


def encode_print_line(text: str, encoding: str = "cp866", *, last: bool = False) -> bytes:
    attr = 0x81 if last else 0x00  # bit 7 (but not 80 alone) marks the last line
    return bytes([attr]) + text.encode(encoding, errors="replace")


@dataclass(frozen=True, slots=True, kw_only=True)
class TextBlock:
    """06 D3: ``06 <[1F07 receipt type] 25{07 line…, 09 01 FF}>``."""

    lines: tuple[str, ...]
    receipt_type: int | None = None  # 01 merchant, 02 customer, 03 administration

    @classmethod
    def parse(cls, data: bytes, encoding: str = "cp866") -> TextBlock:
        items: list[Tlv] = []
        for bmp, value in lenient_bmps(data):
            if bmp == b.TLV_BMP:
                with contextlib.suppress(b.BmpError):
                    items += b.decode_tlv(value)
        kind = b.find_tlv(items, 0x1F07)
        return cls(
            lines=tuple(tlv_texts(items, encoding, 0x25)),
            receipt_type=kind[0].value[0] if kind and kind[0].value else None,
        )

    def encode(self, encoding: str = "cp866") -> bytes:
        body = [tlv(0x07, line.encode(encoding, errors="replace")) for line in self.lines]
        body.append(tlv(0x09, b"\xff"))
        items: list[Tlv] = []
        if self.receipt_type is not None:
            items.append(tlv(0x1F07, bytes([self.receipt_type])))
        items.append(tlv(0x25, body))
        return b.encode_bmp(b.TLV_BMP, b.encode_tlv(items))


# ----------------------------------------------------------------------------------- 06 0F / 06 1E


@dataclass(frozen=True, slots=True, kw_only=True)
class Completion:
    result_code: int | None = None
    status_byte: int | None = None
    terminal_id: str | None = None
    currency: int | None = None
    sw_version: str | None = None  # only after 05 01
    terminal_status: int | None = None  # only after 05 01
    tlv: tuple[Tlv, ...] = field(default_factory=tuple)

    @classmethod
    def parse(cls, data: bytes) -> Completion:
        values: dict[str, object] = {}
        start = 0
        if data and 0xF0 <= data[0] <= 0xF9:
            # the Completion of 05 01 opens with an LLLVAR software version, then the terminal status
            try:
                version, start = b.decode_var(data, 0, 3)
                values["sw_version"] = version.decode("ascii", errors="replace")
                if start < len(data):
                    values["terminal_status"] = data[start]
                    start += 1
            except b.BmpError:
                start = len(data)
        for bmp, value in lenient_bmps(data, start):
            if bmp == 0x27:
                values["result_code"] = value[0]
            elif bmp == 0x19:
                values["status_byte"] = value[0]
            elif bmp == 0x29:
                values["terminal_id"] = value.hex().upper()
            elif bmp == 0x49:
                values["currency"] = _bcd_or_none(value)
            elif bmp == b.TLV_BMP:
                with contextlib.suppress(b.BmpError):
                    values["tlv"] = tuple(b.decode_tlv(value))
        return cls(**values)  # type: ignore[arg-type]

    def tlv_terminal_id(self) -> str | None:
        found = b.find_tlv(self.tlv, 0xE4, 0x1F44)
        return found[0].value.hex().upper() if found else None


@dataclass(frozen=True, slots=True, kw_only=True)
class PtAbort:
    result_code: int
    error_text: str = ""  # TLV 1F17 when the PT explains

    @classmethod
    def parse(cls, data: bytes, encoding: str = "cp866") -> PtAbort:
        if not data:
            return cls(result_code=0xFF)
        code = data[0]
        start = 3 if code == 0x6F else 1  # after "wrong currency" the currency follows untagged
        text = ""
        for bmp, value in lenient_bmps(data, start):
            if bmp == b.TLV_BMP:
                try:
                    found = b.find_tlv(b.decode_tlv(value), 0x1F17)
                except b.BmpError:
                    found = []
                if found:
                    text = _text(found[0].value, encoding)
        return cls(result_code=code, error_text=text)
