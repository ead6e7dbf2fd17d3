"""The emulated terminal's memory, kept as one JSON file in the journal directory and replaced atomically
(temp file, fsync, rename) after every change: trace, receipt and turnover counters, every transaction
with the batch it belongs to, the last transaction for repeat receipts, and the closed batches.
"""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path

import msgspec

STATE_FILE = "terminal.json"


class Transaction(msgspec.Struct, kw_only=True):
    kind: str  # sale | refund | reversal
    amount: int  # kopecks
    result_code: int  # 0 approved
    trace: int
    batch: int
    at: str  # terminal local time, ISO 8601
    receipt_number: int | None = None  # approved only
    turnover: int | None = None
    card_type: int = 0x0A
    pan: str = ""
    auth_code: str | None = None
    reversed: bool = False  # a sale or refund later reversed with 06 30
    original_receipt: int | None = None  # reversals: the receipt they cancel
    receipt_lines: list[str] = msgspec.field(default_factory=list)

    @property
    def approved(self) -> bool:
        return self.result_code == 0

    @property
    def signed_amount(self) -> int:
        """What the transaction adds to the batch total (reversals cancel their original instead)."""
        if not self.approved or self.reversed or self.kind == "reversal":
            return 0
        return -self.amount if self.kind == "refund" else self.amount


class Closure(msgspec.Struct, kw_only=True):
    batch: int
    trace: int
    at: str
    total: int
    count: int
    receipt_from: int
    receipt_to: int
    groups: list[list[int]]  # [count, total] per BMP 60 group


class TerminalState(msgspec.Struct, kw_only=True):
    trace: int = 0
    receipt: int = 0
    turnover: int = 0
    batch: int = 1
    transactions: list[Transaction] = msgspec.field(default_factory=list)
    last_trace: int | None = None  # the transaction 06 20 repeats
    closures: list[Closure] = msgspec.field(default_factory=list)

    def last(self) -> Transaction | None:
        return next((t for t in reversed(self.transactions) if t.trace == self.last_trace), None)

    def open_batch(self) -> list[Transaction]:
        return [t for t in self.transactions if t.batch == self.batch]

    def find_receipt(self, receipt_number: int) -> Transaction | None:
        return next((t for t in self.open_batch() if t.receipt_number == receipt_number and t.kind != "reversal"), None)


_ENCODER = msgspec.json.Encoder()
_DECODER = msgspec.json.Decoder(TerminalState)


class StateStore:
    """Loads once, then saves the whole state after each change. ``durable`` adds the fsyncs."""

    def __init__(self, directory: Path, *, durable: bool = True) -> None:
        self.directory = directory
        self.durable = durable
        self.lock = threading.RLock()  # the admin endpoint reads from another thread
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / STATE_FILE
        self.state = _DECODER.decode(path.read_bytes()) if path.exists() else TerminalState()

    @property
    def path(self) -> Path:
        return self.directory / STATE_FILE

    def save(self) -> None:
        with self.lock:
            data = msgspec.json.format(_ENCODER.encode(self.state), indent=1)
        tmp = self.path.with_suffix(".tmp")
        with tmp.open("wb") as fh:
            fh.write(data)
            fh.flush()
            if self.durable:
                os.fsync(fh.fileno())
        os.replace(tmp, self.path)
        if self.durable:
            fd = os.open(self.directory, os.O_RDONLY)
            with contextlib.suppress(OSError):
                os.fsync(fd)
            os.close(fd)

    def snapshot(self) -> TerminalState:
        with self.lock:
            return _DECODER.decode(_ENCODER.encode(self.state))
