"""The agent's recent log records in memory for the technician console: a structlog processor and a
standard-library handler feed one bounded ring buffer; secrets are masked before a record is kept.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections import deque
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import structlog

LEVELS = {"debug": 10, "info": 20, "warning": 30, "error": 40, "critical": 50}
_SECRET_KEY = re.compile(r"token|password|passwd|secret|pin|authorization|cookie|credential|api_key", re.IGNORECASE)
_STANDARD_KEYS = frozenset({"event", "level", "timestamp", "logger", "component", "exc_info", "stack_info"})
MASK = "***"
MAX_FIELD_CHARS = 2000


@dataclass(frozen=True, slots=True, kw_only=True)
class LogRecord:
    n: int
    at: str
    level: str
    component: str
    event: str
    fields: dict[str, str | int | float | bool | None]


def component_of(module: str) -> str:
    """``edge.domain.checkout.fiscal`` → ``checkout``, ``edge.sync.outbox`` → ``sync``, ``drivers.fiscal.atol`` → ``fiscal``."""
    parts = module.split(".")
    if parts[:2] == ["edge", "domain"] and len(parts) > 2:
        return parts[2]
    if parts[0] in ("edge", "drivers") and len(parts) > 1:
        return parts[1]
    return parts[0]


def _plain(value: object) -> str | int | float | bool | None:
    if value is None or isinstance(value, bool | int | float):
        return value
    text = str(value)
    return text if len(text) <= MAX_FIELD_CHARS else text[:MAX_FIELD_CHARS] + "…"


@dataclass(eq=False)
class LogBuffer:
    """The last ``capacity`` records, numbered from 1 so a reader can ask for what came after ``n``."""

    capacity: int = 2000
    _records: deque[LogRecord] = field(init=False)
    _next: int = field(default=1, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _secrets: set[str] = field(default_factory=set, init=False)

    def __post_init__(self) -> None:
        self._records = deque(maxlen=self.capacity)

    def add_secret(self, value: str | None) -> None:
        """A value (device token, broker password) to mask wherever it shows up in a message."""
        if value and len(value) >= 4:
            with self._lock:
                self._secrets.add(value)

    def _scrub(self, value: str | int | float | bool | None) -> str | int | float | bool | None:
        if isinstance(value, str):
            for secret in self._secrets:
                if secret in value:
                    value = value.replace(secret, MASK)
        return value

    def append(self, level: str, component: str, event: str, fields: dict[str, object], at: str | None = None) -> None:
        clean: dict[str, str | int | float | bool | None] = {}
        for key, value in fields.items():
            clean[key] = MASK if _SECRET_KEY.search(key) else self._scrub(_plain(value))
        with self._lock:
            record = LogRecord(
                n=self._next,
                at=at or datetime.now(UTC).isoformat(),
                level=level.lower(),
                component=component,
                event=str(self._scrub(event)),
                fields=clean,
            )
            self._next += 1
            self._records.append(record)

    def query(self, *, level: str = "", component: str = "", after: int = 0, limit: int = 500) -> list[LogRecord]:
        """Records after ``after`` at ``level`` or worse, from ``component`` (or a sub-component), oldest first."""
        floor = LEVELS.get(level.lower(), 0) if level else 0
        with self._lock:
            records = [r for r in self._records if r.n > after]
        picked = [
            r
            for r in records
            if LEVELS.get(r.level, 20) >= floor
            and (not component or r.component == component or r.component.startswith(component + "."))
        ]
        return picked[-limit:] if limit > 0 else []

    @property
    def last_n(self) -> int:
        return self._next - 1


BUFFER = LogBuffer()


def _caller_module() -> str:
    frame = sys._getframe(2)
    while frame is not None:
        name = str(frame.f_globals.get("__name__", ""))
        if not name.startswith(("structlog", "logging", __name__)):
            return name
        frame = frame.f_back  # type: ignore[assignment]
    return "unknown"


def structlog_processor(logger: object, method: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Keep a copy of the event in :data:`BUFFER`; the event itself goes on to the renderer unchanged."""
    try:
        component = str(event_dict.get("component") or component_of(_caller_module()))
        fields = {k: v for k, v in event_dict.items() if k not in _STANDARD_KEYS}
        BUFFER.append(
            str(event_dict.get("level") or method),
            component,
            str(event_dict.get("event", "")),
            fields,
        )
    except Exception:  # noqa: S110 - the console's copy must never break the agent's logging
        pass
    return event_dict


class BufferHandler(logging.Handler):
    """Standard-library records (uvicorn, alembic, litestar) into the same buffer."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            fields: dict[str, object] = {}
            if record.exc_info and record.exc_info[1] is not None:
                fields["exception"] = repr(record.exc_info[1])
            BUFFER.append(
                record.levelname.lower(),
                component_of(record.name),
                record.getMessage(),
                fields,
                at=datetime.fromtimestamp(record.created, UTC).isoformat(),
            )
        except Exception:
            self.handleError(record)


def install() -> None:
    """Hook the buffer into the current structlog chain (just before the renderer) and the root logger.

    Idempotent; the chain is edited in place, so loggers that cached it already see the hook too.
    """
    processors = structlog.get_config()["processors"]
    if isinstance(processors, list) and structlog_processor not in processors:
        processors.insert(max(0, len(processors) - 1), structlog_processor)
    root = logging.getLogger()
    if not any(isinstance(h, BufferHandler) for h in root.handlers):
        root.addHandler(BufferHandler())
