"""Each athlete's best result per workout, track and category (``result_bests``): what boards read.

Ranking every visible result of a workout on each request (a row per result, over every monthly
partition) cost ~50 ms a board at a million results. The bests are derived from ``results`` and
rewritten in the same transaction as their source: ``refresh`` recomputes one athlete's rows on
one workout from their results (a handful of rows) whenever a result is written or corrected,
and ``set_public`` follows the athlete's ``results_visibility``. Recomputing instead of comparing
with the old best keeps one rule for every write (a correction may make a result worse).

The order is ``ranking._order`` (the keys ``leaderboards.sort_keys`` states in SQL, padded with 0
to four), then the earliest recorded, then the result id — the board's own pick among equal bests.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from atelier.db import elevated
from atelier.training.models import Result, ResultBest
from atelier.training.ranking import RANKED_SCORE_TYPES

KEYS = 4


def keys_of(result: Result) -> tuple[float, ...]:
    """The board's sort keys of one result (``leaderboards.sort_keys``): smaller is better."""
    if result.is_dnf:
        return (1.0, 0.0, 0.0, 0.0)
    value = float(result.score_value or 0.0)
    found: tuple[float, ...]
    rx = 0.0 if result.is_rx else 1.0
    if result.score_type == "time":
        found = (0.0, rx, 1.0, -value) if result.capped else (0.0, rx, 0.0, value)
    elif result.score_type == "rounds+reps":
        found = (0.0, rx, -value, -float(result.score_secondary or 0.0))
    else:
        found = (0.0, rx, -value)
    return found + (0.0,) * (KEYS - len(found))


def _order(result: Result) -> tuple[Any, ...]:
    return (keys_of(result), result.recorded_at, result.id)


def _first(results: Iterable[Result]) -> Result | None:
    return min(results, key=_order, default=None)


def best_rows(results: Sequence[Result]) -> list[dict[str, Any]]:
    """The ``result_bests`` rows of one athlete's results on one workout (one score type)."""
    groups: dict[tuple[bool, str], Result] = {}
    for result in sorted(results, key=_order):
        groups.setdefault((result.is_rx, result.category), result)
    overall = _first(groups.values())
    rows = []
    for (is_rx, category), best in groups.items():
        k = keys_of(best)
        rows.append(
            {
                "workout_hash": best.workout_hash,
                "score_type": best.score_type,
                "athlete_id": best.athlete_id,
                "is_rx": is_rx,
                "category": category,
                "best_overall": best is overall,
                "best_in_track": best is _first(r for (x, _), r in groups.items() if x == is_rx),
                "best_in_category": best is _first(r for (_, c), r in groups.items() if c == category),
                **{f"k{i}": k[i] for i in range(KEYS)},
                "result_id": best.id,
                "performed_on": best.performed_on,
                "recorded_at": best.recorded_at,
                "score_value": best.score_value,
                "score_secondary": best.score_secondary,
                "score_unit": best.score_unit,
                "capped": best.capped,
                "level": best.level,
                "is_dnf": best.is_dnf,
                "is_public": best.is_public,
                "class_id": best.class_id,
            }
        )
    return rows


async def refresh(session: AsyncSession, athlete_id: uuid.UUID, workout_hashes: Iterable[str]) -> None:
    """Rewrite the athlete's bests on these workouts from their results, pending writes included."""
    hashes = sorted(set(workout_hashes))
    if not hashes:
        return
    await session.flush()
    async with elevated(session):
        results = (
            await session.scalars(
                select(Result)
                .where(Result.athlete_id == athlete_id, Result.workout_hash.in_(hashes))
                .where(Result.score_type.in_(RANKED_SCORE_TYPES))
                .execution_options(populate_existing=True)
            )
        ).all()
        await session.execute(
            delete(ResultBest).where(ResultBest.athlete_id == athlete_id, ResultBest.workout_hash.in_(hashes))
        )
        by_workout: dict[tuple[str, str], list[Result]] = {}
        for result in results:
            by_workout.setdefault((result.workout_hash, result.score_type), []).append(result)
        rows = [row for found in by_workout.values() for row in best_rows(found)]
        if rows:
            await session.execute(insert(ResultBest), rows)


async def set_public(session: AsyncSession, athlete_id: uuid.UUID, public: bool) -> None:
    """Follow the athlete's ``results_visibility`` (their results' ``is_public`` changes with it)."""
    await session.execute(
        update(ResultBest)
        .where(ResultBest.athlete_id == athlete_id)
        .values(is_public=public)
        .execution_options(synchronize_session=False)
    )
