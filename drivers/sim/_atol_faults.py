"""Faults the ATOL emulator can inject: printer levels, OFD reachability, slowness, and one-shot drops of
the HTTP answer around the fiscal commit; with their JSON spelling for ``POST /admin/faults``."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar


@dataclass
class AtolFaults:
    """Injected faults. Levels stay until changed; ``*_after_commit``, ``drop_*`` and ``next_error`` fire once.

    ``drop_before_commit``/``drop_after_commit`` apply to the next request holding a task that changes the
    device (a document, cash in/out); ``forget_request`` makes the Web Server forget that request too, as a
    Web Server whose database was lost would.
    """

    paper_out: bool = False
    cover_open: bool = False
    ofd_down: bool = False
    delay: float = 0.0
    paper_out_after_commit: bool = False
    cover_open_after_commit: bool = False
    drop_before_commit: bool = False
    drop_after_commit: bool = False
    forget_request: bool = False
    next_error: int | None = None
    next_error_description: str = "Ошибка, заданная в эмуляторе"
    next_error_task: str | None = None

    _JSON: ClassVar[dict[str, str]] = {
        "paperOut": "paper_out",
        "coverOpen": "cover_open",
        "ofdDown": "ofd_down",
        "delay": "delay",
        "paperOutAfterCommit": "paper_out_after_commit",
        "coverOpenAfterCommit": "cover_open_after_commit",
        "dropBeforeCommit": "drop_before_commit",
        "dropAfterCommit": "drop_after_commit",
        "forgetRequest": "forget_request",
    }

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {key: getattr(self, attr) for key, attr in self._JSON.items()}
        if self.next_error is not None:
            out["nextError"] = {
                "code": self.next_error,
                "description": self.next_error_description,
                "task": self.next_error_task,
            }
        return out

    def update_from_json(self, changes: dict[str, object]) -> None:
        """Apply ``{"paperOut": true, "delay": 0.5, "nextError": {"code": 55, "task": "sell"}}``; raises ValueError."""
        for key, value in changes.items():
            if key == "nextError":
                self._set_next_error(value)
                continue
            attr = self._JSON.get(key)
            if attr is None:
                raise ValueError(f"unknown fault {key!r}")
            if attr == "delay":
                if isinstance(value, bool) or not isinstance(value, int | float | Decimal) or value < 0:
                    raise ValueError("delay must be a non-negative number of seconds")
                self.delay = float(value)
            elif isinstance(value, bool):
                setattr(self, attr, value)
            else:
                raise ValueError(f"{key} must be true or false")

    def _set_next_error(self, value: object) -> None:
        if value is None:
            self.next_error = None
            return
        if not isinstance(value, dict) or not isinstance(value.get("code"), int):
            raise ValueError('nextError must be {"code": int, "description"?: str, "task"?: str}')
        self.next_error = int(value["code"])
        self.next_error_description = str(value.get("description") or "Ошибка, заданная в эмуляторе")
        task = value.get("task")
        self.next_error_task = str(task) if task else None
