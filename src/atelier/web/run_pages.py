"""Pages: the session runner — a timer from the WODCraft timeline, sets that auto-save, finishing.

The runner's saves go through the API's own auto-save endpoint function (versions, idempotency keys,
the one-statement fast path), called with a short access token minted from the page's login cookie.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ValidationError

from atelier.accounts import repository as accounts
from atelier.accounts.security import InvalidToken, issue_access_token, read_page_token
from atelier.kit.problems import Problem
from atelier.kit.runtime import RuntimeDep, SessionDep
from atelier.planning import service as planning
from atelier.planning.models import Session, Status
from atelier.training import api as training_api
from atelier.training import recovery, results
from atelier.training import service as training
from atelier.training.recovery_api import RecoveryIn
from atelier.training.schemas import ExerciseOut, ExerciseSaveIn
from atelier.web import csrf
from atelier.web.auth import LOGIN_COOKIE, LoginRequired, PageCaller, PageUser, start_over
from atelier.web.forms import FormState
from atelier.web.render import Reader, reader_of, redirect, render
from atelier.wods.service import DoesNotCompile, compile_or_refuse
from atelier.wods.views import segments_for, wodcraft_profile

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf.check)])

SCORE_TYPES = ("time", "rounds+reps", "reps", "load", "calories")


async def _timeline(session: Any, runtime: Any, row: Session) -> dict[str, Any]:
    """The segments the timer runs, from the snapshot's own source (never the WOD as edited since)."""
    source = (row.snapshot or {}).get("source") or row.source
    if not source:
        return {"cap_s": None, "segments": []}
    try:
        _, document = await compile_or_refuse(runtime, source)
    except DoesNotCompile:
        return {"cap_s": None, "segments": []}
    chosen = (row.snapshot or {}).get("resolved_for") or {}
    profile = wodcraft_profile(await accounts.profile_of(session, row.athlete_id), **chosen)
    cap, found = segments_for(document, profile)
    return {"cap_s": cap, "segments": found}


def _exercise_json(exercise: Any, reader: Reader) -> dict[str, Any]:
    out = ExerciseOut.model_validate(exercise).model_dump(mode="json")
    out["planned_reps"] = (out["config"].get("sets") or {}).get("reps") or []
    load = out["config"].get("load")
    out["planned_load"] = (
        reader.load_value(load["value"]) if isinstance(load, dict) and load.get("unit") == "kg" else None
    )
    return out


@router.get("/run/{session_id}")
async def runner(
    request: Request, session_id: uuid.UUID, session: SessionDep, runtime: RuntimeDep, caller: PageUser
) -> Response:
    reader = await reader_of(session, request, caller)
    row = await training.readable_session(session, caller.user, session_id)
    if row.status != Status.in_progress:
        # Scheduled: offer to start. Finished (or the back button after finishing): say so, log nothing.
        return render(request, "run/closed.html", reader, caller, row=row)
    context = await _runner_context(session, runtime, caller, row, reader)
    return render(request, "run/runner.html", reader, caller, form=FormState(), **context)


RUNNER_TEXTS = (
    "Saved",
    "saved {n} s ago",
    "saved {n} min ago",
    "Saving…",
    "Not saved yet: retrying",
    "Your login has ended. Your sets are kept on this device: log in again to send them.",
    "Log in again",
    "Get ready",
    "Rest",
    "Work",
    "Done",
    "Cap reached",
    "Start the timer",
    "Pause",
    "Some sets are not saved yet: they are being sent first.",
)


async def _runner_context(
    session: Any, runtime: Any, caller: PageCaller, row: Session, reader: Reader
) -> dict[str, Any]:
    view = await training.progress_view(session, caller.user, row.id)
    try:
        saved_place = await recovery.of_session(session, caller.user, row.id)
    except Problem:
        saved_place = None
    place = None
    if saved_place is not None:
        place = {
            "current_exercise": saved_place.snapshot.current_exercise,
            "current_set": saved_place.snapshot.current_set,
            "timers": saved_place.snapshot.timers,
            "state": saved_place.snapshot.state,
        }
    state = {
        "session_id": str(row.id),
        "units": reader.units,
        "timeline": await _timeline(session, runtime, row),
        "exercises": [_exercise_json(e, reader) for e in view.exercises],
        "recovery": place,
        "texts": {key: reader.t(key) for key in RUNNER_TEXTS},
    }
    score_type = (row.snapshot or {}).get("score_type")
    return {
        "row": row,
        "view": view,
        "runner_state": state,
        "score_type": score_type if score_type in SCORE_TYPES else None,
    }


