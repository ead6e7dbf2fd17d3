"""Catalog tables: VAT rates, categories, products, modifier groups and options, ingredients and
recipes, per-location prices and stop-lists, menus with validity dates, and the versioned snapshots
published to each location's registers.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.base import Base

_ORG_FK = "organizations.id"


class VatRate(Base):
    __tablename__ = "vat_rates"
    __table_args__ = (sa.UniqueConstraint("org_id", "code", name="uq_vat_rates_org_code"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    org_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey(_ORG_FK, ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(sa.String(32))
    name: Mapped[str] = mapped_column(sa.String(200))
    percent: Mapped[Decimal] = mapped_column(sa.Numeric(6, 2))


class Category(Base):
    __tablename__ = "categories"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    org_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey(_ORG_FK, ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("categories.id", ondelete="SET NULL"))
    sort: Mapped[int] = mapped_column(sa.Integer, default=0)
    color: Mapped[str] = mapped_column(sa.String(32), default="")


class Product(Base):
    """A product with its chain-wide default price (kopecks); locations may override the price."""

    __tablename__ = "products"
    __table_args__ = (sa.UniqueConstraint("org_id", "sku", name="uq_products_org_sku"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    org_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey(_ORG_FK, ondelete="CASCADE"), index=True)
    category_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("categories.id", ondelete="SET NULL"))
    sku: Mapped[str] = mapped_column(sa.String(200))
    barcode: Mapped[str | None] = mapped_column(sa.String(200), nullable=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    price: Mapped[int] = mapped_column(sa.BigInteger)
    vat_rate: Mapped[str] = mapped_column(sa.String(32), default="none")
    measurement_unit: Mapped[str] = mapped_column(sa.String(32), default="piece")
    payment_object: Mapped[str] = mapped_column(sa.String(32), default="commodity")
    active: Mapped[bool] = mapped_column(default=True)
    kitchen: Mapped[bool] = mapped_column(default=True)
    sort: Mapped[int] = mapped_column(sa.Integer, default=0)
    description: Mapped[str] = mapped_column(sa.Text, default="")


class ModifierGroup(Base):
    __tablename__ = "modifier_groups"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    org_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey(_ORG_FK, ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(16), default="single")
    min_select: Mapped[int] = mapped_column(sa.Integer, default=0)
    max_select: Mapped[int] = mapped_column(sa.Integer, default=1)


class ModifierOption(Base):
    __tablename__ = "modifier_options"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    group_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("modifier_groups.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    price_delta: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    is_default: Mapped[bool] = mapped_column(default=False)
    sort: Mapped[int] = mapped_column(sa.Integer, default=0)


class ProductModifierGroup(Base):
    __tablename__ = "product_modifier_groups"

    product_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"), primary_key=True)
    group_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("modifier_groups.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(sa.Integer, default=0)


class Ingredient(Base):
    __tablename__ = "ingredients"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    org_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey(_ORG_FK, ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    unit: Mapped[str] = mapped_column(sa.String(32))
    cost_price: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # kopecks per unit


class Recipe(Base):
    """What one unit of a product consumes; at most one recipe per product."""

    __tablename__ = "recipes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    org_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey(_ORG_FK, ondelete="CASCADE"), index=True)
    product_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"), unique=True)


class RecipeItem(Base):
    __tablename__ = "recipe_items"

    recipe_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("recipes.id", ondelete="CASCADE"), primary_key=True)
    ingredient_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("ingredients.id", ondelete="CASCADE"), primary_key=True
    )
    quantity: Mapped[Decimal] = mapped_column(sa.Numeric(12, 3))
    unit: Mapped[str] = mapped_column(sa.String(32))


class LocationPrice(Base):
    """A location's own price for a product (kopecks), overriding the product's default."""

    __tablename__ = "location_prices"

    location_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("locations.id", ondelete="CASCADE"), primary_key=True)
    product_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"), primary_key=True)
    price: Mapped[int] = mapped_column(sa.BigInteger)


class StopListEntry(Base):
    """A product a location cannot sell right now (out of stock)."""

    __tablename__ = "stop_list"

    location_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("locations.id", ondelete="CASCADE"), primary_key=True)
    product_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime]


class Menu(Base):
    """A named selection of products valid in ``[valid_from, valid_to)``, for one location or (no
    location) the whole chain; the highest priority valid menu is a location's active menu."""

    __tablename__ = "menus"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    org_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey(_ORG_FK, ondelete="CASCADE"), index=True)
    location_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("locations.id", ondelete="CASCADE"), nullable=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    valid_from: Mapped[datetime]
    valid_to: Mapped[datetime | None] = mapped_column(nullable=True)
    priority: Mapped[int] = mapped_column(sa.Integer, default=0)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]


class MenuProduct(Base):
    __tablename__ = "menu_products"

    menu_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("menus.id", ondelete="CASCADE"), primary_key=True)
    product_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"), primary_key=True)


class CatalogSnapshotRecord(Base):
    """A published snapshot: exactly the bytes sent retained on the location's catalog topic."""

    __tablename__ = "catalog_snapshots"
    __table_args__ = (sa.UniqueConstraint("location_id", "version", name="uq_catalog_snapshots_location_version"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    org_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey(_ORG_FK, ondelete="CASCADE"), index=True)
    location_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("locations.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(sa.Integer)
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    payload: Mapped[bytes] = mapped_column(sa.LargeBinary)
    created_at: Mapped[datetime]
    published_at: Mapped[datetime | None] = mapped_column(nullable=True)
