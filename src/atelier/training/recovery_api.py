"""Recovery snapshots over HTTP: save the runner's state, find it back after a crash, resume or discard.

Every endpoint is the athlete's own: someone else's session is a 404, a linked coach gets a 403
(reading included), a series is a 422. ``GET /recovery`` answers 204 when nothing is to be offered.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, ConfigDict, Field, field_validator

from atelier.accounts.auth import CurrentUser
from atelier.kit.runtime import SessionDep
from atelier.training import recovery
from atelier.training.recovery import OFFERED_FOR, Reason

router = APIRouter(prefix="/api/v1", tags=["recovery"])

MAX_STATE_BYTES = 64 * 1024
Index = Annotated[int, Field(ge=0, le=100_000)]
TimerValue = int | float | str | bool | None


class RecoveryIn(BaseModel):
    """The runner's state, sent on every set, exercise end, rest end and a 30-second heartbeat."""

    model_config = ConfigDict(extra="forbid")

    current_exercise: Index = Field(description="index of the exercise on screen")
    current_set: Index = Field(description="index of the set on screen, within that exercise")
    completed_exercises: list[Index] = Field(default_factory=list, max_length=500)
    completed_sets: dict[Annotated[str, Field(max_length=32)], list[Index]] = Field(
        default_factory=dict,
        max_length=500,
        description='done sets by exercise index, e.g. {"0": [0, 1, 2]}',
    )
    timers: dict[Annotated[str, Field(max_length=64)], TimerValue] = Field(
        default_factory=dict,
        max_length=50,
        description='e.g. {"elapsed_s": 312, "rest_remaining_s": 45}',
    )
    state: dict[str, Any] = Field(
        default_factory=dict, description="the runner's own state, restored as sent (at most 64 KiB of JSON)"
    )
    reason: Reason = Field(description="what triggered the save")

    @field_validator("state")
    @classmethod
    def _small_enough(cls, value: dict[str, Any]) -> dict[str, Any]:
        size = len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())
        if size > MAX_STATE_BYTES:
            raise ValueError(f"is {size} bytes of JSON; at most {MAX_STATE_BYTES} are kept")
        return value


class RecoverySessionOut(BaseModel):
    id: uuid.UUID
    title: str
    date: date
    status: str


class RecoveryOut(BaseModel):
    session_id: uuid.UUID
    attempt_id: uuid.UUID | None
    current_exercise: int
    current_set: int
    completed_exercises: list[int]
    completed_sets: dict[str, Any]
    timers: dict[str, Any]
    state: dict[str, Any]
    saved_at: datetime
    offered_until: datetime = Field(description="after this it is no longer offered back (24 h)")
    session: RecoverySessionOut


def _out(found: recovery.Recovery) -> RecoveryOut:
    snapshot, row = found.snapshot, found.row
    return RecoveryOut(
        session_id=snapshot.session_id,
        attempt_id=snapshot.attempt_id,
        current_exercise=snapshot.current_exercise,
        current_set=snapshot.current_set,
        completed_exercises=snapshot.completed_exercises,
        completed_sets=snapshot.completed_sets,
        timers=snapshot.timers,
        state=snapshot.state,
        saved_at=snapshot.updated_at,
        offered_until=snapshot.updated_at + OFFERED_FOR,
        session=RecoverySessionOut(
            id=row.id, title=row.title, date=row.session_date, status=row.status.value
        ),
    )


@router.put("/sessions/{session_id}/recovery", response_model=RecoveryOut)
async def save(
    session_id: uuid.UUID, body: RecoveryIn, session: SessionDep, user: CurrentUser
) -> RecoveryOut:
    """Save (upsert) the runner's state for a session you are running; 409 when it is not running."""
    given = recovery.RunnerState(**body.model_dump())
    return _out(await recovery.save(session, user, session_id, given))


@router.get(
    "/recovery",
    response_model=RecoveryOut,
    responses={204: {"description": "nothing to recover"}},
)
async def offered(session: SessionDep, user: CurrentUser) -> Any:
    """Your most recent snapshot younger than 24 h whose session is still running, or 204."""
    found = await recovery.offered(session, user)
    if found is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    return _out(found)


@router.get("/sessions/{session_id}/recovery", response_model=RecoveryOut)
async def of_session(session_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> RecoveryOut:
    """A running session's snapshot; 404 when there is none or it is older than 24 h."""
    return _out(await recovery.of_session(session, user, session_id))


@router.post("/sessions/{session_id}/recovery/resume", response_model=RecoveryOut)
async def resume(session_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> RecoveryOut:
    """ "Reprendre": the state to restore. The snapshot is kept until the session is finished."""
    return _out(await recovery.resume(session, user, session_id))


@router.delete("/sessions/{session_id}/recovery", status_code=status.HTTP_204_NO_CONTENT)
async def discard(session_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> Response:
    """ "Annuler": delete the session's snapshot (404 when there is none)."""
    await recovery.discard(session, user, session_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
