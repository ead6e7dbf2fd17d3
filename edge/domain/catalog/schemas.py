"""Catalog API bodies: products carry their modifier groups inline, as the register UI needs them."""

from __future__ import annotations

import uuid
from decimal import Decimal

import msgspec

from edge.domain.catalog.cache import CatalogIndex
from protocols.catalog import Category, ModifierGroup, Product


class VatRateOut(msgspec.Struct, kw_only=True):
    code: str
    name: str
    percent: Decimal


class ProductOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    category_id: uuid.UUID | None
    sku: str
    barcode: str | None
    name: str
    price: int
    vat_rate: str
    measurement_unit: str
    payment_object: str
    active: bool
    stop_listed: bool
    available: bool
    kitchen: bool
    sort: int
    description: str
    modifier_groups: list[ModifierGroup]


class CatalogOut(msgspec.Struct, kw_only=True):
    version: int | None
    content_hash: str | None
    currency: str
    menu_name: str
    vat_rates: list[VatRateOut]
    categories: list[Category]
    products: list[ProductOut]


def product_out(index: CatalogIndex, product: Product) -> ProductOut:
    stop = product.id in index.stop_list
    return ProductOut(
        id=product.id,
        category_id=product.category_id,
        sku=product.sku,
        barcode=product.barcode,
        name=product.name,
        price=product.price,
        vat_rate=product.vat_rate,
        measurement_unit=product.measurement_unit,
        payment_object=product.payment_object,
        active=product.active,
        stop_listed=stop,
        available=product.active and not stop,
        kitchen=product.kitchen,
        sort=product.sort,
        description=product.description,
        modifier_groups=[index.groups[g] for g in product.modifier_group_ids if g in index.groups],
    )


def catalog_out(index: CatalogIndex | None, currency: str) -> CatalogOut:
    if index is None:
        return CatalogOut(
            version=None, content_hash=None, currency=currency, menu_name="", vat_rates=[], categories=[], products=[]
        )
    snap = index.snapshot
    return CatalogOut(
        version=snap.version,
        content_hash=snap.content_hash,
        currency=snap.currency,
        menu_name=snap.menu_name,
        vat_rates=[VatRateOut(code=v.code, name=v.name, percent=v.percent) for v in snap.vat_rates],
        categories=sorted(snap.categories, key=lambda c: (c.sort, c.name)),
        products=[product_out(index, p) for p in sorted(snap.products, key=lambda p: (p.sort, p.name))],
    )
