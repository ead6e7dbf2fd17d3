"""The device journal: a row per device operation, committed *before* the device is driven and settled
(done / failed / unknown) in the transaction that records the result."""

from __future__ import annotations

import msgspec
from sqlalchemy import bindparam, insert, select

from edge.db import models as m
from edge.db.sql import Query, Row, RowUpdate, Tx
from protocols.ids import utcnow, uuid7

OPEN_STATES = ("pending", "unknown")
_encoder = msgspec.json.Encoder(enc_hook=str)  # dataclasses, enums, datetimes natively; anything else as text


def to_json(value: object) -> str:
    """A device result as JSON for the journal (read by technicians and the ops API)."""
    return _encoder.encode(value).decode()


_INSERT = Query(insert(m.device_journal))
_settle = RowUpdate(m.device_journal, "id")
_OPEN = (
    select(m.device_journal).where(m.device_journal.c.state.in_(OPEN_STATES)).order_by(m.device_journal.c.created_at)
)
_OPEN_ALL = Query(_OPEN)
_OPEN_FOR_ORDER = Query(_OPEN.where(m.device_journal.c.order_id == bindparam("order_id")))


def open_entry(
    tx: Tx,
    *,
    device: str,
    kind: str,
    request_id: str,
    order_id: str | None = None,
    payment_id: str | None = None,
    refund_id: str | None = None,
    shift_id: str | None = None,
    amount: int | None = None,
    last_known_fd: int | None = None,
    last_known_trace: int | None = None,
) -> str:
    entry_id = str(uuid7())
    now = utcnow()
    tx.run(
        _INSERT,
        {
            "id": entry_id,
            "device": device,
            "kind": kind,
            "order_id": order_id,
            "payment_id": payment_id,
            "refund_id": refund_id,
            "shift_id": shift_id,
            "request_id": request_id,
            "amount": amount,
            "last_known_fd": last_known_fd,
            "last_known_trace": last_known_trace,
            "state": "pending",
            "created_at": now,
            "updated_at": now,
        },
    )
    return entry_id


def settle(tx: Tx, entry_id: str, state: str, result: object = None, error: str | None = None) -> None:
    values = {"state": state, "result": to_json(result) if result is not None else None, "error": error}
    _settle(tx, entry_id, {**values, "updated_at": utcnow()})


def open_entries(tx: Tx, order_id: str | None = None) -> list[Row]:
    if order_id is None:
        return tx.all(_OPEN_ALL)
    return tx.all(_OPEN_FOR_ORDER, {"order_id": order_id})
