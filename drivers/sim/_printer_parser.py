"""Incremental ESC/POS tokenizer for the printer emulator: bytes in any chunking → commands and text runs.

It knows the length of every command the driver emits and of the common ones it does not, so an
unfamiliar command is skipped without losing sync; an incomplete command waits for more bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10


@dataclass(frozen=True, slots=True)
class Token:
    name: str  # "TEXT", "LF", "ESC @", "GS ( k", "DLE EOT", "UNKNOWN ESC 0x5a", …
    raw: bytes  # the bytes as received, header included
    params: tuple[int, ...] = ()
    data: bytes = b""  # variable-length payload (text bytes, QR data, raster bits)


# Commands whose parameter count is fixed: second byte → number of parameter bytes.
_ESC_FIXED = {
    ord("@"): 0,
    ord("t"): 1,
    ord("a"): 1,
    ord("E"): 1,
    ord("-"): 1,
    ord("!"): 1,
    ord("M"): 1,
    ord("d"): 1,
    ord("J"): 1,
    ord("2"): 0,
    ord("3"): 1,
    ord("p"): 3,
    ord("G"): 1,
    ord("{"): 1,
    ord("V"): 1,
    ord("R"): 1,
    ord("r"): 1,
    ord(" "): 1,
    ord("$"): 2,
    ord("\\"): 2,
    ord("="): 1,
    ord("U"): 1,
    ord("L"): 0,
    ord("S"): 0,
    ord("T"): 1,
    ord("i"): 0,
    ord("m"): 0,
    ord("e"): 1,
    ord("%"): 1,
    ord("?"): 1,
    ord("c"): 2,
    ord("<"): 0,
}
_GS_FIXED = {
    ord("!"): 1,
    ord("B"): 1,
    ord("b"): 1,
    ord("|"): 1,
    ord("H"): 1,
    ord("h"): 1,
    ord("w"): 1,
    ord("f"): 1,
    ord("L"): 2,
    ord("W"): 2,
    ord("r"): 1,
    ord("I"): 1,
    ord("a"): 1,
    ord("P"): 2,
    ord("/"): 1,
    ord("E"): 1,
    ord("\\"): 2,
    ord("$"): 2,
    ord(":"): 0,
}
_FS_FIXED = {ord("."): 0, ord("&"): 0, ord("C"): 1, ord("!"): 1, ord("p"): 2, ord("-"): 1, ord("S"): 2, ord("W"): 1}
_CONTROLS = {0x0A: "LF", 0x0D: "CR", 0x09: "HT", 0x0C: "FF", 0x18: "CAN"}

_Result = tuple[Token | None, int]  # (token, bytes used); (None, 0) = need more bytes
_NEED_MORE: _Result = (None, 0)


class Tokenizer:
    """Feed bytes as they arrive; get back every complete token, in order."""

    def __init__(self) -> None:
        self._buf = bytearray()

    @property
    def pending(self) -> int:
        return len(self._buf)

    def feed(self, data: bytes) -> list[Token]:
        self._buf += data
        out: list[Token] = []
        pos = 0
        buf = self._buf
        while pos < len(buf):
            token, used = _next(buf, pos)
            if used == 0:
                break
            pos += used
            if token is not None:
                out.append(token)
        del self._buf[:pos]
        return out


def _next(buf: bytearray, pos: int) -> _Result:
    b0 = buf[pos]
    if b0 >= 0x20:
        end = pos
        while end < len(buf) and buf[end] >= 0x20:
            end += 1
        chunk = bytes(buf[pos:end])
        return Token("TEXT", chunk, data=chunk), end - pos
    if b0 == ESC:
        return _esc(buf, pos)
    if b0 == GS:
        return _gs(buf, pos)
    if b0 == DLE:
        return _dle(buf, pos)
    if b0 == FS:
        return _prefixed(buf, pos, "FS", _FS_FIXED)
    name = _CONTROLS.get(b0, f"CTL 0x{b0:02x}")
    return Token(name, bytes((b0,))), 1


def _fixed(buf: bytearray, pos: int, name: str, count: int) -> _Result:
    end = pos + 2 + count
    if end > len(buf):
        return _NEED_MORE
    raw = bytes(buf[pos:end])
    return Token(name, raw, params=tuple(raw[2:])), end - pos


def _prefixed(buf: bytearray, pos: int, prefix: str, table: dict[int, int]) -> _Result:
    if pos + 1 >= len(buf):
        return _NEED_MORE
    b1 = buf[pos + 1]
    if b1 in table:
        return _fixed(buf, pos, f"{prefix} {chr(b1)}", table[b1])
    return Token(f"UNKNOWN {prefix} 0x{b1:02x}", bytes(buf[pos : pos + 2])), 2


def _esc(buf: bytearray, pos: int) -> _Result:
    if pos + 1 >= len(buf):
        return _NEED_MORE
    b1 = buf[pos + 1]
    if b1 == ord("*"):  # ESC * m nL nH d1…dk: column bit image
        if pos + 5 > len(buf):
            return _NEED_MORE
        m, nl, nh = buf[pos + 2], buf[pos + 3], buf[pos + 4]
        size = (nl + nh * 256) * (1 if m in (0, 1) else 3)
        return _payload(buf, pos, "ESC *", 5, size, (m, nl + nh * 256))
    if b1 == ord("D"):  # ESC D n1…nk NUL: tab positions
        return _until_nul(buf, pos, "ESC D", 2, limit=33)
    return _prefixed(buf, pos, "ESC", _ESC_FIXED)


def _gs(buf: bytearray, pos: int) -> _Result:
    if pos + 1 >= len(buf):
        return _NEED_MORE
    b1 = buf[pos + 1]
    if b1 == ord("V"):  # GS V m [n]
        if pos + 2 >= len(buf):
            return _NEED_MORE
        m = buf[pos + 2]
        return _fixed(buf, pos, "GS V", 2 if m in (65, 66, 97, 98, 103, 104) else 1)
    if b1 == ord("("):  # GS ( fn pL pH data
        if pos + 5 > len(buf):
            return _NEED_MORE
        fn, size = buf[pos + 2], buf[pos + 3] + buf[pos + 4] * 256
        return _payload(buf, pos, f"GS ( {chr(fn)}", 5, size, ())
    if b1 == ord("k"):  # GS k m d1…dk NUL | GS k m n d1…dn
        if pos + 3 > len(buf):
            return _NEED_MORE
        m = buf[pos + 2]
        if m <= 6:
            return _until_nul(buf, pos, "GS k", 3, limit=256, params=(m,))
        if pos + 4 > len(buf):
            return _NEED_MORE
        return _payload(buf, pos, "GS k", 4, buf[pos + 3], (m,))
    if b1 == ord("v"):  # GS v 0 m xL xH yL yH data: raster bit image
        if pos + 8 > len(buf):
            return _NEED_MORE
        m = buf[pos + 3]
        width_bytes = buf[pos + 4] + buf[pos + 5] * 256
        height = buf[pos + 6] + buf[pos + 7] * 256
        return _payload(buf, pos, "GS v 0", 8, width_bytes * height, (m, width_bytes, height))
    if b1 == ord("*"):  # GS * x y data: downloaded bit image
        if pos + 4 > len(buf):
            return _NEED_MORE
        return _payload(buf, pos, "GS *", 4, buf[pos + 2] * buf[pos + 3] * 8, ())
    if b1 == ord("8"):  # GS 8 L p1 p2 p3 p4 …: large graphics
        if pos + 7 > len(buf):
            return _NEED_MORE
        size = int.from_bytes(buf[pos + 3 : pos + 7], "little")
        return _payload(buf, pos, "GS 8 L", 7, size, ())
    return _prefixed(buf, pos, "GS", _GS_FIXED)


def _dle(buf: bytearray, pos: int) -> _Result:
    if pos + 1 >= len(buf):
        return _NEED_MORE
    b1 = buf[pos + 1]
    if b1 == 0x04:
        return _fixed(buf, pos, "DLE EOT", 1)
    if b1 == 0x05:
        return _fixed(buf, pos, "DLE ENQ", 1)
    if b1 == 0x14:
        return _fixed(buf, pos, "DLE DC4", 3)
    return Token("CTL 0x10", bytes((DLE,))), 1


def _payload(buf: bytearray, pos: int, name: str, header: int, size: int, params: tuple[int, ...]) -> _Result:
    end = pos + header + size
    if end > len(buf):
        return _NEED_MORE
    raw = bytes(buf[pos:end])
    return Token(name, raw, params=params, data=raw[header:]), end - pos


def _until_nul(
    buf: bytearray, pos: int, name: str, header: int, *, limit: int, params: tuple[int, ...] = ()
) -> _Result:
    start = pos + header
    end = buf.find(0, start, start + limit)
    if end < 0:
        if len(buf) - start < limit:
            return _NEED_MORE
        end = start + limit - 1  # no terminator where one must be: resync after the limit
    raw = bytes(buf[pos : end + 1])
    return Token(name, raw, params=params, data=bytes(buf[start:end])), end + 1 - pos
