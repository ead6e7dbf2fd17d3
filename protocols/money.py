"""Money as integer minor units plus an ISO 4217 currency, and exact allocation.

Rounding rule for fractional quantities: ``price × quantity`` is computed exactly in decimal and rounded
half away from zero to whole minor units (ROUND_HALF_UP), the rule fiscal registrars apply to
``amount = price × quantity``. Quantities carry at most three decimals (grams of a kilogram, millilitres
of a litre). Floats are refused everywhere: they cannot represent kopecks exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Self

import msgspec

QUANTITY_PLACES = 3
_QUANT = Decimal(1).scaleb(-QUANTITY_PLACES)

CurrencyCode = Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{3}$")]


class MoneyError(ValueError):
    """Raised for arithmetic that would lose or invent money (floats, mixed currencies, bad weights)."""


def _require_int(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise MoneyError(f"{what} must be an integer number of minor units, got {type(value).__name__}")
    return value


def parse_quantity(value: object) -> Decimal:
    """A quantity from an int, a Decimal or a decimal string; at most three decimal places, not negative."""
    if isinstance(value, (bool, float)):
        raise MoneyError("quantity must be an int, a Decimal or a decimal string, never a float")
    if isinstance(value, int):
        qty = Decimal(value)
    elif isinstance(value, Decimal):
        qty = value
    elif isinstance(value, str):
        try:
            qty = Decimal(value)
        except ArithmeticError as exc:
            raise MoneyError(f"quantity {value!r} is not a decimal number") from exc
    else:
        raise MoneyError(f"quantity of type {type(value).__name__} is not supported")
    if not qty.is_finite():
        raise MoneyError("quantity must be finite")
    if qty < 0:
        raise MoneyError("quantity must not be negative")
    if qty != qty.quantize(_QUANT):
        raise MoneyError(f"quantity {qty} has more than {QUANTITY_PLACES} decimal places")
    return qty


def multiply_minor(amount: int, quantity: object) -> int:
    """``amount × quantity`` in minor units, rounded half away from zero."""
    _require_int(amount, "amount")
    exact = Decimal(amount) * parse_quantity(quantity)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def allocate_minor(total: int, weights: Sequence[int]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` by largest remainder; the parts sum exactly to total.

    Ties in remainders go to the earlier weight, so the result is deterministic. A negative total is
    allocated as the negation of its absolute value's allocation (refunds mirror sales).
    """
    _require_int(total, "total")
    if not weights:
        raise MoneyError("allocate needs at least one weight")
    for w in weights:
        _require_int(w, "weight")
        if w < 0:
            raise MoneyError("weights must not be negative")
    weight_sum = sum(weights)
    if weight_sum == 0:
        raise MoneyError("weights must not all be zero")
    sign = -1 if total < 0 else 1
    remaining = abs(total)
    parts = [remaining * w // weight_sum for w in weights]
    remainders = [remaining * w % weight_sum for w in weights]
    leftover = remaining - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[:leftover]:
        parts[i] += 1
    return [sign * p for p in parts]


class Money(msgspec.Struct, frozen=True, kw_only=True):
    """An amount in minor units (kopecks for RUB) of one currency."""

    amount: int
    currency: CurrencyCode = "RUB"

    def __post_init__(self) -> None:
        _require_int(self.amount, "amount")
        if not (isinstance(self.currency, str) and len(self.currency) == 3 and self.currency.isupper()):
            raise MoneyError(f"currency {self.currency!r} is not an ISO 4217 code")

    @classmethod
    def zero(cls, currency: str = "RUB") -> Self:
        return cls(amount=0, currency=currency)

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise MoneyError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise MoneyError(f"currency mismatch: {self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(amount=self.amount + other.amount, currency=self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(amount=self.amount - other.amount, currency=self.currency)

    def __neg__(self) -> Money:
        return Money(amount=-self.amount, currency=self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def times(self, quantity: object) -> Money:
        """Price × quantity with the module's rounding rule (quantity may be fractional)."""
        return Money(amount=multiply_minor(self.amount, quantity), currency=self.currency)

    def allocate(self, weights: Sequence[int]) -> list[Money]:
        """This amount split by weights so the parts sum exactly to it."""
        return [Money(amount=a, currency=self.currency) for a in allocate_minor(self.amount, weights)]

    @staticmethod
    def sum(items: Sequence[Money], currency: str = "RUB") -> Money:
        total = Money.zero(currency)
        for item in items:
            total = total + item
        return total

    def __str__(self) -> str:
        sign = "-" if self.amount < 0 else ""
        whole, minor = divmod(abs(self.amount), 100)
        return f"{sign}{whole}.{minor:02d} {self.currency}"


def allocate(total: Money, weights: Sequence[int]) -> list[Money]:
    """Module-level spelling of :meth:`Money.allocate`."""
    return total.allocate(weights)
