"""Response bodies: ``{"data": …}`` for one thing, ``{"data": [...], "meta": {...}}`` for a page."""

from __future__ import annotations

from typing import Generic, TypeVar

import msgspec

T = TypeVar("T")


class Data(msgspec.Struct, Generic[T]):
    data: T


class PageMeta(msgspec.Struct, kw_only=True):
    total: int
    limit: int
    offset: int


class Page(msgspec.Struct, Generic[T]):
    data: list[T]
    meta: PageMeta
