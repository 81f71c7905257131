"""The calendar: one-off sessions, existing occurrences and the dates series will produce, merged.

One statement whatever the range: a UNION ALL of index range reads (sessions dated in it, series
overlapping it, the children of those series standing for a date in it, the classes the athlete
holds a place in or runs), then the rules are expanded in memory, memoised on the stored rule text.
A date with a child shows the child (where it now happens, if moved); the others are marked
``exists: false``.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Date,
    Select,
    String,
    Text,
    Uuid,
    bindparam,
    cast,
    null,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from atelier.accounts.models import Role, User
from atelier.kit.cache import Kept, KeptBodies
from atelier.kit.problems import Problem
from atelier.planning import repository
from atelier.planning.models import CalendarVersion, Session, SessionKind, is_series
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


# One row shape for every part of the calendar's single statement: sessions, series and classes.
# Enums come back as their stored text and rules as JSON text (the expansion is memoised on it).
ROW = (
    "id",
    "kind",
    "title",
    "status",
    "session_date",
    "session_time",
    "timezone",
    "parent_id",
    "occurrence_date",
    "athlete_id",
    "routine_id",
    "rule",
    "exceptions",
)


def row_shape(**given: Any) -> list[Any]:
    """``ROW``'s columns in order, each the given expression or NULL, labelled."""
    return [(given[name] if name in given else null()).label(name) for name in ROW]


SESSION_COLUMNS = {
    "id": Session.id,
    "kind": type_coerce(Session.kind, String),
    "title": Session.title,
    "status": type_coerce(Session.status, String),
    "session_date": Session.session_date,
    "session_time": Session.session_time,
    "timezone": Session.timezone,
    "parent_id": Session.parent_id,
    "occurrence_date": Session.occurrence_date,
    "athlete_id": Session.athlete_id,
    "routine_id": Session.routine_id,
}


def _existing(row: Sequence[Any]) -> Entry:
    sid, kind, title, status, day, at, zone_name, parent_id, occurrence, athlete_id, routine_id = row[:11]
    return Entry(
        date=day,
        time=at,
        timezone=zone_name,
        kind="occurrence" if kind == SessionKind.occurrence else "one_off",
        title=title,
        status=status,
        exists=True,
        session_id=sid,
        series_id=parent_id,
        occurrence_date=occurrence,
        athlete_id=athlete_id,
        moved=occurrence is not None and occurrence != day,
        routine_id=routine_id,
    )


@lru_cache(maxsize=4096)
def series_dates(
    rule: str, exceptions: str | None, start: dt.date, at: dt.time | None, zone_name: str,
    first: dt.date, last: dt.date,
) -> tuple[dt.date, ...]:  # fmt: skip
    """A series' dates in a window, memoised on everything they depend on (the rule and exceptions
    as stored text): a series that did not change expands once per window, not once per request."""
    schedule = schedule_from(json.loads(rule), start, at, zone_name, json.loads(exceptions or "[]") or [])
    return tuple(schedule.dates(first, last))


# The statement's parameters: built once per shape, executed with values (no query building and
# a short cache-key walk per request).
ACTOR, ATHLETE = bindparam("actor", type_=Uuid()), bindparam("athlete", type_=Uuid())
FIRST, LAST = bindparam("first", type_=Date()), bindparam("last", type_=Date())


def _session_selects(coached: bool) -> list[Select[Any]]:
    # Index ranges only: series by the partial index on series, dated rows by (athlete, date), and
    # occurrences standing for a date in the window by (athlete, occurrence date) — a date moved out
    # of the window must still hide its series date. Only series carry a rule.
    owned: list[ColumnElement[bool]] = [Session.athlete_id == ATHLETE]
    if coached:
        owned.append(repository.visible_to(ACTOR))
    templates = select(
        *row_shape(
            **SESSION_COLUMNS, rule=cast(Session.rule, Text), exceptions=cast(Session.exceptions, Text)
        ),
        null().label("booking"),
    ).where(
        *owned,
        is_series(),
        Session.session_date <= LAST,
        or_(Session.ends_on.is_(None), Session.ends_on >= FIRST),
    )
    dated = select(*row_shape(**SESSION_COLUMNS), null().label("booking")).where(
        *owned,
        Session.kind != SessionKind.series,
        or_(Session.session_date.between(FIRST, LAST), Session.occurrence_date.between(FIRST, LAST)),
    )
    return [templates, dated]


