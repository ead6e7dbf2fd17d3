"""Tables the ingest workers write: per-register event streams, the event log, held and dead letters,
and the relational picture of register events (orders, lines, payments, fiscal documents, shifts,
cash moves) plus the registers' last reported presence. Rows keep the edge's UUIDs as keys.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db.base import Base, UTCDateTime

_JSON = sa.JSON()
_MONEY = sa.BigInteger()
_QTY = sa.Numeric(12, 3)


class RegisterStream(Base):
    """The highest gap-free sequence committed for a register; its row is the per-register commit lock."""

    __tablename__ = "register_streams"

    register_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("registers.id", ondelete="CASCADE"), primary_key=True
    )
    committed_seq: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class IngestedEvent(Base):
    """Every committed register event, exactly once: ``(register_id, seq)`` and ``event_id`` are unique."""

    __tablename__ = "ingested_events"

    register_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    seq: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, unique=True)
    org_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    type: Mapped[str] = mapped_column(sa.String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(_JSON)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ingested_at: Mapped[datetime] = mapped_column(UTCDateTime)


class HeldEvent(Base):
    """An event that arrived ahead of a gap; applied once the missing sequences are committed."""

    __tablename__ = "held_events"

    register_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    seq: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    payload: Mapped[dict[str, Any]] = mapped_column(_JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DeadLetter(Base):
    """A message the ingest refused (undecodable, inconsistent or from an unknown register), kept as received."""

    __tablename__ = "dead_letters"
    __table_args__ = (sa.Index("ix_dead_letters_received_at", "received_at"),)

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    topic: Mapped[str] = mapped_column(sa.Text)
    payload: Mapped[bytes] = mapped_column(sa.LargeBinary)
    reason: Mapped[str] = mapped_column(sa.Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Order(Base):
    """An order as its register last reported it."""

    __tablename__ = "orders"
    __table_args__ = (
        sa.Index("ix_orders_org_created", "org_id", "created_at"),
        sa.Index("ix_orders_location_created", "location_id", "created_at"),
        sa.Index("ix_orders_register_number", "register_id", "number"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    org_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    location_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    register_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, sa.ForeignKey("registers.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(32))
    kitchen_status: Mapped[str | None] = mapped_column(sa.String(32), nullable=True)
    order_type: Mapped[str] = mapped_column(sa.String(32))
    table: Mapped[str | None] = mapped_column(sa.String(200), nullable=True)
    delivery_address: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    shift_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, nullable=True)
    cashier_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, nullable=True)
    customer_phone: Mapped[str | None] = mapped_column(sa.String(200), nullable=True)
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    promo_code: Mapped[str | None] = mapped_column(sa.String(200), nullable=True)
    subtotal: Mapped[int] = mapped_column(_MONEY, default=0)
    discount: Mapped[int] = mapped_column(_MONEY, default=0)
    total: Mapped[int] = mapped_column(_MONEY, default=0)
    paid_total: Mapped[int] = mapped_column(_MONEY, default=0)
    refunded_total: Mapped[int] = mapped_column(_MONEY, default=0)
    vat: Mapped[list[dict[str, Any]]] = mapped_column(_JSON, default=list)
    currency: Mapped[str] = mapped_column(sa.String(3))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", order_by="OrderLine.position", cascade="all, delete-orphan", passive_deletes=True
    )
    payments: Mapped[list[OrderPayment]] = relationship(
        order_by="OrderPayment.created_at", cascade="all, delete-orphan", passive_deletes=True
    )
    fiscal_documents: Mapped[list[FiscalDocument]] = relationship(
        order_by="FiscalDocument.document_number", viewonly=True
    )
    status_history: Mapped[list[OrderStatusChange]] = relationship(
        order_by="OrderStatusChange.seq", cascade="all, delete-orphan", passive_deletes=True
    )
    refunds: Mapped[list[OrderRefund]] = relationship(
        order_by="OrderRefund.created_at", cascade="all, delete-orphan", passive_deletes=True
    )


class OrderLine(Base):
    """One line of an order's current content (replaced whole on every ``order.updated``)."""

    __tablename__ = "order_lines"
    __table_args__ = (sa.Index("ix_order_lines_order", "order_id"),)

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    order_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, sa.ForeignKey("orders.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(sa.Integer)
    product_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    sku: Mapped[str] = mapped_column(sa.String(200), default="")
    name: Mapped[str] = mapped_column(sa.String(200))
    quantity: Mapped[Decimal] = mapped_column(_QTY)
    unit_price: Mapped[int] = mapped_column(_MONEY)
    discount: Mapped[int] = mapped_column(_MONEY, default=0)
    amount: Mapped[int] = mapped_column(_MONEY)
    vat_rate: Mapped[str] = mapped_column(sa.String(200))
    vat_amount: Mapped[int] = mapped_column(_MONEY, default=0)
    modifiers: Mapped[list[dict[str, Any]]] = mapped_column(_JSON, default=list)
    comment: Mapped[str] = mapped_column(sa.Text, default="")

    order: Mapped[Order] = relationship(back_populates="lines")


class OrderPayment(Base):
    """A tender taken (``kind`` payment) or paid back (``kind`` refund, with its ``refund_id``)."""

    __tablename__ = "order_payments"
    __table_args__ = (sa.Index("ix_order_payments_order", "order_id"),)

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    order_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, sa.ForeignKey("orders.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(16), default="payment")
    refund_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, nullable=True)
    method: Mapped[str] = mapped_column(sa.String(16))
    amount: Mapped[int] = mapped_column(_MONEY)
    tendered: Mapped[int | None] = mapped_column(_MONEY, nullable=True)
    change: Mapped[int] = mapped_column(_MONEY, default=0)
    status: Mapped[str] = mapped_column(sa.String(16))
    card: Mapped[dict[str, Any] | None] = mapped_column(_JSON, nullable=True)
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OrderRefund(Base):
    """A refund of some or all of an order's lines."""

    __tablename__ = "order_refunds"
    __table_args__ = (sa.Index("ix_order_refunds_order", "order_id"),)

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    order_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, sa.ForeignKey("orders.id", ondelete="CASCADE"))
    amount: Mapped[int] = mapped_column(_MONEY)
    full: Mapped[bool] = mapped_column(sa.Boolean)
    lines: Mapped[list[dict[str, Any]]] = mapped_column(_JSON)
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    approved_by: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FiscalDocument(Base):
    """A document the register's fiscal registrar printed; keyed by the id of the event that reported it."""

    __tablename__ = "fiscal_documents"
    __table_args__ = (
        sa.Index("ix_fiscal_documents_order", "order_id"),
        sa.Index("ix_fiscal_documents_register_number", "register_id", "document_number"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    org_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    location_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    register_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    order_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, sa.ForeignKey("orders.id"), nullable=True)
    shift_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, nullable=True)
    refund_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, nullable=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    document_number: Mapped[int] = mapped_column(sa.BigInteger)
    document_sign: Mapped[str] = mapped_column(sa.String(64))
    receipt_number: Mapped[int | None] = mapped_column(sa.BigInteger, nullable=True)
    shift_number: Mapped[int | None] = mapped_column(sa.BigInteger, nullable=True)
    fn_number: Mapped[str] = mapped_column(sa.String(64), default="")
    registration_number: Mapped[str] = mapped_column(sa.String(64), default="")
    document_datetime: Mapped[datetime] = mapped_column(UTCDateTime)
    total: Mapped[int | None] = mapped_column(_MONEY, nullable=True)
    qr: Mapped[str] = mapped_column(sa.Text, default="")


