"""Shared base and field types for wire messages: frozen, keyword-only msgspec Structs."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import msgspec

from protocols.money import MoneyError, parse_quantity

SCHEMA_VERSION = 1
"""Version of the v1 message family. New optional fields keep it; a breaking change is a new topic version."""

Kopecks = int
"""Integer minor units of the message's currency (a float never decodes into it)."""

NonNegativeKopecks = Annotated[int, msgspec.Meta(ge=0)]
Seq = Annotated[int, msgspec.Meta(ge=1)]
ShortText = Annotated[str, msgspec.Meta(max_length=200)]
LongText = Annotated[str, msgspec.Meta(max_length=2000)]


class WireStruct(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=False):
    """Base of every wire message: immutable, keyword-only, tolerant of unknown fields."""


def check_quantity(value: Decimal) -> Decimal:
    """Reuse Money's quantity rule (≤ 3 decimals, not negative) for decoded quantities."""
    try:
        return parse_quantity(value)
    except MoneyError as exc:
        raise ValueError(str(exc)) from exc
