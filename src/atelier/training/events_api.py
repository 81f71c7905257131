"""Live tracking of a class over HTTP: teams, events (single or batch), the board, its SSE stream,
an athlete's timeline, and closing the class into results."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from atelier.accounts.auth import CurrentUser, authenticate, bearer
from atelier.kit.pubsub import Message
from atelier.kit.runtime import RuntimeDep, SessionDep, request_session
from atelier.training import closing, events

router = APIRouter(prefix="/api/v1", tags=["live"])

KEEP_ALIVE_SECONDS = 15.0


class TeamIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=60)
    members: list[uuid.UUID] = Field(min_length=1, max_length=50, description="in relay order")


class TeamsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    teams: list[TeamIn] = Field(max_length=200)


class TeamOut(BaseModel):
    id: uuid.UUID
    name: str
    members: list[uuid.UUID]


class EventIn(BaseModel):
    """Work done at ``offset_s`` seconds from the start of the class. Give each event an ``id``
    (a UUID the client makes) so a retry is recognised; without one, the server makes one."""

    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    athlete_id: uuid.UUID
    offset_s: float = Field(ge=0, le=86_400)
    kind: Literal["complete", "start", "rest"] = "complete"
    movement: str | None = Field(None, max_length=64, description="catalog id or name; none: the current leg")
    quantity: float | None = Field(None, ge=0, le=100_000)
    unit: str | None = Field(None, max_length=16, description="reps, cal, m, s, kg or lb; none: the leg's")


class EventBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    events: list[EventIn] = Field(min_length=1, max_length=events.MAX_BATCH)


class IgnoredOut(BaseModel):
    event: uuid.UUID
    reason: str | None


class BoardRowOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    rank: int
    tied: bool
    entrant_id: uuid.UUID
    name: str
    team: bool
    rx: bool
    display: str
    done: float
    finished_at: float | None
    current_leg: str | None
    last_offset: float | None
    started: bool
    score: dict[str, Any]


class BoardOut(BaseModel):
    class_id: uuid.UUID
    seq: int = Field(description="events stored so far: a later board has a larger seq")
    score_type: str
    rows: list[BoardRowOut]


class IngestOut(BaseModel):
    accepted: int
    ignored: list[IgnoredOut] = Field(description="valid events kept for the timeline but not counted")
    duplicates: list[uuid.UUID] = Field(
        description="ids already posted with the same values: not counted again"
    )
    board: BoardOut


class TimelineEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    athlete_id: uuid.UUID
    entrant_id: uuid.UUID
    offset_s: float
    kind: str
    movement: str | None
    quantity: float | None
    unit: str | None
    accepted: bool
    reason: str | None
    done_after: float
    posted_by: uuid.UUID
    recorded_at: datetime


class CloseOut(BaseModel):
    class_id: uuid.UUID
    results: int
    board: BoardOut


def _team_out(team: Any) -> TeamOut:
    return TeamOut(id=team.id, name=team.name, members=[uuid.UUID(m) for m in team.members])


@router.put("/classes/{class_id}/teams", response_model=list[TeamOut])
async def set_teams(
    class_id: uuid.UUID, body: TeamsIn, session: SessionDep, user: CurrentUser
) -> list[TeamOut]:
    """The class's teams and each one's relay order (the coach, before any event; replaces all)."""
    made = await events.set_teams(
        session, user, class_id, [events.TeamIn(t.name, list(t.members)) for t in body.teams]
    )
    return [_team_out(t) for t in made]


@router.get("/classes/{class_id}/teams", response_model=list[TeamOut])
async def teams(class_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> list[TeamOut]:
    return [_team_out(t) for t in await events.teams_of(session, user, class_id)]


@router.post("/classes/{class_id}/events", response_model=IngestOut, status_code=status.HTTP_200_OK)
async def post_events(
    class_id: uuid.UUID,
    body: EventIn | EventBatch,
    request: Request,
    runtime: RuntimeDep,
    token: Annotated[str | None, Depends(bearer)],
) -> Any:
    """Post one event or a batch (athletes their own; the coach, as judge, anyone's). One refused
    event refuses the batch (422 lists each with its field); a repeated id with the same values
    is reported as a duplicate and not counted again."""
    given = body.events if isinstance(body, EventBatch) else [body]
    async with request_session(runtime, request) as session:
        caller = await authenticate(session, runtime, token)
        done = await events.post_events(
            session,
            runtime,
            caller.user,
            class_id,
            [
                events.EventIn(e.id, e.athlete_id, e.offset_s, e.kind, e.movement, e.quantity, e.unit)
                for e in given
            ],
        )
        await session.commit()
        # Read once committed: a viewer never sees a board the database then rolls back, and the
        # board holds the batches of other entrants committed beside this one.
        board = await events.board_after(session, caller.user, done)
    await events.publish(runtime, board)
    return {"accepted": done.accepted, "ignored": done.ignored, "duplicates": done.duplicates, "board": board}


@router.get("/classes/{class_id}/board", response_model=BoardOut)
async def board(class_id: uuid.UUID, session: SessionDep, runtime: RuntimeDep, user: CurrentUser) -> Any:
    """The live board now: every booked athlete (or team), ranked by the workout's score type."""
    return await events.live_board(session, runtime, user, class_id)


@router.get(
    "/classes/{class_id}/live",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "board events"}},
)
async def live(
    class_id: uuid.UUID,
    request: Request,
    runtime: RuntimeDep,
    token: Annotated[str | None, Depends(bearer)],
) -> StreamingResponse:
    """Server-Sent Events: a ``board`` event now, then one each time the board changes (from any
    server process), and a comment every 15 s to keep the connection open. No database
    connection is held while streaming."""
    subscription = runtime.hub.subscribe(events.channel(class_id), maxsize=16)
    await subscription.__aenter__()
    try:
        async with request_session(runtime, request) as session:
            caller = await authenticate(session, runtime, token)
            first = await events.live_board(session, runtime, caller.user, class_id)
    except BaseException:
        await subscription.__aexit__(None, None, None)
        raise

    async def stream() -> AsyncIterator[bytes]:
        shown = first["seq"]
        try:
            yield _sse("board", first).encode()
            while True:
                try:
                    waiting = await subscription.get_waiting(timeout=KEEP_ALIVE_SECONDS)
                except TimeoutError:
                    yield b": keep-alive\n\n"
                    continue
                # A board is a whole snapshot: a viewer behind skips to the newest one waiting.
                newest = max(waiting, key=_seq_of)
                if _seq_of(newest) <= shown:
                    continue
                shown = _seq_of(newest)
                yield newest.rendered(_board_frame)  # encoded once per process, not per viewer
        except asyncio.CancelledError:
            raise
        finally:
            await subscription.__aexit__(None, None, None)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


