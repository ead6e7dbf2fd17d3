"""Money: integer minor units, exact arithmetic, largest-remainder allocation, floats refused."""

from __future__ import annotations

from decimal import Decimal

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocols.money import Money, MoneyError, allocate, allocate_minor, multiply_minor, parse_quantity

pytestmark = pytest.mark.unit

weights_st = st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=40).filter(lambda w: sum(w) > 0)


@given(total=st.integers(min_value=-(10**12), max_value=10**12), weights=weights_st)
def test_allocation_sums_exactly(total: int, weights: list[int]) -> None:
    assert sum(allocate_minor(total, weights)) == total


@given(total=st.integers(min_value=0, max_value=10**12), weights=weights_st)
def test_allocation_never_negative_for_non_negative_input(total: int, weights: list[int]) -> None:
    assert all(part >= 0 for part in allocate_minor(total, weights))


@given(total=st.integers(min_value=-(10**12), max_value=10**12), weights=weights_st)
def test_allocation_is_deterministic(total: int, weights: list[int]) -> None:
    assert allocate_minor(total, weights) == allocate_minor(total, list(weights))


@given(total=st.integers(min_value=0, max_value=10**9), weights=weights_st)
def test_allocation_parts_stay_within_one_unit_of_the_exact_share(total: int, weights: list[int]) -> None:
    parts = allocate_minor(total, weights)
    weight_sum = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        exact = Decimal(total) * weight / weight_sum
        assert abs(Decimal(part) - exact) < 1


@given(total=st.integers(min_value=-(10**9), max_value=10**9), weights=weights_st)
def test_negative_totals_mirror_positive_ones(total: int, weights: list[int]) -> None:
    assert allocate_minor(-total, weights) == [-p for p in allocate_minor(total, weights)]


def test_largest_remainder_gives_leftover_kopecks_to_largest_fractions_then_earliest() -> None:
    assert allocate_minor(100, [1, 1, 1]) == [34, 33, 33]
    assert allocate_minor(10, [3, 3, 4]) == [3, 3, 4]
    assert allocate_minor(7, [1, 2]) == [2, 5]


def test_zero_weights_and_negative_weights_are_refused() -> None:
    with pytest.raises(MoneyError):
        allocate_minor(100, [0, 0])
    with pytest.raises(MoneyError):
        allocate_minor(100, [1, -1])
    with pytest.raises(MoneyError):
        allocate_minor(100, [])


def test_money_allocate_keeps_currency() -> None:
    parts = allocate(Money(amount=1000, currency="EUR"), [1, 2])
    assert parts == [Money(amount=333, currency="EUR"), Money(amount=667, currency="EUR")]


@pytest.mark.parametrize("bad", [1.5, 1.0, True, "100", Decimal("1")])
def test_floats_and_non_integers_are_refused_as_amounts(bad: object) -> None:
    with pytest.raises(MoneyError):
        Money(amount=bad)  # type: ignore[arg-type]


def test_float_amount_is_refused_on_the_wire() -> None:
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(b'{"amount": 10.5, "currency": "RUB"}', type=Money)


def test_add_and_subtract_need_the_same_currency() -> None:
    assert Money(amount=150) + Money(amount=250) == Money(amount=400)
    assert Money(amount=150) - Money(amount=250) == Money(amount=-100)
    with pytest.raises(MoneyError):
        _ = Money(amount=1, currency="RUB") + Money(amount=1, currency="EUR")


@pytest.mark.parametrize(
    ("price", "quantity", "expected"),
    [
        (12345, "0.250", 3086),  # 3086.25 → 3086
        (12346, "0.250", 3087),  # 3086.5 → half up
        (18000, "0.125", 2250),
        (250, 3, 750),
        (-12346, "0.250", -3087),  # half away from zero for refunds
        (99, "1.001", 99),
    ],
)
def test_multiply_by_fractional_quantity_rounds_half_up(price: int, quantity: object, expected: int) -> None:
    assert multiply_minor(price, quantity) == expected
    assert Money(amount=price).times(quantity) == Money(amount=expected)


@pytest.mark.parametrize("bad", [0.25, "0.2501", "-1", "abc", "NaN", True])
def test_bad_quantities_are_refused(bad: object) -> None:
    with pytest.raises(MoneyError):
        parse_quantity(bad)


def test_str_shows_major_units() -> None:
    assert str(Money(amount=-12305)) == "-123.05 RUB"
