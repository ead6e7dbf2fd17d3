"""Helpers shared by the catalog services: organization-scoped lookups and partial updates."""

from __future__ import annotations

import uuid
from typing import Protocol, TypeVar

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from hub.problems import NotFound


class OrgOwned(Protocol):
    id: uuid.UUID
    org_id: uuid.UUID


M = TypeVar("M", bound=OrgOwned)


async def get_owned(session: AsyncSession, model: type[M], org_id: uuid.UUID, row_id: uuid.UUID, what: str) -> M:
    """The row if it belongs to the organization; otherwise 404, exactly as for an unknown id."""
    row = await session.get(model, row_id)
    if row is None or row.org_id != org_id:
        raise NotFound(f"no {what} {row_id}")
    return row


def apply_patch(row: object, patch: msgspec.Struct, skip: tuple[str, ...] = ()) -> None:
    """Copy every field the patch sets (not None) onto the row."""
    for name in patch.__struct_fields__:
        value = getattr(patch, name)
        if value is not None and name not in skip:
            setattr(row, name, value)
