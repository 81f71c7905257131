"""0009 adds the coaching tables and changes nothing else: the users, WOD and session written at
0008 read back the same after the upgrade, and the new cache refuses a second row for one key."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from atelier.db import create_engine
from atelier.migrations.run import migrate
from tests.migrations.test_schema import _drop, _fresh_url
from tests.migrations.test_upgrade_with_data import Population

WHEN = datetime(2026, 3, 3, 17, 0, tzinfo=UTC)
SESSION = (
    "INSERT INTO sessions (id, athlete_id, kind, title, source, session_date, timezone, exceptions, "
    "status, created_at, updated_at, origin) VALUES (:id, :athlete, 'one_off', 'Squat day', "
    "'Back squat 5x5 @ 100 kg', :day, 'Europe/Paris', '[]', 'completed', :at, :at, 'adhoc')"
)
READ = (
    "SELECT u.email, u.role, s.title, s.source, s.status, s.origin, s.session_date "
    "FROM sessions s JOIN users u ON u.id = s.athlete_id WHERE s.id = :id"
)
GOAL = (
    "INSERT INTO training_goals (id, user_id, goal_type, target_value, unit, is_active, created_at, "
    "updated_at) VALUES (:id, :user, :kind, :target, :unit, true, :at, :at)"
)
GOALS = "SELECT goal_type, target_value FROM training_goals"
INSIGHT = (
    "INSERT INTO training_insights (id, user_id, insight_type, discipline, language, status, content, "
    "sessions_analyzed, engine, requested_at, generated_at, expires_at) VALUES (:id, :user, 'advice', "
    "'all', 'en', 'ready', '{}', 1, 'local', :at, :at, :at)"
)


async def _scenario(tmp_path: Path) -> tuple[tuple[Any, ...], tuple[Any, ...], int, bool]:
    url, name = await _fresh_url(tmp_path)
    try:
        await migrate(url, "0008")
        population = Population()
        engine = create_engine(url)
        postgres = engine.dialect.name == "postgresql"

        def uid(value: uuid.UUID) -> Any:
            return value if postgres else value.hex

        session_id = uuid.uuid4()
        params = {
            "id": uid(session_id),
            "athlete": uid(population.athlete),
            "day": date(2026, 3, 3),
            "at": WHEN,
        }
        async with engine.begin() as connection:
            for statement, values in population.statements(postgres):
                await connection.execute(text(statement), values)
            await connection.execute(text(SESSION), params)
            await connection.execute(
                text(GOAL),
                {"id": uid(uuid.uuid4()), "user": uid(population.athlete), "kind": "sessions_per_week",
                 "target": 4, "unit": "sessions", "at": WHEN},
            )  # fmt: skip
        async with engine.connect() as connection:
            before = tuple((await connection.execute(text(READ), {"id": uid(session_id)})).one())
            goals_before = (await connection.execute(text(GOALS))).all()
        await engine.dispose()

        await migrate(url, "0009")
        engine = create_engine(url)
        async with engine.connect() as connection:
            after = tuple((await connection.execute(text(READ), {"id": uid(session_id)})).one())
            goals_after = (await connection.execute(text(GOALS))).all()
        assert goals_after == goals_before == [("sessions_per_week", 4.0)]
        async with engine.begin() as connection:  # the goal type 0008 could not hold on PostgreSQL
            await connection.execute(
                text(GOAL),
                {"id": uid(uuid.uuid4()), "user": uid(population.athlete),
                 "kind": "training_minutes_per_week", "target": 300, "unit": "minutes", "at": WHEN},
            )  # fmt: skip
        refused = False
        async with engine.begin() as connection:
            row = {"user": uid(population.athlete), "at": WHEN}
            await connection.execute(text(INSIGHT), row | {"id": uid(uuid.uuid4())})
            stored = await connection.scalar(text("SELECT count(*) FROM training_insights"))
        async with engine.connect() as connection:
            try:
                await connection.execute(text(INSIGHT), row | {"id": uid(uuid.uuid4())})
            except IntegrityError:
                refused = True
            await connection.rollback()
        await engine.dispose()
        return before, after, int(stored or 0), refused
    finally:
        await _drop(name)


def test_training_written_at_0008_is_read_back_and_the_insights_cache_holds_one_row_per_key(
    tmp_path: Path,
) -> None:
    before, after, stored, refused = asyncio.run(_scenario(tmp_path))

    assert after == before
    assert before[:6] == (
        "athlete@example.org",
        "athlete",
        "Squat day",
        "Back squat 5x5 @ 100 kg",
        "completed",
        "adhoc",
    )
    assert stored == 1
    assert refused, "a second insights row for one user and language was accepted"
