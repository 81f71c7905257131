"""Leaderboards: each athlete once, with their best result on one workout, in ``ranking``'s order.

A board is for a WOD (a given version, or its current one) and gathers every result whose workout
hash is that version's: every copy and version of Fran that compiles to the same workout ranks
together. Filters: track (``rx`` or ``scaled``: every result not done Rx), level, category (men or
women, as the athlete was when they did it), a period (``performed_on`` between two dates), a class
session, or a box (the athletes of one coach: only that coach and their athletes may ask).

Who appears: results whose athlete left them public (``results_visibility``), and to a viewer also
their own and, for a coach, those of their athletes. PostgreSQL's policy on ``results`` enforces
the same rule; the query states it too so SQLite behaves alike.

The query ranks in SQL — ``row_number`` per athlete picks each best, ``rank`` numbers the board —
with sort keys that are exactly ``ranking._order``; a test compares the two on random results.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from atelier.accounts.models import CoachLink, LinkStatus, User
from atelier.kit.problems import Forbidden, NotFound, Problem
from atelier.planning import classes
from atelier.training.models import Result
from atelier.training.ranking import RANKED_SCORE_TYPES
from atelier.training.records import score_text
from atelier.wods import repository as wods
from atelier.wods.metadata import workout_hash, workouts_of

Track = Literal["rx", "scaled"]
Category = Literal["men", "women"]


@dataclass(frozen=True)
class BoardQuery:
    track: Track | None = None
    level: str | None = None
    category: Category | None = None
    first: date | None = None
    last: date | None = None
    class_id: uuid.UUID | None = None
    box: uuid.UUID | None = None
    limit: int = 10
    offset: int = 0


@dataclass(frozen=True)
class Workout:
    wod_id: uuid.UUID
    version: int
    title: str
    workout_hash: str
    score_type: str


def score_type_of(document: dict[str, Any]) -> str:
    """The one score type of a compiled workout: ``multi`` for several scored parts, else ``none``."""
    scored = [
        str((w.get("score") or {}).get("type", "none"))
        for w in workouts_of(document)
        if (w.get("score") or {}).get("type", "none") != "none"
    ]
    if len(scored) > 1:
        return "multi"
    return scored[0] if scored else "none"


async def workout(session: AsyncSession, actor: User, wod_id: uuid.UUID, version: int | None) -> Workout:
    wod = await wods.get_readable(session, actor.id, wod_id)
    if wod is None:
        raise NotFound("wod")
    document, title, number = wod.compiled, wod.title, wod.version
    if version is not None and version != wod.version:
        found = await wods.version_of(session, wod, version)
        if found is None:
            raise NotFound("wod version")
        document, title, number = found.compiled, found.title, found.version
    return Workout(wod.id, number, title, workout_hash(document), score_type_of(document))


def sort_keys(score_type: str) -> list[ColumnElement[Any]]:
    """``ranking._order`` in SQL: smaller first, equal keys tie. A DNF's keys are all 0 past the first."""
    dnf = Result.is_dnf
    keys: list[ColumnElement[Any]] = [
        case((dnf, 1), else_=0),
        case((dnf, 0), (Result.is_rx, 0), else_=1),
    ]
    value = Result.score_value
    if score_type == "time":
        keys.append(case((dnf, 0), (Result.capped, 1), else_=0))
        keys.append(case((dnf, 0.0), (Result.capped, -value), else_=value))
    elif score_type == "rounds+reps":
        keys.append(case((dnf, 0.0), else_=-value))
        keys.append(case((dnf, 0.0), else_=-func.coalesce(Result.score_secondary, 0.0)))
    else:
        keys.append(case((dnf, 0.0), else_=-value))
    return keys


def visible_to(actor: User) -> ColumnElement[bool]:
    coached = select(CoachLink.athlete_id).where(
        CoachLink.coach_id == actor.id, CoachLink.status == LinkStatus.active
    )
    return or_(Result.is_public, Result.athlete_id == actor.id, Result.athlete_id.in_(coached))


