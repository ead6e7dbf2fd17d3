"""ZVT APDUs: ``CLASS INSTR LEN DATA``, where LEN ``FF`` is followed by a two-byte little-endian length.

Also the command and message codes both sides use, and the acknowledgements ``80 00 00`` / ``84 xx 00``,
which are ordinary APDUs of class 80/84 and may carry data.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_DATA = 0xFFFF

# ECR → PT commands
REGISTRATION = (0x06, 0x00)
AUTHORIZATION = (0x06, 0x01)
LOG_OFF = (0x06, 0x02)
REPEAT_RECEIPT = (0x06, 0x20)
REVERSAL = (0x06, 0x30)
REFUND = (0x06, 0x31)
END_OF_DAY = (0x06, 0x50)
ABORT = (0x06, 0xB0)
STATUS_ENQUIRY = (0x05, 0x01)

# PT → ECR messages
INTERMEDIATE_STATUS = (0x04, 0xFF)
STATUS_INFORMATION = (0x04, 0x0F)
PRINT_LINE = (0x06, 0xD1)
TEXT_BLOCK = (0x06, 0xD3)
COMPLETION = (0x06, 0x0F)
PT_ABORT = (0x06, 0x1E)

ACK_CLASS = 0x80
NAK_CLASS = 0x84


class ApduError(ValueError):
    """Bytes that are not a well-formed APDU."""


def encode_length(length: int) -> bytes:
    if not 0 <= length <= MAX_DATA:
        raise ApduError(f"APDU data length {length} out of range")
    if length < 0xFF:
        return bytes([length])
    return b"\xff" + length.to_bytes(2, "little")


def frame_length(buf: bytes | bytearray) -> int | None:
    """Total size of the APDU at the start of ``buf`` once its header is in, else None."""
    if len(buf) < 3:
        return None
    if buf[2] != 0xFF:
        return 3 + buf[2]
    if len(buf) < 5:
        return None
    return 5 + int.from_bytes(buf[3:5], "little")


@dataclass(frozen=True, slots=True)
class Apdu:
    cls: int
    instr: int
    data: bytes = b""

    @property
    def command(self) -> tuple[int, int]:
        return (self.cls, self.instr)

    @property
    def is_ack(self) -> bool:
        """``80 00 00`` and the equally positive ``84 00 00``."""
        return self.cls == ACK_CLASS or (self.cls == NAK_CLASS and self.instr == 0x00)

    @property
    def is_nak(self) -> bool:
        return self.cls == NAK_CLASS and self.instr != 0x00

    @property
    def is_acknowledgement(self) -> bool:
        return self.cls in (ACK_CLASS, NAK_CLASS)

    def encode(self) -> bytes:
        return bytes([self.cls, self.instr]) + encode_length(len(self.data)) + self.data

    @classmethod
    def decode(cls, raw: bytes | bytearray) -> Apdu:
        """Exactly one APDU; trailing or missing bytes are an error."""
        total = frame_length(raw)
        if total is None or total != len(raw):
            raise ApduError(f"APDU length mismatch: {bytes(raw[:8]).hex(' ')}… ({len(raw)} bytes)")
        offset = 5 if raw[2] == 0xFF else 3
        return cls(raw[0], raw[1], bytes(raw[offset:]))

    def __str__(self) -> str:
        head = f"{self.cls:02X} {self.instr:02X}"
        return f"{head} [{len(self.data)}] {self.data[:32].hex(' ').upper()}{'…' if len(self.data) > 32 else ''}"


ACK = Apdu(ACK_CLASS, 0x00)


def nak(code: int) -> Apdu:
    """``84 code 00``: the command is refused with a result code (§6)."""
    return Apdu(NAK_CLASS, code)
