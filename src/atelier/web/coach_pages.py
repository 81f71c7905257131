"""Pages: a coach's athletes and invitations, an athlete's coaching links, and a coach's routines
(write one, read its versions and assignments, assign a version to a linked athlete)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from atelier.accounts import api as accounts_api
from atelier.accounts.models import LinkStatus
from atelier.accounts.schemas import InviteIn
from atelier.kit.problems import Problem
from atelier.kit.runtime import RuntimeDep, SessionDep
from atelier.planning import routines, routines_api
from atelier.planning import service as planning
from atelier.web import csrf
from atelier.web.auth import PageCaller, PageUser, start_over
from atelier.web.class_pages import coaches, wod_choices
from atelier.web.forms import FormState, explain
from atelier.web.render import Reader, reader_of, redirect, refused, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf.check)])

WEEKDAYS = tuple(routines.WEEKDAY_INDEX)
DAY_FIELDS = ("week", "weekday", "day_offset", "wod_id", "source", "title", "notes", "time")
NEW_DAYS = 3  # empty day blocks on a fresh form


# --- athletes and links --------------------------------------------------------------------------


async def _athletes_page(
    request: Request,
    session: SessionDep,
    reader: Reader,
    caller: PageCaller,
    form: FormState,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    links = await accounts_api.links(user=caller.user, session=session)
    coached = [link for link in links if link.coach_id == caller.user.id]
    active = sorted(
        (link for link in coached if link.status == LinkStatus.active), key=lambda link: link.athlete_name
    )
    last_finished = {}
    for link in active:
        done, _ = await planning.finished(session, caller.user, link.athlete_id, limit=1, offset=0)
        last_finished[link.athlete_id] = done[0] if done else None
    return render(
        request,
        "coach/athletes.html",
        reader,
        caller,
        status_code=status_code,
        athletes=active,
        last_finished=last_finished,
        pending=[link for link in coached if link.status == LinkStatus.pending],
        form=form,
        invited=request.query_params.get("invited") == "1",
    )


@router.get("/coach")
async def coach_page(request: Request, session: SessionDep, caller: PageUser) -> Response:
    reader = await reader_of(session, request, caller)
    if not coaches(caller):
        return refused(request, reader, caller, 403)
    return await _athletes_page(request, session, reader, caller, FormState())


def _invite_refusal(reader: Reader, problem: Problem) -> str:
    if problem.status == 404:
        return reader.t("No account uses this e-mail: ask the athlete to sign up first.")
    if problem.status == 409:
        return reader.t("This athlete is already invited or linked.")
    if problem.status == 422:
        return reader.t("You cannot invite yourself.")
    return problem.detail


@router.post("/coach/invite")
async def invite(
    request: Request, session: SessionDep, caller: PageUser, athlete_email: Annotated[str, Form()] = ""
) -> Response:
    reader = await reader_of(session, request, caller)
    if not coaches(caller):
        return refused(request, reader, caller, 403)
    form = FormState.of({"athlete_email": athlete_email})
    try:
        body = InviteIn(athlete_email=athlete_email.strip())
    except ValidationError:
        form.fail("athlete_email", reader.t("Enter the athlete's e-mail address."))
        return await _athletes_page(request, session, reader, caller, form, status_code=422)
    try:
        await accounts_api.invite(body=body, user=caller.user, session=session)
    except Problem as problem:
        await start_over(session, caller)
        form.fail("athlete_email", _invite_refusal(reader, problem))
        return await _athletes_page(request, session, reader, caller, form, status_code=problem.status)
    return redirect(request, "/coach?invited=1")


@router.get("/coaching-links")
async def coaching_links_page(request: Request, session: SessionDep, caller: PageUser) -> Response:
    reader = await reader_of(session, request, caller)
    links = await accounts_api.links(user=caller.user, session=session)
    mine = [link for link in links if link.athlete_id == caller.user.id]
    return render(
        request,
        "coach/links.html",
        reader,
        caller,
        invitations=[link for link in mine if link.status == LinkStatus.pending],
        coaches_now=[link for link in mine if link.status == LinkStatus.active],
    )


def _link_back(target: str) -> str:
    return "/coach" if target == "/coach" else "/coaching-links"


async def _on_link(
    request: Request, session: SessionDep, caller: PageCaller, link_id: uuid.UUID, back: str, action: Any
) -> Response:
    try:
        await action(link_id=link_id, user=caller.user, session=session)
    except Problem as problem:
        await start_over(session, caller)
        if problem.status != 409:  # 409: already done by an earlier click; the page shows the state
            reader = await reader_of(session, request, caller)
            return refused(request, reader, caller, 404)
    return redirect(request, _link_back(back))


@router.post("/coaching-links/{link_id}/accept")
async def accept_link(
    link_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    caller: PageUser,
    back: Annotated[str, Form()] = "",
) -> Response:
    return await _on_link(request, session, caller, link_id, back, accounts_api.accept)


@router.post("/coaching-links/{link_id}/end")
async def end_link(
    link_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    caller: PageUser,
    back: Annotated[str, Form()] = "",
) -> Response:
    """Decline an invitation, end a link (either side), or withdraw an invitation (the coach)."""
    return await _on_link(request, session, caller, link_id, back, accounts_api.end)


# --- routines ------------------------------------------------------------------------------------


def _blank_routine_form() -> FormState:
    return FormState(values={"weeks": "4", "day_count": str(NEW_DAYS)})


def _day_count(form: FormState) -> int:
    raw = form.value("day_count")
    return max(1, min(int(raw), routines_api.MAX_DAYS)) if raw.isdigit() else NEW_DAYS


async def _routines_page(
    request: Request,
    session: SessionDep,
    reader: Reader,
    caller: PageCaller,
    form: FormState,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    found = await routines_api.list_routines(session=session, user=caller.user, limit=200, offset=0)
    return render(
        request,
        "coach/routines.html",
        reader,
        caller,
        status_code=status_code,
        routines=[r for r in found.items if r.mine],
        form=form,
        days=range(_day_count(form)),
        weekday_options=list(_weekday_names(reader).items()),
        wods=await wod_choices(session, caller),
    )


@router.get("/coach/routines")
async def routines_page(request: Request, session: SessionDep, caller: PageUser) -> Response:
    reader = await reader_of(session, request, caller)
    if not coaches(caller):
        return refused(request, reader, caller, 403)
    return await _routines_page(request, session, reader, caller, _blank_routine_form())


def _days_of(form: FormState) -> tuple[list[dict[str, Any]], list[int]]:
    """The filled day blocks as the API takes them, and each one's block number on the form."""
    days: list[dict[str, Any]] = []
    blocks: list[int] = []
    for index in range(_day_count(form)):
        sent = {name: form.value(f"day-{index}-{name}") for name in DAY_FIELDS}
        if not any(value.strip() for value in sent.values()):
            continue  # an empty block is a day not written
        day = {name: value.strip() for name, value in sent.items() if value.strip()}
        if "source" in day:
            day["source"] = sent["source"]
        days.append(day)
        blocks.append(index)
    return days, blocks


