"""Pricing arithmetic without the app: discounts allocated so lines always sum to the total, VAT per line."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.domain.orders.pricing import Discount, PricedLine, apply_totals, refund_line_amount, vat_of

pytestmark = pytest.mark.unit
RATES = {"vat22": Decimal(22), "vat10": Decimal(10), "none": Decimal(0)}


def _line(gross: int, rate: str) -> PricedLine:
    return PricedLine(
        product_id=uuid.uuid4(),
        sku="X",
        name="x",
        quantity=Decimal(1),
        unit_price=gross,
        gross=gross,
        vat_rate=rate,
        measurement_unit="piece",
        payment_object="commodity",
        kitchen=False,
    )


def test_vat_is_included_in_the_price_and_rounded_half_up() -> None:
    assert vat_of(12200, Decimal(22)) == 2200
    assert vat_of(16000, Decimal(10)) == 1455  # 1454.545…
    assert vat_of(100, Decimal(0)) == 0


@given(
    grosses=st.lists(st.integers(min_value=0, max_value=10_000_000), min_size=1, max_size=20),
    rates=st.lists(st.sampled_from(sorted(RATES)), min_size=20, max_size=20),
    percent=st.integers(min_value=0, max_value=100),
    amount=st.integers(min_value=0, max_value=50_000_000),
)
def test_lines_always_sum_to_the_total(grosses: list[int], rates: list[str], percent: int, amount: int) -> None:
    lines = [_line(g, rates[i]) for i, g in enumerate(grosses)]
    totals = apply_totals(lines, [Discount("percent", percent), Discount("amount", amount)], RATES.__getitem__)
    assert sum(line.amount for line in lines) == totals.total
    assert totals.total == totals.subtotal - totals.discount and 0 <= totals.discount <= totals.subtotal
    assert all(line.amount >= 0 and line.discount <= line.gross for line in lines)
    assert sum(totals.vat.values()) == sum(line.vat_amount for line in lines)


@given(
    quantity=st.integers(min_value=1, max_value=50),
    amount=st.integers(min_value=0, max_value=10_000_000),
    data=st.data(),
)
def test_refunding_a_line_piece_by_piece_returns_exactly_its_amount(
    quantity: int, amount: int, data: st.DataObject
) -> None:
    refunded_qty, refunded = Decimal(0), 0
    while refunded_qty < quantity:
        take = Decimal(data.draw(st.integers(min_value=1, max_value=int(quantity - refunded_qty))))
        part = refund_line_amount(amount, Decimal(quantity), refunded_qty, refunded, take)
        assert part >= 0
        refunded += part
        refunded_qty += take
    assert refunded == amount
