"""Pure pricing: catalog validation of lines, discounts allocated to lines, VAT per line and per rate.

Prices include VAT; a line's VAT is ``amount × rate / (100 + rate)`` rounded half up, and the discount is
split over lines by largest remainder so the lines always sum exactly to the total.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from edge.domain.catalog.cache import CatalogIndex
from edge.problems import invalid
from protocols.events import LineModifier
from protocols.money import MoneyError, allocate_minor, multiply_minor, parse_quantity

WEIGHT_UNITS = frozenset({"kilogram", "gram", "liter", "milliliter"})


@dataclass(frozen=True, slots=True)
class LineRequest:
    product_id: uuid.UUID
    quantity: str
    modifiers: Sequence[uuid.UUID] = ()
    comment: str = ""


@dataclass(slots=True)
class PricedLine:
    product_id: uuid.UUID
    sku: str
    name: str
    quantity: Decimal
    unit_price: int
    gross: int
    vat_rate: str
    measurement_unit: str
    payment_object: str
    kitchen: bool
    modifiers: list[LineModifier] = field(default_factory=list)
    comment: str = ""
    discount: int = 0
    amount: int = 0
    vat_amount: int = 0


@dataclass(frozen=True, slots=True)
class Discount:
    kind: Literal["percent", "amount"]
    value: int


@dataclass(frozen=True, slots=True)
class Totals:
    subtotal: int
    discount: int
    total: int
    vat: dict[str, int]


def _quantity(raw: str, unit: str, position: int) -> Decimal:
    try:
        qty = parse_quantity(raw)
    except MoneyError as exc:
        raise invalid("bad_quantity", "Bad quantity", f"line {position}: {exc}") from exc
    if qty <= 0:
        raise invalid("bad_quantity", "Bad quantity", f"line {position}: quantity must be above zero")
    if unit not in WEIGHT_UNITS and qty != qty.to_integral_value():
        raise invalid("bad_quantity", "Bad quantity", f"line {position}: a {unit} product is sold in whole units")
    if qty > 10000:
        raise invalid("bad_quantity", "Bad quantity", f"line {position}: quantity {qty} is implausible")
    return qty


def _modifiers(
    index: CatalogIndex, product_groups: Sequence[uuid.UUID], chosen: Sequence[uuid.UUID], position: int, name: str
) -> list[LineModifier]:
    if len(set(chosen)) != len(chosen):
        raise invalid("modifier_rules", "Modifier chosen twice", f"line {position} ({name}): an option appears twice")
    by_group: dict[uuid.UUID, list[uuid.UUID]] = {}
    for option_id in chosen:
        found = index.options.get(option_id)
        if found is None:
            raise invalid(
                "unknown_modifier", "Unknown modifier", f"line {position} ({name}): option {option_id} does not exist"
            )
        group, _ = found
        if group.id not in product_groups:
            raise invalid(
                "modifier_rules",
                "Modifier does not belong to the product",
                f"line {position} ({name}): {group.name} is not offered",
            )
        by_group.setdefault(group.id, []).append(option_id)
    result: list[LineModifier] = []
    for group_id in product_groups:
        maybe_group = index.groups.get(group_id)
        if maybe_group is None:
            continue
        group = maybe_group
        picked = by_group.get(group_id, [])
        if not picked and group.min_select > 0:
            # a required group with a default option takes it, as the menu board shows it
            picked = [o.id for o in group.options if o.is_default][: group.min_select]
        if len(picked) < group.min_select:
            raise invalid(
                "modifier_rules",
                "Required modifier missing",
                f"line {position} ({name}): choose {group.min_select} in {group.name}",
            )
        if len(picked) > group.max_select or (group.kind == "single" and len(picked) > 1):
            raise invalid(
                "modifier_rules",
                "Too many modifiers",
                f"line {position} ({name}): at most {group.max_select} in {group.name}",
            )
        for option_id in picked:
            _, option = index.options[option_id]
            result.append(
                LineModifier(option_id=option.id, group_id=group.id, name=option.name, price_delta=option.price_delta)
            )
    return result


def price_lines(index: CatalogIndex | None, requests: Sequence[LineRequest]) -> list[PricedLine]:
    """Validate every line against the catalog and price it (before discounts)."""
    if index is None:
        raise invalid("no_catalog", "No catalog", "The register has no catalog yet")
    lines: list[PricedLine] = []
    for position, req in enumerate(requests, start=1):
        product = index.products.get(req.product_id)
        if product is None:
            raise invalid(
                "unknown_product", "Unknown product", f"line {position}: product {req.product_id} is not in the catalog"
            )
        if not product.active:
            raise invalid("inactive_product", "Product not on sale", f"line {position}: {product.name} is not active")
        if product.id in index.stop_list:
            raise invalid("stop_listed", "Product is on the stop list", f"line {position}: {product.name} is sold out")
        qty = _quantity(req.quantity, product.measurement_unit, position)
        mods = _modifiers(index, product.modifier_group_ids, list(req.modifiers), position, product.name)
        unit_price = product.price + sum(mod.price_delta for mod in mods)
        if unit_price < 0:
            raise invalid("modifier_rules", "Negative price", f"line {position}: modifiers take the price below zero")
        lines.append(
            PricedLine(
                product_id=product.id,
                sku=product.sku,
                name=product.name,
                quantity=qty,
                unit_price=unit_price,
                gross=multiply_minor(unit_price, qty),
                vat_rate=product.vat_rate,
                measurement_unit=product.measurement_unit,
                payment_object=product.payment_object,
                kitchen=product.kitchen,
                modifiers=mods,
                comment=req.comment,
            )
        )
    return lines


def discount_amount(discount: Discount | None, base: int) -> int:
    if discount is None or base <= 0:
        return 0
    if discount.kind == "percent":
        return int((Decimal(base) * Decimal(discount.value) / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return min(discount.value, base)


def vat_of(amount: int, percent: Decimal) -> int:
    if percent == 0:
        return 0
    return int((Decimal(amount) * percent / (100 + percent)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def apply_totals(
    lines: Sequence[PricedLine], discounts: Sequence[Discount | None], vat_percent: Callable[[str], Decimal]
) -> Totals:
    """Allocate the combined discount over ``lines`` (in place) and compute VAT; returns the order totals."""
    subtotal = sum(line.gross for line in lines)
    discount = min(subtotal, sum(discount_amount(d, subtotal) for d in discounts))
    shares = allocate_minor(discount, [line.gross for line in lines]) if discount and subtotal else [0] * len(lines)
    vat: dict[str, int] = {}
    for line, share in zip(lines, shares, strict=True):
        line.discount = share
        line.amount = line.gross - share
        line.vat_amount = vat_of(line.amount, vat_percent(line.vat_rate))
        vat[line.vat_rate] = vat.get(line.vat_rate, 0) + line.vat_amount
    return Totals(subtotal=subtotal, discount=discount, total=subtotal - discount, vat=vat)


def refund_line_amount(
    amount: int, quantity: Decimal, refunded_qty: Decimal, refunded_amount: int, take: Decimal
) -> int:
    """The part of a line's amount for ``take`` units; the last units take whatever is left, so refunds sum exactly."""
    if refunded_qty + take >= quantity:
        return amount - refunded_amount
    # rounding the running total (not each part) keeps every part non-negative and the sum exact
    cumulative = int((Decimal(amount) * (refunded_qty + take) / quantity).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return max(0, cumulative - refunded_amount)
