"""Running a session: attempts, progress, exercise auto-save (versioned, idempotent), metrics."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status
from fastapi.responses import JSONResponse

from atelier.accounts.auth import CurrentUser, authenticate, bearer
from atelier.accounts.security import InvalidToken, read_access_token
from atelier.db import begin_writing, set_rls_context
from atelier.kit.problems import Conflict
from atelier.kit.runtime import RuntimeDep, SessionDep, request_session
from atelier.planning import service as planning
from atelier.planning.models import Status
from atelier.training import autosave, records, results, service
from atelier.training.schemas import (
    AttemptIn,
    AttemptOut,
    ExerciseOut,
    ExerciseSaveIn,
    FinishedPage,
    FinishedSessionOut,
    MetricsOut,
    ProgressOut,
    ResultOut,
    Summary,
)

router = APIRouter(prefix="/api/v1", tags=["training"])

IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", max_length=100, description="a retry with the same key is applied once"),
]


@router.get("/sessions/{session_id}/attempts", response_model=list[AttemptOut])
async def attempts(session_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> list[AttemptOut]:
    """Every press of start on this session, oldest first."""
    return [AttemptOut.model_validate(a) for a in await service.attempts_of(session, user, session_id)]


@router.post(
    "/sessions/{session_id}/attempts", response_model=AttemptOut, status_code=status.HTTP_201_CREATED
)
async def new_attempt(
    session_id: uuid.UUID, body: AttemptIn, session: SessionDep, runtime: RuntimeDep, user: CurrentUser
) -> AttemptOut:
    """Start again: a scheduled session starts; a running one gets a new attempt (the open one is
    closed as abandoned). The progress, and everything logged, carries over."""
    row = await service.readable_session(session, user, session_id)
    if row.status == Status.scheduled:
        row = await planning.act(session, runtime, user, session_id, "start")
        attempt = await service.latest_attempt(session, row)
        assert attempt is not None
        attempt.rest_period_seconds = body.rest_period_seconds
    elif row.status == Status.in_progress:
        attempt = await service.new_attempt(session, row, rest_period_seconds=body.rest_period_seconds)
    else:
        raise Conflict(f"a {row.status.value} session cannot be started", current_status=row.status.value)
    return AttemptOut.model_validate(attempt)


@router.get("/sessions/{session_id}/progress", response_model=ProgressOut)
async def progress(session_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> ProgressOut:
    """What was logged, exercise by exercise, pre-filled for a resume, with the summary."""
    view = await service.progress_view(session, user, session_id)
    return ProgressOut(
        session_id=view.row.id,
        athlete_id=view.row.athlete_id,
        session_status=view.row.status.value,
        exercises=[ExerciseOut.model_validate(e) for e in view.exercises],
        summary=Summary(**view.summary),
        updated_at=view.updated_at,
    )


@router.put("/sessions/{session_id}/progress/exercises/{position}", response_model=ExerciseOut)
async def save_exercise(
    session_id: uuid.UUID,
    position: int,
    body: ExerciseSaveIn,
    request: Request,
    runtime: RuntimeDep,
    token: Annotated[str | None, Depends(bearer)],
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Auto-save one exercise. A stale ``version`` is a 409 carrying the current state; the same
    ``Idempotency-Key`` again returns the first answer without applying anything twice."""
    scope = f"PUT /sessions/{session_id}/progress/exercises/{position}"
    digest = service.request_hash(scope, body.model_dump(mode="json", exclude_unset=True))
    change = service.ExerciseSave(
        version=body.version,
        status=body.status,
        notes=body.notes,
        media=body.media,
        data=body.data,
        correction=body.correction,
        fields=set(body.model_fields_set),
    )
    remembered = (idempotency_key, scope, digest) if idempotency_key else None
    if token and runtime.quick_engine is not None:
        # The common save in one statement, before any session is opened (training/autosave.py);
        # anything it cannot do, it leaves undone for the checked path below.
        try:
            claims = read_access_token(runtime.settings, token)
        except InvalidToken:
            claims = None  # the checked path answers the 401
        if claims is not None:
            saved = await autosave.save_in_one_call(
                runtime.quick_engine, claims, session_id, position, change, remembered
            )
            if saved is not None:
                return Response(saved, media_type="application/json")
    async with request_session(runtime, request) as session:
        user = (await authenticate(session, runtime, token)).user
        try:
            # The one call above already tried this UPDATE where it exists: do not repeat it.
            answer = (
                await autosave.quick_save(session, user, session_id, position, change, remembered)
                if runtime.quick_engine is None
                else None
            )
        except autosave.KeyTaken:
            # Saved under a key already used: undo it, then replay the stored answer (or refuse the key).
            answer, user_id = None, user.id
            await session.rollback()  # expires every loaded object: load the caller again
            await begin_writing(session)
            await set_rls_context(session, user_id=user_id)
            await session.refresh(user)
        if answer is not None:
            return JSONResponse(answer)
        if idempotency_key:
            stored = await service.replayed(session, user, idempotency_key, scope, digest)
            if stored is not None:
                return JSONResponse(stored.response, status_code=stored.status_code)
        _, exercise = await service.save_exercise(session, user, session_id, position, change)
        out = ExerciseOut.model_validate(exercise)
        if idempotency_key:
            await service.remember(
                session, user, idempotency_key, scope, digest, 200, out.model_dump(mode="json")
            )
        return out


