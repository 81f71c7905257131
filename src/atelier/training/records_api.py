"""Records, progression and leaderboards (issue 5): REST."""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, TypeAdapter

from atelier.accounts.auth import CurrentUser
from atelier.kit.problems import NotFound, Problem
from atelier.kit.runtime import RuntimeDep, SessionDep
from atelier.planning import service as planning
from atelier.training import board_pages, leaderboards, progression, records
from atelier.training import service as training
from atelier.wods.catalog import resolve_movement

router = APIRouter(prefix="/api/v1", tags=["records"])


class RecordOut(BaseModel):
    """One best. ``previous`` is what it beat (null the first time); ``kind`` is 1rm, 3rm, 5rm,
    e1rm (with ``formula``: rpe_chart or epley), max_reps, longest, fastest (per ``distance_m``) or
    workout (with ``display``, ``score_type``, ``rx``)."""

    model_config = {"extra": "allow"}

    kind: str
    key: str
    name: str
    value: float
    unit: str
    session_id: uuid.UUID
    performed_on: date
    previous: float | None


class MovementRecordsOut(BaseModel):
    movement: str
    name: str
    best_loads: dict[str, RecordOut]
    e1rm: RecordOut | None = None
    max_reps: RecordOut | None = None
    longest: RecordOut | None = None
    fastest: list[RecordOut]


class RecordsOut(BaseModel):
    athlete_id: uuid.UUID
    movements: list[MovementRecordsOut]
    workouts: list[RecordOut]


class SessionRecordsOut(BaseModel):
    session_id: uuid.UUID
    records: list[RecordOut]


class MovementPointOut(BaseModel):
    period_start: date
    e1rm_kg: float | None
    top_set_kg: float
    volume_kg: float
    sets: int
    reps: int
    sessions: int


class MovementProgressionOut(BaseModel):
    athlete_id: uuid.UUID
    movement: str
    period: Literal["week", "month"]
    points: list[MovementPointOut]


class WorkoutPointOut(BaseModel):
    period_start: date
    score_type: str
    value: float | None
    secondary: float | None
    capped: bool
    rx: bool
    display: str
    performed_on: date
    session_id: uuid.UUID
    count: int


class WorkoutProgressionOut(BaseModel):
    athlete_id: uuid.UUID
    wod_id: uuid.UUID
    version: int
    title: str
    score_type: str
    period: Literal["week", "month"]
    points: list[WorkoutPointOut]


class AthleteOut(BaseModel):
    id: uuid.UUID
    name: str


class ScoreOut(BaseModel):
    type: str
    value: float | None
    secondary: float | None
    unit: str | None
    capped: bool
    display: str


class BoardRowOut(BaseModel):
    rank: int
    tied: bool
    athlete: AthleteOut
    result_id: uuid.UUID
    score: ScoreOut
    rx: bool
    level: str | None
    dnf: bool
    category: str
    performed_on: date
    class_id: uuid.UUID | None


BOARD_ROWS = TypeAdapter(list[BoardRowOut])


def _board_tail(rows: list[dict[str, Any]], total: int) -> bytes:
    """A board's rows and total as the end of its JSON answer (``LeaderboardOut``)."""
    return b'"rows":%s,"total":%d' % (BOARD_ROWS.dump_json(BOARD_ROWS.validate_python(rows)), total)


class LeaderboardOut(BaseModel):
    wod_id: uuid.UUID
    version: int
    title: str
    workout_hash: str
    score_type: str
    rows: list[BoardRowOut]
    total: int
    limit: int
    offset: int


def _period(first: date | None, last: date | None) -> None:
    if first and last and first > last:
        raise Problem(422, "from must not be after to")


@router.get("/records", response_model=RecordsOut)
async def personal_records(
    session: SessionDep, runtime: RuntimeDep, user: CurrentUser, athlete_id: uuid.UUID | None = None
) -> Any:
    """Your records (a coach passes ``athlete_id`` for a linked athlete): per movement the best
    loads for 1, 3 and 5 reps, estimated 1RM, max reps, longest and fastest efforts; per workout the
    best score. Cached for 5 minutes; finishing a session or recording a result refreshes it."""
    whose = await planning.athlete_for(session, user, athlete_id)
    book = await records.athlete_book(session, runtime, whose)
    return {"athlete_id": whose, **book["records"]}


