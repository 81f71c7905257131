"""WOD reads, all scoped to what the actor may see: public WODs and their own."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Select,
    Text,
    and_,
    bindparam,
    case,
    exists,
    false,
    func,
    literal_column,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from atelier.db import on_postgres
from atelier.wods.models import Movement, Visibility, Wod, WodVersion


@dataclass
class WodQuery:
    movements: list[str] = field(default_factory=list)
    match: Literal["all", "any"] = "all"
    equipment: set[str] | None = None
    categories: list[str] = field(default_factory=list)
    modalities: list[str] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)
    duration_min: int | None = None
    duration_max: int | None = None
    difficulty_min: int | None = None
    difficulty_max: int | None = None
    text: str | None = None
    owner: Literal["any", "mine", "public"] = "any"
    limit: int = 20
    offset: int = 0


def readable(actor_id: uuid.UUID | None) -> ColumnElement[bool]:
    """The rows an actor may read: every public WOD, and their own."""
    # A literal, not a bound parameter: with "$1" PostgreSQL's generic plan does not know that
    # 'public' is nearly every row and mixes in a useless index scan (bench/wod_search.py).
    public = Wod.visibility == literal_column(f"'{Visibility.public.value}'")
    return or_(public, Wod.owner_id == actor_id) if actor_id else public


def _text_array(values: list[str] | set[str]) -> Any:
    return bindparam(None, sorted(values), type_=ARRAY(Text()))


def _sqlite_has(column: Any, value: str) -> ColumnElement[bool]:
    each = func.json_each(column).table_valued("value")
    # The JSON text must contain the quoted value before json_each is worth running: a plain
    # substring test halves a selective search over 100k WODs (bench/wod_search.py). Catalog ids
    # and tags have no quotes or escapes, so the test never rejects a real match.
    quoted = json.dumps(value)
    return and_(
        func.instr(column, quoted) > 0,
        exists(select(1).select_from(each).where(each.c.value == value)),
    )


def _contains_all(column: Any, values: list[str], postgres: bool) -> ColumnElement[bool]:
    if postgres:
        return column.op("@>")(_text_array(values))
    return and_(*(_sqlite_has(column, v) for v in values))


def _contains_any(column: Any, values: list[str], postgres: bool) -> ColumnElement[bool]:
    if postgres:
        return column.op("&&")(_text_array(values))
    return or_(*(_sqlite_has(column, v) for v in values))


def _within(column: Any, allowed: set[str], postgres: bool) -> ColumnElement[bool]:
    """Every element of the array is among ``allowed`` (an empty array always is)."""
    if postgres:
        return column.op("<@")(_text_array(allowed))
    each = func.json_each(column).table_valued("value")
    outside = exists(select(1).select_from(each).where(each.c.value.not_in(sorted(allowed))))
    return ~outside


def search_statement(actor_id: uuid.UUID | None, query: WodQuery, *, postgres: bool) -> Select[Any]:
    conditions: list[ColumnElement[bool]] = [readable(actor_id)]
    if query.owner == "mine":
        conditions.append(Wod.owner_id == actor_id if actor_id else false())
    elif query.owner == "public":
        conditions.append(Wod.visibility == Visibility.public)
    if query.movements:
        combine = _contains_all if query.match == "all" else _contains_any
        conditions.append(combine(Wod.movements, query.movements, postgres))
    if query.equipment is not None:
        conditions.append(_within(Wod.equipment, query.equipment, postgres))
    if query.categories:
        conditions.append(_contains_any(Wod.categories, query.categories, postgres))
    if query.modalities:
        conditions.append(_contains_any(Wod.modalities, query.modalities, postgres))
    if query.formats:
        conditions.append(Wod.format.in_(query.formats))
    if query.duration_min is not None:
        conditions.append(Wod.duration_seconds >= query.duration_min)
    if query.duration_max is not None:
        conditions.append(Wod.duration_seconds <= query.duration_max)
    if query.difficulty_min is not None:
        conditions.append(Wod.difficulty >= query.difficulty_min)
    if query.difficulty_max is not None:
        conditions.append(Wod.difficulty <= query.difficulty_max)
    if query.text:
        pattern = "%" + query.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        if postgres:
            conditions.append(Wod.title.ilike(pattern, escape="\\"))
        else:
            conditions.append(func.casefold(Wod.title).like(pattern.casefold(), escape="\\"))
    return select(Wod).where(and_(true(), *conditions))


COUNT_CAP = 1000
"""Search totals are exact up to this many matches; beyond it the page says "1000+"."""


@dataclass
class SearchPage:
    items: list[Wod]
    total: int
    total_capped: bool


FORCE_CUSTOM_PLAN = text("SET LOCAL plan_cache_mode = force_custom_plan")


async def search(
    session: AsyncSession, actor_id: uuid.UUID | None, query: WodQuery, *, with_source: bool = False
) -> SearchPage:
    """One page of matches in title order, and how many match (exact up to ``COUNT_CAP``).

    Counting every match of a broad query over 100k WODs costs more than the page itself
    (bench/wod_search.py), and nobody pages to the 1001st result: past the cap the total is
    reported as a lower bound. The page loads summary columns only, never the compiled document.
    """
    postgres = on_postgres(session)
    if postgres:
        # asyncpg prepares every statement; after five runs PostgreSQL may switch to a generic plan
        # that ignores the values (an array filter matching 25 % of rows or 0.1 % gets the same
        # plan). Searches vary too much for that; planning each costs well under a millisecond.
        # Only this transaction: the app's small fixed statements keep their cached plans.
        await session.execute(FORCE_CUSTOM_PLAN)
    statement = search_statement(actor_id, query, postgres=postgres)
    bounded = statement.with_only_columns(Wod.id).limit(COUNT_CAP + 1).subquery()
    counted = int(await session.scalar(select(func.count()).select_from(bounded)) or 0)
    deferred = [Wod.compiled] if with_source else [Wod.compiled, Wod.source]
    page = await session.scalars(
        statement.options(*(defer(column, raiseload=True) for column in deferred))
        .order_by(Wod.title, Wod.id)
        .limit(query.limit)
        .offset(query.offset)
    )
    return SearchPage(list(page.all()), min(counted, COUNT_CAP), counted > COUNT_CAP)


async def get_readable(session: AsyncSession, actor_id: uuid.UUID | None, wod_id: uuid.UUID) -> Wod | None:
    return await session.scalar(select(Wod).where(Wod.id == wod_id, readable(actor_id)))


async def version_of(session: AsyncSession, wod: Wod, version: int) -> WodVersion | None:
    return await session.scalar(
        select(WodVersion).where(WodVersion.wod_id == wod.id, WodVersion.version == version)
    )


async def versions_of(session: AsyncSession, wod: Wod) -> list[WodVersion]:
    rows = await session.scalars(
        select(WodVersion).where(WodVersion.wod_id == wod.id).order_by(WodVersion.version)
    )
    return list(rows.all())


async def readable_by_hash(session: AsyncSession, actor_id: uuid.UUID | None, source_hash: str) -> Wod | None:
    """A WOD the actor can see whose current version is this workout; their own first."""
    # CASE rather than ``(owner_id = me) DESC``: PostgreSQL sorts NULL first in a descending
    # order, which would put an ownerless library WOD before the actor's own copy.
    mine_first = case((Wod.owner_id == actor_id, 0), else_=1) if actor_id else Wod.created_at
    rows = await session.scalars(
        select(Wod)
        .where(Wod.source_hash == source_hash, readable(actor_id))
        .order_by(mine_first, Wod.created_at)
        .limit(1)
    )
    return rows.first()


async def by_library_path(session: AsyncSession, path: str) -> Wod | None:
    return await session.scalar(select(Wod).where(Wod.library_path == path))


async def movements(session: AsyncSession, ids: list[str] | None = None) -> list[Movement]:
    statement = select(Movement).order_by(Movement.name)
    if ids is not None:
        statement = statement.where(Movement.id.in_(ids))
    return list((await session.scalars(statement)).all())