@router.get("/training/sessions", response_model=FinishedPage)
async def finished_sessions(
    session: SessionDep,
    runtime: RuntimeDep,
    user: CurrentUser,
    period: Literal["week", "month", "quarter", "year"] | None = None,
    discipline: Literal["strength", "endurance", "functional", "calisthenics"] | None = None,
    type: Annotated[str | None, Query(max_length=20, description="for_time, amrap, emom, strength…")] = None,
    athlete_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> FinishedPage:
    """Finished sessions with their metrics, newest first: the last week, month, quarter or year
    (in your time zone), one discipline, one type of workout."""
    found, total = await service.finished_sessions(
        session,
        user,
        athlete_id,
        period=period,
        discipline=discipline,
        session_type=type,
        limit=limit,
        offset=offset,
    )
    flagged: dict[str, Any] = {}
    if found:
        flagged = (await records.athlete_book(session, runtime, found[0][0].athlete_id))["sessions"]
    return FinishedPage(
        items=[
            FinishedSessionOut(
                session_id=row.id,
                title=row.title,
                date=row.session_date,
                series_id=row.parent_id,
                started_at=row.started_at,
                ended_at=row.ended_at,
                metrics=MetricsOut.model_validate(metrics),
                new_records=flagged.get(str(row.id), []),
            )
            for row, metrics in found
        ],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.post("/sessions/{session_id}/result", response_model=ResultOut, status_code=status.HTTP_201_CREATED)
async def record_result(
    session_id: uuid.UUID,
    body: results.ResultIn,
    response: Response,
    session: SessionDep,
    runtime: RuntimeDep,
    user: CurrentUser,
) -> ResultOut:
    """Record the score of a scored WOD: a running session is completed with it; a finished one
    has its result corrected (200). The fields depend on the score type (time, rounds+reps, …)."""
    result, created = await results.record(session, runtime, user, session_id, body)
    if not created:
        response.status_code = status.HTTP_200_OK
    return ResultOut.model_validate(result)


@router.get("/sessions/{session_id}/result", response_model=ResultOut)
async def read_result(session_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> ResultOut:
    return ResultOut.model_validate(await results.result_of(session, user, session_id))


@router.get("/sessions/{session_id}/metrics", response_model=MetricsOut)
async def metrics(session_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> MetricsOut:
    """A finished session's totals: volume (kg × reps), reps, distance, calories, time, mean RPE."""
    return MetricsOut.model_validate(await service.metrics_of(session, user, session_id))