def _routine_errors(error: ValidationError, reader: Reader, blocks: list[int]) -> dict[str, str]:
    fields = {"title": "title", "weeks": "weeks", "description": "description", "days": "days"}
    for position, block in enumerate(blocks):
        for name in DAY_FIELDS:
            fields[f"days.{position}.{name}"] = f"day-{block}-{name}"
        fields[f"days.{position}"] = f"day-{block}"
    return explain(error, reader, fields)


@router.post("/coach/routines")
async def create_routine(
    request: Request, session: SessionDep, runtime: RuntimeDep, caller: PageUser
) -> Response:
    reader = await reader_of(session, request, caller)
    if not coaches(caller):
        return refused(request, reader, caller, 403)
    form = FormState.of(await request.form())
    if form.value("action") == "add_day":
        form.values["day_count"] = str(_day_count(form) + 1)
        return await _routines_page(request, session, reader, caller, form)
    days, blocks = _days_of(form)
    body: dict[str, Any] = {"title": form.value("title").strip(), "days": days}
    for name in ("weeks", "description"):
        if form.value(name).strip():
            body[name] = form.value(name).strip()
    if not days:
        form.fail("days", reader.t("Write at least one day."))
    routine: routines_api.RoutineIn | None = None
    try:
        routine = routines_api.RoutineIn(**body)
    except ValidationError as error:
        for name, message in _routine_errors(error, reader, blocks).items():
            form.fail(name, message)
    if routine is None or not form.ok:
        return await _routines_page(request, session, reader, caller, form, status_code=422)
    try:
        made = await routines_api.create_routine(
            body=routine, session=session, runtime=runtime, user=caller.user
        )
    except Problem as problem:
        await start_over(session, caller)
        for found in problem.extensions.get("errors", []):
            form.fail(f"day-{blocks[found['day']]}", found["message"])
        if not form.errors:
            form.message = problem.detail
        return await _routines_page(request, session, reader, caller, form, status_code=problem.status)
    return redirect(request, f"/coach/routines/{made.id}")


