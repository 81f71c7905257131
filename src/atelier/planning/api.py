"""Planning endpoints: sessions, series and their dates, the calendar."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from atelier.accounts.auth import CurrentUser
from atelier.kit.runtime import RuntimeDep, SessionDep
from atelier.planning import calendar as calendars
from atelier.planning import service
from atelier.planning.models import Session, SessionKind
from atelier.planning.schemas import (
    CalendarOut,
    EditOut,
    SessionEdit,
    SessionIn,
    SessionOut,
    SessionPage,
)

router = APIRouter(prefix="/api/v1", tags=["planning"])

ActionPath = Literal["start", "complete", "skip", "cancel"]
ScopeQuery = Annotated[
    Literal["this", "following", "all"],
    Query(description="for a series: this date only, this date and the following ones, or all"),
]
DateQuery = Annotated[date | None, Query(alias="date", description="the series date the scope starts at")]


def session_out(row: Session) -> SessionOut:
    out = SessionOut.model_validate(row)
    out.exceptions = [date.fromisoformat(d) for d in row.exceptions]
    if row.kind == SessionKind.series:
        out.rrule = service.rule_of(row).to_rrule()
    return out


def _edit_out(result: service.EditResult) -> EditOut:
    return EditOut(
        scope=result.scope,
        session=session_out(result.session) if result.session else None,
        new_series=session_out(result.new_series) if result.new_series else None,
        updated_occurrences=result.updated,
        removed_occurrences=result.removed,
        kept_occurrences=result.kept,
    )


@router.post("/sessions", response_model=SessionOut, status_code=status.HTTP_201_CREATED)
async def create(body: SessionIn, session: SessionDep, runtime: RuntimeDep, user: CurrentUser) -> SessionOut:
    """Plan a WOD (id and version) or inline WODCraft source for a date; with ``repeat``, a series."""
    return session_out(await service.create(session, runtime, user, body))


@dataclass(frozen=True)
class PageOf:
    """Whose sessions and which page: the query parameters both session lists take."""

    athlete_id: uuid.UUID | None
    limit: int
    offset: int

    def of(self, found: tuple[list[Session], int]) -> SessionPage:
        rows, total = found
        return SessionPage(
            items=[session_out(r) for r in rows], total=total, limit=self.limit, offset=self.offset
        )


async def page_of(
    athlete_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> PageOf:
    # A coroutine, not the class itself: FastAPI would call a class in its thread pool.
    return PageOf(athlete_id, limit, offset)


PageDep = Annotated[PageOf, Depends(page_of)]


@router.get("/sessions", response_model=SessionPage)
async def list_sessions(session: SessionDep, user: CurrentUser, page: PageDep) -> SessionPage:
    """Series and one-off sessions (one card per series, not every date)."""
    return page.of(
        await service.list_plans(session, user, page.athlete_id, limit=page.limit, offset=page.offset)
    )


@router.get("/history", response_model=SessionPage)
async def history(session: SessionDep, user: CurrentUser, page: PageDep) -> SessionPage:
    """Every finished session, newest first: each date of a series on its own, with its snapshot."""
    return page.of(
        await service.finished(session, user, page.athlete_id, limit=page.limit, offset=page.offset)
    )


@router.get("/sessions/{session_id}", response_model=SessionOut)
async def read(session_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> SessionOut:
    return session_out(await service.readable(session, user, session_id))


@router.get("/sessions/{session_id}/occurrences", response_model=list[SessionOut])
async def occurrences(session_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> list[SessionOut]:
    """The dates of a series that exist (started, finished, skipped, edited or moved), by date."""
    return [session_out(r) for r in await service.history(session, user, session_id)]


@router.patch("/sessions/{session_id}", response_model=EditOut)
async def edit(
    session_id: uuid.UUID,
    body: SessionEdit,
    session: SessionDep,
    runtime: RuntimeDep,
    user: CurrentUser,
    scope: ScopeQuery = "all",
    day: DateQuery = None,
) -> EditOut:
    """Edit a session; for a series choose the scope. ``date`` in the body of a one-date edit moves it."""
    return _edit_out(await service.edit(session, runtime, user, session_id, body, scope=scope, day=day))


@router.delete("/sessions/{session_id}", response_model=EditOut)
async def remove(
    session_id: uuid.UUID,
    session: SessionDep,
    user: CurrentUser,
    scope: ScopeQuery = "all",
    day: DateQuery = None,
) -> EditOut:
    """Delete a session, a series (history stays), one date of it, or it from a date on."""
    return _edit_out(await service.remove(session, user, session_id, scope=scope, day=day))


@router.post("/sessions/{session_id}/occurrences/{day}/{action}", response_model=SessionOut)
async def act_on_date(
    session_id: uuid.UUID,
    day: date,
    action: ActionPath,
    session: SessionDep,
    runtime: RuntimeDep,
    user: CurrentUser,
) -> SessionOut:
    """Start (creating or reusing that date's occurrence), complete, skip or cancel one date."""
    return await _acted(
        session, await service.act_on_date(session, runtime, user, session_id, day, action), action
    )


@router.post("/sessions/{session_id}/{action}", response_model=SessionOut)
async def act(
    session_id: uuid.UUID, action: ActionPath, session: SessionDep, runtime: RuntimeDep, user: CurrentUser
) -> SessionOut:
    """Move a one-off session or an occurrence along its status flow (409 on an illegal move).

    A start opens the session's first attempt; starting a running session resumes its latest one."""
    return await _acted(session, await service.act(session, runtime, user, session_id, action), action)


async def _acted(session: AsyncSession, row: Session, action: str) -> SessionOut:
    from atelier.training import service as training

    out = session_out(row)
    if action == "start":
        attempt = await training.latest_attempt(session, row)
        out.attempt_id = attempt.id if attempt else None
    return out


@router.get("/calendar", response_model=CalendarOut)
async def calendar(
    session: SessionDep,
    runtime: RuntimeDep,
    user: CurrentUser,
    first: Annotated[date, Query(alias="from")],
    last: Annotated[date, Query(alias="to")],
    athlete_id: uuid.UUID | None = None,
) -> Response:
    """Every planned date from ``from`` to ``to`` inclusive: sessions, series dates, classes."""
    body = await calendars.calendar_json(session, runtime.calendars, user, athlete_id, first, last)
    return Response(content=body, media_type="application/json")
