"""Product, recipe, modifier group and modifier option endpoints."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, delete, get, patch, post, put
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.models import catalog as m
from hub.domain.auth.deps import authenticated
from hub.domain.auth.security import Principal
from hub.domain.catalog import schemas as s
from hub.domain.catalog import services
from hub.domain.catalog._common import get_owned
from hub.domain.catalog._routes_common import changed as _changed
from hub.domain.catalog._routes_common import write as _write
from hub.listing import ListParams


class ProductController(Controller):
    path = "/api/v1/catalog/products"
    tags = ["catalog"]
    guards = [authenticated]

    @get("/", operation_id="listProducts")
    async def list_(
        self,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        params: NamedDependency[ListParams],
        category: Annotated[uuid.UUID | None, QueryParameter(name="category")] = None,
        active: FromQuery[bool | None] = None,
    ) -> s.ProductPage:
        """Products of the organization."""
        return await services.list_products(session, principal, params, category, active)

    @get("/{row_id:uuid}", operation_id="getProduct")
    async def get_one(
        self, session: NamedDependency[AsyncSession], principal: NamedDependency[Principal], row_id: FromPath[uuid.UUID]
    ) -> s.ProductOut:
        """One product."""
        row = await get_owned(session, m.Product, principal.org_id, row_id, "product")
        return await services.product_view(session, row)

    @post("/", operation_id="createProduct", guards=_write, status_code=HTTP_201_CREATED)
    async def create(
        self,
        state: State,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        data: JSONBody[s.ProductIn],
    ) -> s.ProductOut:
        """Add a product with its default price and modifier groups."""
        row = await services.create_product(session, principal, data)
        out = await services.product_view(session, row)
        await _changed(state, session, principal)
        return out

    @patch("/{row_id:uuid}", operation_id="patchProduct", guards=_write)
    async def update(
        self,
        state: State,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        row_id: FromPath[uuid.UUID],
        data: JSONBody[s.ProductPatch],
    ) -> s.ProductOut:
        """Change a product."""
        row = await services.patch_product(session, principal, row_id, data)
        out = await services.product_view(session, row)
        await _changed(state, session, principal)
        return out

    @delete("/{row_id:uuid}", operation_id="deleteProduct", guards=_write, status_code=HTTP_204_NO_CONTENT)
    async def remove(
        self,
        state: State,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        row_id: FromPath[uuid.UUID],
    ) -> None:
        """Remove a product."""
        await session.delete(await get_owned(session, m.Product, principal.org_id, row_id, "product"))
        await _changed(state, session, principal)

    @get("/{row_id:uuid}/recipe", operation_id="getRecipe")
    async def get_recipe(
        self, session: NamedDependency[AsyncSession], principal: NamedDependency[Principal], row_id: FromPath[uuid.UUID]
    ) -> s.RecipeOut:
        """The product's recipe (empty when it has none)."""
        return await services.recipe_view(session, principal, row_id)

    @put("/{row_id:uuid}/recipe", operation_id="putRecipe", guards=_write)
    async def put_recipe(
        self,
        state: State,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        row_id: FromPath[uuid.UUID],
        data: JSONBody[s.RecipeIn],
    ) -> s.RecipeOut:
        """Replace the product's recipe."""
        await services.put_recipe(session, principal, row_id, data)
        out = await services.recipe_view(session, principal, row_id)
        await _changed(state, session, principal)
        return out

    @delete("/{row_id:uuid}/recipe", operation_id="deleteRecipe", guards=_write, status_code=HTTP_204_NO_CONTENT)
    async def delete_recipe(
        self,
        state: State,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        row_id: FromPath[uuid.UUID],
    ) -> None:
        """Remove the product's recipe."""
        await services.delete_recipe(session, principal, row_id)
        await _changed(state, session, principal)


class ModifierController(Controller):
    path = "/api/v1/catalog"
    tags = ["catalog"]
    guards = [authenticated]

    @get("/modifier-groups", operation_id="listModifierGroups")
    async def list_(
        self,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        params: NamedDependency[ListParams],
    ) -> s.ModifierGroupPage:
        """Modifier groups with their options."""
        return await services.list_groups(session, principal, params)

    @get("/modifier-groups/{row_id:uuid}", operation_id="getModifierGroup")
    async def get_one(
        self, session: NamedDependency[AsyncSession], principal: NamedDependency[Principal], row_id: FromPath[uuid.UUID]
    ) -> s.ModifierGroupOut:
        """One modifier group with its options."""
        row = await get_owned(session, m.ModifierGroup, principal.org_id, row_id, "modifier group")
        return await services.group_view(session, row)

    @post("/modifier-groups", operation_id="createModifierGroup", guards=_write, status_code=HTTP_201_CREATED)
    async def create(
        self,
        state: State,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        data: JSONBody[s.ModifierGroupIn],
    ) -> s.ModifierGroupOut:
        """Add a modifier group, optionally with its options."""
        row = await services.create_group(session, principal, data)
        out = await services.group_view(session, row)
        await _changed(state, session, principal)
        return out

    @patch("/modifier-groups/{row_id:uuid}", operation_id="patchModifierGroup", guards=_write)
    async def update(
        self,
        state: State,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        row_id: FromPath[uuid.UUID],
        data: JSONBody[s.ModifierGroupPatch],
    ) -> s.ModifierGroupOut:
        """Change a modifier group."""
        row = await services.patch_group(session, principal, row_id, data)
        out = await services.group_view(session, row)
        await _changed(state, session, principal)
        return out

    @delete(
        "/modifier-groups/{row_id:uuid}",
        operation_id="deleteModifierGroup",
        guards=_write,
        status_code=HTTP_204_NO_CONTENT,
    )
    async def remove(
        self,
        state: State,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        row_id: FromPath[uuid.UUID],
    ) -> None:
        """Remove a modifier group and its options."""
        await session.delete(await get_owned(session, m.ModifierGroup, principal.org_id, row_id, "modifier group"))
        await _changed(state, session, principal)

    @post(
        "/modifier-groups/{row_id:uuid}/options",
        operation_id="createModifierOption",
        guards=_write,
        status_code=HTTP_201_CREATED,
    )
    async def add_option(
        self,
        state: State,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        row_id: FromPath[uuid.UUID],
        data: JSONBody[s.ModifierOptionIn],
    ) -> s.ModifierOptionOut:
        """Add an option to a group."""
        row = await services.add_option(session, principal, row_id, data)
        await _changed(state, session, principal)
        return services.option_out(row)

    @patch("/modifier-options/{option_id:uuid}", operation_id="patchModifierOption", guards=_write)
    async def update_option(
        self,
        state: State,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        option_id: FromPath[uuid.UUID],
        data: JSONBody[s.ModifierOptionPatch],
    ) -> s.ModifierOptionOut:
        """Change an option."""
        row = await services.get_option(session, principal, option_id)
        for name in data.__struct_fields__:
            value = getattr(data, name)
            if value is not None:
                setattr(row, name, value)
        await _changed(state, session, principal)
        return services.option_out(row)

    @delete(
        "/modifier-options/{option_id:uuid}",
        operation_id="deleteModifierOption",
        guards=_write,
        status_code=HTTP_204_NO_CONTENT,
    )
    async def remove_option(
        self,
        state: State,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        option_id: FromPath[uuid.UUID],
    ) -> None:
        """Remove an option."""
        await session.delete(await services.get_option(session, principal, option_id))
        await _changed(state, session, principal)
