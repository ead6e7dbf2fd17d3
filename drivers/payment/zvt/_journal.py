"""The driver's own write-ahead journal: one JSON object per line, flushed and fsynced before the driver
acknowledges a Status-Information, so a result the PT considers delivered is on disk first."""

from __future__ import annotations

import json
import os
import threading
from datetime import UTC, datetime
from pathlib import Path

from drivers.payment.zvt.messages import StatusInformation


def status_record(info: StatusInformation) -> dict[str, object]:
    """The Status-Information as plain JSON; the PAN only as the terminal masked it."""
    return {
        "result_code": info.result_code,
        "amount": info.amount,
        "trace": info.trace,
        "receipt_number": info.receipt_number,
        "turnover": info.turnover,
        "terminal_id": info.terminal_id,
        "time": list(info.time) if info.time else None,
        "date": list(info.date) if info.date else None,
        "pan": info.pan,
        "card_type": info.card_type,
        "card_name": info.card_name,
        "auth_code": info.auth_code,
        "currency": info.currency,
    }


class DriverJournal:
    def __init__(self, path: Path | str | None, device_id: str) -> None:
        self.path = Path(path) if path is not None else None
        self.device_id = device_id
        self._lock = threading.Lock()
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)

    def write(self, event: str, **fields: object) -> None:
        if self.path is None:
            return
        record = {"at": datetime.now(UTC).isoformat(), "device_id": self.device_id, "event": event, **fields}
        line = json.dumps(record, ensure_ascii=False, default=str) + "\n"
        with self._lock, self.path.open("a", encoding="utf-8") as fh:
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())

    def read(self) -> list[dict[str, object]]:
        if self.path is None or not self.path.exists():
            return []
        with self.path.open(encoding="utf-8") as fh:
            return [json.loads(line) for line in fh if line.strip()]
