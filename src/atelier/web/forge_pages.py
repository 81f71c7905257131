"""Pages: Forge — the day's ledger (manual entries, wearable files), history, insights, progression.

Every number comes from the Forge API's own functions (``forge.api``, ``forge.today_api``) or the
ledger service they call; the pages only turn them into the reader's units, zone and language.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from atelier.forge import api as forge_api
from atelier.forge import ledger, today, today_api
from atelier.forge.models import SOURCES, Activity, Recording, Source
from atelier.kit.clock import utcnow
from atelier.kit.problems import Problem
from atelier.kit.runtime import Runtime, RuntimeDep, SessionDep
from atelier.web import csrf
from atelier.web.auth import PageCaller, PageUser, start_over
from atelier.web.forms import FormState, explain
from atelier.web.render import LB_PER_KG, M_PER_MILE, Reader, reader_of, redirect, refused, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf.check)])

PROGRESSION_WEEKS = 12
RESENT_WITHIN = dt.timedelta(seconds=60)
MANUAL_FIELDS = (
    "name",
    "activity_type",
    "activity_date",
    "start_time",
    "duration_minutes",
    "calories",
    "rpe",
    "avg_hr",
    "notes",
)
DECIMAL_FIELDS = ("duration_minutes", "calories", "rpe", "avg_hr")


# --- words ---------------------------------------------------------------------------------------


def source_names(reader: Reader) -> dict[str, str]:
    return {"training": reader.t("Training"), "manual": reader.t("Manual"), "wearable": reader.t("Wearable")}


def type_names(reader: Reader) -> dict[str, str]:
    """Activity types and recording sports in the reader's language."""
    return {
        "running": reader.t("Running"),
        "cycling": reader.t("Cycling"),
        "walking": reader.t("Walking"),
        "hiking": reader.t("Hiking"),
        "swimming": reader.t("Swimming"),
        "rowing": reader.t("Rowing"),
        "strength": reader.t("Strength"),
        "functional": reader.t("Functional"),
        "calisthenics": reader.t("Calisthenics"),
        "endurance": reader.t("Endurance"),
        "training": reader.t("Workout"),
        "other": reader.t("Other"),
    }


def quality_names(reader: Reader) -> dict[str, str]:
    return {
        "excellent": reader.t("Excellent"),
        "good": reader.t("Good"),
        "fair": reader.t("Fair"),
        "poor": reader.t("Poor"),
    }


def goal_units(reader: Reader) -> dict[str, str]:
    return {"sessions": reader.t("sessions"), "minutes": reader.t("min"), "kcal": "kcal"}


def goal_names(reader: Reader) -> dict[str, str]:
    return {
        "sessions_per_week": reader.t("Training sessions per week"),
        "training_minutes_per_week": reader.t("Training minutes per week"),
        "calories_per_week": reader.t("Calories per week (every source)"),
        "movement_1rm": reader.t("One-rep max of a movement"),
    }


def distance_value(reader: Reader, metres: float | None) -> float:
    """A distance as a number in the reader's unit (km or mi), for charts and tables."""
    if not metres:
        return 0.0
    return round(metres / (M_PER_MILE if reader.units == "lb" else 1000), 2)


def distance_unit(reader: Reader) -> str:
    return "mi" if reader.units == "lb" else "km"


