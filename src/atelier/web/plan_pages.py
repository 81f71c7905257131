"""Pages: the calendar (month and week), planning a session or a series, a session's page and its actions."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError

from atelier.accounts.models import User
from atelier.kit.problems import Problem
from atelier.kit.runtime import RuntimeDep, SessionDep
from atelier.planning import calendar as calendars
from atelier.planning import service as planning
from atelier.planning.models import Session, SessionKind, Status
from atelier.planning.schemas import SessionIn
from atelier.training import records_api
from atelier.training import service as training
from atelier.web import csrf
from atelier.web.auth import PageCaller, PageUser, start_over
from atelier.web.forms import FormState, explain
from atelier.web.render import Reader, reader_of, redirect, render
from atelier.wods import repository as wods

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf.check)])

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# Where a SessionIn complaint belongs on the form.
PLAN_FIELDS = {
    "title": "title",
    "source": "source",
    "notes": "notes",
    "date": "date",
    "time": "time",
    "timezone": "date",
    "repeat.until": "until",
    "repeat.count": "count",
    "repeat.interval": "interval",
    "repeat.by_weekday": "weekdays",
    "repeat.by_month_day": "month_day",
    "repeat": "repeat",
}


def _month_grid(anchor: dt.date) -> tuple[dt.date, dt.date]:
    first = anchor.replace(day=1)
    after = (first + dt.timedelta(days=32)).replace(day=1)
    start = first - dt.timedelta(days=first.weekday())
    end = after - dt.timedelta(days=1)
    end += dt.timedelta(days=6 - end.weekday())
    return start, end


def _parse_day(value: str | None, reader: Reader) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else reader.today()
    except ValueError:
        return reader.today()


def entry_link(entry: calendars.Entry) -> str:
    """Where a calendar entry leads: its session, a class, or a series' date not started yet."""
    if entry.class_id is not None:
        return f"/classes/{entry.class_id}"
    if entry.session_id is not None:
        return f"/sessions/{entry.session_id}"
    return f"/sessions/{entry.series_id}?date={entry.date.isoformat()}"


@router.get("/calendar")
async def calendar_page(
    request: Request,
    session: SessionDep,
    caller: PageUser,
    view: Annotated[str, Query(pattern="^(month|week)$")] = "month",
    date: Annotated[str | None, Query()] = None,
) -> Response:
    reader = await reader_of(session, request, caller)
    anchor = _parse_day(date, reader)
    if view == "week":
        first = anchor - dt.timedelta(days=anchor.weekday())
        last = first + dt.timedelta(days=6)
        previous, following = first - dt.timedelta(days=7), first + dt.timedelta(days=7)
    else:
        first, last = _month_grid(anchor)
        month = anchor.replace(day=1)
        previous = (month - dt.timedelta(days=1)).replace(day=1)
        following = (month + dt.timedelta(days=32)).replace(day=1)
    entries = await calendars.calendar(session, caller.user, None, first, last)
    by_day: dict[dt.date, list[calendars.Entry]] = {}
    for entry in entries:
        by_day.setdefault(entry.date, []).append(entry)
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    return render(
        request,
        "plan/calendar.html",
        reader,
        caller,
        view=view,
        anchor=anchor,
        days=days,
        by_day=by_day,
        previous=previous,
        following=following,
        today=reader.today(),
        link=entry_link,
        weekday_names=[reader.day(first + dt.timedelta(days=n), "EEE") for n in range(7)],
    )


async def _wod_choice(session: Any, caller: PageCaller, wod_id: str | None) -> tuple[str | None, str | None]:
    if not wod_id:
        return None, None
    try:
        wod = await wods.get_readable(session, caller.user.id, uuid.UUID(wod_id))
    except ValueError:
        return None, None
    return (str(wod.id), wod.title) if wod is not None else (None, None)


