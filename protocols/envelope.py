"""Batch envelope for the ``evt`` topic, the hub's ``ack``, and the retained register ``status``."""

from __future__ import annotations

import uuid
from typing import Literal

import msgspec

from protocols._base import SCHEMA_VERSION, Seq, ShortText, WireStruct
from protocols.events import DeviceHealth, Event
from protocols.ids import UtcDateTime


class EventBatch(WireStruct, frozen=True, kw_only=True):
    """A register's events ``first_seq..last_seq`` in sequence order, sent at QoS 1 until acknowledged."""

    schema: int = SCHEMA_VERSION
    org_id: uuid.UUID
    location_id: uuid.UUID
    register_id: uuid.UUID
    first_seq: Seq
    last_seq: Seq
    sent_at: UtcDateTime
    events: list[Event]

    def __post_init__(self) -> None:
        if self.last_seq < self.first_seq:
            raise ValueError("last_seq is below first_seq")
        if len(self.events) != self.last_seq - self.first_seq + 1:
            raise ValueError("the batch must hold exactly the events first_seq..last_seq")
        for offset, event in enumerate(self.events):
            if event.seq != self.first_seq + offset:
                raise ValueError(f"event {offset} has seq {event.seq}, expected {self.first_seq + offset}")


class Gap(WireStruct, frozen=True, kw_only=True):
    """Sequences the hub is missing: resend from ``from_seq`` (inclusive) to ``to_seq`` (inclusive)."""

    from_seq: Seq
    to_seq: Seq


class Ack(WireStruct, frozen=True, kw_only=True):
    """The highest sequence the hub has committed for a register; the edge may delete events up to it."""

    schema: int = SCHEMA_VERSION
    register_id: uuid.UUID
    committed_seq: int = msgspec.field(default=0)
    gap: Gap | None = None
    acked_at: UtcDateTime


class RegisterStatus(WireStruct, frozen=True, kw_only=True):
    """Retained presence of a register; the last will publishes the same shape with state offline."""

    schema: int = SCHEMA_VERSION
    register_id: uuid.UUID
    state: Literal["online", "offline"]
    version: ShortText = ""
    outbox_backlog: int = 0
    oldest_unacked_at: UtcDateTime | None = None
    catalog_version: int | None = None
    devices: list[DeviceHealth] = msgspec.field(default_factory=list)
    at: UtcDateTime | None = None
