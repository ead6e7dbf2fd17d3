"""Byte streams to APDUs. TCP carries bare APDUs, cut apart by their length (one read may hold half an
APDU or several). A serial line wraps each APDU as ``10 02 <APDU, every 10 doubled> 10 03 <CRC lo hi>``
with CRC-16/KERMIT over the unstuffed APDU plus ETX, and answers every frame with ``06`` (good) or ``15``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from drivers.payment.zvt.apdu import Apdu, frame_length

DLE, STX, ETX = 0x10, 0x02, 0x03
LINK_ACK, LINK_NAK = 0x06, 0x15
MAX_ATTEMPTS = 3  # a frame is sent at most three times in all


class FrameError(ValueError):
    """A serial frame that is malformed or fails its CRC."""


def crc16_kermit(data: bytes | bytearray, crc: int = 0) -> int:
    """Reflected CCITT (poly 0x8408), init 0, no final XOR: check("123456789") == 0x2189."""
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc


def stuff(payload: bytes) -> bytes:
    return payload.replace(b"\x10", b"\x10\x10")


def frame(payload: bytes) -> bytes:
    """Wrap one APDU for the serial line."""
    crc = crc16_kermit(payload + bytes([ETX]))
    return bytes([DLE, STX]) + stuff(payload) + bytes([DLE, ETX]) + crc.to_bytes(2, "little")


def unframe(data: bytes) -> bytes:
    """The APDU inside exactly one complete frame; raises FrameError otherwise."""
    events = FrameDecoder().feed(data)
    if len(events) != 1 or events[0].kind is not FrameEventKind.FRAME:
        raise FrameError(f"not one good frame: {[e.kind.name for e in events]}")
    return events[0].payload


class FrameEventKind(enum.Enum):
    LINK_ACK = "ack"  # 06 between frames
    LINK_NAK = "nak"  # 15 between frames
    FRAME = "frame"  # a frame with a good CRC: answer 06
    BAD_FRAME = "bad_frame"  # a frame that failed: answer 15


@dataclass(frozen=True, slots=True)
class FrameEvent:
    kind: FrameEventKind
    payload: bytes = b""
    reason: str = ""


class _State(enum.Enum):
    IDLE = enum.auto()
    IDLE_DLE = enum.auto()
    DATA = enum.auto()
    DATA_DLE = enum.auto()
    CRC_LO = enum.auto()
    CRC_HI = enum.auto()


class FrameDecoder:
    """Incremental receiver for the serial line. ``feed`` returns what the bytes completed.

    A partial frame is dropped when the line falls silent for longer than ``gap`` seconds (T1), or when a
    new ``10 02`` starts (a sender that gave up mid-frame), so a dead transmission cannot poison the next.
    """

    def __init__(self, gap: float = 1.0) -> None:
        self.gap = gap
        self._state = _State.IDLE
        self._data = bytearray()
        self._crc_lo = 0
        self._last: float | None = None

    @property
    def mid_frame(self) -> bool:
        return self._state not in (_State.IDLE, _State.IDLE_DLE)

    def reset(self) -> None:
        self._state = _State.IDLE
        self._data.clear()

    def feed(self, data: bytes, now: float | None = None) -> list[FrameEvent]:
        if now is not None:
            if self._last is not None and now - self._last > self.gap and self.mid_frame:
                self.reset()
            self._last = now
        events: list[FrameEvent] = []
        for byte in data:
            event = self._step(byte)
            if event is not None:
                events.append(event)
        return events

    def _step(self, byte: int) -> FrameEvent | None:
        state = self._state
        if state is _State.IDLE:
            if byte == LINK_ACK:
                return FrameEvent(FrameEventKind.LINK_ACK)
            if byte == LINK_NAK:
                return FrameEvent(FrameEventKind.LINK_NAK)
            if byte == DLE:
                self._state = _State.IDLE_DLE
            return None  # line noise between frames is ignored
        if state is _State.IDLE_DLE:
            if byte == STX:
                self._data.clear()
                self._state = _State.DATA
            else:
                self._state = _State.IDLE
            return None
        if state is _State.DATA:
            if byte == DLE:
                self._state = _State.DATA_DLE
            else:
                self._data.append(byte)
            return None
        if state is _State.DATA_DLE:
            if byte == DLE:
                self._data.append(DLE)
                self._state = _State.DATA
            elif byte == ETX:
                self._state = _State.CRC_LO
            elif byte == STX:
                self._data.clear()  # the sender restarted: keep the new frame, forget the old one
                self._state = _State.DATA
            else:
                self.reset()
                return FrameEvent(FrameEventKind.BAD_FRAME, reason=f"DLE followed by {byte:02X}")
            return None
        if state is _State.CRC_LO:
            self._crc_lo = byte
            self._state = _State.CRC_HI
            return None
        received = self._crc_lo | (byte << 8)
        payload = bytes(self._data)
        self.reset()
        expected = crc16_kermit(payload + bytes([ETX]))
        if received != expected:
            return FrameEvent(FrameEventKind.BAD_FRAME, payload, f"CRC {received:04X} != {expected:04X}")
        return FrameEvent(FrameEventKind.FRAME, payload)


class ApduStream:
    """TCP reassembly: read 3 bytes, 2 more when LEN is FF, then exactly LEN bytes."""

    def __init__(self) -> None:
        self._buf = bytearray()

    @property
    def pending(self) -> int:
        return len(self._buf)

    def feed(self, data: bytes) -> list[Apdu]:
        self._buf += data
        out: list[Apdu] = []
        while True:
            total = frame_length(self._buf)
            if total is None or len(self._buf) < total:
                return out
            out.append(Apdu.decode(self._buf[:total]))
            del self._buf[:total]

    def clear(self) -> None:
        self._buf.clear()