def _day_of(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


# --- Day ------------------------------------------------------------------------------------------


def _blank_entry(day: dt.date) -> FormState:
    return FormState(values={"activity_date": day.isoformat(), "activity_type": "cycling"})


async def _imported(
    session: AsyncSession, caller: PageCaller, recording_id: uuid.UUID | None
) -> Recording | None:
    if recording_id is None:
        return None
    try:
        return await forge_api.get_recording(recording_id=recording_id, session=session, user=caller.user)
    except Problem:
        return None  # someone else's id in the address: show nothing


async def _day_page(
    request: Request,
    session: AsyncSession,
    caller: PageCaller,
    reader: Reader,
    day: dt.date,
    *,
    entry: FormState | None = None,
    upload: FormState | None = None,
    recording_id: uuid.UUID | None = None,
    duplicate: bool = False,
    status_code: int = 200,
) -> Response:
    found = await forge_api.forge_view(period="day", session=session, user=caller.user, on=day)
    recording = await _imported(session, caller, recording_id)
    return render(
        request,
        "forge/day.html",
        reader,
        caller,
        status_code=status_code,
        view=found,
        day=day,
        previous=day - dt.timedelta(days=1),
        following=day + dt.timedelta(days=1),
        is_today=day == reader.today(),
        entry=entry or _blank_entry(day),
        upload=upload or FormState(),
        recording=recording,
        duplicate=duplicate,
        sources=source_names(reader),
        types=type_names(reader),
        qualities=quality_names(reader),
        manual_types=[(name, type_names(reader)[name]) for name in ledger.MANUAL_TYPES],
        distance_unit=distance_unit(reader),
    )


@router.get("/forge")
async def day_page(
    request: Request,
    session: SessionDep,
    caller: PageUser,
    on: Annotated[str | None, Query(alias="date")] = None,
    recording: Annotated[uuid.UUID | None, Query()] = None,
    duplicate: Annotated[bool, Query()] = False,
) -> Response:
    reader = await reader_of(session, request, caller)
    day = _day_of(on) or reader.today()
    return await _day_page(request, session, caller, reader, day, recording_id=recording, duplicate=duplicate)


def _manual_entry(form: FormState, reader: Reader) -> forge_api.ManualIn | None:
    """The manual-entry form as the API's body, or None with the errors set by the field."""
    values: dict[str, Any] = {}
    for name in MANUAL_FIELDS:
        typed = form.value(name).strip()
        if typed:
            values[name] = typed.replace(",", ".") if name in DECIMAL_FIELDS else typed
    distance = form.value("distance").strip().replace(",", ".")
    if distance:
        try:
            values["distance_m"] = round(float(distance) * (M_PER_MILE if reader.units == "lb" else 1000), 1)
        except ValueError:
            form.fail("distance", reader.t("Enter a number."))
    try:
        body = forge_api.ManualIn(**values)
    except ValidationError as error:
        fields = {name: name for name in MANUAL_FIELDS} | {"distance_m": "distance"}
        for name, message in explain(error, reader, fields).items():
            form.fail(name, message)
        return None
    return body if form.ok else None


async def _just_sent(session: AsyncSession, caller: PageCaller, body: forge_api.ManualIn) -> Activity | None:
    """The same entry saved by this user a moment ago: a second press of the button, not a new one."""
    rows = await ledger.activities_between(
        session, caller.user.id, body.activity_date, body.activity_date, Source.manual.value
    )
    since = utcnow() - RESENT_WITHIN
    for row in rows:
        created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=dt.UTC)
        if created >= since and (row.name, row.activity_type, row.duration_seconds, row.notes) == (
            body.name,
            body.activity_type,
            round(body.duration_minutes * 60),
            body.notes,
        ):
            return row
    return None


@router.post("/forge/activities")
async def add_activity(request: Request, session: SessionDep, caller: PageUser) -> Response:
    reader = await reader_of(session, request, caller)
    form = FormState.of(await request.form())
    body = _manual_entry(form, reader)
    if body is not None:
        try:
            row = await _just_sent(session, caller, body) or await forge_api.create_activity(
                body=body, session=session, user=caller.user
            )
        except Problem as problem:
            await start_over(session, caller)
            if problem.status == 422 and "activity type" in problem.detail:
                form.fail("activity_type", reader.t("Choose a type from the list."))
            else:
                form.message = problem.detail
        else:
            return redirect(request, f"/forge?date={row.activity_date.isoformat()}")
    day = _day_of(form.value("day")) or reader.today()
    return await _day_page(request, session, caller, reader, day, entry=form, status_code=422)


@router.post("/forge/activities/{activity_id}/delete")
async def delete_activity(
    request: Request, activity_id: uuid.UUID, session: SessionDep, caller: PageUser
) -> Response:
    """A manual entry goes; a wearable one goes with its recording; a training one follows its session."""
    reader = await reader_of(session, request, caller)
    try:
        row = await forge_api.get_activity(activity_id=activity_id, session=session, user=caller.user)
        day = row.activity_date
        if row.source == Source.wearable.value and row.source_id is not None:
            await forge_api.delete_recording(recording_id=row.source_id, session=session, user=caller.user)
        else:
            await forge_api.delete_activity(activity_id=activity_id, session=session, user=caller.user)
    except Problem as problem:
        await start_over(session, caller)
        return refused(request, reader, caller, problem.status, problem.detail, back="/forge")
    return redirect(request, f"/forge?date={day.isoformat()}")


@router.post("/forge/recordings")
async def import_recording(
    request: Request,
    session: SessionDep,
    caller: PageUser,
    file: Annotated[UploadFile | None, File()] = None,
    day: Annotated[str, Form()] = "",
) -> Response:
    """A wearable file through the same import as ``POST /api/v1/recordings``, then the day it belongs to."""
    reader = await reader_of(session, request, caller)
    upload = FormState()
    status_code = 422
    if file is None or not file.filename:
        upload.fail("file", reader.t("Choose a .fit, .gpx or .tcx file."))
    else:
        try:
            answer = await forge_api.upload_recording(
                response=Response(), session=session, user=caller.user, file=file
            )
        except Problem as problem:
            await start_over(session, caller)
            status_code = problem.status
            upload.fail(
                "file",
                reader.t("This file could not be read: {reason}", reason=problem.detail)
                if problem.status == 422
                else problem.detail,
            )
        else:
            recording = answer["recording"]
            where = reader.local(recording.started_at).date().isoformat()
            again = "&duplicate=1" if answer["duplicate"] else ""
            return redirect(request, f"/forge?date={where}&recording={recording.id}{again}")
    shown = _day_of(day) or reader.today()
    return await _day_page(request, session, caller, reader, shown, upload=upload, status_code=status_code)