@router.get("/sessions/{session_id}/records", response_model=SessionRecordsOut)
async def session_records(
    session_id: uuid.UUID, session: SessionDep, runtime: RuntimeDep, user: CurrentUser
) -> Any:
    """The records this finished session set (empty for one that set none, or is not finished)."""
    row = await training.readable_session(session, user, session_id)
    book = await records.athlete_book(session, runtime, row.athlete_id)
    return {"session_id": row.id, "records": book["sessions"].get(str(row.id), [])}


Period = Annotated[Literal["week", "month"], Query(description="bucket by ISO week or calendar month")]
From = Annotated[date | None, Query(alias="from")]
To = Annotated[date | None, Query(alias="to")]


@router.get("/progression/movements/{movement}", response_model=MovementProgressionOut)
async def movement_progression(
    movement: str,
    session: SessionDep,
    user: CurrentUser,
    period: Period = "month",
    first: From = None,
    last: To = None,
    athlete_id: uuid.UUID | None = None,
) -> Any:
    """Best e1RM, top set and volume of one movement (catalog id or alias) per week or month."""
    _period(first, last)
    found = resolve_movement(movement)
    if found is None:
        raise NotFound("movement")
    whose = await planning.athlete_for(session, user, athlete_id)
    rows = progression.since(await records.history(session, whose), first, last)
    return {
        "athlete_id": whose,
        "movement": found.id,
        "period": period,
        "points": progression.movement_series(rows, found.id, period),
    }


@router.get("/progression/wods/{wod_id}", response_model=WorkoutProgressionOut)
async def workout_progression(
    wod_id: uuid.UUID,
    session: SessionDep,
    user: CurrentUser,
    period: Period = "month",
    version: Annotated[int | None, Query(ge=1)] = None,
    first: From = None,
    last: To = None,
    athlete_id: uuid.UUID | None = None,
) -> Any:
    """The best score on one WOD (any version or copy that is the same workout) per week or month."""
    _period(first, last)
    whose = await planning.athlete_for(session, user, athlete_id)
    workout = await leaderboards.workout(session, user, wod_id, version)
    scores = await progression.workout_scores(session, whose, workout.workout_hash, first=first, last=last)
    return {
        "athlete_id": whose,
        "wod_id": workout.wod_id,
        "version": workout.version,
        "title": workout.title,
        "score_type": workout.score_type,
        "period": period,
        "points": progression.workout_series(scores, period),
    }


@router.get("/wods/{wod_id}/leaderboard", response_model=LeaderboardOut)
async def leaderboard(
    wod_id: uuid.UUID,
    session: SessionDep,
    runtime: RuntimeDep,
    user: CurrentUser,
    version: Annotated[int | None, Query(ge=1, description="default: the WOD's current version")] = None,
    track: Literal["rx", "scaled"] | None = None,
    level: Annotated[str | None, Query(max_length=16)] = None,
    category: Literal["men", "women"] | None = None,
    first: From = None,
    last: To = None,
    class_id: uuid.UUID | None = None,
    box: Annotated[uuid.UUID | None, Query(description="a coach's id: that coach's athletes only")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> Response:
    """Each athlete once with their best result, ranked by the WOD's score type: time ascending
    (capped athletes after finishers, by reps), rounds+reps, reps, load and calories descending; Rx
    before scaled; DNF last; ties share a rank. Hidden results are left out."""
    workout = await leaderboards.workout(session, user, wod_id, version)
    query = leaderboards.BoardQuery(
        track=track,
        level=level,
        category=category,
        first=first,
        last=last,
        class_id=class_id,
        box=box,
        limit=limit,
        offset=offset,
    )
    # The public board is kept per process while the workout's board version holds; a viewer who
    # sees hidden bests gets theirs merged into it (training/board_pages.py). The head is built
    # anew: the WOD's title and version are read above on every request.
    leaderboards.check(workout, query)
    stamp = await board_pages.stamp_of(session, user, workout, query)
    if stamp is None:
        tail = _board_tail(*await leaderboards.board(session, user, workout, query))
    else:
        tail = await board_pages.tail(session, runtime.boards, user, workout, query, stamp, _board_tail)
    head = {
        "wod_id": str(workout.wod_id),
        "version": workout.version,
        "title": workout.title,
        "workout_hash": workout.workout_hash,
        "score_type": workout.score_type,
        "limit": limit,
        "offset": offset,
    }
    body = json.dumps(head, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(content=body[:-1] + b"," + tail + b"}", media_type="application/json")
