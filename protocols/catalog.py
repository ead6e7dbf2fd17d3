"""The location catalog snapshot the hub publishes retained on ``yago/v1/{org}/{loc}/catalog``.

Prices are the location's own. ``content_hash`` is the SHA-256 of the canonical encoding of everything
except version, hash and generation time, so a register can tell a real change from a republish.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Literal

import msgspec

from protocols._base import SCHEMA_VERSION, LongText, NonNegativeKopecks, ShortText, WireStruct, check_quantity
from protocols.ids import UtcDateTime

Role = Literal["owner", "admin", "manager", "cashier", "kitchen", "waiter", "chef", "technician"]


class VatRateDef(WireStruct, frozen=True, kw_only=True):
    code: ShortText  # as the fiscal registrar spells it: vat22, vat10, none…
    name: ShortText
    percent: Decimal


class Category(WireStruct, frozen=True, kw_only=True):
    id: uuid.UUID
    name: ShortText
    parent_id: uuid.UUID | None = None
    sort: int = 0
    color: ShortText = ""


class ModifierOption(WireStruct, frozen=True, kw_only=True):
    id: uuid.UUID
    name: ShortText
    price_delta: int = 0  # kopecks, may be negative (e.g. no milk)
    is_default: bool = False
    sort: int = 0


class ModifierGroup(WireStruct, frozen=True, kw_only=True):
    id: uuid.UUID
    name: ShortText
    kind: Literal["single", "multi"] = "single"
    min_select: int = 0
    max_select: int = 1
    options: list[ModifierOption] = msgspec.field(default_factory=list)

    def __post_init__(self) -> None:
        if self.min_select < 0 or self.max_select < max(self.min_select, 1):
            raise ValueError(f"modifier group {self.name!r}: need 0 ≤ min ≤ max and max ≥ 1")
        if self.kind == "single" and self.max_select != 1:
            raise ValueError(f"modifier group {self.name!r}: a single-choice group has max 1")


class Product(WireStruct, frozen=True, kw_only=True):
    id: uuid.UUID
    category_id: uuid.UUID | None = None
    sku: ShortText
    barcode: ShortText | None = None
    name: ShortText
    price: NonNegativeKopecks
    vat_rate: ShortText = "none"
    measurement_unit: ShortText = "piece"
    payment_object: ShortText = "commodity"
    active: bool = True
    modifier_group_ids: list[uuid.UUID] = msgspec.field(default_factory=list)
    kitchen: bool = True  # appears on the kitchen display and ticket
    sort: int = 0
    description: LongText = ""


class RecipeIngredient(WireStruct, frozen=True, kw_only=True):
    ingredient_id: uuid.UUID
    name: ShortText
    quantity: Decimal
    unit: ShortText  # gram, milliliter, piece

    def __post_init__(self) -> None:
        check_quantity(self.quantity)


class Recipe(WireStruct, frozen=True, kw_only=True):
    id: uuid.UUID
    product_id: uuid.UUID
    ingredients: list[RecipeIngredient] = msgspec.field(default_factory=list)


class StaffMember(WireStruct, frozen=True, kw_only=True):
    """A person who may open a session on the location's registers; the PIN travels only as an argon2 hash."""

    id: uuid.UUID
    name: ShortText
    role: Role
    pin_hash: str


class CatalogSnapshot(WireStruct, frozen=True, kw_only=True):
    schema: int = SCHEMA_VERSION
    org_id: uuid.UUID
    location_id: uuid.UUID
    version: int
    content_hash: str = ""
    generated_at: UtcDateTime
    currency: str = "RUB"
    vat_rates: list[VatRateDef] = msgspec.field(default_factory=list)
    categories: list[Category] = msgspec.field(default_factory=list)
    products: list[Product] = msgspec.field(default_factory=list)
    modifier_groups: list[ModifierGroup] = msgspec.field(default_factory=list)
    recipes: list[Recipe] = msgspec.field(default_factory=list)
    stop_list: list[uuid.UUID] = msgspec.field(default_factory=list)
    staff: list[StaffMember] = msgspec.field(default_factory=list)
    menu_name: LongText = ""


_hash_encoder = msgspec.json.Encoder(order="deterministic")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def compute_content_hash(snapshot: CatalogSnapshot) -> str:
    """SHA-256 (hex) of the canonical content: the snapshot without version, hash and generation time."""
    content = msgspec.structs.replace(snapshot, version=0, content_hash="", generated_at=_EPOCH)
    return hashlib.sha256(_hash_encoder.encode(content)).hexdigest()


def with_content_hash(snapshot: CatalogSnapshot) -> CatalogSnapshot:
    return msgspec.structs.replace(snapshot, content_hash=compute_content_hash(snapshot))


def verify_content_hash(snapshot: CatalogSnapshot) -> bool:
    return snapshot.content_hash == compute_content_hash(snapshot)
