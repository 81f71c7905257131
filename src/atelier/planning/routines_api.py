"""Routine endpoints: routines and their versions, assignments to athletes (seed 002)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, ConfigDict, Field

from atelier.accounts.auth import CurrentUser
from atelier.kit.runtime import RuntimeDep, SessionDep
from atelier.planning import routines
from atelier.planning.models import AssignmentStatus, RoutineVersion

router = APIRouter(prefix="/api/v1", tags=["routines"])

Weekday = Literal["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
MAX_DAYS = 7 * routines.MAX_WEEKS * 2  # two sessions a day, every day, for two years


# --- schemas -------------------------------------------------------------------------------------


class DayIn(BaseModel):
    """A day: ``week`` (1..weeks) and ``weekday``, or ``day_offset`` (0..weeks*7-1) from the
    assignment's start date; and a WOD (``wod_id``, optional ``wod_version``) or inline ``source``."""

    model_config = ConfigDict(extra="forbid")

    week: int | None = Field(None, ge=1, le=routines.MAX_WEEKS)
    weekday: Weekday | None = None
    day_offset: int | None = Field(None, ge=0, le=routines.MAX_WEEKS * 7 - 1)
    wod_id: uuid.UUID | None = None
    wod_version: int | None = Field(None, ge=1)
    source: str | None = Field(None, min_length=1, max_length=20_000)
    title: str | None = Field(None, min_length=1, max_length=200)
    notes: str | None = Field(None, max_length=10_000)
    time: dt.time | None = Field(None, description="HH:MM, wall-clock in the assignment's time zone")

    def to_plan(self) -> routines.DayPlan:
        return routines.DayPlan(**self.model_dump())


class VersionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    weeks: int = Field(ge=1, le=routines.MAX_WEEKS)
    days: list[DayIn] = Field(min_length=1, max_length=MAX_DAYS)


class RoutineIn(VersionIn):
    title: str = Field(min_length=1, max_length=200)
    description: str | None = Field(None, max_length=10_000)


class DayOut(BaseModel):
    week: int | None
    weekday: Weekday | None
    day_offset: int | None
    wod_id: uuid.UUID | None
    wod_version: int | None
    source: str
    workout_title: str = Field(description="the WOD version's or the source's title")
    title: str | None = Field(description="the session title the coach chose, if any")
    notes: str | None
    time: dt.time | None


class VersionOut(BaseModel):
    id: uuid.UUID
    routine_id: uuid.UUID
    version: int
    weeks: int
    days: list[DayOut]
    frozen: bool
    frozen_at: dt.datetime | None
    created_at: dt.datetime


class RoutineBase(BaseModel):
    id: uuid.UUID
    coach_id: uuid.UUID
    coach_name: str | None
    title: str
    description: str | None
    created_at: dt.datetime
    mine: bool = Field(description="true for the routine's coach; false: it was assigned to you")


class RoutineSummaryOut(RoutineBase):
    versions: list[int] = Field(description="the version numbers you can read")


class RoutineOut(RoutineBase):
    versions: list[VersionOut] = Field(description="the versions you can read (an athlete: theirs)")


class RoutinePage(BaseModel):
    items: list[RoutineSummaryOut]
    total: int
    limit: int
    offset: int


class AssignmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    athlete_id: uuid.UUID
    start_date: dt.date
    timezone: str | None = Field(None, max_length=64, description="IANA zone; default: the athlete's")


class AssignmentOut(BaseModel):
    id: uuid.UUID
    routine_id: uuid.UUID
    routine_title: str
    routine_version_id: uuid.UUID
    version: int
    weeks: int
    athlete_id: uuid.UUID
    athlete_name: str
    coach_id: uuid.UUID | None
    coach_name: str | None
    start_date: dt.date
    end_date: dt.date = Field(description="the last day of the last week")
    status: AssignmentStatus
    replaced_by_id: uuid.UUID | None
    created_at: dt.datetime
    ended_at: dt.datetime | None


class ReplacedOut(BaseModel):
    assignment_id: uuid.UUID
    sessions_removed: int = Field(description="its sessions still scheduled from today on")
    sessions_kept: int = Field(description="started, finished, skipped, cancelled or past ones")


class AssignedOut(AssignmentOut):
    timezone: str
    sessions_created: int
    replaced: ReplacedOut | None = None


class EndedOut(AssignmentOut):
    sessions_removed: int
    sessions_kept: int


class AssignmentPage(BaseModel):
    items: list[AssignmentOut]
    total: int
    limit: int
    offset: int


def version_out(row: RoutineVersion) -> VersionOut:
    return VersionOut(
        id=row.id,
        routine_id=row.routine_id,
        version=row.version,
        weeks=row.weeks,
        days=[DayOut.model_validate(day) for day in row.days],
        frozen=row.frozen_at is not None,
        frozen_at=row.frozen_at,
        created_at=row.created_at,
    )


def _summary(view: routines.RoutineView) -> dict[str, Any]:
    r = view.routine
    return {
        "id": r.id,
        "coach_id": r.coach_id,
        "coach_name": view.coach_name,
        "title": r.title,
        "description": r.description,
        "created_at": r.created_at,
        "mine": view.mine,
    }


def routine_out(view: routines.RoutineView) -> RoutineOut:
    return RoutineOut(**_summary(view), versions=[version_out(v) for v in view.versions])


def _assignment(view: routines.AssignmentView) -> dict[str, Any]:
    a = view.assignment
    return {
        "id": a.id,
        "routine_id": a.routine_id,
        "routine_title": view.routine_title,
        "routine_version_id": a.routine_version_id,
        "version": view.version,
        "weeks": view.weeks,
        "athlete_id": a.athlete_id,
        "athlete_name": view.athlete_name,
        "coach_id": a.coach_id,
        "coach_name": view.coach_name,
        "start_date": a.start_date,
        "end_date": view.end_date,
        "status": a.status,
        "replaced_by_id": a.replaced_by_id,
        "created_at": a.created_at,
        "ended_at": a.ended_at,
    }


