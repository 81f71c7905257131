"""Leaderboards: each athlete once, with their best result on one workout, in ``ranking``'s order.

A board is for a WOD (a given version, or its current one) and gathers every result whose workout
hash is that version's: every copy and version of Fran that compiles to the same workout ranks
together. Filters: track (``rx`` or ``scaled``: every result not done Rx), level, category (men or
women, as the athlete was when they did it), a period (``performed_on`` between two dates), a class
session, or a box (the athletes of one coach: only that coach and their athletes may ask).

Who appears: results whose athlete left them public (``results_visibility``), and to a viewer also
their own and, for a coach, those of their athletes. PostgreSQL's policy on ``results`` enforces
the same rule; the query states it too so SQLite behaves alike.

Two ways to the same board. The default board and its track and category filters (and a box's)
read ``result_bests`` (``training.bests``: each athlete's best per workout, track and category,
kept with their sort keys): one row per athlete, in key order from an index, so a page is a short
read. A level, a period or a class session picks among results the bests do not keep apart: the
query then ranks ``results`` — ``row_number`` per athlete picks each best, ``rank`` numbers the
board. Both use sort keys that are exactly ``ranking._order``; tests compare them with it and with
each other on random results.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    String,
    Uuid,
    and_,
    bindparam,
    case,
    func,
    not_,
    or_,
    select,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession

from atelier.accounts.models import CoachLink, LinkStatus, User
from atelier.db import elevated
from atelier.kit.problems import Forbidden, NotFound, Problem
from atelier.planning import classes
from atelier.training.models import Result, ResultBest
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


def visible_to(viewer: Any, table: type[Result] | type[ResultBest] = Result) -> ColumnElement[bool]:
    """What ``viewer`` (an id, or a bound parameter standing for one) sees: public results, their
    own, and their athletes'."""
    coached = select(CoachLink.athlete_id).where(
        CoachLink.coach_id == viewer, CoachLink.status == LinkStatus.active
    )
    return or_(table.is_public, table.athlete_id == viewer, table.athlete_id.in_(coached))


def from_bests(query: BoardQuery) -> bool:
    """Whether the bests answer this board: they keep each athlete's best per track and category,
    not per level, period or class."""
    return query.level is None and query.first is None and query.last is None and query.class_id is None


def best_scope(query: BoardQuery) -> list[Any]:
    """Which bests rows are one per athlete for the board's track and category (plain boolean
    columns, not ``IS TRUE``: PostgreSQL matches those to the index)."""
    where: list[Any] = []
    if query.track is not None:
        where.append(ResultBest.is_rx if query.track == "rx" else not_(ResultBest.is_rx))
    if query.category is not None:
        where.append(ResultBest.category == query.category)
    if query.track is None and query.category is None:
        where.append(ResultBest.best_overall)
    elif query.category is None:
        where.append(ResultBest.best_in_track)
    elif query.track is None:
        where.append(ResultBest.best_in_category)
    return where


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
        where.append(Result.athlete_id.in_(await box_members(session, actor, query.box)))
    return where


async def box_members(session: AsyncSession, actor: User, box: uuid.UUID) -> list[uuid.UUID]:
    """The coach ``box`` and their athletes; only they may ask for that board. The members are
    read as the system: on PostgreSQL an athlete's policy shows them only their own links, yet
    their box's board ranks everyone in it (whose results the board still shows only where the
    policies on results let the athlete see them). Outsiders learn nothing but the refusal."""
    members = select(CoachLink.athlete_id).where(
        CoachLink.coach_id == box, CoachLink.status == LinkStatus.active
    )
    async with elevated(session):
        found = [box, *await session.scalars(members)]
    if actor.id not in found:
        raise Forbidden("a box's board is for its coach and athletes")
    return found


def check(found: Workout, query: BoardQuery) -> None:
    """A board can be asked of this workout, at this page size."""
    if found.score_type not in RANKED_SCORE_TYPES:
        what = "several scored parts" if found.score_type == "multi" else "no score"
        raise Problem(422, f"this workout has {what}: it has no leaderboard")
    if not 1 <= query.limit <= 100 or query.offset < 0:
        raise Problem(422, "limit must be 1–100 and offset at least 0")


