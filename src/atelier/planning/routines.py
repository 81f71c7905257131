"""Routines, their versions and their assignments (seed 002; DESIGN.md invariants 5, 6, 9).

A routine is a coach's program. Its content lives in numbered versions: ``weeks`` and a list of
days, each placed by a week and a weekday or by an offset from the start date, and each planning a
WOD version or inline WODCraft source. A day is checked when the version is written and keeps the
pinned WOD id and version *and* the source text, so assigning it later reads no WOD (an athlete's
sessions never depend on the coach's private WODs staying readable).

Assigning a version to a linked athlete freezes it and schedules one one-off session per day, each
with its snapshot. A coach has at most one active assignment per athlete: assigning again (a new
version or another routine) replaces it in the same transaction, and replacing or ending an
assignment deletes only its sessions still ``scheduled`` from today on (invariant 5); what was
started, done, skipped or cancelled, and what was left in the past, stays as it is.

Every operation on one (coach, athlete) pair locks their active link row first, so two concurrent
assignments cannot both find "no active assignment" and leave two active ones.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, delete, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from atelier.accounts.models import CoachLink, LinkStatus, Role, User
from atelier.kit.clock import utcnow
from atelier.kit.problems import Conflict, Forbidden, NotFound, Problem
from atelier.kit.runtime import Runtime
from atelier.planning import snapshot
from atelier.planning.models import (
    AssignmentStatus,
    Routine,
    RoutineAssignment,
    RoutineVersion,
    Session,
    SessionKind,
    Status,
)
from atelier.planning.recurrence import InvalidRule, zone
from atelier.planning.service import zone_for
from atelier.wods.service import compile_or_refuse

MAX_WEEKS = 104
WEEKDAY_INDEX = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}
COACHING_ROLES = (Role.coach, Role.admin)  # like invitations: an admin may coach too


# --- days --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayPlan:
    """One day of a version as written: placed by (week, weekday) or by day_offset."""

    week: int | None = None
    weekday: str | None = None
    day_offset: int | None = None
    wod_id: uuid.UUID | None = None
    wod_version: int | None = None
    source: str | None = None
    title: str | None = None
    notes: str | None = None
    time: time | None = None


def day_date(start: date, day: dict[str, Any]) -> date:
    """The date a stored day falls on for an assignment starting on ``start``.

    Week ``n`` is the seven days from ``start + 7(n-1)``; a weekday is the one date of that window
    with that weekday (so week 1's Monday is the first Monday on or after the start date). An offset
    counts days from the start date (offset 0 is the start date).
    """
    if day.get("day_offset") is not None:
        return start + timedelta(days=int(day["day_offset"]))
    window = start + timedelta(weeks=int(day["week"]) - 1)
    return window + timedelta(days=(WEEKDAY_INDEX[day["weekday"]] - window.weekday()) % 7)


def _placement_errors(weeks: int, day: DayPlan) -> list[str]:
    weekly = day.week is not None or day.weekday is not None
    if weekly and day.day_offset is not None:
        return ["give either week and weekday, or day_offset, not both"]
    if day.day_offset is not None:
        if not 0 <= day.day_offset <= weeks * 7 - 1:
            return [f"day_offset must be 0 to {weeks * 7 - 1} for a {weeks}-week version"]
        return []
    errors = []
    if day.week is None or day.weekday is None:
        errors.append("give week and weekday together, or day_offset")
    if day.week is not None and not 1 <= day.week <= weeks:
        errors.append(f"week must be 1 to {weeks}")
    if day.weekday is not None and day.weekday not in WEEKDAY_INDEX:
        errors.append("weekday must be one of MO, TU, WE, TH, FR, SA, SU")
    return errors


async def _checked_days(
    session: AsyncSession, runtime: Runtime, actor: User, weeks: int, days: list[DayPlan]
) -> list[dict[str, Any]]:
    """Every day checked (placement, then the WOD or source) and stored self-contained; one 422
    listing every bad day by its index in ``days``."""
    if not 1 <= weeks <= MAX_WEEKS:
        raise Problem(422, f"weeks must be 1 to {MAX_WEEKS}")
    errors: list[dict[str, Any]] = []
    stored: list[dict[str, Any]] = []
    resolved: dict[tuple[uuid.UUID | None, int | None, str | None], snapshot.Planned | Problem] = {}
    for index, day in enumerate(days):
        problems: list[dict[str, Any]] = [{"message": m} for m in _placement_errors(weeks, day)]
        key = (day.wod_id, day.wod_version, day.source)
        if key not in resolved:
            try:
                resolved[key] = await snapshot.planned_workout(
                    session,
                    runtime,
                    actor.id,
                    wod_id=day.wod_id,
                    wod_version=day.wod_version,
                    source=day.source,
                )
            except Problem as exc:
                resolved[key] = exc
        planned = resolved[key]
        if isinstance(planned, Problem):
            problems.append({"message": planned.detail, **planned.extensions})
        if problems:
            for problem in problems:
                errors.append(
                    {"loc": ["body", "days", str(index)], "day": index, "type": "invalid_day", **problem}
                )
            continue
        assert isinstance(planned, snapshot.Planned)
        stored.append(
            {
                "week": day.week if day.day_offset is None else None,
                "weekday": day.weekday if day.day_offset is None else None,
                "day_offset": day.day_offset,
                "wod_id": str(planned.wod_id) if planned.wod_id else None,
                "wod_version": planned.wod_version,
                "source": planned.source,
                "workout_title": planned.title,
                "title": day.title,
                "notes": day.notes,
                "time": day.time.isoformat(timespec="minutes") if day.time else None,
            }
        )
    if errors:
        bad = sorted({e["day"] for e in errors})
        listed = "; ".join(f"days[{e['day']}]: {e['message']}" for e in errors[:5])
        if len(errors) > 5:
            listed += f"; and {len(errors) - 5} more (see errors)"
        raise Problem(
            422,
            f"{len(bad)} invalid day{'s' if len(bad) > 1 else ''}: {listed}",
            errors=errors,
            invalid_days=bad,
        )
    return stored


# --- routines and versions -----------------------------------------------------------------------


def _require_coach(actor: User) -> None:
    if actor.role not in COACHING_ROLES:
        raise Forbidden("only coaches write routines and assign them")


def _assigned_to(actor_id: uuid.UUID) -> ColumnElement[bool]:
    """Routines with an assignment (any status) to ``actor_id``: their history keeps pointing there."""
    return exists().where(
        RoutineAssignment.routine_id == Routine.id, RoutineAssignment.athlete_id == actor_id
    )


async def _owned(
    session: AsyncSession, actor: User, routine_id: uuid.UUID, *, for_update: bool = False
) -> Routine:
    statement = select(Routine).where(Routine.id == routine_id, Routine.coach_id == actor.id)
    if for_update:
        statement = statement.with_for_update(of=Routine)
    routine = await session.scalar(statement.execution_options(populate_existing=True))
    if routine is None:
        raise NotFound("routine")
    return routine


async def _version(
    session: AsyncSession, routine: Routine, number: int, *, for_update: bool = False
) -> RoutineVersion:
    statement = select(RoutineVersion).where(
        RoutineVersion.routine_id == routine.id, RoutineVersion.version == number
    )
    if for_update:
        statement = statement.with_for_update(of=RoutineVersion)
    version = await session.scalar(statement.execution_options(populate_existing=True))
    if version is None:
        raise NotFound(f"version {number} of this routine")
    return version


async def create_routine(
    session: AsyncSession,
    runtime: Runtime,
    actor: User,
    *,
    title: str,
    description: str | None,
    weeks: int,
    days: list[DayPlan],
) -> tuple[Routine, RoutineVersion]:
    _require_coach(actor)
    stored = await _checked_days(session, runtime, actor, weeks, days)
    now = utcnow()
    routine = Routine(
        id=uuid.uuid4(), coach_id=actor.id, title=title, description=description, created_at=now
    )
    session.add(routine)
    await session.flush()  # the version's row-level policy looks the routine up
    version = RoutineVersion(
        id=uuid.uuid4(), routine_id=routine.id, version=1, weeks=weeks, days=stored, created_at=now
    )
    session.add(version)
    await session.flush()
    return routine, version


async def add_version(
    session: AsyncSession,
    runtime: Runtime,
    actor: User,
    routine_id: uuid.UUID,
    *,
    weeks: int,
    days: list[DayPlan],
) -> RoutineVersion:
    _require_coach(actor)
    routine = await _owned(session, actor, routine_id, for_update=True)  # one "next number" at a time
    stored = await _checked_days(session, runtime, actor, weeks, days)
    latest = await session.scalar(
        select(func.max(RoutineVersion.version)).where(RoutineVersion.routine_id == routine.id)
    )
    version = RoutineVersion(
        id=uuid.uuid4(),
        routine_id=routine.id,
        version=int(latest or 0) + 1,
        weeks=weeks,
        days=stored,
        created_at=utcnow(),
    )
    session.add(version)
    await session.flush()
    return version


async def edit_version(
    session: AsyncSession,
    runtime: Runtime,
    actor: User,
    routine_id: uuid.UUID,
    number: int,
    *,
    weeks: int,
    days: list[DayPlan],
) -> RoutineVersion:
    _require_coach(actor)
    routine = await _owned(session, actor, routine_id)
    version = await _version(session, routine, number, for_update=True)
    if version.frozen_at is not None:
        raise Conflict(
            f"version {number} is frozen: it has been assigned; create a new version",
            frozen_at=version.frozen_at.isoformat(),
        )
    version.days = await _checked_days(session, runtime, actor, weeks, days)
    version.weeks = weeks
    await session.flush()
    return version


@dataclass
class RoutineView:
    routine: Routine
    coach_name: str | None
    mine: bool
    versions: list[RoutineVersion] = field(default_factory=list)

    @property
    def version_numbers(self) -> list[int]:
        return [v.version for v in self.versions]


def _versions_for(actor_id: uuid.UUID, routine: Routine) -> Select[RoutineVersion]:
    """The owner sees every version; an athlete only those assigned to them."""
    statement = select(RoutineVersion).where(RoutineVersion.routine_id == routine.id)
    if routine.coach_id != actor_id:
        statement = statement.where(
            exists().where(
                RoutineAssignment.routine_version_id == RoutineVersion.id,
                RoutineAssignment.athlete_id == actor_id,
            )
        )
    return statement.order_by(RoutineVersion.version)


async def readable_routine(session: AsyncSession, actor: User, routine_id: uuid.UUID) -> RoutineView:
    row = (
        await session.execute(
            select(Routine, User.name)
            .outerjoin(User, User.id == Routine.coach_id)
            .where(Routine.id == routine_id, or_(Routine.coach_id == actor.id, _assigned_to(actor.id)))
        )
    ).first()
    if row is None:
        raise NotFound("routine")
    routine, coach_name = row
    versions = list((await session.scalars(_versions_for(actor.id, routine))).all())
    return RoutineView(routine, coach_name, routine.coach_id == actor.id, versions)


async def readable_version(
    session: AsyncSession, actor: User, routine_id: uuid.UUID, number: int
) -> RoutineVersion:
    view = await readable_routine(session, actor, routine_id)
    for version in view.versions:
        if version.version == number:
            return version
    raise NotFound(f"version {number} of this routine")


async def list_routines(
    session: AsyncSession, actor: User, *, limit: int, offset: int
) -> tuple[list[RoutineView], int]:
    """A coach's own routines and the routines assigned to the caller, newest first."""
    reachable = or_(Routine.coach_id == actor.id, _assigned_to(actor.id))
    total = await session.scalar(select(func.count(Routine.id)).where(reachable))
    rows = (
        await session.execute(
            select(Routine, User.name)
            .outerjoin(User, User.id == Routine.coach_id)
            .where(reachable)
            .order_by(Routine.created_at.desc(), Routine.id)
            .limit(limit)
            .offset(offset)
        )
    ).all()
    views = [RoutineView(r, name, r.coach_id == actor.id) for r, name in rows]
    if views:
        by_id = {v.routine.id: v for v in views}
        statement_versions = select(RoutineVersion).where(RoutineVersion.routine_id.in_(list(by_id)))
        foreign = [v.routine.id for v in views if not v.mine]
        if foreign:
            statement_versions = statement_versions.where(
                or_(
                    RoutineVersion.routine_id.not_in(foreign),
                    exists().where(
                        RoutineAssignment.routine_version_id == RoutineVersion.id,
                        RoutineAssignment.athlete_id == actor.id,
                    ),
                )
            )
        for version in await session.scalars(statement_versions.order_by(RoutineVersion.version)):
            by_id[version.routine_id].versions.append(version)
    return views, int(total or 0)


# --- assignments ---------------------------------------------------------------------------------


@dataclass
class AssignmentView:
    """An assignment with what a person needs to read it: who assigned what, to whom, for how long."""

    assignment: RoutineAssignment
    routine_title: str
    version: int
    weeks: int
    coach_name: str | None
    athlete_name: str

    @property
    def end_date(self) -> date:
        return self.assignment.start_date + timedelta(weeks=self.weeks, days=-1)


@dataclass
class WoundDown:
    assignment_id: uuid.UUID
    removed: int
    kept: int


@dataclass
class Assigned:
    view: AssignmentView
    timezone: str
    sessions_created: int
    replaced: WoundDown | None


async def _active_link(session: AsyncSession, coach_id: uuid.UUID, athlete_id: uuid.UUID) -> CoachLink | None:
    """The active link, locked: assignments of one (coach, athlete) pair happen one at a time."""
    return await session.scalar(
        select(CoachLink)
        .where(
            CoachLink.coach_id == coach_id,
            CoachLink.athlete_id == athlete_id,
            CoachLink.status == LinkStatus.active,
        )
        .with_for_update(of=CoachLink)
        .execution_options(populate_existing=True)
    )


def _today_in(zone_name: str, now: datetime, cache: dict[str, date]) -> date:
    if zone_name not in cache:
        try:
            cache[zone_name] = now.astimezone(zone(zone_name)).date()
        except InvalidRule:
            cache[zone_name] = now.date()
    return cache[zone_name]


async def _wind_down(
    session: AsyncSession, assignment: RoutineAssignment, status: AssignmentStatus, now: datetime
) -> WoundDown:
    """Invariant 5: delete the assignment's sessions still ``scheduled`` from today on (today in the
    zone each session is planned in); keep everything else, then close the assignment."""
    rows = (
        await session.execute(
            select(Session.id, Session.status, Session.session_date, Session.timezone)
            .where(Session.assignment_id == assignment.id)
            .with_for_update(of=Session)
        )
    ).all()
    todays: dict[str, date] = {}
    doomed = [
        sid
        for sid, state, day, zone_name in rows
        if state == Status.scheduled and day >= _today_in(zone_name, now, todays)
    ]
    for start in range(0, len(doomed), 500):
        await session.execute(
            delete(Session)
            .where(Session.id.in_(doomed[start : start + 500]), Session.status == Status.scheduled)
            .execution_options(synchronize_session=False)
        )
    assignment.status = status
    assignment.ended_at = now
    return WoundDown(assignment.id, len(doomed), len(rows) - len(doomed))


def _session_rows(
    assignment: RoutineAssignment,
    version: RoutineVersion,
    coach_id: uuid.UUID,
    timezone: str,
    now: datetime,
) -> list[tuple[Session, str]]:
    """One scheduled one-off per day, with the title of the workout its snapshot is named after."""
    rows = []
    for day in version.days:
        row = Session(
            id=uuid.uuid4(),
            athlete_id=assignment.athlete_id,
            created_by=coach_id,
            kind=SessionKind.one_off,
            title=day.get("title") or day["workout_title"],
            wod_id=uuid.UUID(day["wod_id"]) if day.get("wod_id") else None,
            wod_version=day.get("wod_version"),
            source=day["source"],
            notes=day.get("notes"),
            session_date=day_date(assignment.start_date, day),
            session_time=time.fromisoformat(day["time"]) if day.get("time") else None,
            timezone=timezone,
            exceptions=[],
            status=Status.scheduled,
            routine_id=assignment.routine_id,
            routine_version_id=version.id,
            assignment_id=assignment.id,
            created_at=now,
            updated_at=now,
        )
        rows.append((row, str(day["workout_title"])))
    return rows


async def _snapshots(
    session: AsyncSession,
    runtime: Runtime,
    athlete_id: uuid.UUID,
    rows: list[tuple[Session, str]],
    now: datetime,
) -> None:
    """Each session's snapshot from its stored source; identical days share one rendering."""
    taken: dict[tuple[str, str, uuid.UUID | None, int | None], dict[str, Any]] = {}
    for row, workout_title in rows:
        assert row.source is not None
        key = (row.source, workout_title, row.wod_id, row.wod_version)
        if key not in taken:
            _, document = await compile_or_refuse(runtime, row.source)
            planned = snapshot.Planned(workout_title, document, row.source, row.wod_id, row.wod_version)
            taken[key] = await snapshot.take(session, athlete_id, planned, at=now)
        row.snapshot = copy.deepcopy(taken[key])
        row.snapshot_at = now


async def assign(
    session: AsyncSession,
    runtime: Runtime,
    actor: User,
    routine_id: uuid.UUID,
    number: int,
    *,
    athlete_id: uuid.UUID,
    start_date: date,
    timezone: str | None,
) -> Assigned:
    """Assign version ``number`` to a linked athlete from ``start_date``, replacing the coach's
    active assignment to that athlete, if any, in the same transaction."""
    _require_coach(actor)
    routine = await _owned(session, actor, routine_id)
    version = await _version(session, routine, number, for_update=True)
    if await _active_link(session, actor.id, athlete_id) is None:
        raise NotFound("athlete")
    zone_name = await zone_for(session, athlete_id, timezone)
    try:
        start_date + timedelta(weeks=version.weeks)
    except OverflowError as exc:
        raise Problem(422, "start_date is too far in the future") from exc
    now = utcnow()
    previous = list(
        (
            await session.scalars(
                select(RoutineAssignment)
                .where(
                    RoutineAssignment.athlete_id == athlete_id,
                    RoutineAssignment.coach_id == actor.id,
                    RoutineAssignment.status == AssignmentStatus.active,
                )
                .order_by(RoutineAssignment.created_at.desc())
                .with_for_update(of=RoutineAssignment)
                .execution_options(populate_existing=True)
            )
        ).all()
    )
    assignment = RoutineAssignment(
        id=uuid.uuid4(),
        routine_id=routine.id,
        routine_version_id=version.id,
        athlete_id=athlete_id,
        coach_id=actor.id,
        start_date=start_date,
        status=AssignmentStatus.active,
        created_at=now,
    )
    session.add(assignment)
    await session.flush()
    replaced: WoundDown | None = None
    for old in previous:  # at most one while the link lock holds; all of them if data says otherwise
        wound = await _wind_down(session, old, AssignmentStatus.replaced, now)
        old.replaced_by_id = assignment.id
        if replaced is None:
            replaced = wound
        else:
            replaced.removed += wound.removed
            replaced.kept += wound.kept
    if version.frozen_at is None:
        version.frozen_at = now
    rows = _session_rows(assignment, version, actor.id, zone_name, now)
    await _snapshots(session, runtime, athlete_id, rows, now)
    session.add_all([row for row, _ in rows])
    await session.flush()
    view = await assignment_view(session, actor, assignment.id)
    return Assigned(view, zone_name, len(rows), replaced)


def _views_statement(actor_id: uuid.UUID) -> Select[RoutineAssignment, str, int, int, str, str]:
    coach = aliased(User, name="coach")
    athlete = aliased(User, name="athlete")
    return (
        select(
            RoutineAssignment,
            Routine.title,
            RoutineVersion.version,
            RoutineVersion.weeks,
            coach.name,
            athlete.name,
        )
        .join(Routine, Routine.id == RoutineAssignment.routine_id)
        .join(RoutineVersion, RoutineVersion.id == RoutineAssignment.routine_version_id)
        .join(athlete, athlete.id == RoutineAssignment.athlete_id)
        .outerjoin(coach, coach.id == RoutineAssignment.coach_id)
        .where(or_(RoutineAssignment.athlete_id == actor_id, RoutineAssignment.coach_id == actor_id))
    )


def _view(
    assignment: RoutineAssignment, title: str, version: int, weeks: int, coach: str | None, athlete: str
) -> AssignmentView:
    return AssignmentView(assignment, title, version, weeks, coach, athlete)


async def assignment_view(session: AsyncSession, actor: User, assignment_id: uuid.UUID) -> AssignmentView:
    row = (
        await session.execute(
            _views_statement(actor.id)
            .where(RoutineAssignment.id == assignment_id)
            .execution_options(populate_existing=True)
        )
    ).first()
    if row is None:
        raise NotFound("assignment")
    return _view(*row)


async def list_assignments(
    session: AsyncSession,
    actor: User,
    *,
    athlete_id: uuid.UUID | None,
    routine_id: uuid.UUID | None,
    status: AssignmentStatus | None,
    limit: int,
    offset: int,
) -> tuple[list[AssignmentView], int]:
    """Assignments made to the caller (who assigned what) and by the caller, newest first."""
    statement = _views_statement(actor.id)
    filters: list[ColumnElement[bool]] = []
    if athlete_id is not None:
        filters.append(RoutineAssignment.athlete_id == athlete_id)
    if routine_id is not None:
        filters.append(RoutineAssignment.routine_id == routine_id)
    if status is not None:
        filters.append(RoutineAssignment.status == status)
    if filters:
        statement = statement.where(and_(*filters))
    total = await session.scalar(select(func.count()).select_from(statement.subquery()))
    rows = await session.execute(
        statement.order_by(RoutineAssignment.created_at.desc(), RoutineAssignment.id)
        .limit(limit)
        .offset(offset)
    )
    return [_view(*row) for row in rows.all()], int(total or 0)


async def end(
    session: AsyncSession, actor: User, assignment_id: uuid.UUID
) -> tuple[AssignmentView, WoundDown]:
    """The coach ends an assignment: the same deletion rule as a replacement (invariant 5)."""
    view = await assignment_view(session, actor, assignment_id)
    assignment = view.assignment
    if assignment.coach_id != actor.id:
        raise Forbidden("only the coach who made this assignment can end it")
    if await _active_link(session, actor.id, assignment.athlete_id) is None:
        raise Forbidden("you no longer coach this athlete")
    locked = await session.scalar(
        select(RoutineAssignment)
        .where(RoutineAssignment.id == assignment.id)
        .with_for_update(of=RoutineAssignment)
        .execution_options(populate_existing=True)
    )
    assert locked is not None
    if locked.status != AssignmentStatus.active:
        raise Conflict(
            f"this assignment is already {locked.status.value}", current_status=locked.status.value
        )
    wound = await _wind_down(session, locked, AssignmentStatus.ended, utcnow())
    await session.flush()
    return view, wound
