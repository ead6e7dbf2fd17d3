"""``/api/v1/catalog``: the serving catalog and product search (by name/SKU fragment or exact barcode)."""

from __future__ import annotations

import uuid
from pathlib import Path

from litestar import Controller, get, post
from litestar.params import FromQuery

from edge.domain.auth.services import TECHNICIANS, require
from edge.domain.catalog.schemas import CatalogOut, ProductOut, catalog_out, product_out
from edge.domain.catalog.services import load_file, search_products
from edge.domain.deps import CurrentActor, Rt
from edge.domain.envelope import Data, Page, PageMeta
from edge.problems import Problem


class CatalogController(Controller):
    path = "/catalog"
    tags = ("catalog",)

    @get("/", operation_id="getCatalog")
    async def get_catalog(self, rt: Rt, actor: CurrentActor) -> Data[CatalogOut]:
        """Version, hash, categories and products with their modifier groups."""
        return Data(catalog_out(rt.catalog.current, rt.settings.app.currency))

    @get("/products", operation_id="searchProducts")
    async def products(
        self,
        rt: Rt,
        actor: CurrentActor,
        search: FromQuery[str | None] = None,
        barcode: FromQuery[str | None] = None,
        limit: FromQuery[int] = 50,
    ) -> Page[ProductOut]:
        """Products whose name or SKU contains ``search``, or whose barcode is ``barcode``."""
        index = rt.catalog.current
        if index is None:
            return Page([], PageMeta(total=0, limit=limit, offset=0))
        ids = await search_products(rt, search, barcode, max(1, min(limit, 500)))
        found = [product_out(index, index.products[uuid.UUID(i)]) for i in ids if uuid.UUID(i) in index.products]
        return Page(found, PageMeta(total=len(found), limit=limit, offset=0))

    @post("/reload", operation_id="reloadCatalogFile")
    async def reload(self, rt: Rt, actor: CurrentActor) -> Data[CatalogOut]:
        """Re-read the local catalog file (``app.catalog_file``); technician only."""
        require(actor, TECHNICIANS, "reloading the catalog")
        path = rt.settings.app.catalog_file
        if not path:
            raise Problem(409, "no_catalog_file", "No catalog file configured", "Set app.catalog_file")
        ok, reason = await load_file(rt, Path(path))
        if not ok:
            raise Problem(422, "catalog_rejected", "Catalog refused", reason)
        return Data(catalog_out(rt.catalog.current, rt.settings.app.currency))