def _plans(days: list[DayIn]) -> list[routines.DayPlan]:
    return [day.to_plan() for day in days]


Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=2**31 - 1)]


# --- routines and versions -----------------------------------------------------------------------


@router.post("/routines", response_model=RoutineOut, status_code=status.HTTP_201_CREATED)
async def create_routine(
    body: RoutineIn, session: SessionDep, runtime: RuntimeDep, user: CurrentUser
) -> RoutineOut:
    """A coach writes a routine; its days become version 1 (each day is checked now)."""
    routine, _ = await routines.create_routine(
        session,
        runtime,
        user,
        title=body.title,
        description=body.description,
        weeks=body.weeks,
        days=_plans(body.days),
    )
    return routine_out(await routines.readable_routine(session, user, routine.id))


@router.get("/routines", response_model=RoutinePage)
async def list_routines(
    session: SessionDep, user: CurrentUser, limit: Limit = 50, offset: Offset = 0
) -> RoutinePage:
    """Your routines (coach) and the routines assigned to you (athlete), newest first."""
    views, total = await routines.list_routines(session, user, limit=limit, offset=offset)
    return RoutinePage(
        items=[RoutineSummaryOut(**_summary(v), versions=v.version_numbers) for v in views],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get("/routines/{routine_id}", response_model=RoutineOut)
async def read_routine(routine_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> RoutineOut:
    """A routine with its versions (an athlete sees the versions assigned to them)."""
    return routine_out(await routines.readable_routine(session, user, routine_id))


@router.post(
    "/routines/{routine_id}/versions", response_model=VersionOut, status_code=status.HTTP_201_CREATED
)
async def add_version(
    routine_id: uuid.UUID, body: VersionIn, session: SessionDep, runtime: RuntimeDep, user: CurrentUser
) -> VersionOut:
    """A new version (the next number); earlier versions and their assignments are untouched."""
    return version_out(
        await routines.add_version(
            session, runtime, user, routine_id, weeks=body.weeks, days=_plans(body.days)
        )
    )


@router.get("/routines/{routine_id}/versions/{number}", response_model=VersionOut)
async def read_version(
    routine_id: uuid.UUID, number: int, session: SessionDep, user: CurrentUser
) -> VersionOut:
    return version_out(await routines.readable_version(session, user, routine_id, number))


@router.put("/routines/{routine_id}/versions/{number}", response_model=VersionOut)
async def edit_version(
    routine_id: uuid.UUID,
    number: int,
    body: VersionIn,
    session: SessionDep,
    runtime: RuntimeDep,
    user: CurrentUser,
) -> VersionOut:
    """Replace a version's weeks and days while it has never been assigned (409 once frozen)."""
    return version_out(
        await routines.edit_version(
            session, runtime, user, routine_id, number, weeks=body.weeks, days=_plans(body.days)
        )
    )


# --- assignments ---------------------------------------------------------------------------------


@router.post(
    "/routines/{routine_id}/versions/{number}/assignments",
    response_model=AssignedOut,
    status_code=status.HTTP_201_CREATED,
)
async def assign(
    routine_id: uuid.UUID,
    number: int,
    body: AssignmentIn,
    session: SessionDep,
    runtime: RuntimeDep,
    user: CurrentUser,
) -> AssignedOut:
    """Assign a version to a linked athlete from a date: it freezes, its sessions are scheduled with
    snapshots. Your active assignment to that athlete, if any, is replaced in the same transaction:
    only its sessions still scheduled from today on are removed."""
    done = await routines.assign(
        session,
        runtime,
        user,
        routine_id,
        number,
        athlete_id=body.athlete_id,
        start_date=body.start_date,
        timezone=body.timezone,
    )
    replaced = (
        ReplacedOut(
            assignment_id=done.replaced.assignment_id,
            sessions_removed=done.replaced.removed,
            sessions_kept=done.replaced.kept,
        )
        if done.replaced
        else None
    )
    return AssignedOut(
        **_assignment(done.view),
        timezone=done.timezone,
        sessions_created=done.sessions_created,
        replaced=replaced,
    )


@router.get("/assignments", response_model=AssignmentPage)
async def list_assignments(
    session: SessionDep,
    user: CurrentUser,
    athlete_id: uuid.UUID | None = None,
    routine_id: uuid.UUID | None = None,
    status: AssignmentStatus | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> AssignmentPage:
    """Who assigned what: the assignments made to you, and those you made (filter by athlete)."""
    views, total = await routines.list_assignments(
        session,
        user,
        athlete_id=athlete_id,
        routine_id=routine_id,
        status=status,
        limit=limit,
        offset=offset,
    )
    return AssignmentPage(
        items=[AssignmentOut(**_assignment(v)) for v in views], total=total, limit=limit, offset=offset
    )


@router.get("/assignments/{assignment_id}", response_model=AssignmentOut)
async def read_assignment(assignment_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> AssignmentOut:
    return AssignmentOut(**_assignment(await routines.assignment_view(session, user, assignment_id)))


@router.post("/assignments/{assignment_id}/end", response_model=EndedOut)
async def end_assignment(assignment_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> EndedOut:
    """The coach ends an assignment: its sessions still scheduled from today on are removed."""
    view, wound = await routines.end(session, user, assignment_id)
    return EndedOut(**_assignment(view), sessions_removed=wound.removed, sessions_kept=wound.kept)
