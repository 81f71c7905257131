"""Pages: the Training tabs — History, Records, Progression and Advice (with "Ask a coach").

Every number comes from the same functions as the REST API (``training.api``, ``training.records_api``,
``coaching.insights``, ``coaching.service``); this module only chooses what to show and in which units.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from atelier.coaching import illustrations, insights
from atelier.coaching import service as coaching
from atelier.coaching.facts import DISCIPLINES
from atelier.forge import goals
from atelier.kit.problems import NotFound, Problem
from atelier.kit.runtime import Runtime, RuntimeDep, SessionDep
from atelier.training import api as training_api
from atelier.training import records_api
from atelier.web import csrf
from atelier.web.auth import PageCaller, PageUser, start_over
from atelier.web.forms import FormState
from atelier.web.render import Reader, reader_of, redirect, render
from atelier.wods.catalog import known_equipment, movement_catalog

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf.check)])

PAGE_SIZE = 20
HISTORY_PERIODS = ("week", "month", "quarter", "year")
HISTORY_DISCIPLINES = ("strength", "endurance", "functional", "calisthenics")
ANALYSIS_PERIODS = ("week", "month", "quarter")
BUCKETS = ("week", "month")
HIDDEN_KIT = frozenset({"wall", "track", "other", "plate"})  # always there, or a duplicate of "plates"


def _choice(value: str | None, allowed: tuple[str, ...], default: str | None = None) -> str | None:
    return value if value in allowed else default


def _not_found(request: Request, reader: Reader, caller: PageCaller) -> Response:
    return render(
        request,
        "message.html",
        reader,
        caller,
        status_code=404,
        heading=reader.t("Not found"),
        text=reader.t("There is nothing here, or it is not yours."),
        link="/training/advice",
        link_label=reader.t("Back to advice"),
    )


def _movement_name(reader: Reader, movement: str, fallback: str) -> str:
    entry = movement_catalog().get(movement)
    if entry is None:
        return fallback
    return entry.name_fr if reader.language == "fr" else entry.name


def _score(
    reader: Reader, score_type: str, value: float | None, secondary: float | None, capped: bool
) -> str:
    """A score in the reader's language and units: 4:05, 12 rounds + 5 reps, 102.5 kg…"""
    if value is None:
        return "–"
    if score_type == "time":
        if capped:
            return reader.t("Capped + {reps} reps", reps=reader.number(value, 0))
        return reader.duration(value)
    if score_type == "rounds+reps":
        return reader.t("{rounds} rounds + {reps} reps", rounds=int(value), reps=int(secondary or 0))
    if score_type == "load":
        return reader.load(value)
    if score_type == "calories":
        return reader.t("{n} cal", n=reader.number(value, 0))
    return reader.t("{n} reps", n=reader.number(value, 0))


def _dated(record: dict[str, Any]) -> dict[str, Any]:
    """A record as ``records`` stores it (ISO dates, to be cached), with its date as a date."""
    return {**record, "performed_on": date.fromisoformat(record["performed_on"])}


def _movement_records(reader: Reader, movement: dict[str, Any]) -> dict[str, Any]:
    shown = {
        **movement,
        "name": _movement_name(reader, movement["movement"], movement["name"]),
        "best_loads": {n: _dated(r) for n, r in movement["best_loads"].items()},
        "fastest": [_dated(r) for r in movement["fastest"]],
    }
    for kind in ("e1rm", "max_reps", "longest"):
        shown[kind] = _dated(movement[kind]) if movement.get(kind) else None
    return shown


def _label(reader: Reader, day: str, bucket: str) -> str:
    return reader.day(date.fromisoformat(day), "d MMM y" if bucket == "week" else "MMM y")


# --- History ---------------------------------------------------------------------------------------