@lru_cache(maxsize=4)
def calendar_statement(*, coached: bool, runs_classes: bool) -> CompoundSelect:
    """Sessions and classes in one UNION ALL, for an athlete's own calendar or their coach's view."""
    from atelier.planning.classes import calendar_selects

    parts = _session_selects(coached)
    parts += calendar_selects(ACTOR, ATHLETE, FIRST, LAST, runs_classes=runs_classes)
    return union_all(*parts)


async def _calendar_rows(
    session: AsyncSession, actor_id: uuid.UUID, athlete_id: uuid.UUID, first: dt.date, last: dt.date,
    *, runs_classes: bool,
) -> Sequence[Any]:  # fmt: skip
    statement = calendar_statement(coached=actor_id != athlete_id, runs_classes=runs_classes)
    values = {"actor": actor_id, "athlete": athlete_id, "first": first, "last": last}
    # Core rows through the connection: no ORM entities here, so no ORM execution path either.
    # PostgreSQL may keep a generic plan of this statement after five runs; forcing a plan per
    # request cost more (~2 ms of planning and a round trip) than it saved: a month built in
    # 11 ms at p50 through `atelier serve` without it, 14.7 ms with it (bench/calendar.py).
    connection = await session.connection()
    return (await connection.execute(statement, values)).all()


@dataclass
class Parts:
    """The calendar's rows sorted out: what shows as it is, and the series still to expand."""

    dated: list[Any] = field(default_factory=list)  # one-off sessions and occurrences in the range
    classes: list[Any] = field(default_factory=list)
    series: list[Any] = field(default_factory=list)
    overridden: set[tuple[uuid.UUID, dt.date]] = field(default_factory=set)  # series dates with a child


def _parts(rows: Sequence[Any], first: dt.date, last: dt.date) -> Parts:
    parts = Parts()
    for row in rows:
        kind, day, parent_id, occurrence = row[1], row[4], row[7], row[8]
        if kind == "class":
            parts.classes.append(row)
        elif kind == SessionKind.series:
            parts.series.append(row)
        else:
            if parent_id is not None and first <= occurrence <= last:
                parts.overridden.add((parent_id, occurrence))
            if first <= day <= last:
                parts.dated.append(row)
    return parts


def _series_dates_of(parent: Any, first: dt.date, last: dt.date) -> tuple[dt.date, ...]:
    return series_dates(
        parent.rule, parent.exceptions, parent.session_date, parent.session_time, parent.timezone,
        first, last,
    )  # fmt: skip


