"""Each migration, applied to a database populated at the previous head, keeps every row readable.

A database is migrated to the revision before the one under test, filled through plain SQL with
what a user would have by then (an account, a profile, a coach link, a WOD with two versions),
upgraded, and read back column by column.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from atelier.db import create_engine
from atelier.migrations.run import alembic_config, migrate
from tests.migrations.test_schema import _drop, _fresh_url

WHEN = datetime(2026, 3, 1, 18, 0, tzinfo=UTC)


def _revisions() -> list[tuple[str, str]]:
    """(previous, revision) for every migration that has a predecessor, oldest first."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    pairs = [(r.down_revision, r.revision) for r in script.walk_revisions() if r.down_revision]
    return sorted((str(down), str(rev)) for down, rev in pairs)


class Population:
    """The rows written at the previous head, and how to find them again."""

    def __init__(self) -> None:
        self.coach = uuid.uuid4()
        self.athlete = uuid.uuid4()
        self.wod = uuid.uuid4()
        self.link = uuid.uuid4()

    def statements(self, postgres: bool) -> list[tuple[str, dict[str, Any]]]:
        def tags(values: list[str]) -> Any:
            return values if postgres else json.dumps(values)

        def uid(value: uuid.UUID) -> Any:
            return value if postgres else value.hex

        rows: list[tuple[str, dict[str, Any]]] = []
        for user, role in ((self.coach, "coach"), (self.athlete, "athlete")):
            rows.append(
                (
                    "INSERT INTO users (id, email, name, password_hash, role, created_at) "
                    "VALUES (:id, :email, :name, 'x', :role, :at)",
                    {
                        "id": uid(user),
                        "email": f"{role}@example.org",
                        "name": role.title(),
                        "role": role,
                        "at": WHEN,
                    },
                )
            )
        rows.append(
            (
                "INSERT INTO athlete_profiles (user_id, category, level, units, language, timezone, "
                "bodyweight_kg, one_rep_maxes, updated_at) VALUES (:id, 'women', 'rx', 'kg', 'fr', "
                "'Europe/Paris', 61.5, :maxes, :at)",
                {"id": uid(self.athlete), "maxes": json.dumps({"back_squat": 100}), "at": WHEN},
            )
        )
        rows.append(
            (
                "INSERT INTO coach_links (id, coach_id, athlete_id, status, created_at) "
                "VALUES (:id, :coach, :athlete, 'active', :at)",
                {"id": uid(self.link), "coach": uid(self.coach), "athlete": uid(self.athlete), "at": WHEN},
            )
        )
        compiled = json.dumps({"title": "Grace", "blocks": []})
        rows.append(
            (
                "INSERT INTO wods (id, owner_id, visibility, version, title, source, compiled, source_hash, "
                "format, score_type, movements, equipment, modalities, categories, duration_seconds, "
                "difficulty, team_size, created_at, updated_at) VALUES (:id, :owner, 'private', 2, "
                "'Grace', 'source v2', :compiled, 'hash2', 'for_time', 'time', :movements, :equipment, "
                ":modalities, :categories, 300, 55, 1, :at, :at)",
                {
                    "id": uid(self.wod),
                    "owner": uid(self.coach),
                    "compiled": compiled,
                    "movements": tags(["clean_and_jerk"]),
                    "equipment": tags(["barbell"]),
                    "modalities": tags(["weightlifting"]),
                    "categories": tags(["weightlifting"]),
                    "at": WHEN,
                },
            )
        )
        for version in (1, 2):
            rows.append(
                (
                    "INSERT INTO wod_versions (id, wod_id, version, title, source, compiled, source_hash, "
                    "metadata, created_by, created_at) VALUES (:id, :wod, :version, 'Grace', :source, "
                    ":compiled, :hash, :metadata, :by, :at)",
                    {
                        "id": uid(uuid.uuid4()),
                        "wod": uid(self.wod),
                        "version": version,
                        "source": f"source v{version}",
                        "compiled": compiled,
                        "hash": f"hash{version}",
                        "metadata": json.dumps({"difficulty": 55}),
                        "by": uid(self.coach),
                        "at": WHEN,
                    },
                )
            )
        return rows


async def _populate(url: str, population: Population) -> None:
    engine = create_engine(url)
    postgres = engine.dialect.name == "postgresql"
    async with engine.begin() as connection:
        for statement, params in population.statements(postgres):
            await connection.execute(text(statement), params)
    await engine.dispose()


async def _read_back(url: str, population: Population) -> dict[str, Any]:
    engine = create_engine(url)
    postgres = engine.dialect.name == "postgresql"

    def key(value: uuid.UUID) -> Any:
        return value if postgres else value.hex

    async with engine.connect() as connection:
        users = (await connection.execute(text("SELECT email, role FROM users ORDER BY email"))).all()
        profile = (
            await connection.execute(
                text(
                    "SELECT timezone, bodyweight_kg, one_rep_maxes FROM athlete_profiles WHERE user_id = :id"
                ),
                {"id": key(population.athlete)},
            )
        ).one()
        link = (
            await connection.execute(
                text("SELECT status FROM coach_links WHERE id = :id"), {"id": key(population.link)}
            )
        ).scalar_one()
        wod = (
            await connection.execute(
                text("SELECT title, version, source, movements FROM wods WHERE id = :id"),
                {"id": key(population.wod)},
            )
        ).one()
        versions = (
            await connection.execute(
                text("SELECT version, source FROM wod_versions WHERE wod_id = :id ORDER BY version"),
                {"id": key(population.wod)},
            )
        ).all()
    await engine.dispose()
    movements = wod.movements if postgres else json.loads(wod.movements)
    maxes = (
        profile.one_rep_maxes
        if isinstance(profile.one_rep_maxes, dict)
        else json.loads(profile.one_rep_maxes)
    )
    return {
        "users": [tuple(u) for u in users],
        "profile": (profile.timezone, profile.bodyweight_kg, maxes),
        "link": link,
        "wod": (wod.title, wod.version, wod.source, list(movements)),
        "versions": [tuple(v) for v in versions],
    }


EXPECTED = {
    "users": [("athlete@example.org", "athlete"), ("coach@example.org", "coach")],
    "profile": ("Europe/Paris", 61.5, {"back_squat": 100}),
    "link": "active",
    "wod": ("Grace", 2, "source v2", ["clean_and_jerk"]),
    "versions": [(1, "source v1"), (2, "source v2")],
}


@pytest.mark.parametrize(("previous", "revision"), _revisions(), ids=lambda r: str(r))
def test_upgrading_a_populated_database_keeps_every_row(tmp_path: Path, previous: str, revision: str) -> None:
    async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        url, name = await _fresh_url(tmp_path)
        try:
            await migrate(url, previous)
            population = Population()
            await _populate(url, population)
            before = await _read_back(url, population)
            await migrate(url, revision)
            return before, await _read_back(url, population)
        finally:
            await _drop(name)

    before, after = asyncio.run(scenario())
    assert before == EXPECTED
    assert after == EXPECTED
