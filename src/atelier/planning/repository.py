"""Session reads, all scoped to the actor: their own sessions, and a linked athlete's while linked."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, exists, func, or_, select
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from atelier.accounts.models import CoachLink, LinkStatus
from atelier.planning.models import Session, SessionKind, Status


def visible_to(
    actor_id: uuid.UUID | ColumnElement[uuid.UUID], athlete_column: Any = Session.athlete_id
) -> ColumnElement[bool]:
    """The actor's own rows, or those of an athlete they coach right now."""
    coached = exists().where(
        CoachLink.coach_id == actor_id,
        CoachLink.athlete_id == athlete_column,
        CoachLink.status == LinkStatus.active,
    )
    return or_(athlete_column == actor_id, coached)


async def readable(
    session: AsyncSession, actor_id: uuid.UUID, session_id: uuid.UUID, *, for_update: bool = False
) -> Session | None:
    statement = select(Session).where(Session.id == session_id, visible_to(actor_id))
    if for_update:
        statement = statement.with_for_update(of=Session)
    return await session.scalar(statement.execution_options(populate_existing=True))


async def plans(
    session: AsyncSession, actor_id: uuid.UUID, athlete_id: uuid.UUID, *, limit: int, offset: int
) -> tuple[list[Session], int]:
    """Series and one-off sessions (never the occurrences), by date."""
    statement = select(Session).where(
        Session.athlete_id == athlete_id,
        Session.kind.in_([SessionKind.series, SessionKind.one_off]),
        visible_to(actor_id),
    )
    total = await session.scalar(select(func.count()).select_from(statement.subquery()))
    rows = await session.scalars(
        statement.order_by(Session.session_date, Session.session_time, Session.id).limit(limit).offset(offset)
    )
    return list(rows.all()), int(total or 0)


async def children(
    session: AsyncSession, series_id: uuid.UUID, *, from_date: date | None = None
) -> list[Session]:
    statement = select(Session).where(Session.parent_id == series_id)
    if from_date is not None:
        statement = statement.where(Session.occurrence_date >= from_date)
    rows = await session.scalars(
        statement.order_by(Session.occurrence_date).execution_options(populate_existing=True)
    )
    return list(rows.all())


async def child(
    session: AsyncSession, series_id: uuid.UUID, day: date, *, for_update: bool = False
) -> Session | None:
    statement = select(Session).where(Session.parent_id == series_id, Session.occurrence_date == day)
    if for_update:
        statement = statement.with_for_update(of=Session)
    return await session.scalar(statement.execution_options(populate_existing=True))


async def insert_child_once(session: AsyncSession, values: dict[str, Any]) -> None:
    """Insert an occurrence unless one exists for (series, date); concurrent callers make one row."""
    dialect = session.get_bind().dialect.name
    insert = postgres_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(Session)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[Session.parent_id, Session.occurrence_date])
    )
    await session.execute(statement)


async def finished(
    session: AsyncSession, actor_id: uuid.UUID, athlete_id: uuid.UUID, *, limit: int, offset: int
) -> tuple[list[Session], int]:
    """Completed one-off sessions and occurrences, newest first: every finished date on its own."""
    statement = select(Session).where(
        Session.athlete_id == athlete_id,
        Session.kind != SessionKind.series,
        Session.status == Status.completed,
        visible_to(actor_id),
    )
    total = await session.scalar(select(func.count()).select_from(statement.subquery()))
    rows = await session.scalars(
        statement.order_by(Session.session_date.desc(), Session.ended_at.desc(), Session.id)
        .limit(limit)
        .offset(offset)
    )
    return list(rows.all()), int(total or 0)
