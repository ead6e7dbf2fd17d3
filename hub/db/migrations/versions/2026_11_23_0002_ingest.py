"""Ingest tables: register streams, the event log, held events, dead letters, orders and their lines,
payments, refunds, fiscal documents and status history, shifts, cash moves and register presence.

Revision ID: 0002_ingest
Revises: 0001_core
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_ingest"
down_revision = "0001_core"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)
_MONEY = sa.BigInteger()


def _register_fk() -> sa.ForeignKey:
    return sa.ForeignKey("registers.id", ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "register_streams",
        sa.Column("register_id", sa.Uuid(), _register_fk(), primary_key=True),
        sa.Column("committed_seq", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("updated_at", _TS, nullable=False),
    )
    op.create_table(
        "ingested_events",
        sa.Column("register_id", sa.Uuid(), primary_key=True),
        sa.Column("seq", sa.BigInteger(), primary_key=True),
        sa.Column("event_id", sa.Uuid(), nullable=False, unique=True),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("occurred_at", _TS, nullable=False),
        sa.Column("ingested_at", _TS, nullable=False),
    )
    op.create_table(
        "held_events",
        sa.Column("register_id", sa.Uuid(), primary_key=True),
        sa.Column("seq", sa.BigInteger(), primary_key=True),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", _TS, nullable=False),
    )
    op.create_table(
        "dead_letters",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("received_at", _TS, nullable=False),
    )
    op.create_index("ix_dead_letters_received_at", "dead_letters", ["received_at"])
    op.create_table(
        "orders",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("location_id", sa.Uuid(), nullable=False),
        sa.Column("register_id", sa.Uuid(), _register_fk(), nullable=False),
        sa.Column("number", sa.String(200), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("kitchen_status", sa.String(32), nullable=True),
        sa.Column("order_type", sa.String(32), nullable=False),
        sa.Column("table", sa.String(200), nullable=True),
        sa.Column("delivery_address", sa.Text(), nullable=True),
        sa.Column("shift_id", sa.Uuid(), nullable=True),
        sa.Column("cashier_id", sa.Uuid(), nullable=True),
        sa.Column("customer_phone", sa.String(200), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("promo_code", sa.String(200), nullable=True),
        sa.Column("subtotal", _MONEY, nullable=False),
        sa.Column("discount", _MONEY, nullable=False),
        sa.Column("total", _MONEY, nullable=False),
        sa.Column("paid_total", _MONEY, nullable=False),
        sa.Column("refunded_total", _MONEY, nullable=False),
        sa.Column("vat", sa.JSON(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
    )
    op.create_index("ix_orders_org_created", "orders", ["org_id", "created_at"])
    op.create_index("ix_orders_location_created", "orders", ["location_id", "created_at"])
    op.create_index("ix_orders_register_number", "orders", ["register_id", "number"])
    op.create_table(
        "order_lines",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("order_id", sa.Uuid(), sa.ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("sku", sa.String(200), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("quantity", sa.Numeric(12, 3), nullable=False),
        sa.Column("unit_price", _MONEY, nullable=False),
        sa.Column("discount", _MONEY, nullable=False),
        sa.Column("amount", _MONEY, nullable=False),
        sa.Column("vat_rate", sa.String(200), nullable=False),
        sa.Column("vat_amount", _MONEY, nullable=False),
        sa.Column("modifiers", sa.JSON(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
    )
    op.create_index("ix_order_lines_order", "order_lines", ["order_id"])
    op.create_table(
        "order_payments",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("order_id", sa.Uuid(), sa.ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("refund_id", sa.Uuid(), nullable=True),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("amount", _MONEY, nullable=False),
        sa.Column("tendered", _MONEY, nullable=True),
        sa.Column("change", _MONEY, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("card", sa.JSON(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
    )
    op.create_index("ix_order_payments_order", "order_payments", ["order_id"])
    op.create_table(
        "order_refunds",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("order_id", sa.Uuid(), sa.ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
        sa.Column("amount", _MONEY, nullable=False),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("approved_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_index("ix_order_refunds_order", "order_refunds", ["order_id"])
    op.create_table(
        "fiscal_documents",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("location_id", sa.Uuid(), nullable=False),
        sa.Column("register_id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), sa.ForeignKey("orders.id"), nullable=True),
        sa.Column("shift_id", sa.Uuid(), nullable=True),
        sa.Column("refund_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("document_number", sa.BigInteger(), nullable=False),
        sa.Column("document_sign", sa.String(64), nullable=False),
        sa.Column("receipt_number", sa.BigInteger(), nullable=True),
        sa.Column("shift_number", sa.BigInteger(), nullable=True),
        sa.Column("fn_number", sa.String(64), nullable=False),
        sa.Column("registration_number", sa.String(64), nullable=False),
        sa.Column("document_datetime", _TS, nullable=False),
        sa.Column("total", _MONEY, nullable=True),
        sa.Column("qr", sa.Text(), nullable=False),
    )
    op.create_index("ix_fiscal_documents_order", "fiscal_documents", ["order_id"])
    op.create_index("ix_fiscal_documents_register_number", "fiscal_documents", ["register_id", "document_number"])
    op.create_table(
        "order_status_history",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("order_id", sa.Uuid(), sa.ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
        sa.Column("register_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("field", sa.String(16), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("previous", sa.String(32), nullable=True),
        sa.Column("at", _TS, nullable=False),
    )
    op.create_index("ix_order_status_history_order", "order_status_history", ["order_id"])
    op.create_table(
        "shifts",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("location_id", sa.Uuid(), nullable=False),
        sa.Column("register_id", sa.Uuid(), _register_fk(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("opened_at", _TS, nullable=False),
        sa.Column("closed_at", _TS, nullable=True),
        sa.Column("opening_float", _MONEY, nullable=False),
        sa.Column("cashier_id", sa.Uuid(), nullable=True),
        sa.Column("fiscal_shift_number", sa.Integer(), nullable=True),
        sa.Column("expected_cash", _MONEY, nullable=True),
        sa.Column("counted_cash", _MONEY, nullable=True),
        sa.Column("orders_count", sa.Integer(), nullable=True),
        sa.Column("tenders", sa.JSON(), nullable=False),
    )
    op.create_index("ix_shifts_register_opened", "shifts", ["register_id", "opened_at"])
    op.create_table(
        "cash_moves",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("location_id", sa.Uuid(), nullable=False),
        sa.Column("register_id", sa.Uuid(), nullable=False),
        sa.Column("shift_id", sa.Uuid(), nullable=False),
        sa.Column("direction", sa.String(3), nullable=False),
        sa.Column("amount", _MONEY, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("by", sa.Uuid(), nullable=True),
        sa.Column("approved_by", sa.Uuid(), nullable=True),
        sa.Column("occurred_at", _TS, nullable=False),
    )
    op.create_index("ix_cash_moves_shift", "cash_moves", ["shift_id"])
    op.create_table(
        "register_presence",
        sa.Column("register_id", sa.Uuid(), _register_fk(), primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("version", sa.String(200), nullable=False),
        sa.Column("backlog", sa.Integer(), nullable=False),
        sa.Column("oldest_unacked_at", _TS, nullable=True),
        sa.Column("devices", sa.JSON(), nullable=False),
        sa.Column("catalog_version", sa.Integer(), nullable=True),
        sa.Column("last_seen_at", _TS, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "register_presence",
        "cash_moves",
        "shifts",
        "order_status_history",
        "fiscal_documents",
        "order_refunds",
        "order_payments",
        "order_lines",
        "orders",
        "dead_letters",
        "held_events",
        "ingested_events",
        "register_streams",
    ):
        op.drop_table(table)
