"""The in-memory index of the catalog currently serving (swapped only after its transaction committed)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from protocols.catalog import CatalogSnapshot, ModifierGroup, ModifierOption, Product


@dataclass(frozen=True)
class CatalogIndex:
    snapshot: CatalogSnapshot
    products: dict[uuid.UUID, Product] = field(default_factory=dict)
    groups: dict[uuid.UUID, ModifierGroup] = field(default_factory=dict)
    options: dict[uuid.UUID, tuple[ModifierGroup, ModifierOption]] = field(default_factory=dict)
    stop_list: frozenset[uuid.UUID] = frozenset()
    vat_percent: dict[str, Decimal] = field(default_factory=dict)

    @classmethod
    def build(cls, snapshot: CatalogSnapshot) -> CatalogIndex:
        groups = {g.id: g for g in snapshot.modifier_groups}
        return cls(
            snapshot=snapshot,
            products={p.id: p for p in snapshot.products},
            groups=groups,
            options={o.id: (g, o) for g in snapshot.modifier_groups for o in g.options},
            stop_list=frozenset(snapshot.stop_list),
            vat_percent={v.code: v.percent for v in snapshot.vat_rates},
        )


_BUILTIN_VAT = {"none": Decimal(0), "vat0": Decimal(0), "vat5": Decimal(5), "vat7": Decimal(7)}
_BUILTIN_VAT |= {"vat10": Decimal(10), "vat20": Decimal(20), "vat22": Decimal(22)}


class CatalogCache:
    """Holds the serving :class:`CatalogIndex`; ``None`` until a first snapshot is applied."""

    def __init__(self) -> None:
        self.current: CatalogIndex | None = None

    def replace(self, snapshot: CatalogSnapshot) -> None:
        self.current = CatalogIndex.build(snapshot)

    @property
    def version(self) -> int | None:
        return self.current.snapshot.version if self.current else None

    @property
    def content_hash(self) -> str | None:
        return self.current.snapshot.content_hash if self.current else None

    def vat_percent(self, code: str) -> Decimal:
        if self.current and code in self.current.vat_percent:
            return self.current.vat_percent[code]
        return _BUILTIN_VAT.get(code, Decimal(0))
