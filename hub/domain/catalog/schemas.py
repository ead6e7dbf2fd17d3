"""Bodies of the catalog endpoints; money is integer kopecks, quantities are decimals (≤ 3 places)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

import msgspec

from hub.domain.auth.schemas import Name
from hub.listing import PageMeta

Kopecks = Annotated[int, msgspec.Meta(ge=0)]
Code = Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
Short = Annotated[str, msgspec.Meta(max_length=200)]
Percent = Decimal
Quantity = Decimal


class VatRateIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    code: Code
    name: Name
    percent: Percent


class VatRatePatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name | None = None
    percent: Percent | None = None


class VatRateOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    code: str
    name: str
    percent: Decimal


class VatRatePage(msgspec.Struct, kw_only=True):
    data: list[VatRateOut]
    meta: PageMeta


class CategoryIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name
    parent_id: uuid.UUID | None = None
    sort: int = 0
    color: Short = ""


class CategoryPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name | None = None
    parent_id: uuid.UUID | None = None
    sort: int | None = None
    color: Short | None = None


class CategoryOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    name: str
    parent_id: uuid.UUID | None
    sort: int
    color: str


class CategoryPage(msgspec.Struct, kw_only=True):
    data: list[CategoryOut]
    meta: PageMeta


class ProductIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    sku: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    name: Name
    price: Kopecks
    category_id: uuid.UUID | None = None
    barcode: Short | None = None
    vat_rate: Code = "none"
    measurement_unit: Code = "piece"
    payment_object: Code = "commodity"
    active: bool = True
    kitchen: bool = True
    sort: int = 0
    description: str = ""
    modifier_group_ids: list[uuid.UUID] = msgspec.field(default_factory=list)


class ProductPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    sku: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None
    name: Name | None = None
    price: Kopecks | None = None
    category_id: uuid.UUID | None = None
    barcode: Short | None = None
    vat_rate: Code | None = None
    measurement_unit: Code | None = None
    payment_object: Code | None = None
    active: bool | None = None
    kitchen: bool | None = None
    sort: int | None = None
    description: str | None = None
    modifier_group_ids: list[uuid.UUID] | None = None


class ProductOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    sku: str
    name: str
    price: int
    category_id: uuid.UUID | None
    barcode: str | None
    vat_rate: str
    measurement_unit: str
    payment_object: str
    active: bool
    kitchen: bool
    sort: int
    description: str
    modifier_group_ids: list[uuid.UUID] = msgspec.field(default_factory=list)


class ProductPage(msgspec.Struct, kw_only=True):
    data: list[ProductOut]
    meta: PageMeta


class ModifierOptionIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name
    price_delta: int = 0
    is_default: bool = False
    sort: int = 0


class ModifierOptionPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name | None = None
    price_delta: int | None = None
    is_default: bool | None = None
    sort: int | None = None


class ModifierOptionOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    group_id: uuid.UUID
    name: str
    price_delta: int
    is_default: bool
    sort: int


class ModifierGroupIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name
    kind: Literal["single", "multi"] = "single"
    min_select: Annotated[int, msgspec.Meta(ge=0)] = 0
    max_select: Annotated[int, msgspec.Meta(ge=1)] = 1
    options: list[ModifierOptionIn] = msgspec.field(default_factory=list)


class ModifierGroupPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name | None = None
    kind: Literal["single", "multi"] | None = None
    min_select: Annotated[int, msgspec.Meta(ge=0)] | None = None
    max_select: Annotated[int, msgspec.Meta(ge=1)] | None = None


class ModifierGroupOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    name: str
    kind: str
    min_select: int
    max_select: int
    options: list[ModifierOptionOut] = msgspec.field(default_factory=list)


class ModifierGroupPage(msgspec.Struct, kw_only=True):
    data: list[ModifierGroupOut]
    meta: PageMeta


class IngredientIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name
    unit: Code
    cost_price: Kopecks = 0


class IngredientPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name | None = None
    unit: Code | None = None
    cost_price: Kopecks | None = None


class IngredientOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    name: str
    unit: str
    cost_price: int


class IngredientPage(msgspec.Struct, kw_only=True):
    data: list[IngredientOut]
    meta: PageMeta


class RecipeItemIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    ingredient_id: uuid.UUID
    quantity: Quantity
    unit: Code


class RecipeIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    ingredients: list[RecipeItemIn]


class RecipeItemOut(msgspec.Struct, kw_only=True):
    ingredient_id: uuid.UUID
    name: str
    quantity: Decimal
    unit: str


class RecipeOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    product_id: uuid.UUID
    ingredients: list[RecipeItemOut]


class PriceIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    price: Kopecks


class PriceOut(msgspec.Struct, kw_only=True):
    location_id: uuid.UUID
    product_id: uuid.UUID
    price: int


class PricePage(msgspec.Struct, kw_only=True):
    data: list[PriceOut]
    meta: PageMeta


class StopListItem(msgspec.Struct, kw_only=True):
    location_id: uuid.UUID
    product_id: uuid.UUID
    created_at: datetime


class StopListPage(msgspec.Struct, kw_only=True):
    data: list[StopListItem]
    meta: PageMeta


class RegisterVersion(msgspec.Struct, kw_only=True):
    register_id: uuid.UUID
    name: str
    reported_version: int | None
    lagging: bool


class LocationVersion(msgspec.Struct, kw_only=True):
    location_id: uuid.UUID
    name: str
    version: int
    content_hash: str
    registers: list[RegisterVersion]


class CatalogVersions(msgspec.Struct, kw_only=True):
    data: list[LocationVersion]
