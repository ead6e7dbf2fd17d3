"""Sync settings: how the register reaches its hub's MQTT broker and who it is there.

Identity fields stay ``None`` until ``yago edge enroll`` fills them; a box without them runs standalone.
"""

from __future__ import annotations

import msgspec


class SyncSettings(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    broker_host: str | None = None
    broker_port: int = 1883
    username: str | None = None
    password: str | None = None
    tls: bool = False
    ca_file: str | None = None
    """CA bundle for TLS; the system store when unset."""
    org_id: str | None = None
    location_id: str | None = None
    register_id: str | None = None
    heartbeat_seconds: float = 15.0
    batch_max: int = 200
    """Most events in one ``evt`` batch."""
    window_batches: int = 4
    """Batches published ahead of the hub's acknowledgement."""
    resend_after_seconds: float = 5.0
    """Unacknowledged events are sent again after this long without ack progress."""
    reconnect_min_seconds: float = 0.5
    reconnect_max_seconds: float = 30.0
    hub_url: str | None = None
    """Hub base URL, used by ``yago edge enroll``."""

    @property
    def enrolled(self) -> bool:
        return bool(self.broker_host and self.org_id and self.location_id and self.register_id)