async def _checked_scope(session: AsyncSession, actor: User, query: BoardQuery) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if query.track == "rx":
        where.append(Result.is_rx.is_(True))
    elif query.track == "scaled":
        where.append(Result.is_rx.is_(False))
    if query.level is not None:
        where.append(func.lower(Result.level) == query.level.lower())
    if query.category is not None:
        where.append(Result.category == query.category)
    if query.first is not None:
        where.append(Result.performed_on >= query.first)
    if query.last is not None:
        where.append(Result.performed_on <= query.last)
    if query.first and query.last and query.first > query.last:
        raise Problem(422, "from must not be after to")
    if query.class_id is not None:
        await classes.readable(session, actor.id, query.class_id)
        where.append(Result.class_id == query.class_id)
    if query.box is not None:
        members = select(CoachLink.athlete_id).where(
            CoachLink.coach_id == query.box, CoachLink.status == LinkStatus.active
        )
        if query.box != actor.id:
            linked = await session.scalar(
                select(literal(True))
                .where(CoachLink.athlete_id == actor.id)
                .where(CoachLink.coach_id == query.box, CoachLink.status == LinkStatus.active)
            )
            if not linked:
                raise Forbidden("a box's board is for its coach and athletes")
        where.append(or_(Result.athlete_id.in_(members), Result.athlete_id == query.box))
    return where


async def board(
    session: AsyncSession, actor: User, found: Workout, query: BoardQuery
) -> tuple[list[dict[str, Any]], int]:
    """The rows of one page of the board, and how many athletes it ranks in all."""
    if found.score_type not in RANKED_SCORE_TYPES:
        what = "several scored parts" if found.score_type == "multi" else "no score"
        raise Problem(422, f"this workout has {what}: it has no leaderboard")
    if not 1 <= query.limit <= 100 or query.offset < 0:
        raise Problem(422, "limit must be 1–100 and offset at least 0")
    keys = sort_keys(found.score_type)
    where = [
        Result.workout_hash == found.workout_hash,
        Result.score_type == found.score_type,
        visible_to(actor),
        *await _checked_scope(session, actor, query),
    ]
    picked = (
        select(
            Result.id,
            Result.athlete_id,
            Result.score_value,
            Result.score_secondary,
            Result.score_unit,
            Result.capped,
            Result.is_rx,
            Result.level,
            Result.is_dnf,
            Result.performed_on,
            Result.recorded_at,
            Result.category,
            Result.class_id,
            *(key.label(f"k{i}") for i, key in enumerate(keys)),
            func.row_number()
            .over(partition_by=Result.athlete_id, order_by=[*keys, Result.recorded_at, Result.id])
            .label("pick"),
        )
        .where(and_(*where))
        .subquery("picked")
    )
    ordered = [picked.c[f"k{i}"] for i in range(len(keys))]
    ranked = (
        select(
            picked,
            User.name,
            func.rank().over(order_by=ordered).label("position"),
            func.count().over(partition_by=ordered).label("sharing"),
            func.count().over().label("total"),
        )
        .join(User, User.id == picked.c.athlete_id)
        .where(picked.c.pick == 1)
        .order_by(*ordered, picked.c.recorded_at, picked.c.id)
        .limit(query.limit)
        .offset(query.offset)
    )
    rows = (await session.execute(ranked)).all()
    total = int(rows[0].total) if rows else await _count(session, picked)
    return [_row_json(found.score_type, row) for row in rows], total


async def _count(session: AsyncSession, picked: Any) -> int:
    return int(await session.scalar(select(func.count()).select_from(picked).where(picked.c.pick == 1)) or 0)


def _row_json(score_type: str, row: Any) -> dict[str, Any]:
    return {
        "rank": int(row.position),
        "tied": int(row.sharing) > 1,
        "athlete": {"id": str(row.athlete_id), "name": row.name},
        "result_id": str(row.id),
        "score": {
            "type": score_type,
            "value": row.score_value,
            "secondary": row.score_secondary,
            "unit": row.score_unit,
            "capped": bool(row.capped),
            "display": score_text(score_type, row.score_value, row.score_secondary, row.capped, row.is_dnf),
        },
        "rx": bool(row.is_rx),
        "level": row.level,
        "dnf": bool(row.is_dnf),
        "category": row.category,
        "performed_on": row.performed_on.isoformat(),
        "class_id": str(row.class_id) if row.class_id else None,
    }