@router.get("/training/history")
async def history_page(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    caller: PageUser,
    page: Annotated[str, Query(max_length=10)] = "1",
    period: Annotated[str, Query(max_length=20)] = "",
    discipline: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    reader = await reader_of(session, request, caller)
    number = min(max(1, int(page)), 100_000) if page.isdigit() else 1
    chosen_period = _choice(period, HISTORY_PERIODS)
    chosen_discipline = _choice(discipline, HISTORY_DISCIPLINES)
    found = await training_api.finished_sessions(
        session=session,
        runtime=runtime,
        user=caller.user,
        period=chosen_period,  # type: ignore[arg-type]
        discipline=chosen_discipline,  # type: ignore[arg-type]
        type=None,
        athlete_id=None,
        limit=PAGE_SIZE,
        offset=(number - 1) * PAGE_SIZE,
    )
    pages = max(1, -(-found.total // PAGE_SIZE))
    query = "".join(
        f"&{name}={value}"
        for name, value in (("period", chosen_period), ("discipline", chosen_discipline))
        if value
    )
    return render(
        request,
        "training/history.html",
        reader,
        caller,
        items=found.items,
        total=found.total,
        page=number,
        pages=pages,
        query=query,
        period=chosen_period or "",
        discipline=chosen_discipline or "",
    )


# --- Records ---------------------------------------------------------------------------------------


@router.get("/training/records")
async def records_page(
    request: Request, session: SessionDep, runtime: RuntimeDep, caller: PageUser
) -> Response:
    reader = await reader_of(session, request, caller)
    book = await records_api.personal_records(
        session=session, runtime=runtime, user=caller.user, athlete_id=None
    )
    movements = [_movement_records(reader, m) for m in book["movements"]]
    workouts = [
        {
            **_dated(w),
            "score": _score(reader, w["score_type"], w["value"], w.get("secondary"), w.get("capped", False)),
        }
        for w in book["workouts"]
    ]
    return render(
        request,
        "training/records.html",
        reader,
        caller,
        lifts=[m for m in movements if m["best_loads"] or m["e1rm"] or m["max_reps"]],
        efforts=[m for m in movements if m["longest"] or m["fastest"]],
        workouts=workouts,
    )


# --- Progression -----------------------------------------------------------------------------------


def _movement_chart(reader: Reader, points: list[dict[str, Any]], bucket: str) -> dict[str, Any]:
    labels = [_label(reader, p["period_start"], bucket) for p in points]
    return {
        "type": "line",
        "labels": labels,
        "series": [
            {"label": reader.t("Estimated 1RM"), "values": [reader.load_value(p["e1rm_kg"]) for p in points]},
            {"label": reader.t("Top set"), "values": [reader.load_value(p["top_set_kg"]) for p in points]},
        ],
        "unit": reader.units,
    }


def _volume_chart(reader: Reader, points: list[dict[str, Any]], bucket: str) -> dict[str, Any]:
    return {
        "type": "bar",
        "labels": [_label(reader, p["period_start"], bucket) for p in points],
        "series": [
            {"label": reader.t("Volume"), "values": [reader.load_value(p["volume_kg"]) for p in points]}
        ],
        "unit": reader.units,
        "zero": True,
    }


def _score_value(reader: Reader, score_type: str, value: float | None, capped: bool) -> float | None:
    if value is None or (score_type == "time" and capped):
        return None  # a capped time is not a time: the table says "capped + N reps"
    if score_type == "time":
        return round(value / 60, 2)
    if score_type == "load":
        return reader.load_value(value)
    return value


def _workout_chart(reader: Reader, progression: dict[str, Any], bucket: str) -> dict[str, Any]:
    score_type = progression["score_type"]
    units = {"time": "min", "load": reader.units, "calories": "cal"}
    unit = units.get(score_type) or (reader.t("rounds") if score_type == "rounds+reps" else reader.t("reps"))
    points = progression["points"]
    return {
        "type": "line",
        "labels": [_label(reader, p["period_start"], bucket) for p in points],
        "series": [
            {
                "label": progression["title"],
                "values": [_score_value(reader, score_type, p["value"], p["capped"]) for p in points],
            }
        ],
        "unit": unit,
        "lower_is_better": score_type == "time",
    }


async def _analysis(
    session: AsyncSession, runtime: Runtime, caller: PageCaller, reader: Reader, period: str
) -> insights.Answer:
    return await insights.read(session, runtime, caller.user.id, "progression", period, reader.language)


@router.get("/training/progression/analysis")
async def analysis_part(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    caller: PageUser,
    period: Annotated[str, Query(max_length=20)] = "week",
) -> Response:
    """The analysis alone: what the page polls while an LLM writes it."""
    reader = await reader_of(session, request, caller)
    chosen = _choice(period, ANALYSIS_PERIODS, "week") or "week"
    answer = await _analysis(session, runtime, caller, reader, chosen)
    return render(request, "training/_analysis.html", reader, caller, analysis=answer, period=chosen)


@router.get("/training/progression")
async def progression_page(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    caller: PageUser,
    period: Annotated[str, Query(max_length=20)] = "week",
    by: Annotated[str, Query(max_length=20)] = "week",
    movement: Annotated[str, Query(max_length=80)] = "",
    wod: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    reader = await reader_of(session, request, caller)
    chosen_period = _choice(period, ANALYSIS_PERIODS, "week") or "week"
    bucket = _choice(by, BUCKETS, "week") or "week"
    answer = await _analysis(session, runtime, caller, reader, chosen_period)
    book = await records_api.personal_records(
        session=session, runtime=runtime, user=caller.user, athlete_id=None
    )
    # Only what this athlete logged can be chosen: another athlete's WOD id is simply not offered.
    lifted = [
        (m["movement"], _movement_name(reader, m["movement"], m["name"]))
        for m in book["movements"]
        if m["best_loads"] or m.get("max_reps")
    ]
    workouts = list({w["wod_id"]: w["name"] for w in book["workouts"] if w.get("wod_id")}.items())
    chosen_movement = movement if movement in dict(lifted) else (lifted[0][0] if lifted else None)
    chosen_wod = wod if wod in dict(workouts) else (workouts[0][0] if workouts else None)
    movement_points: list[dict[str, Any]] = []
    if chosen_movement is not None:
        found = await records_api.movement_progression(
            movement=chosen_movement,
            session=session,
            user=caller.user,
            period=bucket,  # type: ignore[arg-type]
            first=None,
            last=None,
            athlete_id=None,
        )
        movement_points = found["points"]
    workout: dict[str, Any] | None = None
    if chosen_wod is not None:
        workout = await records_api.workout_progression(
            wod_id=uuid.UUID(chosen_wod),
            session=session,
            user=caller.user,
            period=bucket,  # type: ignore[arg-type]
            version=None,
            first=None,
            last=None,
            athlete_id=None,
        )
        workout = {
            **workout,
            "rows": [
                {
                    "label": _label(reader, p["period_start"], bucket),
                    "score": _score(reader, p["score_type"], p["value"], p["secondary"], p["capped"]),
                    **p,
                }
                for p in workout["points"]
            ],
        }
    return render(
        request,
        "training/progression.html",
        reader,
        caller,
        analysis=answer,
        period=chosen_period,
        by=bucket,
        movements=lifted,
        movement=chosen_movement,
        movement_rows=[{**p, "label": _label(reader, p["period_start"], bucket)} for p in movement_points],
        load_chart=_movement_chart(reader, movement_points, bucket),
        volume_chart=_volume_chart(reader, movement_points, bucket),
        workouts=workouts,
        wod=chosen_wod,
        workout=workout,
        workout_chart=_workout_chart(reader, workout, bucket) if workout else None,
    )


# --- Advice and "Ask a coach" ----------------------------------------------------------------------


def _equipment_choices(reader: Reader) -> list[tuple[str, str]]:
    labels = {
        "abmat": reader.t("AbMat"),
        "barbell": reader.t("Barbell and plates"),
        "bench": reader.t("Bench"),
        "bike": reader.t("Bike"),
        "box": reader.t("Box"),
        "dumbbell": reader.t("Dumbbells"),
        "ghd": reader.t("GHD"),
        "jump_rope": reader.t("Jump rope"),
        "kettlebell": reader.t("Kettlebell"),
        "medicine_ball": reader.t("Medicine ball"),
        "parallettes": reader.t("Parallettes"),
        "plates": reader.t("Plates"),
        "pool": reader.t("Pool"),
        "pull_up_bar": reader.t("Pull-up bar"),
        "rig": reader.t("Rig"),
        "rings": reader.t("Rings"),
        "rope": reader.t("Climbing rope"),
        "rower": reader.t("Rower"),
        "sandbag": reader.t("Sandbag"),
        "ski_erg": reader.t("Ski erg"),
        "sled": reader.t("Sled"),
        "wall_target": reader.t("Wall-ball target"),
        "yoke": reader.t("Yoke"),
    }
    kit = sorted(known_equipment() - HIDDEN_KIT)
    return sorted(((k, labels.get(k, k.replace("_", " "))) for k in kit), key=lambda pair: pair[1].lower())


def _coach_choices(reader: Reader) -> list[tuple[str, str]]:
    names = {
        "strength": reader.t("Strength coach"),
        "endurance": reader.t("Endurance coach"),
        "functional": reader.t("Functional coach"),
        "competition": reader.t("Competition coach"),
        "calisthenics": reader.t("Calisthenics coach"),
    }
    return [(d, names[d]) for d in DISCIPLINES]


async def _advice(
    request: Request,
    session: AsyncSession,
    runtime: Runtime,
    caller: PageCaller,
    reader: Reader,
    *,
    form: FormState | None = None,
    kit: set[str] | None = None,
    status_code: int = 200,
    notice: str | None = None,
) -> Response:
    answer = await insights.read(session, runtime, caller.user.id, "advice", "all", reader.language)
    return render(
        request,
        "training/advice.html",
        reader,
        caller,
        status_code=status_code,
        insights=answer,
        notice=notice,
        refreshed=request.query_params.get("refreshed") == "1",
        form=form or FormState(values={"discipline": "strength", "minutes": "45"}),
        kit=kit or set(),
        coaches=_coach_choices(reader),
        equipment=_equipment_choices(reader),
        locations=[
            (str(place.id), place.name) for place in await goals.locations_of(session, caller.user.id)
        ],
        offers=await coaching.recent(session, caller.user, 5),
    )


@router.get("/training/advice")
async def advice_page(
    request: Request, session: SessionDep, runtime: RuntimeDep, caller: PageUser
) -> Response:
    reader = await reader_of(session, request, caller)
    return await _advice(request, session, runtime, caller, reader)


@router.get("/training/advice/insights")
async def insights_part(
    request: Request, session: SessionDep, runtime: RuntimeDep, caller: PageUser
) -> Response:
    """The insights alone: what the page polls while an LLM writes them."""
    reader = await reader_of(session, request, caller)
    answer = await insights.read(session, runtime, caller.user.id, "advice", "all", reader.language)
    return render(request, "training/_insights.html", reader, caller, insights=answer)


@router.post("/training/advice/refresh")
async def refresh_advice(
    request: Request, session: SessionDep, runtime: RuntimeDep, caller: PageUser
) -> Response:
    reader = await reader_of(session, request, caller)
    try:
        await insights.refresh(session, runtime, caller.user.id)
    except Problem as problem:
        if problem.status != 429:
            raise
        wait = int(problem.extensions.get("retry_after_seconds", 60))
        await start_over(session, caller, writing=False)
        notice = reader.t(
            "The analysis was refreshed less than an hour ago: try again in {n} min.", n=-(-wait // 60)
        )
        return await _advice(request, session, runtime, caller, reader, status_code=429, notice=notice)
    return redirect(request, "/training/advice?refreshed=1")


@router.post("/training/advice/coach")
async def ask_coach(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    caller: PageUser,
    background: BackgroundTasks,
) -> Response:
    reader = await reader_of(session, request, caller)
    sent = await request.form()
    form = FormState.of(sent)
    kit = {str(k) for k in sent.getlist("equipment")}
    discipline = form.value("discipline")
    if discipline not in DISCIPLINES:
        form.fail("discipline", reader.t("Choose a coach."))
    raw = form.value("minutes").strip()
    minutes = int(raw) if raw.isdigit() else None
    if not raw:
        form.fail("minutes", reader.t("Say how many minutes you have."))
    elif minutes is None:
        form.fail("minutes", reader.t("Enter a whole number."))
    elif not coaching.MIN_MINUTES <= minutes <= coaching.MAX_MINUTES:
        form.fail(
            "minutes",
            reader.t(
                "Between {low} and {high} minutes.", low=coaching.MIN_MINUTES, high=coaching.MAX_MINUTES
            ),
        )
    location: uuid.UUID | None = None
    if form.value("location"):
        try:
            location = uuid.UUID(form.value("location"))
        except ValueError:
            form.fail("location", reader.t("Choose one of your locations."))
    if form.ok and minutes is not None:
        try:
            offer = await coaching.prescribe(
                session,
                runtime,
                caller.user,
                discipline=discipline,  # type: ignore[arg-type]
                minutes=minutes,
                location_id=location,
                equipment=sorted(kit) if location is None else None,
            )
        except Problem as problem:
            form.message = (
                reader.t("Choose one of your locations.") if isinstance(problem, NotFound) else problem.detail
            )
            status_code = problem.status
        else:
            if offer.queued:  # after the commit that wrote the queue rows
                background.add_task(runtime.nudge, illustrations.TASK)
            return redirect(request, f"/training/advice/offers/{offer.prescription.id}")
    else:
        status_code = 422
    await start_over(session, caller, writing=False)
    return await _advice(
        request, session, runtime, caller, reader, form=form, kit=kit, status_code=status_code
    )


async def _offer_page(
    request: Request,
    session: AsyncSession,
    caller: PageCaller,
    reader: Reader,
    offer_id: uuid.UUID,
    *,
    status_code: int = 200,
    notice: str | None = None,
) -> Response:
    try:
        row = await coaching.owned(session, caller.user, offer_id)
    except NotFound:
        return _not_found(request, reader, caller)
    labels = dict(_equipment_choices(reader))
    return render(
        request,
        "training/offer.html",
        reader,
        caller,
        status_code=status_code,
        offer=row,
        coach=dict(_coach_choices(reader)).get(row.discipline, row.discipline),
        kit=[labels.get(k, k.replace("_", " ")) for k in row.equipment if k not in HIDDEN_KIT],
        notice=notice,
    )


@router.get("/training/advice/offers/{offer_id}")
async def offer_page(
    request: Request, offer_id: uuid.UUID, session: SessionDep, caller: PageUser
) -> Response:
    reader = await reader_of(session, request, caller)
    return await _offer_page(request, session, caller, reader, offer_id)


@router.post("/training/advice/offers/{offer_id}/accept")
async def accept_offer(
    request: Request, offer_id: uuid.UUID, session: SessionDep, runtime: RuntimeDep, caller: PageUser
) -> Response:
    reader = await reader_of(session, request, caller)
    try:
        planned = await coaching.accept(session, runtime, caller.user, offer_id, day=None, at=None)
    except Problem as problem:
        await start_over(session, caller)
        if problem.status == 404:
            return _not_found(request, reader, caller)
        if problem.status != 409:
            raise
        notice = reader.t("You already accepted this session.")
        return await _offer_page(request, session, caller, reader, offer_id, status_code=409, notice=notice)
    return redirect(request, f"/sessions/{planned.id}")