def _series_entry(parent: Any, day: dt.date) -> Entry:
    return Entry(
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


async def planned_entries(
    session: AsyncSession,
    actor_id: uuid.UUID,
    athlete_id: uuid.UUID,
    first: dt.date,
    last: dt.date,
    *,
    runs_classes: bool,
) -> list[Entry]:
    """The athlete's sessions, series dates and classes from ``first`` to ``last``, unsorted: one
    statement (sessions and classes in one UNION ALL), then the rules expanded in memory."""
    from atelier.planning.classes import class_entry

    rows = await _calendar_rows(session, actor_id, athlete_id, first, last, runs_classes=runs_classes)
    parts = _parts(rows, first, last)
    entries = [_existing(row) for row in parts.dated]
    entries += [class_entry(row, athlete_id) for row in parts.classes]
    for parent in parts.series:
        entries += [
            _series_entry(parent, day)
            for day in _series_dates_of(parent, first, last)
            if (parent.id, day) not in parts.overridden
        ]
    return entries


# The JSON answer is built from fragments: each entry serialised once, memoised on the row it
# comes from (every column it shows is in the row, so an edited row is a new key, never a stale
# fragment), and a series' dates in a window memoised as one group. A calendar built again after
# a change re-serialises only what changed. Fragments hold nothing beyond their row, so sharing
# them between users who can read that row leaks nothing.
Order = tuple[dt.date, dt.time, str]
Fragment = tuple[Order, bytes]
ENTRY_JSON = TypeAdapter(Entry)


def _fragment(entry: Entry) -> Fragment:
    return entry.order, ENTRY_JSON.dump_json(entry)


# Rows hash and compare as the tuples of their values.
@lru_cache(maxsize=16_384)  # ~0.5 kB a fragment: at most ~10 MB
def _existing_fragment(row: Any) -> Fragment:
    return _fragment(_existing(row))


@lru_cache(maxsize=4_096)
def _class_fragment(row: Any, athlete_id: uuid.UUID) -> Fragment:
    from atelier.planning.classes import class_entry

    return _fragment(class_entry(row, athlete_id))


SeriesWindow = tuple[tuple[dt.date, Order, bytes], ...]


def _series_weight(window: SeriesWindow) -> int:
    return sum(len(fragment) + 120 for _, _, fragment in window) + 200


def _series_fragments(parent: Any, first: dt.date, last: dt.date) -> SeriesWindow:
    key = (tuple(parent), first, last)
    window = SERIES.get(key)
    if window is None:
        window = tuple(
            (day, *_fragment(_series_entry(parent, day))) for day in _series_dates_of(parent, first, last)
        )
        SERIES.put(key, None, window)
    return window


# A process's expanded series, like the memoised fragments: pure functions of their rows.
SERIES: Kept[SeriesWindow] = Kept(max_bytes=16 * 1024 * 1024, weigh=_series_weight)


def _body(rows: Sequence[Any], athlete_id: uuid.UUID, first: dt.date, last: dt.date) -> bytes:
    parts = _parts(rows, first, last)
    fragments = [_existing_fragment(row) for row in parts.dated]
    fragments += [_class_fragment(row, athlete_id) for row in parts.classes]
    for parent in parts.series:
        fragments += [
            (order, fragment)
            for day, order, fragment in _series_fragments(parent, first, last)
            if (parent.id, day) not in parts.overridden
        ]
    fragments.sort(key=itemgetter(0))  # stable: the order ``_sorted_entries`` gives
    return b'{"from":"%s","to":"%s","entries":[%s]}' % (
        first.isoformat().encode(),
        last.isoformat().encode(),
        b",".join([fragment for _, fragment in fragments]),
    )


async def calendar(
    session: AsyncSession, actor: User, athlete_id: uuid.UUID | None, first: dt.date, last: dt.date
) -> list[Entry]:
    checked_range(first, last)
    whose = await athlete_for(session, actor, athlete_id)
    return await _sorted_entries(session, actor, whose, first, last)


async def _sorted_entries(
    session: AsyncSession, actor: User, whose: uuid.UUID, first: dt.date, last: dt.date
) -> list[Entry]:
    entries = await planned_entries(
        session, actor.id, whose, first, last, runs_classes=_runs_classes(actor, whose)
    )
    return sorted(entries, key=lambda e: e.order)


def _runs_classes(actor: User, whose: uuid.UUID) -> bool:
    # Only a coach's (or an admin's) own calendar holds classes they run; a linked athlete's never.
    return whose == actor.id and actor.role != Role.athlete


# Both users' counters in one read: the actor's (the coach links that decide what they may see)
# and the athlete's (their sessions, bookings and classes).
VERSIONS = select(CalendarVersion.user_id, CalendarVersion.version).where(
    or_(CalendarVersion.user_id == ACTOR, CalendarVersion.user_id == ATHLETE)
)


async def versions(session: AsyncSession, actor_id: uuid.UUID, athlete_id: uuid.UUID) -> tuple[int, int]:
    """The actor's and the athlete's calendar versions (0 for a user whose calendar never changed)."""
    connection = await session.connection()
    found = dict((await connection.execute(VERSIONS, {"actor": actor_id, "athlete": athlete_id})).all())
    return found.get(actor_id, 0), found.get(athlete_id, 0)


async def calendar_json(
    session: AsyncSession,
    kept: KeptBodies,
    actor: User,
    athlete_id: uuid.UUID | None,
    first: dt.date,
    last: dt.date,
) -> bytes:
    """``calendar`` as the API's JSON document (``CalendarOut``), served from ``kept`` while the
    actor's and the athlete's calendar versions are those it was built at.

    The versions are read before the calendar's rows: in READ COMMITTED each statement sees the
    newest commits, so a body kept under a version holds rows at least that new, never older.
    Access is checked on every request (``athlete_for``) before anything kept is reached, and the
    key names the actor, so nothing built for one user is served to another.
    """
    checked_range(first, last)
    whose = await athlete_for(session, actor, athlete_id)
    runs_classes = _runs_classes(actor, whose)
    stamp = await versions(session, actor.id, whose)
    key = ("calendar", actor.id, whose, runs_classes, first, last)
    body = kept.get(key, stamp)
    if body is None:
        rows = await _calendar_rows(session, actor.id, whose, first, last, runs_classes=runs_classes)
        body = _body(rows, whose, first, last)
        kept.put(key, stamp, body)
    return body