def _sse(kind: str, data: dict[str, Any]) -> str:
    return f"event: {kind}\nid: {data.get('seq', '')}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


def _seq_of(message: Message) -> int:
    return int(message.data.get("seq", 0))


def _board_frame(message: Message) -> bytes:
    """The SSE frame of a published board: the same bytes for every viewer of the class."""
    return _sse("board", message.data).encode()


@router.get("/classes/{class_id}/athletes/{athlete_id}/timeline", response_model=list[TimelineEventOut])
async def timeline(
    class_id: uuid.UUID, athlete_id: uuid.UUID, session: SessionDep, user: CurrentUser
) -> list[TimelineEventOut]:
    """An athlete's events in the class, in the order they happened, with why any did not count."""
    found = await events.timeline(session, user, class_id, athlete_id)
    return [TimelineEventOut.model_validate(e) for e in found]


@router.post("/classes/{class_id}/close", response_model=CloseOut)
async def close(
    class_id: uuid.UUID, request: Request, runtime: RuntimeDep, token: Annotated[str | None, Depends(bearer)]
) -> Any:
    """End the class (its coach): each athlete who posted gets a finished session and its result,
    ranked on the WOD's leaderboard; no more events are taken."""
    async with request_session(runtime, request) as session:
        caller = await authenticate(session, runtime, token)
        closed = await closing.close(session, runtime, caller.user, class_id)
    return closed
