"""0006 rebuilds ``results``: every result recorded at 0005 comes back with its date, category and
visibility filled in, and on PostgreSQL in the partition of its month."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from atelier.db import create_engine
from atelier.migrations.run import migrate
from tests.migrations.test_schema import _drop, _fresh_url
from tests.migrations.test_upgrade_with_data import Population

WHEN = datetime(2025, 3, 4, 18, 0, tzinfo=UTC)
PLAYED = date(2025, 3, 3)


async def _populate_0005(url: str, population: Population) -> tuple[uuid.UUID, uuid.UUID]:
    engine = create_engine(url)
    postgres = engine.dialect.name == "postgresql"

    def uid(value: uuid.UUID) -> Any:
        return value if postgres else value.hex

    session_id, result_id = uuid.uuid4(), uuid.uuid4()
    async with engine.begin() as connection:
        for statement, params in population.statements(postgres):
            await connection.execute(text(statement), params)
        await connection.execute(
            text(
                "INSERT INTO sessions (id, athlete_id, kind, title, session_date, timezone, exceptions, "
                "status, created_at, updated_at) VALUES (:id, :athlete, 'one_off', 'Fran', :day, 'UTC', "
                "'[]', 'completed', :at, :at)"
            ),
            {"id": uid(session_id), "athlete": uid(population.athlete), "day": PLAYED, "at": WHEN},
        )
        await connection.execute(
            text(
                "INSERT INTO results (id, session_id, athlete_id, wod_id, wod_version, workout_hash, "
                "score_type, score_value, score_unit, capped, is_rx, is_dnf, parts, notes, recorded_at, "
                "updated_at) VALUES (:id, :session, :athlete, :wod, 2, 'h' , 'time', 187.5, 's', false, "
                "true, false, :parts, 'unbroken thrusters', :at, :at)"
            ),
            {
                "id": uid(result_id),
                "session": uid(session_id),
                "athlete": uid(population.athlete),
                "wod": uid(population.wod),
                "parts": json.dumps([]),
                "at": WHEN,
            },
        )
    await engine.dispose()
    return session_id, result_id


async def _read(url: str, result_id: uuid.UUID) -> dict[str, Any]:
    engine = create_engine(url)
    postgres = engine.dialect.name == "postgresql"
    async with engine.connect() as connection:
        row = (
            await connection.execute(
                text(
                    "SELECT score_value, notes, performed_on, category, is_public, class_id "
                    + (", tableoid::regclass::text AS home " if postgres else ", 'results' AS home ")
                    + "FROM results WHERE id = :id"
                ),
                {"id": result_id if postgres else result_id.hex},
            )
        ).one()
    await engine.dispose()
    performed = (
        row.performed_on if isinstance(row.performed_on, date) else date.fromisoformat(row.performed_on)
    )
    return {
        "score": row.score_value,
        "notes": row.notes,
        "performed_on": performed,
        "category": row.category,
        "public": bool(row.is_public),
        "class": row.class_id,
        "home": row.home,
        "postgres": postgres,
    }


def test_results_recorded_before_0006_keep_their_score_and_gain_date_category_visibility(
    tmp_path: Path,
) -> None:
    async def scenario() -> dict[str, Any]:
        url, name = await _fresh_url(tmp_path)
        try:
            await migrate(url, "0005")
            _, result_id = await _populate_0005(url, Population())
            await migrate(url, "0006")
            return await _read(url, result_id)
        finally:
            await _drop(name)

    found = asyncio.run(scenario())
    assert found["score"] == 187.5
    assert found["notes"] == "unbroken thrusters"
    assert found["performed_on"] == PLAYED
    assert found["category"] == "women"  # the athlete's profile at 0005
    assert found["public"] is True
    assert found["class"] is None
    assert found["home"] == ("results_y2025m03" if found["postgres"] else "results")