# --- History --------------------------------------------------------------------------------------


def calories_chart(reader: Reader, days: Iterable[Any], pattern: str) -> dict[str, Any]:
    """Calories per day, one stacked series per source (the History chart)."""
    days = list(days)
    names = source_names(reader)
    return {
        "type": "bar",
        "labels": [reader.day(d["date"], pattern) for d in days],
        "series": [
            {"label": names[source], "values": [d["by_source"][source]["calories"] for d in days]}
            for source in SOURCES
        ],
        "unit": "kcal",
        "stacked": True,
        "zero": True,
    }


@router.get("/forge/history")
async def history_page(
    request: Request,
    session: SessionDep,
    caller: PageUser,
    period: Annotated[Literal["week", "month"], Query()] = "week",
    on: Annotated[str | None, Query(alias="date")] = None,
) -> Response:
    reader = await reader_of(session, request, caller)
    day = _day_of(on) or reader.today()
    found = await forge_api.forge_view(period=period, session=session, user=caller.user, on=day)
    pattern = "EEE d" if period == "week" else "d"
    return render(
        request,
        "forge/history.html",
        reader,
        caller,
        view=found,
        kind=period,
        day=day,
        previous=found["start"] - dt.timedelta(days=1),
        following=found["end"] + dt.timedelta(days=1),
        calories_chart=calories_chart(reader, found["days"], pattern),
        sources=source_names(reader),
    )


# --- Insights -------------------------------------------------------------------------------------


def load_chart(reader: Reader, days: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "type": "line",
        "labels": [reader.day(d["date"], "d MMM") for d in days],
        "series": [
            {"label": reader.t("Acute load (7 days)"), "values": [d["acute"] for d in days]},
            {"label": reader.t("Chronic load (28 days)"), "values": [d["chronic"] for d in days]},
        ],
        "unit": "AU",
        "zero": True,
    }


def zones_chart(reader: Reader, recordings: list[Any]) -> dict[str, Any]:
    """Minutes in each heart-rate zone, one stacked bar per recording, oldest first."""
    shown = list(reversed(recordings))
    return {
        "type": "bar",
        "labels": [reader.day(reader.local(r.started_at).date(), "d MMM") for r in shown],
        "series": [
            {"label": zone.upper(), "values": [round(r.zones.get(zone, 0) / 60, 1) for r in shown]}
            for zone in ("z1", "z2", "z3", "z4", "z5")
        ],
        "unit": "min",
        "stacked": True,
        "zero": True,
    }


@router.get("/forge/insights")
async def insights_page(
    request: Request, session: SessionDep, runtime: RuntimeDep, caller: PageUser
) -> Response:
    reader = await reader_of(session, request, caller)
    readiness = await today.readiness_of(session, caller.user.id, utcnow(), reader.today(), reader.language)
    load = await today_api.training_load(session=session, user=caller.user, first=None, last=None)
    recordings = [
        r
        for r in await forge_api.list_recordings(
            session=session, user=caller.user, limit=10, offset=0, athlete_id=None
        )
        if r.zones
    ]
    return render(
        request,
        "forge/insights.html",
        reader,
        caller,
        readiness=readiness,
        labels={"ready": reader.t("Ready"), "moderate": reader.t("Moderate"), "low": reader.t("Low")},
        parts={
            "recovery": reader.t("Recovery"),
            "energy": reader.t("Energy"),
            "consistency": reader.t("Consistency"),
        },
        load=load,
        load_chart=load_chart(reader, load["days"]),
        recordings=recordings,
        zones_chart=zones_chart(reader, recordings) if recordings else None,
        types=type_names(reader),
        qualities=quality_names(reader),
    )


# --- Progression ----------------------------------------------------------------------------------


@dataclass
class WeekTotals:
    """One week of the ledger, every source: minutes, calories and distance in the reader's unit."""

    start: dt.date
    count: int = 0
    seconds: int = 0
    calories: float = 0.0
    metres: float = 0.0

    @property
    def minutes(self) -> int:
        return round(self.seconds / 60)

    def in_units(self, reader: Reader) -> dict[str, Any]:
        return {
            "start": self.start,
            "count": self.count,
            "minutes": self.minutes,
            "calories": round(self.calories, 1),
            "distance": distance_value(reader, self.metres),
        }


