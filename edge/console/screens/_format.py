"""Turning the agent's JSON into short lines a technician reads at 80 columns."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any


def age(iso: str | None, now: datetime | None = None) -> str:
    """'3 h 12 min' since an ISO-8601 UTC time; '—' when there is none."""
    if not iso:
        return "—"
    try:
        then = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    seconds = int(((now or datetime.now(UTC)) - then).total_seconds())
    if seconds < 0:
        return "just now"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {secs} s"
    return f"{secs} s"


def flat(data: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    """Nested mappings as dotted key/value rows."""
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from flat(value, f"{name}.")
        elif isinstance(value, list):
            yield name, ", ".join(str(v) for v in value) if value else "—"
        elif value is None or value == "":
            yield name, "—"
        elif isinstance(value, bool):
            yield name, "yes" if value else "no"
        else:
            yield name, str(value)


def yes_no(value: object) -> str:
    if value is None:
        return "unknown"
    return "yes" if value else "no"
