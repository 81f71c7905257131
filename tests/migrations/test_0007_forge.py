"""0007 adds the Forge tables and changes nothing existing: a session finished at 0006 is read back
whole after the upgrade, and the backfill that runs after migrating gives it its one ledger row."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from atelier.db import create_engine, session_factory
from atelier.forge.sync import backfill
from atelier.migrations.run import migrate
from tests.migrations.test_schema import _drop, _fresh_url
from tests.migrations.test_upgrade_with_data import Population

STARTED = datetime(2025, 3, 3, 17, 0, tzinfo=UTC)
ENDED = datetime(2025, 3, 3, 17, 45, tzinfo=UTC)
PLAYED = date(2025, 3, 3)


async def _populate_0006(url: str, population: Population) -> uuid.UUID:
    engine = create_engine(url)
    postgres = engine.dialect.name == "postgresql"

    def uid(value: uuid.UUID) -> Any:
        return value if postgres else value.hex

    session_id = uuid.uuid4()
    async with engine.begin() as connection:
        for statement, params in population.statements(postgres):
            await connection.execute(text(statement), params)
        await connection.execute(
            text(
                "INSERT INTO sessions (id, athlete_id, kind, title, session_date, timezone, exceptions, "
                "status, started_at, ended_at, created_at, updated_at) VALUES (:id, :athlete, 'one_off', "
                "'Squat day', :day, 'Europe/Paris', '[]', 'completed', :start, :end, :start, :end)"
            ),
            {
                "id": uid(session_id),
                "athlete": uid(population.athlete),
                "day": PLAYED,
                "start": STARTED,
                "end": ENDED,
            },
        )
        await connection.execute(
            text(
                "INSERT INTO training_metrics (session_id, athlete_id, volume_kg, reps_total, distance_m, "
                "calories, duration_seconds, rpe_avg, discipline, session_type, computed_at) VALUES "
                "(:id, :athlete, 2500, 25, 0, 0, 2700, 8, 'strength', 'strength', :end)"
            ),
            {"id": uid(session_id), "athlete": uid(population.athlete), "end": ENDED},
        )
    await engine.dispose()
    return session_id


async def _read(url: str, session_id: uuid.UUID) -> dict[str, Any]:
    engine = create_engine(url)
    postgres = engine.dialect.name == "postgresql"
    key = session_id if postgres else session_id.hex
    async with engine.connect() as connection:
        kept = (
            await connection.execute(
                text(
                    "SELECT s.title, s.status, m.volume_kg, m.duration_seconds, m.rpe_avg FROM sessions s "
                    "JOIN training_metrics m ON m.session_id = s.id WHERE s.id = :id"
                ),
                {"id": key},
            )
        ).one()
        ledger = (
            await connection.execute(
                text(
                    "SELECT source, activity_type, name, activity_date, duration_seconds, calories, "
                    "calorie_model FROM activities WHERE source_id = :id"
                ),
                {"id": key},
            )
        ).all()
    await engine.dispose()
    return {"kept": tuple(kept), "ledger": [tuple(row) for row in ledger]}


def test_a_session_finished_before_0007_is_kept_and_backfilled_into_the_ledger(tmp_path: Path) -> None:
    async def scenario() -> tuple[dict[str, Any], dict[str, Any], int]:
        url, name = await _fresh_url(tmp_path)
        try:
            await migrate(url, "0006")
            session_id = await _populate_0006(url, Population())
            # The backfill is Python reading the models, so it runs at head, as `atelier db upgrade` does.
            await migrate(url)
            before = await _read(url, session_id)
            engine = create_engine(url)
            try:
                written = await backfill(session_factory(engine))
            finally:
                await engine.dispose()
            return before, await _read(url, session_id), written
        finally:
            await _drop(name)

    before, after, written = asyncio.run(scenario())

    assert before == {"kept": ("Squat day", "completed", 2500, 2700, 8), "ledger": []}
    assert after["kept"] == before["kept"] and written == 1
    [(source, kind, title, day, seconds, calories, model)] = after["ledger"]
    assert (source, kind, title, str(day), seconds, model) == (
        "training",
        "strength",
        "Squat day",
        PLAYED.isoformat(),
        2700,
        "met",
    )
    # Vigorous strength (RPE 8): MET 6.0 × 61.5 kg (the profile at 0006) × 0.75 h = 276.75 → 276.8 kcal.
    assert calories == 276.8