@router.get("/plan")
async def plan_page(
    request: Request,
    session: SessionDep,
    caller: PageUser,
    wod_id: str | None = None,
    date: str | None = None,
) -> Response:
    reader = await reader_of(session, request, caller)
    chosen, title = await _wod_choice(session, caller, wod_id)
    form = FormState(values={"date": _parse_day(date, reader).isoformat(), "repeat": "none", "interval": "1"})
    if chosen:
        form.values |= {"wod_id": chosen, "title": title or ""}
    return render(
        request, "plan/plan.html", reader, caller, form=form, wod_title=title, weekdays=_weekdays(reader)
    )


def _weekdays(reader: Reader) -> list[tuple[str, str]]:
    monday = dt.date(2024, 1, 1)
    return [(code, reader.day(monday + dt.timedelta(days=n), "EEE")) for n, code in enumerate(WEEKDAYS)]


def _session_in(form: FormState, reader: Reader) -> SessionIn:
    """The form as the API's SessionIn (raises ValidationError, mapped back onto the fields)."""
    body: dict[str, Any] = {"date": form.value("date") or None}
    for name in ("title", "notes", "source", "wod_id", "time"):
        if form.value(name).strip():
            body[name] = form.value(name).strip() if name != "source" else form.value(name)
    repeat = form.value("repeat", "none")
    if repeat != "none":
        rule: dict[str, Any] = {"freq": repeat, "interval": form.value("interval") or 1}
        if repeat == "weekly":
            rule["by_weekday"] = [day for day in WEEKDAYS if form.value(f"day_{day}")]
        if repeat == "monthly" and form.value("month_day").strip():
            rule["by_month_day"] = [form.value("month_day").strip()]
        if form.value("until"):
            rule["until"] = form.value("until")
        if form.value("count").strip():
            rule["count"] = form.value("count").strip()
        body["repeat"] = rule
    return SessionIn.model_validate(body)


@router.post("/plan")
async def plan(request: Request, session: SessionDep, runtime: RuntimeDep, caller: PageUser) -> Response:
    reader = await reader_of(session, request, caller)
    form = FormState.of(await request.form())
    _, wod_title = await _wod_choice(session, caller, form.value("wod_id"))
    if not form.value("source").strip() and not form.value("wod_id"):
        form.fail("source", reader.t("Write the workout, or pick a WOD from the library."))
    if form.value("repeat") == "weekly" and not any(form.value(f"day_{d}") for d in WEEKDAYS):
        form.fail("weekdays", reader.t("Pick at least one day of the week."))
    if form.ok:
        try:
            body = _session_in(form, reader)
        except ValidationError as error:
            form.errors = explain(error, reader, PLAN_FIELDS)
        else:
            try:
                row = await planning.create(session, runtime, caller.user, body)
            except Problem as problem:
                await start_over(session, caller)
                _place(form, problem, reader)
            else:
                return redirect(request, f"/sessions/{row.id}")
    return render(
        request,
        "plan/plan.html",
        reader,
        caller,
        status_code=422,
        form=form,
        wod_title=wod_title,
        weekdays=_weekdays(reader),
    )


def _place(form: FormState, problem: Problem, reader: Reader) -> None:
    """A service's refusal next to the field it is about, when the message says which."""
    detail = problem.detail
    if "compile" in detail or problem.extensions.get("diagnostics"):
        form.fail("source", detail)
    elif "until" in detail:
        form.fail("until", detail)
    elif "time zone" in detail:
        form.fail("date", detail)
    elif "rule" in detail or "date" in detail:
        form.fail("repeat", detail)
    else:
        form.message = detail


async def _who(session: Any, user_id: uuid.UUID | None, caller: PageCaller) -> str | None:
    """The name of whoever planned a session, when it was not the athlete."""
    if user_id is None or user_id == caller.user.id:
        return None
    found = await session.get(User, user_id)
    return found.name if found else None