class OrderStatusChange(Base):
    """One step of an order's payment (``field`` status) or kitchen (``field`` kitchen_status) life."""

    __tablename__ = "order_status_history"
    __table_args__ = (sa.Index("ix_order_status_history_order", "order_id"),)

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)  # the event's id
    order_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, sa.ForeignKey("orders.id", ondelete="CASCADE"))
    register_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    seq: Mapped[int] = mapped_column(sa.BigInteger)
    field: Mapped[str] = mapped_column(sa.String(16))
    status: Mapped[str] = mapped_column(sa.String(32))
    previous: Mapped[str | None] = mapped_column(sa.String(32), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class Shift(Base):
    """A cashier shift of one register, with its close-out figures once closed."""

    __tablename__ = "shifts"
    __table_args__ = (sa.Index("ix_shifts_register_opened", "register_id", "opened_at"),)

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    org_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    location_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    register_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, sa.ForeignKey("registers.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(sa.Integer)
    status: Mapped[str] = mapped_column(sa.String(16))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    opening_float: Mapped[int] = mapped_column(_MONEY, default=0)
    cashier_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, nullable=True)
    fiscal_shift_number: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    expected_cash: Mapped[int | None] = mapped_column(_MONEY, nullable=True)
    counted_cash: Mapped[int | None] = mapped_column(_MONEY, nullable=True)
    orders_count: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    tenders: Mapped[list[dict[str, Any]]] = mapped_column(_JSON, default=list)


class CashMove(Base):
    """Cash put into or taken out of a register's drawer during a shift."""

    __tablename__ = "cash_moves"
    __table_args__ = (sa.Index("ix_cash_moves_shift", "shift_id"),)

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    org_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    location_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    register_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    shift_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    direction: Mapped[str] = mapped_column(sa.String(3))
    amount: Mapped[int] = mapped_column(_MONEY)
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    by: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, nullable=True)
    approved_by: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, nullable=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RegisterPresence(Base):
    """A register's last retained status: online/offline, version, outbox backlog and device health."""

    __tablename__ = "register_presence"

    register_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("registers.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[str] = mapped_column(sa.String(16))
    version: Mapped[str] = mapped_column(sa.String(200), default="")
    backlog: Mapped[int] = mapped_column(sa.Integer, default=0)
    oldest_unacked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    devices: Mapped[list[dict[str, Any]]] = mapped_column(_JSON, default=list)
    catalog_version: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
