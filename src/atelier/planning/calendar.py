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

from sqlalchemy import Row, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from atelier.accounts.models import User
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
    Session.rule,
    Session.exceptions,
)


def _existing(row: Row[Any]) -> Entry:
    return Entry(
        date=row.session_date,
        time=row.session_time,
        timezone=row.timezone,
        kind="occurrence" if row.kind == SessionKind.occurrence else "one_off",
        title=row.title,
        status=row.status.value,
        exists=True,
        session_id=row.id,
        series_id=row.parent_id,
        occurrence_date=row.occurrence_date,
        athlete_id=row.athlete_id,
        moved=row.occurrence_date is not None and row.occurrence_date != row.session_date,
        routine_id=row.routine_id,
    )


async def session_entries(
    session: AsyncSession, actor_id: uuid.UUID, athlete_id: uuid.UUID, first: dt.date, last: dt.date
) -> list[Entry]:
    """The athlete's sessions from ``first`` to ``last`` (no classes), unsorted."""
    rows = (
        await session.execute(
            select(*COLUMNS).where(
                Session.athlete_id == athlete_id,
                repository.visible_to(actor_id),
                or_(
                    and_(Session.kind != SessionKind.series, Session.session_date.between(first, last)),
                    and_(
                        Session.kind == SessionKind.series,
                        Session.session_date <= last,
                        or_(Session.ends_on.is_(None), Session.ends_on >= first),
                    ),
                ),
            )
        )
    ).all()
    series = [row for row in rows if row.kind == SessionKind.series]
    entries = [_existing(row) for row in rows if row.kind != SessionKind.series]
    if not series:
        return entries
    overridden = {
        (parent_id, day)
        for parent_id, day in (
            await session.execute(
                select(Session.parent_id, Session.occurrence_date).where(
                    Session.parent_id.in_([s.id for s in series]),
                    Session.occurrence_date.between(first, last),
                )
            )
        ).all()
    }
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
    entries += await class_entries(session, actor.id, whose, first, last)
    return sorted(entries, key=lambda e: e.order)
