"""The calendar as iCalendar (RFC 5545): what a user's secret feed and ``atelier export ics`` serve.

A feed is the whole calendar, not a window, with history bounded: everything from ``HISTORY``
(400 days) ago on, and everything in the future. What goes in:

- a **series** is one VEVENT: DTSTART at its wall-clock time with the series' TZID (a DATE when it
  has no time), an RRULE from ``Rule.to_rrule()`` and EXDATEs for its exceptions and for the dates
  whose occurrence was skipped or cancelled. UNTIL is written in UTC (the end of the until day in
  the series' zone) when DTSTART has a time, as RFC 5545 requires. DTSTART is the first date the
  rule produces on or after the history bound (and on or after the series' first date), so old
  dates are not replayed forever and a first date the rule itself does not produce is not shown
  (RFC 5545 would count DTSTART as an instance; the API does not). COUNT is reduced by the dates
  left behind, so the same dates come out. A series has no snapshot: its dates last
  ``DEFAULT_LENGTH`` (1 h).
- an **occurrence** (a date of a series that exists: scheduled, in progress or completed) is a
  VEVENT with the series' UID and RECURRENCE-ID = its rule date at the series' time; its DTSTART
  is where it happens now (a moved date), its duration the snapshot's estimate.
- an occurrence the feed's rule cannot override (its series deleted or ended before the history
  bound, or its date no longer produced by the rule) and a **one-off** session are VEVENTs of their
  own. Skipped and cancelled ones are left out.
- a **class** (``classes.class_entries``) the user holds a place in, waits for ("Waitlist: " before
  its title) or runs as its coach, from the history bound to ``CLASS_HORIZON`` ahead, at its time
  for its ``duration_minutes``, with its location; cancelled classes are left out.

UIDs are ``<session id>@atelier`` (``class-<class id>@atelier`` for a class) and stable. DTSTAMP
is the row's last change (RFC 5545: without a METHOD it means LAST-MODIFIED), so the same data
always gives the same bytes. Every TZID used gets its VTIMEZONE (``Calendar.add_missing_timezones``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from math import ceil
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vDuration, vRecur
from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from atelier.accounts.models import User
from atelier.kit.clock import utcnow
from atelier.planning.classes import class_entries
from atelier.planning.models import ClassSession, Session, SessionKind, Status, is_series
from atelier.planning.recurrence import Rule, Schedule, local_instant
from atelier.planning.service import rule_of

HISTORY = timedelta(days=400)
DEFAULT_LENGTH = timedelta(hours=1)
PRODID = "-//Atelier//Atelier calendar feed//EN"
REFRESH = timedelta(hours=1)
SHOWN = frozenset({Status.scheduled, Status.in_progress, Status.completed})
NOT_HAPPENING = frozenset({Status.skipped, Status.cancelled})
TIMEZONE_YEARS_AHEAD = 10
CLASS_HORIZON = timedelta(days=10 * 366)
MEDIA_TYPE = "text/calendar; charset=utf-8"

Held = tuple[ClassSession, str | None]  # a class and the user's booking status (None: they run it)


def uid_of(row: Session) -> str:
    return f"{row.id}@atelier"


async def feed_rows(session: AsyncSession, user_id: uuid.UUID, today: date) -> list[Session]:
    """The user's own sessions the feed needs (the caller has set the user's RLS context).

    Series still producing dates after the history bound, and every other session dated after it
    or standing for a rule date after it (a date moved into the past still overrides its series).
    """
    bound = today - HISTORY
    rows = await session.scalars(
        select(Session)
        .where(
            Session.athlete_id == user_id,
            or_(
                and_(
                    is_series(),
                    or_(Session.ends_on.is_(None), Session.ends_on >= bound),
                ),
                and_(
                    Session.kind != SessionKind.series,
                    or_(Session.session_date >= bound, Session.occurrence_date >= bound),
                ),
            ),
        )
        .order_by(Session.session_date, Session.id)
    )
    return list(rows.all())


async def feed_classes(session: AsyncSession, user_id: uuid.UUID, today: date) -> list[Held]:
    """The classes the user is booked or waitlisted in, or runs, not cancelled, from the bound on."""
    entries = await class_entries(session, user_id, user_id, today - HISTORY, today + CLASS_HORIZON)
    booking = {e.class_id: e.booking for e in entries if e.status != "cancelled" and e.class_id}
    if not booking:
        return []
    rows = await session.scalars(
        select(ClassSession).where(ClassSession.id.in_(list(booking))).order_by(ClassSession.id)
    )
    return [(row, booking[row.id]) for row in rows.all()]


async def user_calendar(session: AsyncSession, user: User, *, today: date | None = None) -> bytes:
    """The feed's bytes for ``user``: their own sessions (not those of athletes they coach) and
    their classes."""
    today = today or utcnow().date()
    rows = await feed_rows(session, user.id, today)
    held = await feed_classes(session, user.id, today)
    return build_calendar(rows, name=user.name, today=today, classes=held)


def build_calendar(rows: Sequence[Session], *, name: str, today: date, classes: Sequence[Held] = ()) -> bytes:
    """An iCalendar document for one person's ``rows`` (series, occurrences, one-offs) and
    ``classes`` (each with the person's booking status, or None for the classes they run)."""
    bound = today - HISTORY
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"Atelier — {name}")
    calendar.add("name", f"Atelier — {name}")
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH).to_ical().decode())  # Apple and Outlook read this

    series = {row.id: row for row in rows if row.kind == SessionKind.series}
    children: dict[uuid.UUID, list[Session]] = {sid: [] for sid in series}
    alone: list[Session] = []
    for row in rows:
        if row.kind == SessionKind.series:
            continue
        if row.parent_id is not None and row.parent_id in series:
            children[row.parent_id].append(row)
        else:
            alone.append(row)

    events: list[Event] = []
    for sid, parent in series.items():
        made, orphans = _series_events(parent, children[sid], bound)
        events.extend(made)
        alone.extend(orphans)
    for row in sorted(alone, key=lambda r: (r.session_date, r.session_time or time(0), str(r.id))):
        if row.status in SHOWN and row.session_date >= bound:
            events.append(_single_event(row))
    for held, booking in sorted(classes, key=lambda c: (c[0].session_date, c[0].session_time, str(c[0].id))):
        events.append(_class_event(held, booking))
    for event in events:
        calendar.add_component(event)
    first, last = _span(events, today)
    calendar.add_missing_timezones(first_date=first, last_date=last)
    return bytes(calendar.to_ical())