async def board(
    session: AsyncSession, actor: User, found: Workout, query: BoardQuery
) -> tuple[list[dict[str, Any]], int]:
    """The rows of one page of the board, and how many athletes it ranks in all."""
    check(found, query)
    if from_bests(query):
        return await _board_of_bests(session, actor, found, query)
    return await _board_of_results(session, actor, found, query)


@dataclass(frozen=True)
class BestsPage:
    """A page of a bests board as read: up to ``limit + 1`` rows in board order (the extra one says
    whether the last shown row's tie goes on), the rows ahead of the first, and the board's size."""

    rows: list[Any]
    ahead: int
    total: int


BEST_KEYS = (ResultBest.k0, ResultBest.k1, ResultBest.k2, ResultBest.k3)
BEST_COLUMNS = (
    ResultBest.result_id.label("id"),
    ResultBest.athlete_id,
    ResultBest.score_value,
    ResultBest.score_secondary,
    ResultBest.score_unit,
    ResultBest.capped,
    ResultBest.is_rx,
    ResultBest.level,
    ResultBest.is_dnf,
    ResultBest.performed_on,
    ResultBest.recorded_at,
    ResultBest.category,
    ResultBest.class_id,
    *BEST_KEYS,
)


# A bests page's statements are built once per shape (who sees: the public or one viewer; the
# track and category; a box or not) and executed with values: no query building per request.
VIEWER = bindparam("viewer", type_=Uuid())
MEMBERS = bindparam("members", expanding=True, type_=Uuid())
HASH = bindparam("hash", type_=String())
SCORE_TYPE = bindparam("score_type", type_=String())
LIMIT, OFFSET = bindparam("limit", type_=Integer()), bindparam("offset", type_=Integer())
FIRST_KEYS = tuple(bindparam(f"k{i}", type_=Float()) for i in range(4))


def bests_where(
    *, public: bool, track: Track | None, category: Category | None, boxed: bool = False
) -> list[ColumnElement[bool]]:
    """The bests a board ranks: the public ones, or what ``VIEWER`` may see; only ``MEMBERS``'
    when ``boxed``."""
    seen = ResultBest.is_public if public else visible_to(VIEWER, ResultBest)
    where = [
        ResultBest.workout_hash == HASH,
        ResultBest.score_type == SCORE_TYPE,
        seen,
        *best_scope(BoardQuery(track=track, category=category)),
    ]
    if boxed:
        where.append(ResultBest.athlete_id.in_(MEMBERS))
    return where


@dataclass(frozen=True)
class BestsStatements:
    page: Select[Any]  # the next ``LIMIT`` rows from ``OFFSET``, named, with the board's size
    counted: Select[Any]  # the board's size alone
    ahead: Select[Any]  # how many rows have keys smaller than ``FIRST_KEYS``


@lru_cache(maxsize=64)
def bests_statements(
    *, public: bool, track: Track | None, category: Category | None, boxed: bool
) -> BestsStatements:
    where = and_(*bests_where(public=public, track=track, category=category, boxed=boxed))
    total = select(func.count()).select_from(ResultBest).where(where).scalar_subquery()
    page = (
        select(*BEST_COLUMNS)
        .where(where)
        .order_by(*BEST_KEYS, ResultBest.recorded_at, ResultBest.result_id)
        .limit(LIMIT)
        .offset(OFFSET)
        .subquery("page")
    )
    named = (
        select(page, User.name, total.label("total"))
        .join(User, User.id == page.c.athlete_id)
        .order_by(*(page.c[f"k{i}"] for i in range(4)), page.c.recorded_at, page.c.id)
    )
    counted = select(func.count()).select_from(ResultBest).where(where)
    ahead = counted.where(tuple_(*BEST_KEYS) < tuple_(*FIRST_KEYS))
    return BestsStatements(named, counted, ahead)


