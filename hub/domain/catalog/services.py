"""Catalog services: VAT rates, categories, products with their modifier groups, modifier groups and
options, ingredients and recipes. Callers commit and republish through ``commit_and_publish``.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.models import catalog as m
from hub.domain.auth.security import Principal
from hub.domain.catalog import schemas as s
from hub.domain.catalog._common import apply_patch, get_owned
from hub.domain.catalog.snapshots import canonical
from hub.listing import ListParams, fetch_page
from hub.problems import BadRequest, NotFound
from protocols.ids import uuid7

# VAT rates


def vat_out(row: m.VatRate) -> s.VatRateOut:
    return s.VatRateOut(id=row.id, code=row.code, name=row.name, percent=canonical(row.percent))


async def list_vat_rates(session: AsyncSession, p: Principal, params: ListParams) -> s.VatRatePage:
    stmt = sa.select(m.VatRate).where(m.VatRate.org_id == p.org_id)
    sortable = {"code": m.VatRate.code, "name": m.VatRate.name, "percent": m.VatRate.percent}
    rows, meta = await fetch_page(session, stmt, params, sortable, ["code"], m.VatRate.id)
    return s.VatRatePage(data=[vat_out(r) for r in rows], meta=meta)


def _check_percent(value: Decimal | None) -> None:
    if value is not None and not Decimal(0) <= value <= Decimal(100):
        raise BadRequest("percent must be between 0 and 100")


async def create_vat_rate(session: AsyncSession, p: Principal, data: s.VatRateIn) -> m.VatRate:
    _check_percent(data.percent)
    row = m.VatRate(id=uuid7(), org_id=p.org_id, code=data.code, name=data.name, percent=data.percent)
    session.add(row)
    await session.flush()
    return row


async def patch_vat_rate(session: AsyncSession, p: Principal, row_id: uuid.UUID, data: s.VatRatePatch) -> m.VatRate:
    row = await get_owned(session, m.VatRate, p.org_id, row_id, "VAT rate")
    _check_percent(data.percent)
    apply_patch(row, data)
    await session.flush()
    return row


# Categories


def category_out(row: m.Category) -> s.CategoryOut:
    return s.CategoryOut(id=row.id, name=row.name, parent_id=row.parent_id, sort=row.sort, color=row.color)


async def list_categories(session: AsyncSession, p: Principal, params: ListParams) -> s.CategoryPage:
    stmt = sa.select(m.Category).where(m.Category.org_id == p.org_id)
    sortable = {"name": m.Category.name, "sort": m.Category.sort}
    rows, meta = await fetch_page(session, stmt, params, sortable, ["sort", "name"], m.Category.id)
    return s.CategoryPage(data=[category_out(r) for r in rows], meta=meta)


async def create_category(session: AsyncSession, p: Principal, data: s.CategoryIn) -> m.Category:
    if data.parent_id is not None:
        await get_owned(session, m.Category, p.org_id, data.parent_id, "category")
    row = m.Category(
        id=uuid7(), org_id=p.org_id, name=data.name, parent_id=data.parent_id, sort=data.sort, color=data.color
    )
    session.add(row)
    await session.flush()
    return row


async def patch_category(session: AsyncSession, p: Principal, row_id: uuid.UUID, data: s.CategoryPatch) -> m.Category:
    row = await get_owned(session, m.Category, p.org_id, row_id, "category")
    if data.parent_id is not None:
        if data.parent_id == row.id:
            raise BadRequest("a category cannot be its own parent")
        await get_owned(session, m.Category, p.org_id, data.parent_id, "category")
    apply_patch(row, data)
    await session.flush()
    return row


# Products


async def _group_links(session: AsyncSession, product_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
    links: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    if product_ids:
        rows = await session.execute(
            sa.select(m.ProductModifierGroup.product_id, m.ProductModifierGroup.group_id)
            .where(m.ProductModifierGroup.product_id.in_(product_ids))
            .order_by(m.ProductModifierGroup.position)
        )
        for product_id, group_id in rows:
            links[product_id].append(group_id)
    return links


def product_out(row: m.Product, group_ids: list[uuid.UUID]) -> s.ProductOut:
    return s.ProductOut(
        id=row.id,
        sku=row.sku,
        name=row.name,
        price=row.price,
        category_id=row.category_id,
        barcode=row.barcode,
        vat_rate=row.vat_rate,
        measurement_unit=row.measurement_unit,
        payment_object=row.payment_object,
        active=row.active,
        kitchen=row.kitchen,
        sort=row.sort,
        description=row.description,
        modifier_group_ids=group_ids,
    )


async def product_view(session: AsyncSession, row: m.Product) -> s.ProductOut:
    return product_out(row, (await _group_links(session, [row.id])).get(row.id, []))


async def list_products(
    session: AsyncSession, p: Principal, params: ListParams, category: uuid.UUID | None, active: bool | None
) -> s.ProductPage:
    stmt = sa.select(m.Product).where(m.Product.org_id == p.org_id)
    if category is not None:
        stmt = stmt.where(m.Product.category_id == category)
    if active is not None:
        stmt = stmt.where(m.Product.active.is_(active))
    sortable = {"name": m.Product.name, "sku": m.Product.sku, "price": m.Product.price, "sort": m.Product.sort}
    rows, meta = await fetch_page(session, stmt, params, sortable, ["sort", "name"], m.Product.id)
    links = await _group_links(session, [r.id for r in rows])
    return s.ProductPage(data=[product_out(r, links.get(r.id, [])) for r in rows], meta=meta)


async def _set_groups(session: AsyncSession, p: Principal, product_id: uuid.UUID, group_ids: list[uuid.UUID]) -> None:
    if len(set(group_ids)) != len(group_ids):
        raise BadRequest("a modifier group is listed twice")
    for group_id in group_ids:
        await get_owned(session, m.ModifierGroup, p.org_id, group_id, "modifier group")
    await session.execute(sa.delete(m.ProductModifierGroup).where(m.ProductModifierGroup.product_id == product_id))
    for position, group_id in enumerate(group_ids):
        session.add(m.ProductModifierGroup(product_id=product_id, group_id=group_id, position=position))
    await session.flush()


async def create_product(session: AsyncSession, p: Principal, data: s.ProductIn) -> m.Product:
    if data.category_id is not None:
        await get_owned(session, m.Category, p.org_id, data.category_id, "category")
    row = m.Product(id=uuid7(), org_id=p.org_id)
    apply_patch(row, data, skip=("modifier_group_ids",))
    for name in ("active", "kitchen"):
        setattr(row, name, getattr(data, name))
    session.add(row)
    await session.flush()
    await _set_groups(session, p, row.id, data.modifier_group_ids)
    return row


async def patch_product(session: AsyncSession, p: Principal, row_id: uuid.UUID, data: s.ProductPatch) -> m.Product:
    row = await get_owned(session, m.Product, p.org_id, row_id, "product")
    if data.category_id is not None:
        await get_owned(session, m.Category, p.org_id, data.category_id, "category")
    apply_patch(row, data, skip=("modifier_group_ids",))
    await session.flush()
    if data.modifier_group_ids is not None:
        await _set_groups(session, p, row.id, data.modifier_group_ids)
    return row


# Modifier groups and options


def _check_group(kind: str, min_select: int, max_select: int) -> None:
    if max_select < max(min_select, 1):
        raise BadRequest("need 0 ≤ min_select ≤ max_select and max_select ≥ 1")
    if kind == "single" and max_select != 1:
        raise BadRequest("a single-choice group has max_select 1")


def option_out(row: m.ModifierOption) -> s.ModifierOptionOut:
    return s.ModifierOptionOut(
        id=row.id,
        group_id=row.group_id,
        name=row.name,
        price_delta=row.price_delta,
        is_default=row.is_default,
        sort=row.sort,
    )


async def group_view(session: AsyncSession, row: m.ModifierGroup) -> s.ModifierGroupOut:
    options = await session.scalars(
        sa.select(m.ModifierOption)
        .where(m.ModifierOption.group_id == row.id)
        .order_by(m.ModifierOption.sort, m.ModifierOption.id)
    )
    return s.ModifierGroupOut(
        id=row.id,
        name=row.name,
        kind=row.kind,
        min_select=row.min_select,
        max_select=row.max_select,
        options=[option_out(o) for o in options],
    )


async def list_groups(session: AsyncSession, p: Principal, params: ListParams) -> s.ModifierGroupPage:
    stmt = sa.select(m.ModifierGroup).where(m.ModifierGroup.org_id == p.org_id)
    rows, meta = await fetch_page(session, stmt, params, {"name": m.ModifierGroup.name}, ["name"], m.ModifierGroup.id)
    return s.ModifierGroupPage(data=[await group_view(session, r) for r in rows], meta=meta)


async def create_group(session: AsyncSession, p: Principal, data: s.ModifierGroupIn) -> m.ModifierGroup:
    _check_group(data.kind, data.min_select, data.max_select)
    row = m.ModifierGroup(
        id=uuid7(),
        org_id=p.org_id,
        name=data.name,
        kind=data.kind,
        min_select=data.min_select,
        max_select=data.max_select,
    )
    session.add(row)
    await session.flush()
    for option in data.options:
        session.add(m.ModifierOption(id=uuid7(), group_id=row.id, **_option_fields(option)))
    await session.flush()
    return row


def _option_fields(option: s.ModifierOptionIn) -> dict[str, object]:
    return {
        "name": option.name,
        "price_delta": option.price_delta,
        "is_default": option.is_default,
        "sort": option.sort,
    }


async def patch_group(
    session: AsyncSession, p: Principal, row_id: uuid.UUID, data: s.ModifierGroupPatch
) -> m.ModifierGroup:
    row = await get_owned(session, m.ModifierGroup, p.org_id, row_id, "modifier group")
    _check_group(
        data.kind or row.kind,
        row.min_select if data.min_select is None else data.min_select,
        row.max_select if data.max_select is None else data.max_select,
    )
    apply_patch(row, data)
    await session.flush()
    return row


async def add_option(
    session: AsyncSession, p: Principal, group_id: uuid.UUID, data: s.ModifierOptionIn
) -> m.ModifierOption:
    await get_owned(session, m.ModifierGroup, p.org_id, group_id, "modifier group")
    row = m.ModifierOption(id=uuid7(), group_id=group_id, **_option_fields(data))
    session.add(row)
    await session.flush()
    return row


async def get_option(session: AsyncSession, p: Principal, option_id: uuid.UUID) -> m.ModifierOption:
    row = await session.get(m.ModifierOption, option_id)
    if row is None:
        raise NotFound(f"no modifier option {option_id}")
    await get_owned(session, m.ModifierGroup, p.org_id, row.group_id, "modifier option")
    return row


# Ingredients and recipes


def ingredient_out(row: m.Ingredient) -> s.IngredientOut:
    return s.IngredientOut(id=row.id, name=row.name, unit=row.unit, cost_price=row.cost_price)


async def list_ingredients(session: AsyncSession, p: Principal, params: ListParams) -> s.IngredientPage:
    stmt = sa.select(m.Ingredient).where(m.Ingredient.org_id == p.org_id)
    sortable = {"name": m.Ingredient.name, "unit": m.Ingredient.unit, "cost_price": m.Ingredient.cost_price}
    rows, meta = await fetch_page(session, stmt, params, sortable, ["name"], m.Ingredient.id)
    return s.IngredientPage(data=[ingredient_out(r) for r in rows], meta=meta)


async def create_ingredient(session: AsyncSession, p: Principal, data: s.IngredientIn) -> m.Ingredient:
    row = m.Ingredient(id=uuid7(), org_id=p.org_id, name=data.name, unit=data.unit, cost_price=data.cost_price)
    session.add(row)
    await session.flush()
    return row


async def recipe_view(session: AsyncSession, p: Principal, product_id: uuid.UUID) -> s.RecipeOut:
    await get_owned(session, m.Product, p.org_id, product_id, "product")
    recipe = (await session.scalars(sa.select(m.Recipe).where(m.Recipe.product_id == product_id))).first()
    if recipe is None:
        return s.RecipeOut(id=product_id, product_id=product_id, ingredients=[])
    rows = await session.execute(
        sa.select(m.RecipeItem, m.Ingredient.name)
        .join(m.Ingredient, m.Ingredient.id == m.RecipeItem.ingredient_id)
        .where(m.RecipeItem.recipe_id == recipe.id)
        .order_by(m.Ingredient.name)
    )
    items = [
        s.RecipeItemOut(ingredient_id=item.ingredient_id, name=name, quantity=canonical(item.quantity), unit=item.unit)
        for item, name in rows
    ]
    return s.RecipeOut(id=recipe.id, product_id=product_id, ingredients=items)


async def put_recipe(session: AsyncSession, p: Principal, product_id: uuid.UUID, data: s.RecipeIn) -> None:
    await get_owned(session, m.Product, p.org_id, product_id, "product")
    ids = [i.ingredient_id for i in data.ingredients]
    if len(set(ids)) != len(ids):
        raise BadRequest("an ingredient is listed twice")
    for ingredient_id in ids:
        await get_owned(session, m.Ingredient, p.org_id, ingredient_id, "ingredient")
    for item in data.ingredients:
        if item.quantity <= 0 or item.quantity != item.quantity.quantize(Decimal("0.001")):
            raise BadRequest("quantities are positive with at most 3 decimal places")
    recipe = (await session.scalars(sa.select(m.Recipe).where(m.Recipe.product_id == product_id))).first()
    if recipe is None:
        recipe = m.Recipe(id=uuid7(), org_id=p.org_id, product_id=product_id)
        session.add(recipe)
        await session.flush()
    await session.execute(sa.delete(m.RecipeItem).where(m.RecipeItem.recipe_id == recipe.id))
    for item in data.ingredients:
        session.add(
            m.RecipeItem(recipe_id=recipe.id, ingredient_id=item.ingredient_id, quantity=item.quantity, unit=item.unit)
        )
    await session.flush()


async def delete_recipe(session: AsyncSession, p: Principal, product_id: uuid.UUID) -> None:
    await get_owned(session, m.Product, p.org_id, product_id, "product")
    await session.execute(sa.delete(m.Recipe).where(m.Recipe.product_id == product_id))