# --- series --------------------------------------------------------------------------------------


def _series_events(
    parent: Session, children: list[Session], bound: date
) -> tuple[list[Event], list[Session]]:
    """The series' VEVENT and its overrides, and the children it cannot carry (shown alone)."""
    rule = rule_of(parent)
    at = parent.session_time
    plain = Schedule(rule, parent.session_date, at or time(0), parent.timezone)  # no exceptions
    produced = plain._rrule()  # the very rule the API expands, so both agree on every date
    first_moment = produced.after(datetime.combine(max(bound, parent.session_date), time.min), inc=True)
    if first_moment is None:
        return [], children
    start = first_moment.date()
    if rule.count is not None:
        # COUNT counts from the real first date: take off the dates before the new DTSTART.
        earlier = produced.between(
            datetime.combine(parent.session_date, time.min), datetime.combine(start, time.min), inc=True
        )
        rule = replace(rule, count=rule.count - sum(1 for moment in earlier if moment.date() < start))

    exceptions = {date.fromisoformat(d) for d in parent.exceptions}
    named = [d for d in (*exceptions, *(c.occurrence_date for c in children)) if d is not None]
    rule_dates = set(plain.dates(start, max(named))) if named else set()  # one pass, not one per child

    def carried(day: date | None) -> bool:
        return day is not None and day in rule_dates

    excluded = {d for d in exceptions if carried(d)}
    overrides: list[Session] = []
    orphans: list[Session] = []
    for child in children:
        day = child.occurrence_date
        if not carried(day) or day in exceptions:
            orphans.append(child)
        elif child.status in NOT_HAPPENING:
            assert day is not None
            excluded.add(day)
        else:
            overrides.append(child)

    event = Event()
    event.add("uid", uid_of(parent))
    _stamp(event, parent)
    event.add("summary", parent.title)
    event.add("dtstart", _moment(start, at, parent.timezone))
    event.add("duration", DEFAULT_LENGTH if at is not None else timedelta(days=1))
    event.add("rrule", vRecur.from_ical(_rrule_text(rule, at, parent.timezone)))
    if excluded:
        event.add("exdate", [_moment(d, at, parent.timezone) for d in sorted(excluded)])
    _describe(event, parent)
    made = [event]
    for child in sorted(overrides, key=lambda c: c.occurrence_date or c.session_date):
        override = _single_event(child, uid=uid_of(parent))
        assert child.occurrence_date is not None
        override.add("recurrence-id", _moment(child.occurrence_date, at, parent.timezone))
        made.append(override)
    return made, orphans


