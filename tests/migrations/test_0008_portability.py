"""0008 adds where a session came from and the user's name mappings: a session planned at 0007 is
read back whole after the upgrade, marked planned, and two imports with one key cannot coexist."""

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

WHEN = datetime(2025, 3, 3, 17, 0, tzinfo=UTC)
INSERT = (
    "INSERT INTO sessions (id, athlete_id, kind, title, source, session_date, timezone, exceptions, "
    "status, created_at, updated_at{extra}) VALUES (:id, :athlete, 'one_off', 'Squat day', "
    "'Back squat 5x5 @ 100 kg', :day, 'Europe/Paris', '[]', 'scheduled', :at, :at{values})"
)


async def _scenario(tmp_path: Path) -> tuple[tuple[Any, ...], tuple[Any, ...], bool]:
    url, name = await _fresh_url(tmp_path)
    try:
        await migrate(url, "0007")
        population = Population()
        engine = create_engine(url)
        postgres = engine.dialect.name == "postgresql"

        def uid(value: uuid.UUID) -> Any:
            return value if postgres else value.hex

        session_id = uuid.uuid4()
        params = {
            "id": uid(session_id),
            "athlete": uid(population.athlete),
            "day": date(2025, 3, 3),
            "at": WHEN,
        }
        async with engine.begin() as connection:
            for statement, values in population.statements(postgres):
                await connection.execute(text(statement), values)
            await connection.execute(text(INSERT.format(extra="", values="")), params)
        select = "SELECT title, source, status, session_date, timezone FROM sessions WHERE id = :id"
        async with engine.connect() as connection:
            before = tuple((await connection.execute(text(select), {"id": uid(session_id)})).one())
        await engine.dispose()

        await migrate(url, "0008")
        engine = create_engine(url)
        async with engine.connect() as connection:
            after = tuple(
                (
                    await connection.execute(
                        text(select.replace("timezone", "timezone, origin, import_key")),
                        {"id": uid(session_id)},
                    )
                ).one()
            )
        refused = False
        async with engine.connect() as connection:
            extra, values = ", origin, import_key", ", 'adhoc', 'strong:2025-03-03T18:00:00:Legs'"
            for _ in range(2):
                try:
                    await connection.execute(
                        text(INSERT.format(extra=extra, values=values)), params | {"id": uid(uuid.uuid4())}
                    )
                except IntegrityError:
                    refused = True
            await connection.rollback()
        await engine.dispose()
        return before, after, refused
    finally:
        await _drop(name)


def test_a_session_planned_at_0007_is_kept_and_marked_planned(tmp_path: Path) -> None:
    before, after, refused = asyncio.run(_scenario(tmp_path))

    assert after[:5] == before
    assert before[0:3] == ("Squat day", "Back squat 5x5 @ 100 kg", "scheduled")
    assert after[5:] == ("planned", None)
    assert refused, "a second session with the same import key was accepted"
