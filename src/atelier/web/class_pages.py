"""Pages: a coach's classes and the form to schedule one, the classes an athlete can book, one
class with its bookings, and its live board for the wall (Server-Sent Events)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from atelier.accounts.models import Role
from atelier.kit.problems import Problem
from atelier.kit.runtime import RuntimeDep, SessionDep
from atelier.planning import classes_api
from atelier.planning.classes import GENDER_MODES, TRACKS
from atelier.training import events_api
from atelier.web import csrf
from atelier.web.auth import PageCaller, PageUser, start_over
from atelier.web.forms import FormState, explain
from atelier.web.render import Reader, reader_of, redirect, refused, render
from atelier.wods import api as wods_api

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf.check)])

CLASS_FIELDS = (
    "wod_id",
    "source",
    "title",
    "date",
    "time",
    "duration_minutes",
    "location",
    "gender_mode",
    "team_size",
    "coach_notes",
    "capacity",
)


# --- shared by the coach's pages -----------------------------------------------------------------


def coaches(caller: PageCaller) -> bool:
    return caller.user.role in (Role.coach, Role.admin)


def _labels(reader: Reader) -> dict[str, Any]:
    """How tracks and gender modes read on the pages."""
    genders = {"MIXED": reader.t("Mixed"), "M": reader.t("Men"), "F": reader.t("Women")}
    return {
        "track_names": {"RX": "RX", "INTERMEDIATE": reader.t("Intermediate"), "SCALED": reader.t("Scaled")},
        "gender_names": genders,
        "gender_options": [(mode, genders[mode]) for mode in GENDER_MODES],
    }


async def wod_choices(session: SessionDep, caller: PageCaller) -> list[tuple[str, str]]:
    """The WODs a coach may plan (their own and the public ones), for a select."""
    found = await wods_api.search(session=session, user=caller.user, owner="any", limit=100)
    return [(str(w.id), w.title) for w in sorted(found.items, key=lambda w: w.title.lower())]


# --- the coach's classes -------------------------------------------------------------------------


async def _coach_classes(
    request: Request,
    session: SessionDep,
    reader: Reader,
    caller: PageCaller,
    form: FormState,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    today = reader.today()
    found = await classes_api.list_classes(
        session=session,
        user=caller.user,
        first=today - dt.timedelta(days=30),
        last=today + dt.timedelta(days=180),
    )
    mine = [c for c in found if c.coach_id == caller.user.id]
    now = dt.datetime.now(dt.UTC)
    return render(
        request,
        "classes/coach_classes.html",
        reader,
        caller,
        status_code=status_code,
        upcoming=[c for c in mine if c.starts_at >= now],
        past=[c for c in reversed(mine) if c.starts_at < now],
        form=form,
        wods=await wod_choices(session, caller),
        tracks=TRACKS,
        **_labels(reader),
    )


def _blank_class_form(reader: Reader) -> FormState:
    return FormState(
        values={
            "date": reader.today().isoformat(),
            "duration_minutes": "60",
            "team_size": "1",
            "gender_mode": "MIXED",
            "track_RX": "on",
            "track_SCALED": "on",
        }
    )


@router.get("/coach/classes")
async def coach_classes_page(request: Request, session: SessionDep, caller: PageUser) -> Response:
    reader = await reader_of(session, request, caller)
    if not coaches(caller):
        return refused(request, reader, caller, 403)
    return await _coach_classes(request, session, reader, caller, _blank_class_form(reader))


def _problem_field(problem: Problem) -> str:
    """Which field of the class form a service's refusal is about ("" for the form itself)."""
    if "diagnostics" in problem.extensions or "either wod_id" in problem.detail:
        return "source"
    if "WOD" in problem.detail:
        return "wod_id"
    return ""


@router.post("/coach/classes")
async def schedule_class(
    request: Request, session: SessionDep, runtime: RuntimeDep, caller: PageUser
) -> Response:
    reader = await reader_of(session, request, caller)
    if not coaches(caller):
        return refused(request, reader, caller, 403)
    sent = await request.form()
    form = FormState.of(sent)
    tracks = [track for track in TRACKS if form.value(f"track_{track}")]
    body: dict[str, Any] = {
        name: form.value(name).strip() for name in CLASS_FIELDS if form.value(name).strip()
    }
    if "source" in body:
        body["source"] = form.value("source")
    body["tracks"] = tracks
    try:
        new = classes_api.ClassIn(**body)
    except ValidationError as error:
        form.errors = explain(error, reader, {name: name for name in (*CLASS_FIELDS, "tracks")})
        return await _coach_classes(request, session, reader, caller, form, status_code=422)
    try:
        made = await classes_api.create(body=new, session=session, runtime=runtime, user=caller.user)
    except Problem as problem:
        await start_over(session, caller)
        form.fail(_problem_field(problem), problem.detail)
        return await _coach_classes(request, session, reader, caller, form, status_code=problem.status)
    return redirect(request, f"/classes/{made.id}")


# --- classes an athlete can book -----------------------------------------------------------------