def _rrule_text(rule: Rule, at: time | None, zone_name: str) -> str:
    """``Rule.to_rrule()``, with UNTIL as a UTC date-time when the dates have a time (RFC 5545)."""
    text = rule.to_rrule()
    if rule.until is None or at is None:
        return text
    end_of_day = local_instant(rule.until, time(23, 59, 59), zone_name)
    parts = [
        f"UNTIL={end_of_day:%Y%m%dT%H%M%SZ}" if part.startswith("UNTIL=") else part
        for part in text.split(";")
    ]
    return ";".join(parts)


# --- classes -------------------------------------------------------------------------------------


def _class_event(row: ClassSession, booking: str | None) -> Event:
    event = Event()
    event.add("uid", f"class-{row.id}@atelier")
    changed = _utc(row.updated_at or row.created_at)
    event.add("dtstamp", changed)
    event.add("last-modified", changed)
    event.add("created", _utc(row.created_at))
    event.add("summary", ("Waitlist: " if booking == "waitlisted" else "") + row.title)
    event.add("dtstart", _moment(row.session_date, row.session_time, row.timezone))
    event.add("duration", timedelta(minutes=row.duration_minutes))
    if row.location:
        event.add("location", row.location)
    parts = [row.coach_notes.strip() if booking is None and row.coach_notes else ""]
    board = (row.snapshot or {}).get("board")
    if isinstance(board, str):
        parts.append(board.strip())
    text = "\n\n".join(p for p in parts if p)
    if text:
        event.add("description", text)
    return event


# --- single events -------------------------------------------------------------------------------


def _single_event(row: Session, *, uid: str | None = None) -> Event:
    event = Event()
    event.add("uid", uid or uid_of(row))
    _stamp(event, row)
    event.add("summary", ("✓ " if row.status == Status.completed else "") + row.title)
    event.add("dtstart", _moment(row.session_date, row.session_time, row.timezone))
    event.add("duration", _length(row) if row.session_time is not None else timedelta(days=1))
    _describe(event, row)
    return event


def _length(row: Session) -> timedelta:
    """The snapshot's estimated duration (whole minutes, rounded up), else ``DEFAULT_LENGTH``."""
    seconds = (row.snapshot or {}).get("estimated_duration_seconds")
    if isinstance(seconds, int | float) and seconds > 0:
        return timedelta(minutes=ceil(seconds / 60))
    return DEFAULT_LENGTH


def _moment(day: date, at: time | None, zone_name: str) -> date | datetime:
    """A DATE for an all-day session, else the wall-clock time in its zone (written with TZID)."""
    if at is None:
        return day
    return datetime.combine(day, at).replace(tzinfo=ZoneInfo(zone_name), fold=0)


def _stamp(event: Event, row: Session) -> None:
    changed = _utc(row.updated_at or row.created_at)
    event.add("dtstamp", changed)
    event.add("last-modified", changed)
    if row.created_at is not None:
        event.add("created", _utc(row.created_at))


def _utc(moment: datetime) -> datetime:
    moment = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0)


def _describe(event: Event, row: Session) -> None:
    parts = [row.notes.strip() if row.notes else ""]
    board = (row.snapshot or {}).get("board")
    if isinstance(board, str) and board.strip():
        parts.append(board.strip())
    text = "\n\n".join(p for p in parts if p)
    if text:
        event.add("description", text)


def _span(events: Iterable[Event], today: date) -> tuple[date, date]:
    """The years the VTIMEZONEs must cover: from the earliest date written to years ahead."""
    days = [today]
    for event in events:
        for key in ("dtstart", "recurrence-id"):
            value = event.get(key)
            if value is not None:
                moment = value.dt
                days.append(moment.date() if isinstance(moment, datetime) else moment)
    first = min(days)
    last = max(max(days), today + timedelta(days=366 * TIMEZONE_YEARS_AHEAD))
    return date(first.year, 1, 1), date(last.year + 1, 1, 1)
