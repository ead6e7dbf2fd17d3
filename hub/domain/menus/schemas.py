"""Bodies of the menu endpoints."""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec

from hub.domain.auth.schemas import Name
from hub.listing import PageMeta
from protocols.ids import UtcDateTime


class MenuIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name
    valid_from: UtcDateTime
    valid_to: UtcDateTime | None = None
    location_id: uuid.UUID | None = None
    priority: int = 0
    active: bool = True
    product_ids: list[uuid.UUID] = msgspec.field(default_factory=list)


class MenuPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name | None = None
    valid_from: UtcDateTime | None = None
    valid_to: UtcDateTime | None = None
    clear_valid_to: bool = False
    priority: int | None = None
    active: bool | None = None
    product_ids: list[uuid.UUID] | None = None


class MenuOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    name: str
    location_id: uuid.UUID | None
    valid_from: datetime
    valid_to: datetime | None
    priority: int
    active: bool
    product_ids: list[uuid.UUID]


class MenuPage(msgspec.Struct, kw_only=True):
    data: list[MenuOut]
    meta: PageMeta


class MenuOption(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    name: str
    price_delta: int
    is_default: bool


class MenuModifierGroup(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    name: str
    kind: str
    min_select: int
    max_select: int
    options: list[MenuOption]


class MenuProduct(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    name: str
    sku: str
    price: int
    vat_rate: str
    available: bool
    description: str
    modifier_groups: list[MenuModifierGroup]


class MenuCategory(msgspec.Struct, kw_only=True):
    id: uuid.UUID | None
    name: str
    products: list[MenuProduct]


class ActiveMenu(msgspec.Struct, kw_only=True):
    location_id: uuid.UUID
    currency: str
    menu: MenuOut | None
    categories: list[MenuCategory]
