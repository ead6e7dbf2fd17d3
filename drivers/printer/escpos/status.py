"""DLE EOT real-time status: the queries, validation of the 0xx1xx10b reply pattern, and decoding.

A missing or malformed reply decodes to "unknown", never to "fine": python-escpos 3.1 reports an empty
paper reply as "paper OK", which would send receipts into a printer that cannot print them.
"""

from __future__ import annotations

from drivers.base import PaperState, PrinterStatus

DLE_EOT = b"\x10\x04"
PRINTER = 1  # n = 1: printer status (offline bit, drawer signal)
OFFLINE_CAUSE = 2  # n = 2: cover, paper-end stop, error
ERRORS = 3  # n = 3: cutter and other errors
PAPER = 4  # n = 4: roll paper sensors

OFFLINE = 0x08  # n = 1, bit 3: the printer takes no data (cover open, paper end, error, feed button)

_FIXED_MASK = 0b1001_0011
_FIXED_BITS = 0b0001_0010

UNKNOWN = PrinterStatus(online=None, paper=PaperState.UNKNOWN, cover_open=None, drawer_open=None)


def query(n: int) -> bytes:
    return DLE_EOT + bytes((n,))


def is_status_byte(value: int) -> bool:
    """Every DLE EOT reply has bit 7 = 0, bit 4 = 1, bit 1 = 1, bit 0 = 0."""
    return value & _FIXED_MASK == _FIXED_BITS


def decode(
    printer: int | None,
    offline_cause: int | None,
    paper: int | None,
    *,
    drawer_open_signal_high: bool = True,
) -> PrinterStatus:
    """Combine the replies to n = 1, 2, 4 (``None`` where a query got no valid reply)."""
    if printer is None or not is_status_byte(printer):
        return UNKNOWN
    online = not printer & OFFLINE
    drawer_signal = bool(printer & 0x04)
    cover_open: bool | None = None
    paper_stop = False
    if offline_cause is not None and is_status_byte(offline_cause):
        cover_open = bool(offline_cause & 0x04)
        paper_stop = bool(offline_cause & 0x20)
    return PrinterStatus(
        online=online,
        paper=decode_paper(paper, paper_stop=paper_stop),
        cover_open=cover_open,
        drawer_open=drawer_signal == drawer_open_signal_high,
    )


def decode_online(printer: int, *, drawer_open_signal_high: bool = True) -> PrinterStatus:
    """An online reply to n = 1 alone: the cover is closed and paper is there (near-end is not known)."""
    return PrinterStatus(
        online=True,
        paper=PaperState.UNKNOWN,
        cover_open=False,
        drawer_open=bool(printer & 0x04) == drawer_open_signal_high,
    )


def decode_paper(value: int | None, *, paper_stop: bool = False) -> PaperState:
    if paper_stop:
        return PaperState.OUT
    if value is None or not is_status_byte(value):
        return PaperState.UNKNOWN
    if value & 0x60:
        return PaperState.OUT
    if value & 0x0C:
        return PaperState.NEAR_END
    return PaperState.OK
