"""REST: the five coaches, the Advice and Progression tabs, illustrations.

Everything here is the caller's own: prescriptions, insights and refreshes are read and written for
the authenticated athlete only (another user's prescription is a 404). Illustrations are shared by
everyone; their files are public and immutable (content-addressed names, one-year cache).
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, BackgroundTasks, Query, Response, status
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field

from atelier.accounts import service as accounts
from atelier.accounts.auth import CurrentUser
from atelier.coaching import context, illustrations, insights, service
from atelier.coaching.facts import Discipline
from atelier.coaching.models import CoachPrescription
from atelier.kit.problems import NotFound
from atelier.kit.runtime import RuntimeDep, SessionDep
from atelier.planning.api import session_out
from atelier.planning.schemas import SessionOut

router = APIRouter(tags=["coaching"])

ONE_YEAR = 365 * 24 * 3600


class PrescriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    discipline: Discipline
    minutes: int = Field(ge=service.MIN_MINUTES, le=service.MAX_MINUTES, description="time available")
    location_id: uuid.UUID | None = Field(None, description="where you train (its equipment is used)")
    equipment: list[str] | None = Field(
        None,
        max_length=60,
        description="what you have, when no location is given (default: your default location)",
    )


class AcceptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date: dt.date | None = Field(None, description="default: today in your time zone")
    time: dt.time | None = None


class IllustrationOut(BaseModel):
    movement: str
    status: str
    url: str | None
    priority: int | None
    attempts: int
    last_error: str | None
    generator: str | None


class PrescriptionOut(BaseModel):
    id: uuid.UUID
    discipline: str
    engine: str
    title: str
    minutes: int
    source: str
    reasons: list[str]
    equipment: list[str]
    location_id: uuid.UUID | None
    language: str
    created_at: dt.datetime
    accepted_at: dt.datetime | None
    session_id: uuid.UUID | None
    document: dict[str, Any]
    illustrations: list[IllustrationOut] = []


def _out(row: CoachPrescription, shown: list[illustrations.Status] | None = None) -> PrescriptionOut:
    return PrescriptionOut(
        id=row.id,
        discipline=row.discipline,
        engine=row.engine,
        title=row.title,
        minutes=row.minutes,
        source=row.source,
        reasons=list(row.reasons),
        equipment=list(row.equipment),
        location_id=row.location_id,
        language=row.language,
        created_at=row.created_at,
        accepted_at=row.accepted_at,
        session_id=row.session_id,
        document=row.document,
        illustrations=[IllustrationOut(**s.as_dict()) for s in shown or []],
    )


@router.post(
    "/api/v1/coaching/prescriptions", response_model=PrescriptionOut, status_code=status.HTTP_201_CREATED
)
async def prescribe(
    body: PrescriptionIn,
    session: SessionDep,
    runtime: RuntimeDep,
    user: CurrentUser,
    background: BackgroundTasks,
) -> PrescriptionOut:
    """Today's session from the chosen coach, compiled, fitted to your kit, level and recent load."""
    offer = await service.prescribe(
        session,
        runtime,
        user,
        discipline=body.discipline,
        minutes=body.minutes,
        location_id=body.location_id,
        equipment=body.equipment,
    )
    if offer.queued:  # after the response, so after the commit that wrote the queue rows
        background.add_task(runtime.nudge, illustrations.TASK)
    return _out(offer.prescription, offer.illustrations)


@router.get("/api/v1/coaching/prescriptions", response_model=list[PrescriptionOut])
async def list_prescriptions(
    session: SessionDep, user: CurrentUser, limit: Annotated[int, Query(ge=1, le=100)] = 20
) -> list[PrescriptionOut]:
    return [_out(row) for row in await service.recent(session, user, limit)]


@router.get("/api/v1/coaching/prescriptions/{prescription_id}", response_model=PrescriptionOut)
async def get_prescription(
    prescription_id: uuid.UUID,
    session: SessionDep,
    user: CurrentUser,
    background: BackgroundTasks,
    runtime: RuntimeDep,
) -> PrescriptionOut:
    row = await service.owned(session, user, prescription_id)
    shown, queued = await service.illustrations_for(session, row.document, row.discipline)
    if queued:
        background.add_task(runtime.nudge, illustrations.TASK)
    return _out(row, shown)


@router.post(
    "/api/v1/coaching/prescriptions/{prescription_id}/accept",
    response_model=SessionOut,
    status_code=status.HTTP_201_CREATED,
)
async def accept(
    prescription_id: uuid.UUID,
    session: SessionDep,
    runtime: RuntimeDep,
    user: CurrentUser,
    body: AcceptIn | None = None,
) -> SessionOut:
    """Schedule the prescription as a session (today unless a date is given)."""
    body = body or AcceptIn()
    row = await service.accept(session, runtime, user, prescription_id, day=body.date, at=body.time)
    return session_out(row)


