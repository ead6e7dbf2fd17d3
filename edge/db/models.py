"""Every table of the register database (SQLAlchemy Core). Money columns are integer kopecks, quantities
are decimal strings, times are UTC ISO-8601 text, ids are UUIDv7 text.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    Column,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime stored as ISO-8601 text (sortable, readable with the sqlite3 shell)."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: time must carry a zone")
        return value.astimezone(UTC).isoformat(timespec="microseconds")

    def process_result_value(self, value: str | None, dialect: Dialect) -> datetime | None:
        return None if value is None else datetime.fromisoformat(value)


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# ------------------------------------------------------------------------------------------ sync seams

outbox = Table(
    "outbox",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("type", String(64), nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

sync_state = Table(
    "sync_state",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

inbox_commands = Table(
    "inbox_commands",
    metadata,
    Column("command_id", String(36), primary_key=True),
    Column("type", String(64), nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Column("status", String(16), nullable=False),
    Column("result", LargeBinary, nullable=True),
)

# --------------------------------------------------------------------------------------------- catalog

catalog_snapshots = Table(
    "catalog_snapshots",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("content_hash", String(64), nullable=False),
    Column("applied_at", UtcDateTime, nullable=False),
    Column("source", String(16), nullable=False),  # hub | file | demo
    Column("payload", LargeBinary, nullable=False),
)

vat_rates = Table(
    "vat_rates",
    metadata,
    Column("code", String(16), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("percent", String(16), nullable=False),
)

categories = Table(
    "categories",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("parent_id", String(36), nullable=True),
    Column("sort", Integer, nullable=False, default=0),
    Column("color", String(32), nullable=False, default=""),
)

products = Table(
    "products",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("category_id", String(36), nullable=True),
    Column("sku", String(200), nullable=False, index=True),
    Column("barcode", String(200), nullable=True, index=True),
    Column("name", String(200), nullable=False),
    Column("price", Integer, nullable=False),
    Column("vat_rate", String(16), nullable=False),
    Column("measurement_unit", String(32), nullable=False),
    Column("payment_object", String(32), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("stop_listed", Boolean, nullable=False, default=False),
    Column("kitchen", Boolean, nullable=False, default=True),
    Column("sort", Integer, nullable=False, default=0),
    Column("description", Text, nullable=False, default=""),
)

modifier_groups = Table(
    "modifier_groups",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("min_select", Integer, nullable=False),
    Column("max_select", Integer, nullable=False),
)

modifier_options = Table(
    "modifier_options",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("group_id", String(36), ForeignKey("modifier_groups.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("price_delta", Integer, nullable=False),
    Column("is_default", Boolean, nullable=False),
    Column("sort", Integer, nullable=False),
)

product_modifier_groups = Table(
    "product_modifier_groups",
    metadata,
    Column("product_id", String(36), ForeignKey("products.id", ondelete="CASCADE"), primary_key=True),
    Column("group_id", String(36), ForeignKey("modifier_groups.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, nullable=False),
)

recipes = Table(
    "recipes",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("product_id", String(36), nullable=False, index=True),
)

recipe_ingredients = Table(
    "recipe_ingredients",
    metadata,
    Column("recipe_id", String(36), ForeignKey("recipes.id", ondelete="CASCADE"), primary_key=True),
    Column("ingredient_id", String(36), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("quantity", String(32), nullable=False),
    Column("unit", String(32), nullable=False),
)

promo_codes = Table(
    "promo_codes",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("kind", String(8), nullable=False),  # percent | amount
    Column("value", Integer, nullable=False),
    Column("active", Boolean, nullable=False),
)

# ---------------------------------------------------------------------------------------------- people

staff = Table(
    "staff",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    Column("pin_hash", Text, nullable=False),
    Column("source", String(16), nullable=False),  # catalog | config
)

sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("staff_id", String(36), nullable=False),
    Column("name", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("closed_at", UtcDateTime, nullable=True),
)

pin_lockout = Table(
    "pin_lockout",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("locked_until", UtcDateTime, nullable=True),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False),
    Column("action", String(32), nullable=False),
    Column("actor_id", String(36), nullable=True),
    Column("approver_id", String(36), nullable=True),
    Column("order_id", String(36), nullable=True, index=True),
    Column("amount", Integer, nullable=True),
    Column("detail", Text, nullable=False, default=""),
)

# ---------------------------------------------------------------------------------------------- orders

shifts = Table(
    "shifts",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("number", Integer, nullable=False),
    Column("status", String(8), nullable=False),  # open | closed
    Column("opened_at", UtcDateTime, nullable=False),
    Column("closed_at", UtcDateTime, nullable=True),
    Column("opening_float", Integer, nullable=False),
    Column("cashier_id", String(36), nullable=True),
    Column("fiscal_shift_number", Integer, nullable=True),
    Column("expected_cash", Integer, nullable=True),
    Column("counted_cash", Integer, nullable=True),
    Column("report", LargeBinary, nullable=True),  # the Z report as JSON
)

orders = Table(
    "orders",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("number", String(16), nullable=False),
    Column("business_day", String(10), nullable=False, index=True),
    Column("status", String(24), nullable=False, index=True),
    Column("kitchen_status", String(16), nullable=False),
    Column("order_type", String(16), nullable=False),
    Column("table_no", String(200), nullable=True),
    Column("delivery_address", Text, nullable=True),
    Column("customer_phone", String(200), nullable=True),
    Column("comment", Text, nullable=False, default=""),
    Column("currency", String(3), nullable=False),
    Column("cashier_id", String(36), nullable=True),
    Column("shift_id", String(36), nullable=True, index=True),
    Column("subtotal", Integer, nullable=False, default=0),
    Column("discount_total", Integer, nullable=False, default=0),
    Column("total", Integer, nullable=False, default=0),
    Column("vat", Text, nullable=False, default="[]"),  # JSON [{rate, amount}]
    Column("paid_total", Integer, nullable=False, default=0),
    Column("refunded_total", Integer, nullable=False, default=0),
    Column("manual_discount_kind", String(8), nullable=True),
    Column("manual_discount_value", Integer, nullable=True),
    Column("promo_code", String(64), nullable=True),
    Column("idempotency_key", String(200), nullable=True, unique=True),
    Column("lock_reason", Text, nullable=True),  # set while a device outcome is unknown
    Column("last_problem", Text, nullable=True),  # JSON problem of the last failed step
    Column("receipt_printed", Boolean, nullable=False, default=False),
    Column("fiscal_document", LargeBinary, nullable=True),  # FiscalDocumentInfo JSON of the sale
    Column("created_at", UtcDateTime, nullable=False, index=True),
    Column("updated_at", UtcDateTime, nullable=False),
)

order_lines = Table(
    "order_lines",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("order_id", String(36), ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("product_id", String(36), nullable=False),
    Column("sku", String(200), nullable=False),
    Column("name", String(200), nullable=False),
    Column("quantity", String(32), nullable=False),
    Column("unit_price", Integer, nullable=False),
    Column("gross", Integer, nullable=False),
    Column("discount", Integer, nullable=False),
    Column("amount", Integer, nullable=False),
    Column("vat_rate", String(16), nullable=False),
    Column("vat_amount", Integer, nullable=False),
    Column("measurement_unit", String(32), nullable=False),
    Column("payment_object", String(32), nullable=False),
    Column("kitchen", Boolean, nullable=False),
    Column("modifiers", Text, nullable=False, default="[]"),  # JSON [LineModifier]
    Column("comment", Text, nullable=False, default=""),
    Column("refunded_quantity", String(32), nullable=False, default="0"),
    Column("refunded_amount", Integer, nullable=False, default=0),
)

payments = Table(
    "payments",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("order_id", String(36), ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("method", String(16), nullable=False),
    Column("amount", Integer, nullable=False),
    Column("tendered", Integer, nullable=True),
    Column("change", Integer, nullable=False, default=0),
    # pending | approved | declined | unknown | reversed | refunded(partly: refunded_amount)
    Column("status", String(16), nullable=False),
    Column("refunded_amount", Integer, nullable=False, default=0),
    Column("card", Text, nullable=True),  # JSON CardDetails
    Column("messages", Text, nullable=False, default="[]"),  # the terminal's prompts, JSON list
    Column("detail", Text, nullable=False, default=""),
    Column("idempotency_key", String(200), nullable=True, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

refunds = Table(
    "refunds",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("order_id", String(36), ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("status", String(16), nullable=False),  # pending | done | failed
    Column("amount", Integer, nullable=False),
    Column("card_amount", Integer, nullable=False, default=0),
    Column("cash_amount", Integer, nullable=False, default=0),
    Column("lines", Text, nullable=False),  # JSON [{line_id, quantity, amount}]
    Column("reason", Text, nullable=False, default=""),
    Column("actor_id", String(36), nullable=True),
    Column("approved_by", String(36), nullable=True),
    Column("fiscal_document", LargeBinary, nullable=True),
    Column("card", Text, nullable=True),
    Column("detail", Text, nullable=False, default=""),
    Column("idempotency_key", String(200), nullable=True, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

cash_moves = Table(
    "cash_moves",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("shift_id", String(36), ForeignKey("shifts.id"), nullable=False, index=True),
    Column("direction", String(3), nullable=False),
    Column("amount", Integer, nullable=False),
    Column("reason", Text, nullable=False, default=""),
    Column("actor_id", String(36), nullable=True),
    Column("approved_by", String(36), nullable=True),
    Column("idempotency_key", String(200), nullable=True, unique=True),
    Column("at", UtcDateTime, nullable=False),
)

order_counters = Table(
    "order_counters",
    metadata,
    Column("business_day", String(10), primary_key=True),
    Column("last_number", Integer, nullable=False),
)

device_journal = Table(
    "device_journal",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("device", String(16), nullable=False),  # fiscal | terminal | printer | drawer
    # sell | sellReturn | openShift | closeShift | cashIn | cashOut | sale | refund | reversal | endOfDay
    # | receipt | kitchenTicket | nonFiscalReceipt | drawerOpen
    Column("kind", String(24), nullable=False),
    Column("order_id", String(36), nullable=True, index=True),
    Column("refund_id", String(36), nullable=True),
    Column("payment_id", String(36), nullable=True),
    Column("shift_id", String(36), nullable=True),
    Column("request_id", String(64), nullable=False),  # ATOL request uuid, card reference or print job id
    Column("amount", Integer, nullable=True),
    Column("last_known_fd", Integer, nullable=True),
    Column("last_known_trace", Integer, nullable=True),
    Column("state", String(16), nullable=False, index=True),  # pending | done | failed | unknown
    Column("result", Text, nullable=True),  # JSON of what the device answered
    Column("error", Text, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

Index("ix_orders_kitchen", orders.c.kitchen_status)
