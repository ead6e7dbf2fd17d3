"""One deterministic example of every v1 wire message, used for round trips and the frozen fixtures."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import msgspec

from protocols import commands as c
from protocols import envelope as env
from protocols import events as e
from protocols.samples import demo_catalog

T0 = datetime(2026, 3, 1, 7, 15, tzinfo=UTC)


def uid(n: int) -> uuid.UUID:
    return uuid.UUID(f"01950000-0000-7000-8000-{n:012d}")


ORG, LOC, REG, ORDER, SHIFT = uid(1), uid(2), uid(3), uid(4), uid(5)

FISCAL = e.FiscalDocumentInfo(
    kind="sell",
    document_number=143,
    document_sign="2836341977",
    receipt_number=12,
    shift_number=7,
    fn_number="7380440800000001",
    registration_number="0000000001000001",
    document_datetime=T0,
    total=52000,
    qr="t=20260301T1015&s=520.00&fn=7380440800000001&i=143&fp=2836341977&n=1",
)
LINE = e.OrderLine(
    line_id=uid(10),
    product_id=uid(11),
    sku="CAP",
    name="Капучино",
    quantity=Decimal("2"),
    unit_price=26000,
    modifiers=[e.LineModifier(option_id=uid(12), group_id=uid(13), name="0,35 л", price_delta=4000)],
    amount=52000,
    vat_rate="vat22",
    vat_amount=9377,
    comment="без сахара",
)
CASH = e.PaymentRecord(payment_id=uid(20), method="cash", amount=52000, tendered=60000, change=8000)
CARD = e.PaymentRecord(
    payment_id=uid(21),
    method="card",
    amount=52000,
    card=e.CardDetails(
        terminal_id="52500001",
        trace_number=17,
        receipt_number=9,
        auth_code="A1B2C3",
        card_pan_masked="************4771",
    ),
)


def _event_kwargs(seq: int) -> dict[str, object]:
    return {"event_id": uid(100 + seq), "seq": seq, "occurred_at": T0}


def all_events() -> list[e.Event]:
    return [
        e.OrderCreated(
            **_event_kwargs(1), order_id=ORDER, number="A-017", order_type="dine_in", table="5", shift_id=SHIFT
        ),  # type: ignore[arg-type]
        e.OrderUpdated(
            **_event_kwargs(2),  # type: ignore[arg-type]
            order_id=ORDER,
            status="draft",
            lines=[LINE],
            subtotal=52000,
            total=52000,
            vat=[e.VatAmount(rate="vat22", amount=9377)],
        ),
        e.OrderPaid(**_event_kwargs(3), order_id=ORDER, payment=CASH, paid_total=52000, fully_paid=True),  # type: ignore[arg-type]
        e.PaymentReversed(**_event_kwargs(4), order_id=ORDER, payment_id=uid(21), reason="FN blocked"),  # type: ignore[arg-type]
        e.OrderFiscalized(**_event_kwargs(5), order_id=ORDER, document=FISCAL),  # type: ignore[arg-type]
        e.OrderCancelled(**_event_kwargs(6), order_id=ORDER, reason="guest left", by=uid(30), approved_by=uid(31)),  # type: ignore[arg-type]
        e.OrderRefunded(
            **_event_kwargs(7),  # type: ignore[arg-type]
            order_id=ORDER,
            refund_id=uid(40),
            lines=[e.RefundLine(line_id=uid(10), quantity=Decimal("1"), amount=26000)],
            amount=26000,
            payments=[CARD],
            document=FISCAL,
            full=False,
        ),
        e.KitchenStatusChanged(**_event_kwargs(8), order_id=ORDER, status="cooking", previous="confirmed"),  # type: ignore[arg-type]
        e.ShiftOpened(**_event_kwargs(9), shift_id=SHIFT, number=7, opened_at=T0, opening_float=500000),  # type: ignore[arg-type]
        e.ShiftClosed(
            **_event_kwargs(10),  # type: ignore[arg-type]
            shift_id=SHIFT,
            closed_at=T0,
            tenders=[e.TenderTotal(method="cash", sales=52000, expected=552000, counted=551900)],
            expected_cash=552000,
            counted_cash=551900,
            orders_count=1,
        ),
        e.CashMoved(
            **_event_kwargs(11), move_id=uid(50), shift_id=SHIFT, direction="out", amount=100000, reason="инкассация"
        ),  # type: ignore[arg-type]
        e.DeviceHealthChanged(
            **_event_kwargs(12),  # type: ignore[arg-type]
            device=e.DeviceHealth(device_id="printer-1", kind="printer", online=True, problems=["paper_out"]),
        ),
        e.RegisterStatusChanged(**_event_kwargs(13), state="catalog_applied", version="0.1.0", catalog_version=3),  # type: ignore[arg-type]
    ]


def all_commands() -> list[c.Command]:
    base: dict[str, object] = {"register_id": REG, "issued_at": T0}
    return [
        c.CatalogReload(command_id=uid(200), min_version=3, **base),  # type: ignore[arg-type]
        c.ReportX(command_id=uid(201), **base),  # type: ignore[arg-type]
        c.DeviceTestPrint(command_id=uid(202), device_id="printer-1", text="Проверка", **base),  # type: ignore[arg-type]
        c.ConfigUpdate(command_id=uid(203), settings={"heartbeat_seconds": 30, "fiscal": True}, **base),  # type: ignore[arg-type]
        c.UpgradeHint(command_id=uid(204), version="0.2.0", **base),  # type: ignore[arg-type]
    ]


def all_messages() -> dict[str, msgspec.Struct]:
    events = all_events()
    messages: dict[str, msgspec.Struct] = {
        "event_batch": env.EventBatch(
            org_id=ORG, location_id=LOC, register_id=REG, first_seq=1, last_seq=len(events), sent_at=T0, events=events
        ),
        "ack": env.Ack(register_id=REG, committed_seq=13, acked_at=T0),
        "ack_with_gap": env.Ack(register_id=REG, committed_seq=4, gap=env.Gap(from_seq=5, to_seq=9), acked_at=T0),
        "status_online": env.RegisterStatus(
            register_id=REG,
            state="online",
            version="0.1.0",
            outbox_backlog=3,
            oldest_unacked_at=T0,
            catalog_version=3,
            devices=[e.DeviceHealth(device_id="fiscal-1", kind="fiscal", online=True)],
            at=T0,
        ),
        "status_offline": env.RegisterStatus(register_id=REG, state="offline"),
        "command_result": c.CommandResult(
            command_id=uid(201), register_id=REG, status="done", data={"shift_number": 7}, finished_at=T0
        ),
        "rpc_request": c.RpcRequest(
            correlation_id=uid(300), method="loyalty.lookup", params={"phone": "+79990000000"}, sent_at=T0
        ),
        "rpc_response": c.RpcResponse(correlation_id=uid(300), ok=True, result={"points": 120}),
        "catalog": demo_catalog(
            version=3, staff_pin_hashes={"cashier": "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"}
        ),
    }
    for command in all_commands():
        messages[f"command_{type(command).__struct_config__.tag}".replace(".", "_")] = command
    return messages
