"""Catalog endpoints (VAT rates, categories, ingredients here; the rest in private modules) under ``/api/v1/catalog`` and ``/api/v1/locations/{id}/…`` (prices, stop-list,
current snapshot). Reads need any signed-in user; changes need owner, admin or manager, and every
change republishes the affected locations' snapshots.
"""

from __future__ import annotations

import uuid

from litestar import Controller, delete, get, patch, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.models import catalog as m
from hub.domain.auth.deps import authenticated
from hub.domain.auth.security import Principal
from hub.domain.catalog import schemas as s
from hub.domain.catalog import services
from hub.domain.catalog._common import get_owned
from hub.domain.catalog._location_routes import CatalogVersionController, LocationCatalogController
from hub.domain.catalog._product_routes import ModifierController, ProductController
from hub.domain.catalog._routes_common import changed as _changed
from hub.domain.catalog._routes_common import write as _write
from hub.listing import ListParams


class VatRateController(Controller):
    path = "/api/v1/catalog/vat-rates"
    tags = ["catalog"]
    guards = [authenticated]

    @get("/", operation_id="listVatRates")
    async def list_(
        self,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        params: NamedDependency[ListParams],
    ) -> s.VatRatePage:
        """VAT rates of the organization."""
        return await services.list_vat_rates(session, principal, params)

    @post("/", operation_id="createVatRate", guards=_write, status_code=HTTP_201_CREATED)
    async def create(
        self,
        state: State,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        data: JSONBody[s.VatRateIn],
    ) -> s.VatRateOut:
        """Add a VAT rate (code as the fiscal registrar spells it)."""
        row = await services.create_vat_rate(session, principal, data)
        await _changed(state, session, principal)
        return services.vat_out(row)

    @patch("/{row_id:uuid}", operation_id="patchVatRate", guards=_write)
    async def update(
        self,
        state: State,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        row_id: FromPath[uuid.UUID],
        data: JSONBody[s.VatRatePatch],
    ) -> s.VatRateOut:
        """Change a VAT rate."""
        row = await services.patch_vat_rate(session, principal, row_id, data)
        await _changed(state, session, principal)
        return services.vat_out(row)

    @delete("/{row_id:uuid}", operation_id="deleteVatRate", guards=_write, status_code=HTTP_204_NO_CONTENT)
    async def remove(
        self,
        state: State,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        row_id: FromPath[uuid.UUID],
    ) -> None:
        """Remove a VAT rate."""
        await session.delete(await get_owned(session, m.VatRate, principal.org_id, row_id, "VAT rate"))
        await _changed(state, session, principal)


class CategoryController(Controller):
    path = "/api/v1/catalog/categories"
    tags = ["catalog"]
    guards = [authenticated]

    @get("/", operation_id="listCategories")
    async def list_(
        self,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        params: NamedDependency[ListParams],
    ) -> s.CategoryPage:
        """Categories of the organization."""
        return await services.list_categories(session, principal, params)

    @get("/{row_id:uuid}", operation_id="getCategory")
    async def get_one(
        self, session: NamedDependency[AsyncSession], principal: NamedDependency[Principal], row_id: FromPath[uuid.UUID]
    ) -> s.CategoryOut:
        """One category."""
        return services.category_out(await get_owned(session, m.Category, principal.org_id, row_id, "category"))

    @post("/", operation_id="createCategory", guards=_write, status_code=HTTP_201_CREATED)
    async def create(
        self,
        state: State,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        data: JSONBody[s.CategoryIn],
    ) -> s.CategoryOut:
        """Add a category."""
        row = await services.create_category(session, principal, data)
        await _changed(state, session, principal)
        return services.category_out(row)

    @patch("/{row_id:uuid}", operation_id="patchCategory", guards=_write)
    async def update(
        self,
        state: State,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        row_id: FromPath[uuid.UUID],
        data: JSONBody[s.CategoryPatch],
    ) -> s.CategoryOut:
        """Change a category."""
        row = await services.patch_category(session, principal, row_id, data)
        await _changed(state, session, principal)
        return services.category_out(row)

    @delete("/{row_id:uuid}", operation_id="deleteCategory", guards=_write, status_code=HTTP_204_NO_CONTENT)
    async def remove(
        self,
        state: State,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        row_id: FromPath[uuid.UUID],
    ) -> None:
        """Remove a category (its products stay, without a category)."""
        await session.delete(await get_owned(session, m.Category, principal.org_id, row_id, "category"))
        await _changed(state, session, principal)


class IngredientController(Controller):
    path = "/api/v1/catalog/ingredients"
    tags = ["catalog"]
    guards = [authenticated]

    @get("/", operation_id="listIngredients")
    async def list_(
        self,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        params: NamedDependency[ListParams],
    ) -> s.IngredientPage:
        """Ingredients of the organization."""
        return await services.list_ingredients(session, principal, params)

    @post("/", operation_id="createIngredient", guards=_write, status_code=HTTP_201_CREATED)
    async def create(
        self,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        data: JSONBody[s.IngredientIn],
    ) -> s.IngredientOut:
        """Add an ingredient."""
        row = await services.create_ingredient(session, principal, data)
        await session.commit()
        return services.ingredient_out(row)

    @patch("/{row_id:uuid}", operation_id="patchIngredient", guards=_write)
    async def update(
        self,
        state: State,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        row_id: FromPath[uuid.UUID],
        data: JSONBody[s.IngredientPatch],
    ) -> s.IngredientOut:
        """Change an ingredient (its name travels in recipes)."""
        row = await get_owned(session, m.Ingredient, principal.org_id, row_id, "ingredient")
        for name in data.__struct_fields__:
            value = getattr(data, name)
            if value is not None:
                setattr(row, name, value)
        await _changed(state, session, principal)
        return services.ingredient_out(row)

    @delete("/{row_id:uuid}", operation_id="deleteIngredient", guards=_write, status_code=HTTP_204_NO_CONTENT)
    async def remove(
        self,
        state: State,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        row_id: FromPath[uuid.UUID],
    ) -> None:
        """Remove an ingredient (and it from every recipe)."""
        await session.delete(await get_owned(session, m.Ingredient, principal.org_id, row_id, "ingredient"))
        await _changed(state, session, principal)


catalog_controllers = [
    VatRateController,
    CategoryController,
    ProductController,
    ModifierController,
    IngredientController,
    LocationCatalogController,
    CatalogVersionController,
]
