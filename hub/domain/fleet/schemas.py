"""Bodies of the fleet endpoints."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec

from hub.listing import PageMeta


class FleetRegister(msgspec.Struct, kw_only=True):
    register_id: uuid.UUID
    name: str
    location_id: uuid.UUID
    location_name: str
    enrolled: bool
    state: str  # online, offline, or unknown before the first status
    last_seen_at: datetime | None
    version: str | None
    backlog: int | None
    oldest_unacked_at: datetime | None
    devices: list[dict[str, Any]]
    catalog_version: int | None
    catalog_version_current: int
    lagging: bool


class FleetPage(msgspec.Struct, kw_only=True):
    data: list[FleetRegister]
    meta: PageMeta
