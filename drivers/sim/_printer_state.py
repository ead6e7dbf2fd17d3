"""The emulated printer's settable condition (paper, cover, online, drawer, reply mode, one-shot fault)
and the DLE EOT bytes a real printer in that condition would answer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

PAPER_STATES = ("ok", "near_end", "out")
REPLY_MODES = ("normal", "silent", "garbage")  # silent: never answers; garbage: answers 0xFF
# power_loss_on_job: when the next job starts (ESC @) the printer dies: it prints nothing of it, stops
# answering (replies become "silent") and hangs up a TCP link. Set replies back to "normal" to revive it.
FAULTS = ("power_loss_on_job",)


@dataclass(frozen=True, slots=True)
class EmulatorState:
    paper: str = "ok"
    cover_open: bool = False
    online: bool = True
    drawer_open: bool = False
    replies: str = "normal"
    fault: str | None = None

    def __post_init__(self) -> None:
        if self.paper not in PAPER_STATES:
            raise ValueError(f"paper must be one of {PAPER_STATES}")
        if self.replies not in REPLY_MODES:
            raise ValueError(f"replies must be one of {REPLY_MODES}")
        if self.fault is not None and self.fault not in FAULTS:
            raise ValueError(f"fault must be null or one of {FAULTS}")

    @property
    def ready(self) -> bool:
        """A printer that is out of paper, open, offline or dead (silent) takes no print data."""
        return self.paper != "out" and not self.cover_open and self.online and self.replies != "silent"

    def to_json(self) -> dict[str, object]:
        return {
            "paper": self.paper,
            "cover": "open" if self.cover_open else "closed",
            "online": self.online,
            "drawer": "open" if self.drawer_open else "closed",
            "replies": self.replies,
            "fault": self.fault,
        }

    def updated_from_json(self, changes: Mapping[str, object]) -> EmulatorState:
        """Apply an admin request such as ``{"paper": "out"}`` or ``{"cover": "open", "online": false}``."""
        values: dict[str, object] = {}
        for key, value in changes.items():
            if key == "paper" and isinstance(value, str):
                values["paper"] = value
            elif key == "cover" and value in ("open", "closed"):
                values["cover_open"] = value == "open"
            elif key == "drawer" and value in ("open", "closed"):
                values["drawer_open"] = value == "open"
            elif key in ("cover_open", "drawer_open", "online") and isinstance(value, bool):
                values[key] = value
            elif key == "offline" and isinstance(value, bool):
                values["online"] = not value
            elif key == "replies" and isinstance(value, str):
                values["replies"] = value
            elif key == "fault" and (value is None or isinstance(value, str)):
                values["fault"] = value
            else:
                raise ValueError(f"cannot set {key!r} to {value!r}")
        return replace(self, **values)  # type: ignore[arg-type]


def status_reply(state: EmulatorState, n: int, *, drawer_open_signal_high: bool = True) -> bytes | None:
    """The byte a TM-class printer sends for ``DLE EOT n`` (None: it stays silent)."""
    if state.replies == "silent":
        return None
    if state.replies == "garbage":
        return b"\xff"
    value = 0x12
    if n == 1:
        if state.drawer_open == drawer_open_signal_high:
            value |= 0x04
        if not state.ready:
            value |= 0x08
    elif n == 2:
        if state.cover_open:
            value |= 0x04
        if state.paper == "out":
            value |= 0x20
    elif n == 4:
        if state.paper in ("near_end", "out"):
            value |= 0x0C
        if state.paper == "out":
            value |= 0x60
    elif n != 3:
        return None
    return bytes((value,))