async def _routine_page(
    request: Request,
    session: SessionDep,
    reader: Reader,
    caller: PageCaller,
    routine_id: uuid.UUID,
    form: FormState,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    try:
        routine = await routines_api.read_routine(routine_id=routine_id, session=session, user=caller.user)
    except Problem:
        return refused(request, reader, caller, 404)
    if not routine.mine:
        return refused(request, reader, caller, 404)
    assignments = await routines_api.list_assignments(
        session=session,
        user=caller.user,
        athlete_id=None,
        routine_id=routine_id,
        status=None,
        limit=200,
        offset=0,
    )
    athletes = await accounts_api.athletes(user=caller.user, session=session)
    query = request.query_params
    return render(
        request,
        "coach/routine.html",
        reader,
        caller,
        status_code=status_code,
        routine=routine,
        assignments=assignments.items,
        athletes=[(str(a.id), a.name) for a in athletes],
        versions=[(str(v.version), reader.t("Version {n}", n=v.version)) for v in reversed(routine.versions)],
        form=form,
        weekday_names=_weekday_names(reader),
        status_names={
            "active": reader.t("Active"),
            "replaced": reader.t("Replaced"),
            "ended": reader.t("Ended"),
        },
        assigned=query.get("created"),
        removed=query.get("removed"),
        kept=query.get("kept"),
    )


def _weekday_names(reader: Reader) -> dict[str, str]:
    names = (
        reader.t("Monday"),
        reader.t("Tuesday"),
        reader.t("Wednesday"),
        reader.t("Thursday"),
        reader.t("Friday"),
        reader.t("Saturday"),
        reader.t("Sunday"),
    )
    return dict(zip(WEEKDAYS, names, strict=True))


@router.get("/coach/routines/{routine_id}")
async def routine_page(
    routine_id: uuid.UUID, request: Request, session: SessionDep, caller: PageUser
) -> Response:
    reader = await reader_of(session, request, caller)
    if not coaches(caller):
        return refused(request, reader, caller, 403)
    form = FormState(values={"start_date": reader.today().isoformat()})
    return await _routine_page(request, session, reader, caller, routine_id, form)


@router.post("/coach/routines/{routine_id}/assign")
async def assign(
    routine_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    caller: PageUser,
    athlete_id: Annotated[str, Form()] = "",
    version: Annotated[str, Form()] = "",
    start_date: Annotated[str, Form()] = "",
) -> Response:
    reader = await reader_of(session, request, caller)
    if not coaches(caller):
        return refused(request, reader, caller, 403)
    form = FormState.of({"athlete_id": athlete_id, "version": version, "start_date": start_date})
    if not version.isdigit():
        form.fail("version", reader.t("Choose a version."))
    body: routines_api.AssignmentIn | None = None
    try:
        body = routines_api.AssignmentIn.model_validate({"athlete_id": athlete_id, "start_date": start_date})
    except ValidationError as error:
        for name, message in explain(
            error, reader, {"athlete_id": "athlete_id", "start_date": "start_date"}
        ).items():
            form.fail(name, reader.t("Choose an athlete.") if name == "athlete_id" else message)
    if body is None or not form.ok:
        return await _routine_page(request, session, reader, caller, routine_id, form, status_code=422)
    try:
        done = await routines_api.assign(
            routine_id=routine_id,
            number=int(version),
            body=body,
            session=session,
            runtime=runtime,
            user=caller.user,
        )
    except Problem as problem:
        await start_over(session, caller)
        if problem.detail == "routine not found":
            return refused(request, reader, caller, 404)
        status_code = 422  # a refusal by a field: the form is sent back to be corrected
        if problem.detail == "athlete not found":
            form.fail("athlete_id", reader.t("You do not coach this athlete: invite them first."))
        elif problem.status == 404:
            form.fail("version", reader.t("This routine has no such version."))
        else:
            form.message, status_code = problem.detail, problem.status
        return await _routine_page(
            request, session, reader, caller, routine_id, form, status_code=status_code
        )
    target = f"/coach/routines/{routine_id}?created={done.sessions_created}"
    if done.replaced is not None:
        target += f"&removed={done.replaced.sessions_removed}&kept={done.replaced.sessions_kept}"
    return redirect(request, target)
