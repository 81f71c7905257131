"""The calendar: one-off sessions, existing occurrences and the dates series will produce, merged.

Three indexed reads whatever the range (sessions dated in it, series overlapping it, the children
of those series standing for a date in it), then the rules are expanded in memory. A date with a
child shows the child (where it now happens, if moved); the others are marked ``exists: false``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Row, null, or_, select, text, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from atelier.accounts.models import Role, User
from atelier.kit.problems import Problem
from atelier.planning import repository
from atelier.planning.models import Session, SessionKind
from atelier.planning.recurrence import local_instant
from atelier.planning.service import athlete_for, schedule_from

MAX_RANGE = dt.timedelta(days=3 * 366)


@dataclass
class Entry:
    date: dt.date
    time: dt.time | None
    timezone: str
    kind: str
    title: str
    status: str
    exists: bool
    session_id: uuid.UUID | None
    series_id: uuid.UUID | None
    occurrence_date: dt.date | None
    athlete_id: uuid.UUID | None
    moved: bool = False
    routine_id: uuid.UUID | None = None
    class_id: uuid.UUID | None = None
    booking: str | None = None
    starts_at: dt.datetime | None = field(init=False, default=None)  # the UTC instant, when timed

    def __post_init__(self) -> None:
        if self.time is not None:
            self.starts_at = local_instant(self.date, self.time, self.timezone)

    @property
    def order(self) -> tuple[dt.date, dt.time, str]:
        return (self.date, self.time or dt.time(0), self.title)


def checked_range(first: dt.date, last: dt.date) -> None:
    if last < first:
        raise Problem(422, f"'to' ({last}) is before 'from' ({first})")
    if last - first > MAX_RANGE:
        raise Problem(422, "a calendar range spans at most three years")


# Only what an entry shows: never the snapshot or the source (the calendar's hot path).
COLUMNS = (
    Session.id,
    Session.kind,
    Session.title,
    Session.status,
    Session.session_date,
    Session.session_time,
    Session.timezone,
    Session.parent_id,
    Session.occurrence_date,
    Session.athlete_id,
    Session.routine_id,
)


def _existing(row: Row[*tuple[Any, ...]]) -> Entry:
    sid, kind, title, status, day, at, zone_name, parent_id, occurrence, athlete_id, routine_id = row[:11]
    return Entry(
        date=day,
        time=at,
        timezone=zone_name,
        kind="occurrence" if kind == SessionKind.occurrence else "one_off",
        title=title,
        status=status.value,
        exists=True,
        session_id=sid,
        series_id=parent_id,
        occurrence_date=occurrence,
        athlete_id=athlete_id,
        moved=occurrence is not None and occurrence != day,
        routine_id=routine_id,
    )


FORCE_CUSTOM_PLAN = text("SET LOCAL plan_cache_mode = force_custom_plan")


async def session_entries(
    session: AsyncSession, actor_id: uuid.UUID, athlete_id: uuid.UUID, first: dt.date, last: dt.date
) -> list[Entry]:
    """The athlete's sessions from ``first`` to ``last`` (no classes), unsorted."""
    # One round trip, index ranges only: series by the partial index on series, dated rows by
    # (athlete, date), and occurrences standing for a date in the window by (athlete, occurrence
    # date) — a date moved out of the window must still hide its series date. Only series carry a
    # rule; the dated half sends NULLs so nothing is decoded for it.
    owned: list[ColumnElement[bool]] = [Session.athlete_id == athlete_id]
    if actor_id != athlete_id:
        owned.append(repository.visible_to(actor_id))
    templates = select(*COLUMNS, Session.rule, Session.exceptions).where(
        *owned,
        Session.kind == SessionKind.series,
        Session.session_date <= last,
        or_(Session.ends_on.is_(None), Session.ends_on >= first),
    )
    dated = select(*COLUMNS, null().label("rule"), null().label("exceptions")).where(
        *owned,
        Session.kind != SessionKind.series,
        or_(Session.session_date.between(first, last), Session.occurrence_date.between(first, last)),
    )
    # Core rows through the connection: no ORM entities here, so no ORM execution path either.
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        # A generic plan for this UNION (kept after five runs of the prepared statement) reads
        # twice the rows a plan for the actual dates does (bench/calendar.py).
        await connection.execute(FORCE_CUSTOM_PLAN)
    rows = (await connection.execute(union_all(templates, dated))).all()
    series = []
    entries = []
    overridden = set()
    for row in rows:
        if row.kind == SessionKind.series:
            series.append(row)
            continue
        if row.parent_id is not None and first <= row.occurrence_date <= last:
            overridden.add((row.parent_id, row.occurrence_date))
        if first <= row.session_date <= last:
            entries.append(_existing(row))
    for parent in series:
        schedule = schedule_from(
            parent.rule, parent.session_date, parent.session_time, parent.timezone, parent.exceptions
        )
        for day in schedule.dates(first, last):
            if (parent.id, day) in overridden:
                continue
            entries.append(
                Entry(
                    date=day,
                    time=parent.session_time,
                    timezone=parent.timezone,
                    kind="occurrence",
                    title=parent.title,
                    status="scheduled",
                    exists=False,
                    session_id=None,
                    series_id=parent.id,
                    occurrence_date=day,
                    athlete_id=parent.athlete_id,
                    routine_id=parent.routine_id,
                )
            )
    return entries


async def calendar(
    session: AsyncSession, actor: User, athlete_id: uuid.UUID | None, first: dt.date, last: dt.date
) -> list[Entry]:
    checked_range(first, last)
    whose = await athlete_for(session, actor, athlete_id)
    from atelier.planning.classes import class_entries

    entries = await session_entries(session, actor.id, whose, first, last)
    # Only a coach's (or an admin's) own calendar holds classes they run; a linked athlete's never.
    runs_classes = whose == actor.id and actor.role != Role.athlete
    entries += await class_entries(session, actor.id, whose, first, last, runs_classes=runs_classes)
    return sorted(entries, key=lambda e: e.order)