async def bests_page(
    session: AsyncSession, actor: User | None, found: Workout, query: BoardQuery
) -> BestsPage:
    """One row per athlete already, in key order from the board index: the page is the next
    ``limit + 1`` rows, named in the same statement with the board's size. Ranks are competition
    ranks counted along the page from the number of rows ahead of it (no window over the board).
    ``actor`` None reads the public bests only (the board every viewer without a hidden best
    shares)."""
    values: dict[str, Any] = {"hash": found.workout_hash, "score_type": found.score_type}
    if actor is not None:
        values["viewer"] = actor.id
    if query.box is not None:
        assert actor is not None, "a box's board is asked for by someone"
        values["members"] = await box_members(session, actor, query.box)
    statements = bests_statements(
        public=actor is None, track=query.track, category=query.category, boxed=query.box is not None
    )
    rows = list(
        (
            await session.execute(
                statements.page, {**values, "limit": query.limit + 1, "offset": query.offset}
            )
        ).all()
    )
    if not rows:
        return BestsPage([], 0, int(await session.scalar(statements.counted, values) or 0))
    ahead = 0
    if query.offset:
        firsts = dict(zip((key.key for key in FIRST_KEYS), _keys_of(rows[0]), strict=True))
        ahead = int(await session.scalar(statements.ahead, {**values, **firsts}) or 0)
    return BestsPage(rows, ahead, int(rows[0].total))


def page_rows(found: Workout, page: BestsPage, query: BoardQuery) -> list[dict[str, Any]]:
    """A bests page as the board shows it: ranked, ``limit`` rows."""
    shown = page.rows[: query.limit]
    placed = _competition_ranks([_keys_of(row) for row in page.rows], page.ahead, query.offset, len(shown))
    ranked = zip(shown, placed, strict=True)
    return [_row_json(found.score_type, row, rank, tied) for row, (rank, tied) in ranked]


async def _board_of_bests(
    session: AsyncSession, actor: User, found: Workout, query: BoardQuery
) -> tuple[list[dict[str, Any]], int]:
    page = await bests_page(session, actor, found, query)
    return page_rows(found, page, query), page.total


def _keys_of(row: Any) -> tuple[float, float, float, float]:
    return (row.k0, row.k1, row.k2, row.k3)


def _competition_ranks(
    keys: list[tuple[float, float, float, float]], ahead: int, offset: int, shown: int
) -> list[tuple[int, bool]]:
    """(rank, tied) for the first ``shown`` rows of a page read in board order (``keys`` may hold
    one row more: whether the last shown row's tie goes on). ``ahead`` rows of the board have
    smaller keys than the page's first row and ``offset`` rows come before it: fewer ahead than
    before means the first row ties with the end of the previous page. A rank is one more than
    the rows with smaller keys (competition ranking: 1, 2, 2, 4)."""
    placed = []
    rank = ahead + 1
    for i in range(shown):
        if i > 0 and keys[i] != keys[i - 1]:
            rank = offset + i + 1
        tied = (
            (i > 0 and keys[i] == keys[i - 1])
            or (i + 1 < len(keys) and keys[i] == keys[i + 1])
            or (i == 0 and ahead < offset)
        )
        placed.append((rank, tied))
    return placed


async def _board_of_results(
    session: AsyncSession, actor: User, found: Workout, query: BoardQuery
) -> tuple[list[dict[str, Any]], int]:
    """Each athlete's best among the results the filters keep, ranked."""
    keys = sort_keys(found.score_type)
    where = [
        Result.workout_hash == found.workout_hash,
        Result.score_type == found.score_type,
        visible_to(actor.id),
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


def _row_json(score_type: str, row: Any, rank: int | None = None, tied: bool | None = None) -> dict[str, Any]:
    """A board row; ``rank`` and ``tied`` come from the row's window columns unless given."""
    return {
        "rank": int(row.position) if rank is None else rank,
        "tied": int(row.sharing) > 1 if tied is None else tied,
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