def describe_rule(rule: dict[str, Any], reader: Reader) -> str:
    """A series' rule in words: ``Every week on Mon, Thu, until Tue 31 Mar 2027``."""
    interval = int(rule.get("interval") or 1)
    freq = rule["freq"]
    names = {
        "daily": reader.t("Every day"),
        "weekly": reader.t("Every week"),
        "monthly": reader.t("Every month"),
        "yearly": reader.t("Every year"),
    }
    text = (
        names[freq]
        if interval == 1
        else reader.t(
            "Every {n} {unit}",
            n=interval,
            unit=reader.t({"daily": "days", "weekly": "weeks", "monthly": "months", "yearly": "years"}[freq]),
        )
    )
    monday = dt.date(2024, 1, 1)
    days = [
        reader.day(monday + dt.timedelta(days=WEEKDAYS.index(d)), "EEE")
        for d in rule.get("by_weekday", [])
        if d in WEEKDAYS
    ]
    if days:
        text += " " + reader.t("on {days}", days=", ".join(days))
    if rule.get("by_month_day"):
        text += " " + reader.t("on day {days}", days=", ".join(str(d) for d in rule["by_month_day"]))
    if rule.get("until"):
        text += ", " + reader.t("until {date}", date=reader.day(dt.date.fromisoformat(str(rule["until"]))))
    if rule.get("count"):
        text += ", " + reader.t("{n} times", n=rule["count"])
    return text


@router.get("/sessions/{session_id}")
async def session_page(
    request: Request,
    session_id: uuid.UUID,
    session: SessionDep,
    runtime: RuntimeDep,
    caller: PageUser,
    date: Annotated[str | None, Query()] = None,
) -> Response:
    reader = await reader_of(session, request, caller)
    row = await planning.readable(session, caller.user, session_id)
    context: dict[str, Any] = {"row": row, "planned_by": await _who(session, row.created_by, caller)}
    if row.kind == SessionKind.series:
        context["rule_text"] = describe_rule(row.rule or {}, reader)
        start = reader.today()
        upcoming = await calendars.calendar(
            session, caller.user, row.athlete_id, start, start + dt.timedelta(days=56)
        )
        context["upcoming"] = [e for e in upcoming if e.series_id == row.id][:12]
        context["chosen_date"] = date
        context["children"] = [
            c for c in await planning.history(session, caller.user, row.id) if c.status != Status.scheduled
        ][-12:]
    if row.status == Status.completed:
        metrics = await training.metrics_of(session, caller.user, row.id)
        context["metrics"] = metrics
        found = await records_api.session_records(
            session_id=row.id, session=session, runtime=runtime, user=caller.user
        )
        context["records"] = found["records"]
    return render(request, "plan/session.html", reader, caller, link=entry_link, **context)


@router.post("/sessions/{session_id}/dates/{day}/start")
async def start_date(
    request: Request,
    session_id: uuid.UUID,
    day: dt.date,
    session: SessionDep,
    runtime: RuntimeDep,
    caller: PageUser,
) -> Response:
    """Start one date of a series: its occurrence is made (or reused) and the runner opens."""
    series = await planning.series_for(session, caller.user, session_id)
    existing = await planning.materialise(session, runtime, series, day)
    if existing.status == Status.scheduled:
        existing = await planning.act(session, runtime, caller.user, existing.id, "start")
    return redirect(request, f"/run/{existing.id}")


@router.post("/sessions/{session_id}/{action}")
async def act(
    request: Request,
    session_id: uuid.UUID,
    action: str,
    session: SessionDep,
    runtime: RuntimeDep,
    caller: PageUser,
) -> Response:
    """Start, skip or cancel a session from its page; a second click finds it already done."""
    if action not in ("start", "skip", "cancel"):
        raise Problem(404, "no such action")
    row: Session = await planning.readable(session, caller.user, session_id)
    target = {"start": Status.in_progress, "skip": Status.skipped, "cancel": Status.cancelled}[action]
    if row.status != target and not (action == "start" and row.status == Status.in_progress):
        await planning.act(session, runtime, caller.user, session_id, action)  # type: ignore[arg-type]
    return redirect(request, f"/run/{session_id}" if action == "start" else f"/sessions/{session_id}")
