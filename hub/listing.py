"""List endpoints' shared parameters (``?limit&offset&sort=field,-field``) and the page envelope
``{"data": [...], "meta": {"total", "limit", "offset"}}``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import msgspec
import sqlalchemy as sa
from litestar.params import QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import SQLColumnExpression

from hub.problems import BadRequest

T = TypeVar("T")
MAX_LIMIT = 500


class PageMeta(msgspec.Struct, kw_only=True):
    total: int
    limit: int
    offset: int


@dataclass(frozen=True, slots=True)
class ListParams:
    limit: int
    offset: int
    sort: tuple[str, ...]


async def provide_list_params(
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT, description="Page size")] = 50,
    offset: Annotated[int, QueryParameter(ge=0, description="Rows to skip")] = 0,
    sort: Annotated[
        str | None, QueryParameter(description="Comma-separated fields; a leading '-' sorts descending")
    ] = None,
) -> ListParams:
    fields = tuple(f.strip() for f in (sort or "").split(",") if f.strip())
    return ListParams(limit=limit, offset=offset, sort=fields)


def order_by(
    params: ListParams, sortable: Mapping[str, SQLColumnExpression[Any]], default: Sequence[str]
) -> list[SQLColumnExpression[Any]]:
    """ORDER BY clauses for the requested fields; an unknown field is a 400 naming the allowed ones."""
    clauses: list[SQLColumnExpression[Any]] = []
    for field in params.sort or tuple(default):
        name = field.removeprefix("-")
        column = sortable.get(name)
        if column is None:
            raise BadRequest(
                f"cannot sort by {name!r}; allowed: {', '.join(sorted(sortable))}",
                slug="invalid-sort",
                extra={"errors": [{"pointer": "#/sort", "detail": f"unknown field {name!r}"}]},
            )
        clauses.append(column.desc() if field.startswith("-") else column.asc())
    return clauses


async def fetch_page(
    session: AsyncSession,
    stmt: Select[T],
    params: ListParams,
    sortable: Mapping[str, SQLColumnExpression[Any]],
    default: Sequence[str],
    tiebreak: SQLColumnExpression[Any],
) -> tuple[list[T], PageMeta]:
    """One page of ``stmt`` (a single-entity select) and its meta."""
    total = await session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery()))
    ordered = stmt.order_by(*order_by(params, sortable, default), tiebreak).limit(params.limit).offset(params.offset)
    rows = list((await session.scalars(ordered)).all())
    return rows, PageMeta(total=int(total or 0), limit=params.limit, offset=params.offset)