def _answer(answer: insights.Answer, response: Response) -> dict[str, Any]:
    response.headers["X-Cache"] = answer.tier
    if answer.body is None:
        response.status_code = status.HTTP_202_ACCEPTED
        response.headers["Retry-After"] = "5"
        return {"status": "pending", "detail": "the analysis is being written; ask again in a few seconds"}
    return answer.body


Language = Literal["en", "fr"]


async def _language(
    session: SessionDep, runtime: RuntimeDep, user: CurrentUser, given: Language | None
) -> str:
    """The language asked for, else the profile's (kept in this process's memory for 2 minutes, so
    a memory-tier answer costs no query beyond authentication)."""
    if given is not None:
        return given
    key = accounts.language_key(user.id)
    known = await runtime.local_cache.get(key)
    if known is None:
        _, profile = await context.today_of(session, user.id)
        known = profile.language if profile is not None and profile.language in ("en", "fr") else "en"
        await runtime.local_cache.set(key, known, insights.MEMORY_SECONDS)
    return str(known)


@router.get("/api/v1/coaching/insights")
async def get_insights(
    session: SessionDep,
    runtime: RuntimeDep,
    user: CurrentUser,
    response: Response,
    language: Language | None = None,
) -> dict[str, Any]:
    """The Advice tab: your last 90 days — improving, lagging, unbalanced, and next week's focus.

    ``X-Cache`` says where the answer came from: memory, table, generated (or pending: 202)."""
    lang = await _language(session, runtime, user, language)
    return _answer(await insights.read(session, runtime, user.id, "advice", "all", lang), response)


@router.get("/api/v1/coaching/progression")
async def get_progression(
    session: SessionDep,
    runtime: RuntimeDep,
    user: CurrentUser,
    response: Response,
    period: Literal["week", "month", "quarter"] = "week",
    language: Language | None = None,
) -> dict[str, Any]:
    """The Progression tab: the period in two paragraphs and three actions."""
    lang = await _language(session, runtime, user, language)
    return _answer(await insights.read(session, runtime, user.id, "progression", period, lang), response)


@router.post("/api/v1/coaching/refresh")
async def refresh(session: SessionDep, runtime: RuntimeDep, user: CurrentUser) -> dict[str, Any]:
    """Throw away your cached analysis now (once an hour: 429 with Retry-After otherwise)."""
    allowed = await insights.refresh(session, runtime, user.id)
    return {"refreshed": True, "next_refresh_at": allowed.isoformat()}


@router.post("/api/v1/illustrations/{movement}", response_model=IllustrationOut)
async def request_illustration(
    movement: str,
    session: SessionDep,
    runtime: RuntimeDep,
    user: CurrentUser,
    response: Response,
    background: BackgroundTasks,
    priority: Annotated[
        int, Query(ge=illustrations.HIGHEST, le=illustrations.LOWEST)
    ] = illustrations.DEFAULT_PRIORITY,
) -> IllustrationOut:
    """The movement's illustration (by id, name or alias), or its place in the generation queue (202)."""
    entry = illustrations.movement_of(movement)
    found, queued = await illustrations.request(session, entry, priority=priority)
    if queued:
        background.add_task(runtime.nudge, illustrations.TASK)
    if found.status != "completed":
        response.status_code = status.HTTP_202_ACCEPTED
    return IllustrationOut(**found.as_dict())


@router.get("/api/v1/illustrations/{movement}", response_model=IllustrationOut)
async def illustration_status(movement: str, session: SessionDep, user: CurrentUser) -> IllustrationOut:
    """Poll here after asking: pending → processing → completed (with its URL) or failed."""
    return IllustrationOut(**(await illustrations.status_of(session, movement)).as_dict())


@router.get("/illustrations/files/{name}", include_in_schema=False)
async def illustration_file(name: str, runtime: RuntimeDep) -> FileResponse:
    folder = illustrations.storage(runtime).resolve()
    path = (folder / name).resolve()
    if path.parent != folder or name.startswith(".") or not path.is_file():
        raise NotFound("file")
    media = {"svg": "image/svg+xml", "png": "image/png", "webp": "image/webp", "jpg": "image/jpeg"}
    return FileResponse(
        Path(path),
        media_type=media.get(path.suffix.lstrip("."), "application/octet-stream"),
        headers={"Cache-Control": f"public, max-age={ONE_YEAR}, immutable"},
    )