def weekly_totals(
    reader: Reader, rows: Iterable[Activity], first: dt.date, weeks: int
) -> list[dict[str, Any]]:
    """Each week from the Monday ``first``, as numbers in the reader's units."""
    totals = [WeekTotals(first + dt.timedelta(weeks=n)) for n in range(weeks)]
    for row in rows:
        week = totals[(row.activity_date - first).days // 7]
        week.count += 1
        week.seconds += row.duration_seconds
        week.calories += row.calories
        week.metres += row.distance_m or 0
    return [week.in_units(reader) for week in totals]


def weekly_chart(
    reader: Reader, weeks: list[dict[str, Any]], key: str, label: str, unit: str
) -> dict[str, Any]:
    return {
        "type": "bar",
        "labels": [reader.day(w["start"], "d MMM") for w in weeks],
        "series": [{"label": label, "values": [w[key] for w in weeks]}],
        "unit": unit,
        "zero": True,
    }


async def _progression_page(
    request: Request,
    session: AsyncSession,
    runtime: Runtime,
    caller: PageCaller,
    reader: Reader,
    *,
    form: FormState | None = None,
    status_code: int = 200,
) -> Response:
    this_monday = reader.today() - dt.timedelta(days=reader.today().weekday())
    first = this_monday - dt.timedelta(weeks=PROGRESSION_WEEKS - 1)
    rows = await ledger.activities_between(session, caller.user.id, first, this_monday + dt.timedelta(days=6))
    weeks = weekly_totals(reader, rows, first, PROGRESSION_WEEKS)
    goals = await today_api.list_goals(session=session, runtime=runtime, user=caller.user, athlete_id=None)
    unit = distance_unit(reader)
    return render(
        request,
        "forge/progression.html",
        reader,
        caller,
        status_code=status_code,
        weeks=weeks,
        minutes_chart=weekly_chart(reader, weeks, "minutes", reader.t("Minutes"), "min"),
        calories_chart=weekly_chart(reader, weeks, "calories", reader.t("Calories"), "kcal"),
        distance_chart=weekly_chart(reader, weeks, "distance", reader.t("Distance"), unit),
        distance_unit=unit,
        goals=goals,
        goal_names=goal_names(reader),
        units=goal_units(reader),
        form=form or FormState(values={"goal_type": "sessions_per_week"}),
    )


@router.get("/forge/progression")
async def progression_page(
    request: Request, session: SessionDep, runtime: RuntimeDep, caller: PageUser
) -> Response:
    reader = await reader_of(session, request, caller)
    return await _progression_page(request, session, runtime, caller, reader)


def _goal_body(form: FormState, reader: Reader) -> today_api.GoalIn | None:
    values: dict[str, Any] = {"goal_type": form.value("goal_type")}
    if form.value("movement").strip():
        values["movement"] = form.value("movement").strip()
    if form.value("deadline").strip():
        values["deadline"] = form.value("deadline").strip()
    target = form.value("target_value").strip().replace(",", ".")
    if not target:
        form.fail("target_value", reader.t("Enter the target."))
    else:
        try:
            number = float(target)
        except ValueError:
            form.fail("target_value", reader.t("Enter a number."))
        else:
            # A one-rep max is typed in the reader's unit and kept in kilograms.
            lifted = values["goal_type"] == "movement_1rm" and reader.units == "lb"
            values["target_value"] = round(number / LB_PER_KG, 2) if lifted else number
    if not form.ok:
        return None
    try:
        return today_api.GoalIn(**values)
    except ValidationError as error:
        fields = {"goal_type": "goal_type", "target_value": "target_value", "deadline": "deadline"}
        for name, message in explain(error, reader, fields).items():
            form.fail(name, message)
        return None


@router.post("/forge/goals")
async def add_goal(request: Request, session: SessionDep, runtime: RuntimeDep, caller: PageUser) -> Response:
    reader = await reader_of(session, request, caller)
    form = FormState.of(await request.form())
    body = _goal_body(form, reader)
    if body is not None:
        try:
            await today_api.create_goal(body=body, session=session, runtime=runtime, user=caller.user)
        except Problem as problem:
            await start_over(session, caller)
            form.fail("movement" if "movement" in problem.detail else "goal_type", problem.detail)
        else:
            return redirect(request, "/forge/progression")
    return await _progression_page(request, session, runtime, caller, reader, form=form, status_code=422)


@router.post("/forge/goals/{goal_id}/delete")
async def delete_goal(
    request: Request, goal_id: uuid.UUID, session: SessionDep, caller: PageUser
) -> Response:
    reader = await reader_of(session, request, caller)
    try:
        await today_api.delete_goal(goal_id=goal_id, session=session, user=caller.user)
    except Problem as problem:
        await start_over(session, caller)
        return refused(request, reader, caller, problem.status, problem.detail, back="/forge")
    return redirect(request, "/forge/progression")
