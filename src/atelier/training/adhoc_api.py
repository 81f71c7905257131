"""Workouts started with no plan: start one, add, remove and reorder movements, save it as a WOD.

Sets are logged with the auto-save every session uses (``PUT …/progress/exercises/{position}``);
finishing is ``POST /sessions/{id}/complete``, which writes the workout back as WODCraft first.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import update

from atelier.accounts.auth import CurrentUser
from atelier.kit.problems import Problem
from atelier.kit.runtime import RuntimeDep, SessionDep
from atelier.planning.api import session_out
from atelier.planning.models import Status
from atelier.planning.schemas import SessionOut
from atelier.training import adhoc, service
from atelier.training.models import Result
from atelier.training.schemas import ExerciseOut
from atelier.wods import service as wods
from atelier.wods.models import Visibility

router = APIRouter(prefix="/api/v1", tags=["training"])


class AdhocIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, max_length=200)
    notes: str | None = Field(None, max_length=5000)
    repeat: uuid.UUID | None = Field(None, description="a finished session whose movements to start with")


class AdhocOut(BaseModel):
    session: SessionOut
    exercises: list[ExerciseOut]


class MovementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    movement: str = Field(min_length=1, max_length=120, description="catalog id, name or alias")
    superset_with: int | None = Field(
        None, ge=0, description="the position of the movement to alternate with"
    )
    data: dict[str, Any] | None = Field(None, description="sets already done, as the auto-save takes them")
    notes: str | None = Field(None, max_length=2000)


class OrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    positions: list[int] = Field(
        max_length=adhoc.LIMIT, description="every current position, in the new order"
    )


class SaveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    visibility: Visibility = Visibility.private


class SavedWod(BaseModel):
    wod_id: uuid.UUID
    version: int
    title: str
    created: bool = Field(description="false when you already had this same workout")


async def _out(session: SessionDep, row: Any) -> AdhocOut:
    progress = await service.progress_of(session, row)
    found = await service.exercises(session, progress) if progress else []
    return AdhocOut(session=session_out(row), exercises=[ExerciseOut.model_validate(e) for e in found])


@router.post("/sessions/adhoc", response_model=AdhocOut, status_code=status.HTTP_201_CREATED)
async def start(body: AdhocIn, session: SessionDep, runtime: RuntimeDep, user: CurrentUser) -> AdhocOut:
    """Start a workout now with nothing planned (or with the movements of one you did before)."""
    row = await adhoc.start(session, runtime, user, title=body.title, notes=body.notes)
    if body.repeat is not None:
        await adhoc.repeat(session, user, row, body.repeat)
    return await _out(session, row)


@router.post(
    "/sessions/{session_id}/progress/exercises",
    response_model=ExerciseOut,
    status_code=status.HTTP_201_CREATED,
)
async def add_movement(
    session_id: uuid.UUID, body: MovementIn, session: SessionDep, user: CurrentUser
) -> ExerciseOut:
    """Add a movement at the end of a running ad-hoc workout."""
    exercise = await adhoc.add(
        session,
        user,
        session_id,
        name=body.movement,
        superset_with=body.superset_with,
        data=body.data,
        notes=body.notes,
    )
    return ExerciseOut.model_validate(exercise)


@router.delete("/sessions/{session_id}/progress/exercises/{position}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_movement(
    session_id: uuid.UUID, position: int, session: SessionDep, user: CurrentUser
) -> Response:
    """Remove a movement (and what was logged for it); the ones after it move up."""
    await adhoc.remove(session, user, session_id, position)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put("/sessions/{session_id}/progress/order", response_model=list[ExerciseOut])
async def reorder(
    session_id: uuid.UUID, body: OrderIn, session: SessionDep, user: CurrentUser
) -> list[ExerciseOut]:
    """Reorder the movements; each one that moves gets a new version."""
    found = await adhoc.reorder(session, user, session_id, body.positions)
    return [ExerciseOut.model_validate(e) for e in found]


@router.post(
    "/sessions/{session_id}/save-as-wod", response_model=SavedWod, status_code=status.HTTP_201_CREATED
)
async def save_as_wod(
    session_id: uuid.UUID,
    body: SaveIn,
    response: Response,
    session: SessionDep,
    runtime: RuntimeDep,
    user: CurrentUser,
) -> SavedWod:
    """Keep a finished workout in your library, to repeat or schedule it; the session (and its
    result) then count on that WOD's progression and leaderboard."""
    row = await service.readable_session(session, user, session_id, for_update=True)
    if row.athlete_id != user.id:
        raise Problem(403, "only the athlete saves their own workout")
    if row.status != Status.completed or row.source is None:
        raise Problem(422, "finish the workout first: it is written as a WOD when it finishes")
    saved = await wods.save(session, runtime, owner=user, source=row.source, visibility=body.visibility)
    if not saved.created:
        response.status_code = status.HTTP_200_OK
    row.wod_id, row.wod_version = saved.wod.id, saved.wod.version
    await session.execute(
        update(Result)
        .where(Result.session_id == row.id)
        .values(wod_id=saved.wod.id, wod_version=saved.wod.version)
    )
    return SavedWod(
        wod_id=saved.wod.id, version=saved.wod.version, title=saved.wod.title, created=saved.created
    )
