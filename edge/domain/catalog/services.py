"""Applying catalog snapshots atomically (hash verified, only newer versions) and reading the cache.

A rejected snapshot changes nothing: the last good version keeps serving. Staff from the snapshot replace
the catalog-sourced staff rows in the same transaction, so PINs and prices always come from one version.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import structlog
from sqlalchemy import delete, insert, select

from edge.db import models as m
from edge.db.outbox import append_event, header
from edge.db.sql import Tx
from edge.domain.runtime import Runtime
from protocols.catalog import CatalogSnapshot, verify_content_hash
from protocols.codec import DecodeError, decode_catalog, encode
from protocols.events import RegisterStatusChanged
from protocols.ids import utcnow

log = structlog.get_logger("edge.catalog")


def _check(rt: Runtime, snapshot: CatalogSnapshot) -> str | None:
    if not verify_content_hash(snapshot):
        return "content hash does not match the snapshot"
    current = rt.catalog.version
    if current is not None and snapshot.version <= current:
        if snapshot.version == current and snapshot.content_hash == rt.catalog.content_hash:
            return None
        return f"version {snapshot.version} is not newer than {current}"
    if snapshot.currency != rt.settings.app.currency:
        return f"currency {snapshot.currency} differs from the register's {rt.settings.app.currency}"
    return None


async def _write_tables(conn: Tx, snapshot: CatalogSnapshot) -> None:
    for table in (
        m.recipe_ingredients,
        m.recipes,
        m.product_modifier_groups,
        m.modifier_options,
        m.modifier_groups,
        m.products,
        m.categories,
        m.vat_rates,
    ):
        await conn.execute(delete(table))
    stop = set(snapshot.stop_list)
    if snapshot.vat_rates:
        await conn.execute(
            insert(m.vat_rates),
            [{"code": v.code, "name": v.name, "percent": str(v.percent)} for v in snapshot.vat_rates],
        )
    if snapshot.categories:
        await conn.execute(
            insert(m.categories),
            [
                {
                    "id": str(c.id),
                    "name": c.name,
                    "parent_id": str(c.parent_id) if c.parent_id else None,
                    "sort": c.sort,
                    "color": c.color,
                }
                for c in snapshot.categories
            ],
        )
    if snapshot.modifier_groups:
        await conn.execute(
            insert(m.modifier_groups),
            [
                {
                    "id": str(g.id),
                    "name": g.name,
                    "kind": g.kind,
                    "min_select": g.min_select,
                    "max_select": g.max_select,
                }
                for g in snapshot.modifier_groups
            ],
        )
        options = [
            {
                "id": str(o.id),
                "group_id": str(g.id),
                "name": o.name,
                "price_delta": o.price_delta,
                "is_default": o.is_default,
                "sort": o.sort,
            }
            for g in snapshot.modifier_groups
            for o in g.options
        ]
        if options:
            await conn.execute(insert(m.modifier_options), options)
    if snapshot.products:
        await conn.execute(
            insert(m.products),
            [
                {
                    "id": str(p.id),
                    "category_id": str(p.category_id) if p.category_id else None,
                    "sku": p.sku,
                    "barcode": p.barcode,
                    "name": p.name,
                    "price": p.price,
                    "vat_rate": p.vat_rate,
                    "measurement_unit": p.measurement_unit,
                    "payment_object": p.payment_object,
                    "active": p.active,
                    "stop_listed": p.id in stop,
                    "kitchen": p.kitchen,
                    "sort": p.sort,
                    "description": p.description,
                }
                for p in snapshot.products
            ],
        )
        links = [
            {"product_id": str(p.id), "group_id": str(gid), "position": i}
            for p in snapshot.products
            for i, gid in enumerate(p.modifier_group_ids)
        ]
        if links:
            await conn.execute(insert(m.product_modifier_groups), links)
    for r in snapshot.recipes:
        await conn.execute(insert(m.recipes).values(id=str(r.id), product_id=str(r.product_id)))
        if r.ingredients:
            await conn.execute(
                insert(m.recipe_ingredients),
                [
                    {
                        "recipe_id": str(r.id),
                        "ingredient_id": str(i.ingredient_id),
                        "name": i.name,
                        "quantity": str(i.quantity),
                        "unit": i.unit,
                    }
                    for i in r.ingredients
                ],
            )
    await conn.execute(delete(m.staff).where(m.staff.c.source == "catalog"))
    if snapshot.staff:
        await conn.execute(
            insert(m.staff),
            [
                {"id": str(s.id), "name": s.name, "role": s.role, "pin_hash": s.pin_hash, "source": "catalog"}
                for s in snapshot.staff
            ],
        )


async def _set_state(conn: Tx, key: str, value: str) -> None:
    await conn.execute(delete(m.sync_state).where(m.sync_state.c.key == key))
    await conn.execute(insert(m.sync_state).values(key=key, value=value))


async def apply_snapshot(rt: Runtime, snapshot: CatalogSnapshot, source: str = "hub") -> tuple[bool, str]:
    """Apply ``snapshot`` in one transaction; ``(False, reason)`` and no change when it is refused."""
    reason = _check(rt, snapshot)
    if reason is not None:
        log.warning("catalog_rejected", version=snapshot.version, source=source, reason=reason)
        return False, reason
    if snapshot.version == rt.catalog.version:
        return True, "already serving this version"
    async with rt.db.begin() as conn:
        await _write_tables(conn, snapshot)
        await conn.execute(delete(m.catalog_snapshots).where(m.catalog_snapshots.c.version < snapshot.version))
        await conn.execute(
            insert(m.catalog_snapshots).values(
                version=snapshot.version,
                content_hash=snapshot.content_hash,
                applied_at=utcnow(),
                source=source,
                payload=encode(snapshot),
            )
        )
        await _set_state(conn, "catalog_version", str(snapshot.version))
        await _set_state(conn, "catalog_hash", snapshot.content_hash)
        append_event(
            conn,
            RegisterStatusChanged(
                **header(), state="catalog_applied", version=rt.version, catalog_version=snapshot.version, detail=source
            ),
        )
    rt.catalog.replace(snapshot)
    log.info("catalog_applied", version=snapshot.version, source=source, products=len(snapshot.products))
    await rt.notify_sync()
    return True, "applied"


async def load_last_good(rt: Runtime) -> None:
    """Serve the newest applied snapshot from the database (start-up)."""
    async with rt.db.read() as conn:
        row = (
            await conn.execute(
                select(m.catalog_snapshots.c.payload).order_by(m.catalog_snapshots.c.version.desc()).limit(1)
            )
        ).first()
    if row is not None:
        rt.catalog.replace(decode_catalog(row.payload))


async def load_file(rt: Runtime, path: Path) -> tuple[bool, str]:
    try:
        snapshot = decode_catalog(await asyncio.to_thread(path.read_bytes))
    except (OSError, DecodeError) as exc:
        log.error("catalog_file_unreadable", path=str(path), error=str(exc))
        return False, str(exc)
    return await apply_snapshot(rt, snapshot, source="file")


async def search_products(rt: Runtime, search: str | None, barcode: str | None, limit: int = 50) -> list[str]:
    """Product ids matching a barcode exactly or a name/SKU fragment (case-insensitive for ASCII and Cyrillic)."""
    query = select(m.products.c.id, m.products.c.name, m.products.c.sku).order_by(m.products.c.sort, m.products.c.name)
    if barcode:
        query = query.where(m.products.c.barcode == barcode)
    if search:
        # SQLite's LOWER() folds ASCII only, so Cyrillic names are matched in Python below
        needle = search.strip().casefold()
        async with rt.db.read() as conn:
            rows = (await conn.execute(query)).all()
        return [r.id for r in rows if needle in r.name.casefold() or needle in r.sku.casefold()][:limit]
    async with rt.db.read() as conn:
        rows = (await conn.execute(query.limit(limit))).all()
    return [r.id for r in rows]
