"""0010 fills ``result_bests`` from the results already there: after the upgrade, each athlete's
rows are what the app's ``bests.refresh`` would have written, and every board the bests answer
reads the same as the ranking of the results themselves."""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from atelier.accounts.models import User
from atelier.db import create_engine, session_factory, unit_of_work
from atelier.migrations.run import migrate
from atelier.planning.models import Session, SessionKind, Status
from atelier.training import bests, leaderboards
from atelier.training.models import Result, ResultBest
from tests.migrations.test_schema import _drop, _fresh_url

HASH = "0010-fran"
BOARDS = [
    leaderboards.BoardQuery(limit=100),
    leaderboards.BoardQuery(track="rx", limit=100),
    leaderboards.BoardQuery(track="scaled", limit=100),
    leaderboards.BoardQuery(category="women", limit=100),
    leaderboards.BoardQuery(track="rx", category="men", limit=100),
]


def _result(chance: random.Random, athlete: User, row: Session, n: int) -> Result:
    dnf = chance.random() < 0.1
    capped = not dnf and chance.random() < 0.2
    return Result(
        id=uuid.uuid4(),
        session_id=row.id,
        athlete_id=athlete.id,
        performed_on=row.session_date,
        workout_hash=HASH,
        score_type="time",
        score_value=None if dnf else float(chance.choice([15, 20] if capped else [180, 200, 200, 240])),
        score_unit=None if dnf else ("reps" if capped else "s"),
        capped=capped,
        is_rx=chance.random() < 0.6,
        is_dnf=dnf,
        category=chance.choice(["men", "women"]),
        is_public=True,
        recorded_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=n),
    )


async def _at_0009(factory: Any) -> list[User]:
    chance = random.Random("0010")
    async with unit_of_work(factory, system=True) as session:
        athletes = [User(email=f"a{i}@example.org", name=f"A{i}", password_hash="x") for i in range(8)]
        session.add_all(athletes)
        await session.flush()
        for n in range(40):
            athlete = chance.choice(athletes)
            day = date(2026, 1, 1) + timedelta(days=n)
            row = Session(
                athlete_id=athlete.id,
                kind=SessionKind.one_off,
                title="Fran",
                session_date=day,
                timezone="UTC",
                status=Status.completed,
            )
            session.add(row)
            await session.flush()
            session.add(_result(chance, athlete, row, n))
    return athletes


def _rows(found: list[dict[str, Any]]) -> set[tuple[Any, ...]]:
    return {tuple(sorted((k, v) for k, v in row.items() if k != "recorded_at")) for row in found}


async def _scenario(tmp_path: Path) -> tuple[int, list[str]]:
    url, name = await _fresh_url(tmp_path)
    try:
        await migrate(url, "0009")
        engine = create_engine(url)
        athletes = await _at_0009(session_factory(engine))
        await engine.dispose()

        await migrate(url, "0010")
        engine = create_engine(url)
        differing: list[str] = []
        async with unit_of_work(session_factory(engine), system=True) as session:
            stored = (await session.scalars(select(ResultBest))).all()
            for athlete in athletes:
                results = (await session.scalars(select(Result).where(Result.athlete_id == athlete.id))).all()
                mine = [
                    {c.key: getattr(b, c.key) for c in ResultBest.__table__.columns}
                    for b in stored
                    if b.athlete_id == athlete.id
                ]
                if _rows(mine) != _rows(bests.best_rows(results)):
                    differing.append(f"bests of {athlete.name}")
            workout = leaderboards.Workout(uuid.uuid4(), 1, "Fran", HASH, "time")
            for query in BOARDS:
                read = await leaderboards.board(session, athletes[0], workout, query)
                if not read[0] or read != await leaderboards._board_of_results(
                    session, athletes[0], workout, query
                ):
                    differing.append(f"board {query}")
        await engine.dispose()
        return len(stored), differing
    finally:
        await _drop(name)


def test_the_bests_filled_by_0010_are_the_apps_and_the_boards_read_the_same(tmp_path: Path) -> None:
    stored, differing = asyncio.run(_scenario(tmp_path))

    assert stored >= 8, "every athlete with a result has at least one best"
    assert differing == []
