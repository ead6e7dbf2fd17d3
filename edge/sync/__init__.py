"""MQTT sync with the hub: the outbox publisher, the ack and inbox subscribers, presence and enrollment.
Names resolve lazily so loading settings does not import the MQTT client."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from edge.sync.config import SyncSettings
    from edge.sync.inbox import InboxHandlers
    from edge.sync.service import SyncService, SyncState

__all__ = ["InboxHandlers", "SyncService", "SyncSettings", "SyncState"]

_WHERE = {
    "SyncSettings": "edge.sync.config",
    "InboxHandlers": "edge.sync.inbox",
    "SyncService": "edge.sync.service",
    "SyncState": "edge.sync.service",
}


def __getattr__(name: str) -> object:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
