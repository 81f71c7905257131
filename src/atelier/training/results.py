"""The athlete's result on a scored WOD, recorded when the session finishes (or corrected after).

The score type comes from the compiled workout (WODCraft's ``score``): ``time`` (seconds; an
athlete stopped by the cap is scored by reps, ``capped``), ``rounds+reps``, ``reps``, ``load`` (kg,
whatever unit was entered), ``calories``; a session of several scored parts is ``multi``, one part
per scored section in order. A workout without a score (strength sets, an EMOM) has no result.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from atelier.accounts import service as accounts
from atelier.accounts.models import User
from atelier.kit.clock import utcnow
from atelier.kit.problems import Conflict, Forbidden, NotFound, Problem
from atelier.kit.runtime import Runtime
from atelier.planning import service as planning
from atelier.planning.models import Session, Status
from atelier.training import bests, records
from atelier.training import service as training
from atelier.training.exercises import Load
from atelier.training.models import Result
from atelier.wods.metadata import workout_hash, workouts_of
from atelier.wods.service import compile_or_refuse


class Score(BaseModel):
    """One score; which fields it needs depends on the workout's score type."""

    model_config = ConfigDict(extra="forbid")

    time_s: float | None = Field(None, gt=0, le=86_400)
    capped: bool = False
    rounds: int | None = Field(None, ge=0, le=10_000)
    reps: int | None = Field(None, ge=0, le=100_000)
    load: Load | None = None
    calories: float | None = Field(None, ge=0, le=100_000)


class ResultIn(Score):
    rx: bool = True
    level: str | None = Field(None, max_length=16, description="what was done when not Rx: scaled, …")
    dnf: bool = False
    notes: str | None = Field(None, max_length=5000)
    parts: list[Score] | None = Field(
        None, max_length=20, description="a multi-part session: one per scored part"
    )


NEEDS = {
    "time": "time_s (seconds), or capped with reps",
    "rounds+reps": "rounds (and reps past the last round)",
    "reps": "reps",
    "load": "load {value, unit}",
    "calories": "calories",
}


def _scored(score_type: str, score: Score, *, dnf: bool) -> dict[str, Any]:
    """Value, secondary value, unit and capped flag of one score, checked against its type."""
    fields = set(Score.model_fields)
    given = {k for k, v in score.model_dump(exclude_defaults=True, include=fields).items() if v is not None}
    if dnf:
        return {"value": None, "secondary": None, "unit": None, "capped": False}
    if score_type == "time" and score.capped:
        allowed, needed = {"capped", "reps"}, score.reps is not None
        result = {"value": float(score.reps or 0), "secondary": None, "unit": "reps", "capped": True}
    elif score_type == "time":
        allowed, needed = {"time_s"}, score.time_s is not None
        result = {"value": score.time_s, "secondary": None, "unit": "s", "capped": False}
    elif score_type == "rounds+reps":
        allowed, needed = {"rounds", "reps"}, score.rounds is not None
        result = {"value": float(score.rounds or 0), "secondary": float(score.reps or 0), "unit": "rounds"}
    elif score_type == "reps":
        allowed, needed = {"reps"}, score.reps is not None
        result = {"value": float(score.reps or 0), "secondary": None, "unit": "reps"}
    elif score_type == "load":
        allowed, needed = {"load"}, score.load is not None
        result = {"value": round(score.load.kg, 3) if score.load else None, "secondary": None, "unit": "kg"}
    elif score_type == "calories":
        allowed, needed = {"calories"}, score.calories is not None
        result = {"value": score.calories, "secondary": None, "unit": "cal"}
    else:
        raise Problem(422, f"a {score_type!r} score cannot be recorded")
    extra = given - allowed
    if not needed or extra:
        wrong = f"; {', '.join(sorted(extra))} does not apply" if extra else ""
        raise Problem(422, f"a {score_type} workout is scored by {NEEDS[score_type]}{wrong}")
    return {"capped": False} | result


