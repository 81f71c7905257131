"""Progression: what an athlete logged, bucketed by ISO week (starting Monday) or calendar month.

For a movement, from the finished sessions ``records.history`` reads: the best e1RM
(``estimates.e1rm``), the top set and the volume (reps × load) of each bucket. For a workout (every
version and copy that compiles to the same workout), from the athlete's results on its hash: the
best score of each bucket, in leaderboard order (``ranking``), and how many times it was done.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from atelier.training import estimates
from atelier.training.models import Result
from atelier.training.ranking import Entry, is_better
from atelier.training.records import Done, Period, entry_of, score_text


def bucket(day: date, period: Period) -> date:
    return day - timedelta(days=day.weekday()) if period == "week" else day.replace(day=1)


def movement_series(history_rows: Sequence[Done], movement: str, period: Period) -> list[dict[str, Any]]:
    """Per bucket: best e1RM, top set (heaviest load), volume (reps × kg), sets and reps."""
    buckets: dict[date, dict[str, Any]] = {}
    for done in history_rows:
        if done.movement != movement or not done.lifts:
            continue
        point = buckets.setdefault(
            bucket(done.performed_on, period),
            {"e1rm": None, "top_set_kg": 0.0, "volume_kg": 0.0, "sets": 0, "reps": 0, "sessions": set()},
        )
        for lift in done.lifts:
            estimate = estimates.e1rm(lift.load_kg, lift.reps, lift.rpe) if lift.load_kg > 0 else None
            if estimate is not None and (point["e1rm"] is None or estimate > point["e1rm"]):
                point["e1rm"] = estimate
            point["top_set_kg"] = max(point["top_set_kg"], lift.load_kg)
            point["volume_kg"] += lift.reps * lift.load_kg
            point["sets"] += 1
            point["reps"] += lift.reps
        point["sessions"].add(done.session_id)
    return [
        {
            "period_start": start.isoformat(),
            "e1rm_kg": round(p["e1rm"], 1) if p["e1rm"] is not None else None,
            "top_set_kg": round(p["top_set_kg"], 2),
            "volume_kg": round(p["volume_kg"], 1),
            "sets": p["sets"],
            "reps": p["reps"],
            "sessions": len(p["sessions"]),
        }
        for start, p in sorted(buckets.items())
    ]


# Progression reads only what its points show (no titles: the answer's head names the workout), as
# Core rows: no joins, no ORM entities. The workout's results are spread over every monthly
# partition of ``results``, so the statement costs one index probe per partition whatever the row.
PROGRESSION_COLUMNS = (
    Result.id,
    Result.athlete_id,
    Result.score_type,
    Result.score_value,
    Result.score_secondary,
    Result.is_rx,
    Result.is_dnf,
    Result.capped,
    Result.recorded_at,
    Result.performed_on,
    Result.session_id,
)


@dataclass(frozen=True)
class Score:
    """One result of a workout, as a progression point may show it."""

    entry: Entry[uuid.UUID]
    performed_on: date
    session_id: uuid.UUID


async def workout_scores(
    session: AsyncSession,
    athlete_id: uuid.UUID,
    workout_hash: str,
    *,
    first: date | None = None,
    last: date | None = None,
) -> list[Score]:
    """The athlete's scored results on one workout between two dates (either optional), oldest first."""
    statement = (
        select(*PROGRESSION_COLUMNS)
        .where(
            Result.athlete_id == athlete_id,
            Result.workout_hash == workout_hash,
            Result.score_type != "multi",
            Result.is_dnf.is_(False),
            Result.score_value.is_not(None),
        )
        .order_by(Result.performed_on, Result.recorded_at)
    )
    if first is not None:
        statement = statement.where(Result.performed_on >= first)
    if last is not None:
        statement = statement.where(Result.performed_on <= last)
    connection = await session.connection()
    return [
        Score(entry_of(row), row.performed_on, row.session_id)
        for row in (await connection.execute(statement)).all()
    ]


def workout_series(scores: Sequence[Score], period: Period) -> list[dict[str, Any]]:
    """Per bucket: the best score and how many times the workout was done."""
    best: dict[date, Score] = {}
    counts: dict[date, int] = defaultdict(int)
    for item in scores:
        start = bucket(item.performed_on, period)
        counts[start] += 1
        held = best.get(start)
        if held is None or is_better(item.entry, held.entry):
            best[start] = item
    series = []
    for start, item in sorted(best.items()):
        e = item.entry
        series.append(
            {
                "period_start": start.isoformat(),
                "score_type": e.score_type,
                "value": e.value,
                "secondary": e.secondary,
                "capped": e.capped,
                "rx": e.rx,
                "display": score_text(e.score_type, e.value, e.secondary, e.capped, False),
                "performed_on": item.performed_on.isoformat(),
                "session_id": str(item.session_id),
                "count": counts[start],
            }
        )
    return series


def since(rows: Sequence[Any], first: date | None, last: date | None) -> list[Any]:
    """Rows performed between two dates (inclusive), either bound optional."""
    return [
        r
        for r in rows
        if (first is None or r.performed_on >= first) and (last is None or r.performed_on <= last)
    ]
