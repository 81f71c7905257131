"""The public leaderboard kept per process, with a viewer's hidden bests merged into it.

A board read from the bests (``leaderboards.bests_page``), without a box, is the public board for
every viewer who has no hidden best on it and coaches no one: it is kept per process while the
workout's board version holds (triggers of migration 0013 raise it on every write to its bests and
on a ranked athlete's new name). A viewer who sees more — their own hidden best, or as a coach
their athletes' — gets the first page of the kept public board with those few rows merged in (the
top ``limit + 1`` of the union is in the public top ``limit + 1`` plus theirs, and the total is the
public total plus theirs); a later page of theirs is built from the bests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import literal, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from atelier.accounts.models import CoachLink, LinkStatus, User
from atelier.kit.cache import Kept
from atelier.training import leaderboards
from atelier.training.leaderboards import BestsPage, BoardQuery, Workout
from atelier.training.models import BoardVersion, ResultBest

Encode = Callable[[list[dict[str, Any]], int], bytes]  # rows and total → the answer's JSON tail


@dataclass(frozen=True)
class Stamp:
    version: int  # the workout's board version, read before any of the board's rows
    personal: bool  # the viewer has a hidden best here or coaches someone: they see more


async def stamp_of(session: AsyncSession, actor: User, found: Workout, query: BoardQuery) -> Stamp | None:
    """The workout's board version and whether the viewer sees more than the public bests, in one
    statement; None for a board the bests do not answer or a box's board (built per request)."""
    if not leaderboards.from_bests(query) or query.box is not None:
        return None
    hidden_own = (
        select(literal(True))
        .where(
            ResultBest.athlete_id == actor.id,
            ResultBest.workout_hash == found.workout_hash,
            not_(ResultBest.is_public),
        )
        .exists()
    )
    coaching = (
        select(literal(True))
        .where(CoachLink.coach_id == actor.id, CoachLink.status == LinkStatus.active)
        .exists()
    )
    version = (
        select(BoardVersion.version).where(BoardVersion.workout_hash == found.workout_hash).scalar_subquery()
    )
    row = (await session.execute(select(version, hidden_own, coaching))).one()
    return Stamp(int(row[0] or 0), bool(row[1] or row[2]))


@dataclass(frozen=True)
class PublicPage:
    page: BestsPage
    tail: bytes  # the answer's rows and total as every viewer without a hidden best gets them

    def __len__(self) -> int:
        """Roughly the bytes it holds (``Kept`` weighs its values by their length)."""
        return 3 * len(self.tail) + 512


async def hidden_bests(session: AsyncSession, actor: User, found: Workout, query: BoardQuery) -> list[Any]:
    """The bests in the board's scope only this viewer sees: their own hidden one and, for a coach,
    their athletes' hidden ones (a few rows, from the athlete index)."""
    coached = select(CoachLink.athlete_id).where(
        CoachLink.coach_id == actor.id, CoachLink.status == LinkStatus.active
    )
    statement = (
        select(*leaderboards.BEST_COLUMNS, User.name)
        .join(User, User.id == ResultBest.athlete_id)
        .where(
            ResultBest.workout_hash == found.workout_hash,
            ResultBest.score_type == found.score_type,
            *leaderboards.best_scope(query),
            not_(ResultBest.is_public),
            or_(ResultBest.athlete_id == actor.id, ResultBest.athlete_id.in_(coached)),
        )
    )
    return list((await session.execute(statement)).all())


def _order(row: Any) -> tuple[Any, ...]:
    """A row's place on the board: its keys, then the SQL page's tie-break (recorded, result id)."""
    return (row.k0, row.k1, row.k2, row.k3, row.recorded_at, row.id)


def merged(
    found: Workout, public: BestsPage, hidden: list[Any], query: BoardQuery
) -> tuple[list[dict[str, Any]], int]:
    """The first page of the public board with a viewer's hidden bests in their places."""
    assert query.offset == 0, "merging is exact for the first page only"
    rows = sorted([*public.rows, *hidden], key=_order)[: query.limit + 1]
    page = BestsPage(rows, 0, public.total + len(hidden))
    return leaderboards.page_rows(found, page, query), page.total


async def tail(
    session: AsyncSession,
    kept: Kept[PublicPage],
    actor: User,
    found: Workout,
    query: BoardQuery,
    stamp: Stamp,
    encode: Encode,
) -> bytes:
    """The board's rows and total for ``actor``, from the kept public page where it answers."""
    if stamp.personal and query.offset > 0:
        rows, total = await leaderboards.board(session, actor, found, query)
        return encode(rows, total)
    scope = (query.track, query.category, query.limit, query.offset)
    key = ("board", found.workout_hash, found.score_type, *scope)
    public = kept.get(key, stamp.version)
    if public is None:
        page = await leaderboards.bests_page(session, None, found, query)
        public = PublicPage(page, encode(leaderboards.page_rows(found, page, query), page.total))
        kept.put(key, stamp.version, public)
    if not stamp.personal:
        return public.tail
    rows, total = merged(found, public.page, await hidden_bests(session, actor, found, query), query)
    return encode(rows, total)
