"""Small shared pieces of the sync service: its public state, the register identity, the ack slot."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import aiomqtt


@dataclass(frozen=True, slots=True, kw_only=True)
class SyncState:
    """What the UI and the console show about the hub link."""

    enrolled: bool
    connected: bool
    acked_seq: int = 0
    last_seq: int = 0
    backlog: int = 0
    oldest_unacked_at: datetime | None = None
    last_ack_at: datetime | None = None
    last_error: str = ""
    catalog_version: int | None = None
    broker: str = ""


@dataclass(frozen=True, slots=True)
class Identity:
    org_id: uuid.UUID
    location_id: uuid.UUID
    register_id: uuid.UUID


class AckSlot:
    """The highest committed seq the hub announced and the commit task has not applied yet."""

    def __init__(self) -> None:
        self._seq = 0
        self._event = asyncio.Event()

    def offer(self, committed_seq: int) -> None:
        if committed_seq > self._seq or not self._event.is_set():
            self._seq = max(self._seq, committed_seq)
            self._event.set()

    async def take(self) -> int:
        await self._event.wait()
        self._event.clear()
        return self._seq


def utcnow() -> datetime:
    return datetime.now(UTC)


def message_bytes(message: aiomqtt.Message) -> bytes:
    data = message.payload
    if isinstance(data, bytes | bytearray):
        return bytes(data)
    if isinstance(data, str):
        return data.encode()
    return b"" if data is None else str(data).encode()