def _part_types(document: dict[str, Any]) -> list[tuple[str, str]]:
    """(title, score type) of each scored part of a multi-part session, in order."""
    return [
        (str(w.get("title") or f"part {i + 1}"), str((w.get("score") or {}).get("type", "none")))
        for i, w in enumerate(workouts_of(document))
        if (w.get("score") or {}).get("type", "none") != "none"
    ]


async def record(
    session: AsyncSession, runtime: Runtime, actor: User, session_id: uuid.UUID, body: ResultIn
) -> tuple[Result, bool]:
    """Record (or correct) the result of a session; a running one is completed first."""
    # Locked: two recordings of one session take turns, so it keeps one result.
    row = await training.readable_session(session, actor, session_id, for_update=True)
    if row.athlete_id != actor.id:
        raise Forbidden("only the athlete records their own result")
    if row.status not in (Status.in_progress, Status.completed):
        raise Conflict(f"a {row.status.value} session has no result", current_status=row.status.value)
    if row.origin == "adhoc" and row.status == Status.in_progress:
        # An open workout has no workout to score until it is finished and written back.
        row = await planning.act(session, runtime, actor, row.id, "complete")
    assert row.source is not None
    _, document = await compile_or_refuse(runtime, row.source)
    score_type = str((row.snapshot or {}).get("score_type", "none"))
    values: dict[str, Any]
    if score_type == "multi":
        kinds = _part_types(document)
        if not kinds:
            raise Problem(422, "this workout has no score to record")
        if body.parts is None or len(body.parts) != len(kinds):
            titles = ", ".join(f"{t} ({k})" for t, k in kinds)
            raise Problem(422, f"give one part per scored section, in order: {titles}")
        parts = [
            {"title": title, "score_type": kind, **_scored(kind, part, dnf=body.dnf)}
            for (title, kind), part in zip(kinds, body.parts, strict=True)
        ]
        values = {"value": None, "secondary": None, "unit": None, "capped": any(p["capped"] for p in parts)}
    elif score_type == "none":
        raise Problem(422, "this workout has no score to record (log its exercises instead)")
    else:
        if body.parts is not None:
            raise Problem(422, "parts only apply to a session of several scored sections")
        values, parts = _scored(score_type, body, dnf=body.dnf), []
    if row.status == Status.in_progress:
        row = await planning.act(session, runtime, actor, row.id, "complete")
    result = await _result_of(session, row)
    created = result is None
    previous_hash = None if result is None else result.workout_hash
    now = utcnow()
    if result is None:
        profile = await accounts.profile(session, actor)
        result = Result(
            id=uuid.uuid4(),
            session_id=row.id,
            athlete_id=row.athlete_id,
            performed_on=row.session_date,
            category=profile.category,
            is_public=profile.results_visibility == "public",
            recorded_at=now,
        )
        session.add(result)
    result.wod_id = row.wod_id
    result.wod_version = row.wod_version
    result.workout_hash = workout_hash(document)
    result.score_type = score_type
    result.score_value = values["value"]
    result.score_secondary = values["secondary"]
    result.score_unit = values["unit"]
    result.capped = values["capped"]
    result.is_rx = body.rx
    result.level = None if body.rx else (body.level or "scaled")
    result.is_dnf = body.dnf
    result.parts = parts
    result.notes = body.notes
    result.updated_at = now
    await session.flush()
    await bests.refresh(session, row.athlete_id, {result.workout_hash, previous_hash or result.workout_hash})
    await records.forget(runtime, row.athlete_id)
    return result, created


async def _result_of(session: AsyncSession, row: Session) -> Result | None:
    return await session.scalar(select(Result).where(Result.session_id == row.id))


async def result_of(session: AsyncSession, actor: User, session_id: uuid.UUID) -> Result:
    row = await training.readable_session(session, actor, session_id)
    found = await _result_of(session, row)
    if found is None:
        raise NotFound("result")
    return found