def _cookie_claims(request: Request, session_id: uuid.UUID, runtime: Any) -> str:
    """An access token for the save, from the login cookie alone: the save opens its own database
    session (the API's fast path), so the page must not hold one open beside it."""
    token = request.cookies.get(LOGIN_COOKIE)
    try:
        claims = read_page_token(runtime.settings, token or "")
    except InvalidToken as exc:
        raise LoginRequired(f"/run/{session_id}") from exc
    return issue_access_token(runtime.settings, claims.user_id, claims.session_id)[0]


@router.put("/run/{session_id}/exercises/{position}")
async def save_exercise(
    session_id: uuid.UUID,
    position: int,
    body: ExerciseSaveIn,
    request: Request,
    runtime: RuntimeDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=100)] = None,
) -> Any:
    """One exercise's auto-save from the runner: the API's endpoint, versions and idempotency included."""
    token = _cookie_claims(request, session_id, runtime)
    answer = await training_api.save_exercise(
        session_id=session_id,
        position=position,
        body=body,
        request=request,
        runtime=runtime,
        token=token,
        idempotency_key=idempotency_key,
    )
    if isinstance(answer, BaseModel):
        return JSONResponse(answer.model_dump(mode="json"))
    return answer


@router.put("/run/{session_id}/place")
async def save_place(session_id: uuid.UUID, body: RecoveryIn, session: SessionDep, caller: PageUser) -> Any:
    """Where the runner stands (exercise, set, timer), so a crash or a reload comes back to it."""
    given = recovery.RunnerState(**body.model_dump())
    saved = await recovery.save(session, caller.user, session_id, given)
    return {"saved_at": saved.snapshot.updated_at.isoformat()}


def _score(form: FormState, score_type: str, reader: Reader) -> results.ResultIn | None:
    """The score typed on the finish form, or None when none was typed (then the session just ends)."""
    values: dict[str, Any] = {"rx": form.value("rx", "") == "1"}
    typed = False
    if score_type == "time" and form.value("time").strip():
        typed = True
        parts = form.value("time").strip().split(":")
        try:
            seconds = 0.0
            for part in parts:
                seconds = seconds * 60 + float(part.replace(",", "."))
        except ValueError:
            form.fail("time", reader.t("Write the time as minutes:seconds, e.g. 7:32."))
            return None
        values["time_s"] = seconds
    for name in ("rounds", "reps", "calories"):
        raw = form.value(name).strip()
        if raw:
            typed = True
            values[name] = raw
    if form.value("load").strip():
        typed = True
        values["load"] = {"value": form.value("load").strip().replace(",", "."), "unit": reader.units}
    if not typed:
        return None
    try:
        return results.ResultIn.model_validate(values)
    except ValidationError as error:
        for problem in error.errors():
            form.fail(str(problem["loc"][0]), reader.t(problem["msg"]))
        return None


@router.post("/run/{session_id}/finish")
async def finish(
    request: Request, session_id: uuid.UUID, session: SessionDep, runtime: RuntimeDep, caller: PageUser
) -> Response:
    """Finish: with the score when one was typed; a second click finds the session already finished."""
    row = await training.readable_session(session, caller.user, session_id)
    if row.status != Status.in_progress:
        return redirect(request, f"/sessions/{session_id}")
    reader = await reader_of(session, request, caller)
    form = FormState.of(await request.form())
    score_type = (row.snapshot or {}).get("score_type")
    score = _score(form, score_type, reader) if score_type in SCORE_TYPES else None
    if form.ok:
        try:
            if score is not None:
                await results.record(session, runtime, caller.user, session_id, score)
            else:
                await planning.act(session, runtime, caller.user, session_id, "complete")
        except Problem as problem:
            await start_over(session, caller)
            form.message = problem.detail
        else:
            return redirect(request, f"/sessions/{session_id}?finished=1")
    context = await _runner_context(session, runtime, caller, row, reader)
    return render(request, "run/runner.html", reader, caller, status_code=422, form=form, **context)