@router.get("/classes")
async def classes_page(request: Request, session: SessionDep, caller: PageUser) -> Response:
    reader = await reader_of(session, request, caller)
    found = await classes_api.list_classes(session=session, user=caller.user, first=reader.today(), last=None)
    now = dt.datetime.now(dt.UTC)
    return render(
        request,
        "classes/list.html",
        reader,
        caller,
        classes=[c for c in found if c.starts_at >= now],
        **_labels(reader),
    )


async def _class_page(
    request: Request,
    session: SessionDep,
    reader: Reader,
    caller: PageCaller,
    class_id: uuid.UUID,
    *,
    message: str | None = None,
    status_code: int = 200,
) -> Response:
    try:
        found = await classes_api.read(class_id=class_id, session=session, user=caller.user)
    except Problem as problem:
        return refused(request, reader, caller, 404 if problem.status == 404 else problem.status)
    return render(
        request,
        "classes/detail.html",
        reader,
        caller,
        status_code=status_code,
        item=found,
        runs_it=found.coach_id == caller.user.id,
        started=found.starts_at <= dt.datetime.now(dt.UTC),
        message=message,
        **_labels(reader),
    )


@router.get("/classes/{class_id}")
async def class_page(
    class_id: uuid.UUID, request: Request, session: SessionDep, caller: PageUser
) -> Response:
    reader = await reader_of(session, request, caller)
    return await _class_page(request, session, reader, caller, class_id)


def _back(target: str, class_id: uuid.UUID) -> str:
    # Back to the list or to the class itself: never anywhere else.
    return "/classes" if target == "/classes" else f"/classes/{class_id}"


@router.post("/classes/{class_id}/book")
async def book_class(
    class_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    caller: PageUser,
    track: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "",
) -> Response:
    reader = await reader_of(session, request, caller)
    try:
        await classes_api.book(
            class_id=class_id, body=classes_api.BookingIn(track=track), session=session, user=caller.user
        )
    except ValidationError:
        await start_over(session, caller)
        return await _class_page(
            request, session, reader, caller, class_id, message=reader.t("Choose a track."), status_code=422
        )
    except Problem as problem:
        await start_over(session, caller)
        if problem.status == 409 and problem.extensions.get("current_status") in ("booked", "waitlisted"):
            # A second click on Book: the first one did it, the page shows where the athlete stands.
            return redirect(request, _back(back, class_id))
        if problem.status == 404:
            return refused(request, reader, caller, 404)
        return await _class_page(
            request, session, reader, caller, class_id, message=problem.detail, status_code=problem.status
        )
    return redirect(request, _back(back, class_id))


@router.post("/classes/{class_id}/unbook")
async def unbook_class(
    class_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    caller: PageUser,
    back: Annotated[str, Form()] = "",
) -> Response:
    reader = await reader_of(session, request, caller)
    try:
        await classes_api.unbook_me(class_id=class_id, session=session, user=caller.user)
    except Problem as problem:
        await start_over(session, caller)
        try:
            await classes_api.read(class_id=class_id, session=session, user=caller.user)
        except Problem:
            return refused(request, reader, caller, 404)
        if problem.status == 404:  # already cancelled (a second click): the page shows it
            return redirect(request, _back(back, class_id))
        return await _class_page(
            request, session, reader, caller, class_id, message=problem.detail, status_code=problem.status
        )
    return redirect(request, _back(back, class_id))


# --- the live board ------------------------------------------------------------------------------


@router.get("/classes/{class_id}/board")
async def board_page(
    class_id: uuid.UUID, request: Request, session: SessionDep, runtime: RuntimeDep, caller: PageUser
) -> Response:
    reader = await reader_of(session, request, caller)
    try:
        found = await classes_api.read(class_id=class_id, session=session, user=caller.user)
    except Problem:
        return refused(request, reader, caller, 404)
    board, message = None, None
    try:
        board = await events_api.board(class_id=class_id, session=session, runtime=runtime, user=caller.user)
    except Problem as problem:  # a workout the board cannot follow (an EMOM…): say why
        message = problem.detail
    return render(request, "classes/board.html", reader, caller, item=found, board=board, message=message)


@router.get("/classes/{class_id}/board/rows")
async def board_rows(
    class_id: uuid.UUID, request: Request, session: SessionDep, runtime: RuntimeDep, caller: PageUser
) -> Response:
    """The board's rows now, as an htmx partial (the page itself draws them from the stream)."""
    reader = await reader_of(session, request, caller)
    try:
        board = await events_api.board(class_id=class_id, session=session, runtime=runtime, user=caller.user)
    except Problem as problem:
        return refused(request, reader, caller, 404 if problem.status == 404 else problem.status)
    return render(request, "classes/_board_rows.html", reader, caller, board=board)


@router.get("/classes/{class_id}/board/stream")
async def board_stream(
    class_id: uuid.UUID, request: Request, runtime: RuntimeDep, caller: PageUser
) -> Response:
    """The API's board stream (the same subscription, checks and events), for the page's login."""
    return await events_api.live(
        class_id=class_id, request=request, runtime=runtime, token=caller.bearer(runtime)
    )
