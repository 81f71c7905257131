"""Classes (seed 003's scheduled sessions): a coach's WOD at a date, time and place, with tracks,
a gender mode, a team size, notes and a capacity; athletes book a place or join the waitlist.

Every change to a class's places starts by locking the class row (``SELECT … FOR UPDATE`` on
PostgreSQL; on SQLite write requests already hold the write lock from ``BEGIN IMMEDIATE``), so the
``booked`` counter is read and written by one transaction at a time: concurrent bookings never
overfill a class, and the waitlist is served strictly by ``requested_at`` (then id).

Who sees a class mirrors the PostgreSQL policy on ``class_sessions``: its coach, and athletes with
an active link to that coach. Everyone else gets a 404, as if it did not exist.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from atelier.accounts import repository as accounts
from atelier.accounts.models import CoachLink, LinkStatus, Role, User
from atelier.db import set_rls_context
from atelier.kit.clock import utcnow
from atelier.kit.problems import Conflict, Forbidden, NotFound, Problem
from atelier.kit.runtime import Runtime
from atelier.planning import snapshot
from atelier.planning.models import BookingStatus, ClassBooking, ClassSession, ClassStatus
from atelier.planning.recurrence import local_instant
from atelier.planning.service import checked_zone

if TYPE_CHECKING:
    from atelier.planning.calendar import Entry

TRACKS = ("RX", "INTERMEDIATE", "SCALED")
GENDER_MODES = ("M", "F", "MIXED")
ACTIVE = (BookingStatus.booked, BookingStatus.waitlisted)
MAX_RANGE = timedelta(days=3 * 366)


@dataclass(frozen=True)
class NewClass:
    """What a coach asks for; the API checks shapes and bounds, the service the rest."""

    date: date
    time: time
    capacity: int
    wod_id: uuid.UUID | None = None
    wod_version: int | None = None
    source: str | None = None
    title: str | None = None
    timezone: str | None = None
    duration_minutes: int = 60
    location: str | None = None
    tracks: Sequence[str] = ("RX", "SCALED")
    gender_mode: str = "MIXED"
    team_size: int = 1
    coach_notes: str | None = None


@dataclass
class RosterLine:
    booking: ClassBooking
    name: str
    position: int | None  # place in the waitlist (1 is next), None when booked


@dataclass
class ClassView:
    """A class as one caller sees it: counts, their own booking, and for its coach the roster."""

    row: ClassSession
    coach_name: str
    waitlisted: int
    mine: ClassBooking | None = None
    my_position: int | None = None
    roster: list[RosterLine] | None = None


@dataclass
class BookingView:
    booking: ClassBooking
    position: int | None
    row: ClassSession
    waitlisted: int
    promoted: list[uuid.UUID] = field(default_factory=list)


# --- reads ------------------------------------------------------------------------------------


def visible_to(actor_id: uuid.UUID) -> ColumnElement[bool]:
    """The actor's own classes, or those of a coach the actor is actively linked to as athlete."""
    linked = exists().where(
        CoachLink.coach_id == ClassSession.coach_id,
        CoachLink.athlete_id == actor_id,
        CoachLink.status == LinkStatus.active,
    )
    return or_(ClassSession.coach_id == actor_id, linked)


async def readable(
    session: AsyncSession,
    actor_id: uuid.UUID,
    class_id: uuid.UUID,
    *,
    for_update: bool = False,
    for_share: bool = False,
) -> ClassSession:
    """The class if the actor may see it (404 otherwise), optionally row-locked: ``for_update``
    to change it or its bookings, ``for_share`` to work inside it while it cannot change (live
    ingest: batches share the lock, bookings, teams and closing wait for it)."""
    statement = select(ClassSession).where(ClassSession.id == class_id, visible_to(actor_id))
    if for_update or for_share:
        statement = statement.with_for_update(read=for_share and not for_update, of=ClassSession)
    row = await session.scalar(statement.execution_options(populate_existing=True))
    if row is None:
        raise NotFound("class")
    return row


async def _run_by(session: AsyncSession, actor: User, class_id: uuid.UUID, doing: str) -> ClassSession:
    """The actor's own class, locked; a linked athlete gets a 403, anyone else a 404."""
    row = await readable(session, actor.id, class_id, for_update=True)
    if row.coach_id != actor.id:
        raise Forbidden(f"only the class's coach can {doing}")
    return row


