"""ZVT field encodings: packed BCD, the BCD-6 amount, LLVAR/LLLVAR (``F<t> F<u>``), the masked PAN, the
bitmap fields (BMPs) by their fixed or variable length, and the BER-style TLV container carried in BMP 06.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

TLV_BMP = 0x06


class BmpError(ValueError):
    """A field that cannot be encoded or a byte string that does not parse as BMPs or TLV."""


# ------------------------------------------------------------------------------------------------ BCD


def bcd_encode(value: int, size: int) -> bytes:
    """``value`` as ``size`` bytes of packed BCD, most significant digit first."""
    if value < 0:
        raise BmpError("BCD cannot hold a negative number")
    digits = str(value).rjust(size * 2, "0")
    if len(digits) > size * 2:
        raise BmpError(f"{value} does not fit in {size} BCD bytes")
    return bytes.fromhex(digits)


def bcd_decode(data: bytes) -> int:
    text = data.hex()
    if not text.isdigit():
        raise BmpError(f"not BCD: {data.hex(' ')}")
    return int(text) if text else 0


def encode_amount(kopecks: int) -> bytes:
    """BMP 04 value: the amount in minor units as BCD 6 (12 digits)."""
    return bcd_encode(kopecks, 6)


def encode_password(password: str) -> bytes:
    if len(password) != 6 or not password.isdigit():
        raise BmpError("the ZVT password is six digits")
    return bytes.fromhex(password)


def encode_currency(code: int) -> bytes:
    """ISO 4217 numeric code as BCD 2: 643 → ``06 43``, 978 → ``09 78``."""
    return bcd_encode(code, 2)


# --------------------------------------------------------------------------------------------- LLVAR


def encode_var(value: bytes, digits: int) -> bytes:
    """LLVAR (``digits`` = 2) or LLLVAR (3): the length as ``F<digit>`` bytes, then the value."""
    if len(value) >= 10**digits:
        raise BmpError(f"{len(value)} bytes do not fit an {'L' * digits}VAR")
    return bytes(0xF0 | int(d) for d in str(len(value)).rjust(digits, "0")) + value


def decode_var(buf: bytes, pos: int, digits: int) -> tuple[bytes, int]:
    """The value of the (LL)LVAR at ``pos`` and the position after it."""
    head = buf[pos : pos + digits]
    if len(head) < digits or any(b & 0xF0 != 0xF0 or b & 0x0F > 9 for b in head):
        raise BmpError(f"bad {'L' * digits}VAR length at {pos}: {head.hex(' ')}")
    length = int("".join(str(b & 0x0F) for b in head))
    end = pos + digits + length
    if end > len(buf):
        raise BmpError(f"{'L' * digits}VAR at {pos} runs past the data")
    return buf[pos + digits : end], end


def encode_pan(pan: str) -> bytes:
    """BMP 22 value (without the LLVAR prefix): digits as BCD, ``*`` as the mask nibble E, padded with F."""
    nibbles = ["E" if ch in "*E" else ch for ch in pan]
    if any(n not in "0123456789E" for n in nibbles):
        raise BmpError("a PAN holds digits and * only")
    if len(nibbles) % 2:
        nibbles.append("F")
    return bytes.fromhex("".join(nibbles))


def decode_pan(value: bytes) -> str:
    out = []
    for nibble in value.hex().upper():
        if nibble == "F":
            continue
        out.append("*" if nibble == "E" else nibble)
    return "".join(out)


# ----------------------------------------------------------------------------------------------- BMPs

Format = tuple[Literal["fixed"], int] | tuple[Literal["var"], int] | tuple[Literal["tlv"], int]

_FIXED: dict[int, int] = {
    0x01: 1, 0x02: 1, 0x03: 1, 0x05: 1, 0x04: 6, 0x0B: 3, 0x37: 3, 0x88: 3, 0x0C: 3, 0xAA: 3,
    0x0D: 2, 0x0E: 2, 0x17: 2, 0x3A: 2, 0x19: 1, 0x27: 1, 0xA0: 1, 0x29: 4, 0x2A: 15, 0x3B: 8,
    0x3D: 3, 0x49: 2, 0x87: 2, 0x8A: 1, 0x8C: 1, 0xBA: 5, 0xD0: 1, 0xD2: 1, 0xD3: 1, 0xEB: 8,
}  # fmt: skip
_LLVAR = frozenset({0x22, 0x23, 0x2D, 0x8B, 0xA7, 0xD1, *range(0xE1, 0xE9), *range(0xF1, 0xF9)})
_LLLVAR = frozenset({0x24, 0x2E, 0x3C, 0x60, 0x92, 0x9A, 0xAF})


def bmp_format(bmp: int) -> Format:
    if bmp == TLV_BMP:
        return ("tlv", 0)
    if bmp in _FIXED:
        return ("fixed", _FIXED[bmp])
    if bmp in _LLVAR:
        return ("var", 2)
    if bmp in _LLLVAR:
        return ("var", 3)
    raise BmpError(f"unknown BMP {bmp:02X}")


def encode_bmp(bmp: int, value: bytes) -> bytes:
    kind, size = bmp_format(bmp)
    if kind == "fixed":
        if len(value) != size:
            raise BmpError(f"BMP {bmp:02X} takes {size} bytes, got {len(value)}")
        return bytes([bmp]) + value
    if kind == "var":
        return bytes([bmp]) + encode_var(value, size)
    return bytes([bmp]) + tlv_length(len(value)) + value


def encode_bmps(fields: Iterable[tuple[int, bytes]]) -> bytes:
    return b"".join(encode_bmp(bmp, value) for bmp, value in fields)


def decode_bmps(data: bytes, start: int = 0) -> list[tuple[int, bytes]]:
    """Every ``<id><value>`` from ``start`` on; values come without their length prefix."""
    fields: list[tuple[int, bytes]] = []
    pos = start
    while pos < len(data):
        bmp = data[pos]
        kind, size = bmp_format(bmp)
        pos += 1
        if kind == "fixed":
            value = data[pos : pos + size]
            if len(value) != size:
                raise BmpError(f"BMP {bmp:02X} truncated")
            pos += size
        elif kind == "var":
            value, pos = decode_var(data, pos, size)
        else:
            length, pos = read_tlv_length(data, pos)
            value = data[pos : pos + length]
            if len(value) != length:
                raise BmpError("TLV container truncated")
            pos += length
        fields.append((bmp, value))
    return fields


# ------------------------------------------------------------------------------------------------ TLV


@dataclass(frozen=True, slots=True)
class Tlv:
    """One TLV object. ``tag`` holds every tag byte (``0x1F07``); constructed objects parse their value."""

    tag: int
    value: bytes

    @property
    def constructed(self) -> bool:
        first = self.tag.to_bytes(max(1, (self.tag.bit_length() + 7) // 8), "big")[0]
        return bool(first & 0x20)

    def children(self) -> list[Tlv]:
        return decode_tlv(self.value) if self.constructed else []


def tlv_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    if length <= 0xFF:
        return bytes([0x81, length])
    if length <= 0xFFFF:
        return b"\x82" + length.to_bytes(2, "big")
    raise BmpError("TLV value too long")


def read_tlv_length(buf: bytes, pos: int) -> tuple[int, int]:
    if pos >= len(buf):
        raise BmpError("TLV length missing")
    first = buf[pos]
    if first < 0x80:
        return first, pos + 1
    count = first & 0x7F
    if count not in (1, 2) or pos + 1 + count > len(buf):
        raise BmpError(f"bad TLV length byte {first:02X}")
    # big-endian per the spec and ecrterm/Wireshark (one C# library reads it little-endian: wrong)
    return int.from_bytes(buf[pos + 1 : pos + 1 + count], "big"), pos + 1 + count


def _read_tag(buf: bytes, pos: int) -> tuple[int, int]:
    start = pos
    first = buf[pos]
    pos += 1
    if first & 0x1F == 0x1F:
        while True:
            if pos >= len(buf):
                raise BmpError("TLV tag truncated")
            more = buf[pos] & 0x80
            pos += 1
            if not more:
                break
    return int.from_bytes(buf[start:pos], "big"), pos


def decode_tlv(data: bytes) -> list[Tlv]:
    items: list[Tlv] = []
    pos = 0
    while pos < len(data):
        tag, pos = _read_tag(data, pos)
        length, pos = read_tlv_length(data, pos)
        value = data[pos : pos + length]
        if len(value) != length:
            raise BmpError(f"TLV {tag:X} truncated")
        items.append(Tlv(tag, value))
        pos += length
    return items


def encode_tlv(items: Iterable[Tlv]) -> bytes:
    out = bytearray()
    for item in items:
        out += item.tag.to_bytes(max(1, (item.tag.bit_length() + 7) // 8), "big")
        out += tlv_length(len(item.value)) + item.value
    return bytes(out)


def tlv(tag: int, value: bytes | Sequence[Tlv]) -> Tlv:
    """Build a primitive (bytes) or constructed (children) object."""
    return Tlv(tag, value if isinstance(value, bytes) else encode_tlv(value))


def find_tlv(items: Iterable[Tlv], *path: int) -> list[Tlv]:
    """Every object at ``path`` (tags from the top), descending into constructed objects."""
    level = list(items)
    for depth, tag in enumerate(path):
        matches = [item for item in level if item.tag == tag]
        if depth == len(path) - 1:
            return matches
        level = [child for item in matches for child in item.children()]
    return level