def _ahead_of(booking: Any) -> Any:
    """Waitlisted bookings of the same class served before ``booking`` (a row or an alias)."""
    other = aliased(ClassBooking)
    return (
        select(func.count())
        .select_from(other)
        .where(
            other.class_id == booking.class_id,
            other.status == BookingStatus.waitlisted,
            or_(
                other.requested_at < booking.requested_at,
                and_(other.requested_at == booking.requested_at, other.id < booking.id),
            ),
        )
    )


async def _position(session: AsyncSession, booking: ClassBooking) -> int | None:
    if booking.status != BookingStatus.waitlisted:
        return None
    return int(await session.scalar(_ahead_of(booking)) or 0) + 1


async def _waitlist_lengths(session: AsyncSession, class_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not class_ids:
        return {}
    rows = await session.execute(
        select(ClassBooking.class_id, func.count())
        .where(ClassBooking.class_id.in_(class_ids), ClassBooking.status == BookingStatus.waitlisted)
        .group_by(ClassBooking.class_id)
    )
    return {class_id: int(count) for class_id, count in rows.all()}


async def _bookings_of(
    session: AsyncSession, athlete_id: uuid.UUID, class_ids: list[uuid.UUID]
) -> dict[uuid.UUID, tuple[ClassBooking, int | None]]:
    """The athlete's booking in each class (any status) with its waitlist position."""
    if not class_ids:
        return {}
    ahead = _ahead_of(ClassBooking).scalar_subquery()
    rows = await session.execute(
        select(ClassBooking, ahead)
        .where(ClassBooking.athlete_id == athlete_id, ClassBooking.class_id.in_(class_ids))
        .execution_options(populate_existing=True)
    )
    return {
        booking.class_id: (
            booking,
            int(before) + 1 if booking.status == BookingStatus.waitlisted else None,
        )
        for booking, before in rows.all()
    }


async def roster(session: AsyncSession, class_id: uuid.UUID) -> list[RosterLine]:
    """Booked athletes (in booking order), then the waitlist in the order it is served."""
    rows = await session.execute(
        select(ClassBooking, User.name)
        .join(User, User.id == ClassBooking.athlete_id)
        .where(ClassBooking.class_id == class_id, ClassBooking.status.in_(ACTIVE))
        .order_by(ClassBooking.requested_at, ClassBooking.id)
        .execution_options(populate_existing=True)
    )
    booked: list[RosterLine] = []
    waiting: list[RosterLine] = []
    for booking, name in rows.all():
        if booking.status == BookingStatus.booked:
            booked.append(RosterLine(booking, name, None))
        else:
            waiting.append(RosterLine(booking, name, len(waiting) + 1))
    return booked + waiting


async def _views(session: AsyncSession, actor: User, rows: list[ClassSession]) -> list[ClassView]:
    ids = [row.id for row in rows]
    lengths = await _waitlist_lengths(session, ids)
    mine = await _bookings_of(session, actor.id, ids)
    coach_ids = {row.coach_id for row in rows}
    names: dict[uuid.UUID, str] = {}
    if coach_ids:
        found = await session.execute(select(User.id, User.name).where(User.id.in_(coach_ids)))
        names = {user_id: name for user_id, name in found.all()}
    views = []
    for row in rows:
        booking, position = mine.get(row.id, (None, None))
        views.append(ClassView(row, names.get(row.coach_id, ""), lengths.get(row.id, 0), booking, position))
    return views


def _checked_range(first: date, last: date) -> None:
    if last < first:
        raise Problem(422, f"'to' ({last}) is before 'from' ({first})")
    if last - first > MAX_RANGE:
        raise Problem(422, "a class listing spans at most three years")


async def list_classes(session: AsyncSession, actor: User, first: date, last: date) -> list[ClassView]:
    """Classes the actor can see from ``first`` to ``last`` inclusive, by start."""
    _checked_range(first, last)
    rows = await session.scalars(
        select(ClassSession)
        .where(visible_to(actor.id), ClassSession.session_date.between(first, last))
        .order_by(ClassSession.session_date, ClassSession.session_time, ClassSession.title, ClassSession.id)
    )
    return await _views(session, actor, list(rows.all()))


async def view(session: AsyncSession, actor: User, class_id: uuid.UUID) -> ClassView:
    row = await readable(session, actor.id, class_id)
    return await _view_of(session, actor, row)


async def _view_of(session: AsyncSession, actor: User, row: ClassSession) -> ClassView:
    (found,) = await _views(session, actor, [row])
    if row.coach_id == actor.id:
        found.roster = await roster(session, row.id)
    return found


# --- the coach's side ---------------------------------------------------------------------------


def _checked_tracks(tracks: Sequence[str]) -> list[str]:
    wanted = {t.strip().upper() for t in tracks}
    unknown = wanted - set(TRACKS)
    if unknown:
        raise Problem(422, f"unknown track(s) {sorted(unknown)}; tracks are {list(TRACKS)}")
    if not wanted:
        raise Problem(422, "a class offers at least one track")
    return [t for t in TRACKS if t in wanted]


async def create(session: AsyncSession, runtime: Runtime, actor: User, new: NewClass) -> ClassView:
    """Schedule a class. Its snapshot is resolved for the coach's own profile (category, level,
    units, language): the class board is one whiteboard for the whole room, written in the coach's
    terms; each athlete's own loads come from resolving it again for them when they train."""
    if actor.role != Role.coach:
        raise Forbidden("only coaches schedule classes")
    if new.gender_mode not in GENDER_MODES:
        raise Problem(422, f"gender_mode is one of {list(GENDER_MODES)}")
    if not 1 <= new.capacity <= 500:
        raise Problem(422, "capacity is between 1 and 500")
    if new.team_size < 1:
        raise Problem(422, "team_size is at least 1")
    tracks = _checked_tracks(new.tracks)
    if new.timezone:
        timezone = checked_zone(new.timezone)
    else:
        profile = await accounts.profile_of(session, actor.id)
        timezone = profile.timezone if profile else "UTC"
    planned = await snapshot.planned_workout(
        session, runtime, actor.id, wod_id=new.wod_id, wod_version=new.wod_version, source=new.source
    )
    now = utcnow()
    row = ClassSession(
        id=uuid.uuid4(),
        coach_id=actor.id,
        title=new.title or planned.title,
        wod_id=planned.wod_id,
        wod_version=planned.wod_version,
        source=planned.source,
        snapshot=await snapshot.take(session, actor.id, planned, at=now),
        session_date=new.date,
        session_time=new.time,
        timezone=timezone,
        duration_minutes=new.duration_minutes,
        location=new.location,
        tracks=tracks,
        gender_mode=new.gender_mode,
        team_size=new.team_size,
        coach_notes=new.coach_notes,
        capacity=new.capacity,
        booked=0,
        status=ClassStatus.scheduled,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    await session.flush()
    return ClassView(row, actor.name, 0, roster=[])


def _still_scheduled(row: ClassSession) -> None:
    if row.status == ClassStatus.cancelled:
        raise Conflict("this class is cancelled", current_status=row.status.value, class_id=str(row.id))


async def edit(session: AsyncSession, actor: User, class_id: uuid.UUID, changes: dict[str, Any]) -> ClassView:
    """Change notes, location or capacity. More places serve the waitlist in order at once;
    fewer places than athletes already booked is refused (nobody loses a place they hold)."""
    row = await _run_by(session, actor, class_id, "edit it")
    _still_scheduled(row)
    changed = False
    for name in ("coach_notes", "location"):
        if name in changes and getattr(row, name) != changes[name]:
            setattr(row, name, changes[name])
            changed = True
    capacity = changes.get("capacity")
    if capacity is not None and capacity != row.capacity:
        if capacity < row.booked:
            raise Conflict(
                f"{row.booked} athletes are booked: capacity cannot go below that",
                booked=row.booked,
                capacity=row.capacity,
            )
        row.capacity = capacity
        changed = True
        await _promote(session, row)
    if changed:
        row.updated_at = utcnow()
    await session.flush()
    return await _view_of(session, actor, row)


async def cancel(session: AsyncSession, actor: User, class_id: uuid.UUID) -> ClassView:
    """Cancel the class. Bookings keep their status, so athletes' calendars show what they had."""
    row = await _run_by(session, actor, class_id, "cancel it")
    _still_scheduled(row)
    row.status = ClassStatus.cancelled
    row.updated_at = utcnow()
    await session.flush()
    return await _view_of(session, actor, row)


# --- bookings ---------------------------------------------------------------------------------


@asynccontextmanager
async def _counting(session: AsyncSession, actor_id: uuid.UUID, row: ClassSession) -> AsyncIterator[None]:
    """Where the class's ``booked`` counter and other athletes' bookings change.

    On PostgreSQL the policies let an athlete write only their own booking and only the coach write
    the class row, yet an athlete's booking or cancellation must move the counter and may promote
    the next athlete in line. The caller has already been authorised (the class is visible to them
    and the booking is theirs), so these few writes run with ``app.system`` on, flushed inside, and
    the athlete's own context is restored right after so nothing later in the request is elevated.
    A coach acting on their own class needs no elevation: the policies already allow it.
    On error the transaction rolls back, and with it the ``set_config(..., true)`` context.
    """
    if row.coach_id == actor_id:
        yield
        await session.flush()
        return
    await set_rls_context(session, user_id=actor_id, system=True)
    yield
    await session.flush()
    await set_rls_context(session, user_id=actor_id)


async def _promote(session: AsyncSession, row: ClassSession) -> list[uuid.UUID]:
    """Fill free places from the waitlist, oldest request first; the class row must be locked."""
    free = row.capacity - row.booked
    if free <= 0 or row.status != ClassStatus.scheduled:
        return []
    waiting = (
        await session.scalars(
            select(ClassBooking)
            .where(ClassBooking.class_id == row.id, ClassBooking.status == BookingStatus.waitlisted)
            .order_by(ClassBooking.requested_at, ClassBooking.id)
            .limit(free)
            .execution_options(populate_existing=True)
        )
    ).all()
    now = utcnow()
    for booking in waiting:
        booking.status = BookingStatus.booked
        booking.updated_at = now
    row.booked += len(waiting)
    return [booking.athlete_id for booking in waiting]


async def _booking_of(
    session: AsyncSession, class_id: uuid.UUID, athlete_id: uuid.UUID
) -> ClassBooking | None:
    return await session.scalar(
        select(ClassBooking)
        .where(ClassBooking.class_id == class_id, ClassBooking.athlete_id == athlete_id)
        .execution_options(populate_existing=True)
    )


def starts_at(row: ClassSession) -> datetime:
    return local_instant(row.session_date, row.session_time, row.timezone)


async def book(session: AsyncSession, actor: User, class_id: uuid.UUID, track: str) -> BookingView:
    """Take a place, or the end of the waitlist when the class is full."""
    row = await readable(session, actor.id, class_id, for_update=True)
    if row.coach_id == actor.id:
        raise Forbidden("you run this class; athletes book it")
    _still_scheduled(row)
    if starts_at(row) <= utcnow():
        raise Conflict("this class has already started", current_status=row.status.value)
    track = track.strip().upper()
    if track not in row.tracks:
        raise Problem(422, f"this class offers the tracks {row.tracks}, not {track!r}", tracks=row.tracks)
    booking = await _booking_of(session, row.id, actor.id)
    if booking is not None and booking.status != BookingStatus.cancelled:
        raise Conflict(
            f"you are already {booking.status.value} in this class",
            current_status=booking.status.value,
            position=await _position(session, booking),
        )
    waiting = (await _waitlist_lengths(session, [row.id])).get(row.id, 0)
    status = BookingStatus.booked if row.booked < row.capacity and waiting == 0 else BookingStatus.waitlisted
    now = utcnow()
    if booking is None:
        booking = ClassBooking(id=uuid.uuid4(), class_id=row.id, athlete_id=actor.id, requested_at=now)
        session.add(booking)
    # Booking again after one's own cancellation goes to the end of the line.
    booking.track = track
    booking.status = status
    booking.requested_at = now
    booking.updated_at = now
    await session.flush()
    if status == BookingStatus.booked:
        async with _counting(session, actor.id, row):
            row.booked += 1
    else:
        waiting += 1
    return BookingView(booking, await _position(session, booking), row, waiting)


async def unbook(
    session: AsyncSession, actor: User, class_id: uuid.UUID, athlete_id: uuid.UUID | None = None
) -> BookingView:
    """Cancel the actor's booking, or (for the class's coach) an athlete's. A freed place goes to
    the oldest waitlisted request in the same transaction."""
    row = await readable(session, actor.id, class_id, for_update=True)
    whose = athlete_id or actor.id
    if whose != actor.id and row.coach_id != actor.id:
        raise Forbidden("only the class's coach can remove another athlete's booking")
    booking = await _booking_of(session, row.id, whose)
    if booking is None or booking.status == BookingStatus.cancelled:
        raise NotFound("booking")
    held_a_place = booking.status == BookingStatus.booked
    booking.status = BookingStatus.cancelled
    booking.updated_at = utcnow()
    await session.flush()
    promoted: list[uuid.UUID] = []
    if held_a_place:
        async with _counting(session, actor.id, row):
            row.booked -= 1
            promoted = await _promote(session, row)
    waiting = (await _waitlist_lengths(session, [row.id])).get(row.id, 0)
    return BookingView(booking, None, row, waiting, promoted)


# --- calendar -----------------------------------------------------------------------------------


def calendar_selects(
    actor: Any, athlete: Any, first: Any, last: Any, *, runs_classes: bool
) -> list[Select[Any]]:
    """The reads behind ``class_entries``, shaped like the calendar's session rows (``calendar.ROW``:
    kind ``class``, no series columns, ``booking`` set when the athlete holds a place) so that the
    calendar sends them in the same statement as the sessions. The arguments are values or bound
    parameters (the calendar builds its statement once). Summary columns only: the hot path."""
    from atelier.planning.calendar import row_shape

    in_range = ClassSession.session_date.between(first, last)
    shape = row_shape(
        id=ClassSession.id,
        kind=literal("class", String),
        title=ClassSession.title,
        status=type_coerce(ClassSession.status, String),
        session_date=ClassSession.session_date,
        session_time=ClassSession.session_time,
        timezone=ClassSession.timezone,
    )
    held = (
        select(*shape, type_coerce(ClassBooking.status, String).label("booking"))
        .join(ClassBooking, ClassBooking.class_id == ClassSession.id)
        .where(
            ClassBooking.athlete_id == athlete,
            ClassBooking.status.in_(ACTIVE),
            in_range,
            visible_to(actor),
        )
    )
    if not runs_classes:
        return [held]
    run = select(*shape, null().label("booking")).where(
        ClassSession.coach_id == athlete, in_range, visible_to(actor)
    )
    return [held, run]


def class_entry(row: Any, athlete_id: uuid.UUID) -> Entry:
    """One calendar row of ``calendar_selects`` as an entry: ``athlete_id`` only on a place held."""
    from atelier.planning.calendar import Entry

    return Entry(
        date=row.session_date,
        time=row.session_time,
        timezone=row.timezone,
        kind="class",
        title=row.title,
        status="cancelled" if row.status == ClassStatus.cancelled else "scheduled",
        exists=True,
        session_id=None,
        series_id=None,
        occurrence_date=None,
        athlete_id=athlete_id if row.booking is not None else None,
        class_id=row.id,
        booking=row.booking,
    )


async def class_entries(
    session: AsyncSession,
    actor_id: uuid.UUID,
    athlete_id: uuid.UUID,
    first: date,
    last: date,
    *,
    runs_classes: bool = True,
) -> list[Entry]:
    """``athlete_id``'s classes from ``first`` to ``last`` as the actor may see them, unsorted:
    those they hold a place or a waitlist spot in (``booking`` says which; ``athlete_id`` is theirs),
    and, unless ``runs_classes`` is false (an athlete account), those they run as a coach
    (``booking`` and ``athlete_id`` None)."""
    selects = calendar_selects(actor_id, athlete_id, first, last, runs_classes=runs_classes)
    statement = selects[0] if len(selects) == 1 else union_all(*selects)
    rows = (await session.execute(statement)).all()
    return [class_entry(row, athlete_id) for row in rows]
