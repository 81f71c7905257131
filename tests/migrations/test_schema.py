"""The migrations build exactly the schema the models describe, and can be undone and redone."""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from atelier.db import Base, create_engine, execute_outside_transaction
from atelier.migrations.run import migrate
from atelier.models import load_all
from tests.conftest import ADMIN_URL, BACKEND

# Indexes only PostgreSQL has (GIN on arrays, trigram on titles) are declared in the migration alone.
POSTGRES_ONLY_INDEXES = {
    "ix_wods_movements_gin",
    "ix_wods_equipment_gin",
    "ix_wods_modalities_gin",
    "ix_wods_categories_gin",
    "ix_wods_title_trgm",
}


def _partitions(connection: Connection) -> set[str]:
    """Monthly partitions (and their indexes) on PostgreSQL: reached only through their parent."""
    if connection.dialect.name != "postgresql":
        return set()
    rows = connection.execute(
        text("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid")
    )
    return {row[0] for row in rows}


def _differences(connection: Connection) -> list[Any]:
    load_all()
    partitions = _partitions(connection)

    def include_name(name: str | None, kind: str, parents: Any) -> bool:
        return name not in partitions and parents.get("table_name") not in partitions

    context = MigrationContext.configure(
        connection, opts={"compare_type": False, "include_name": include_name}
    )
    found = []
    for diff in compare_metadata(context, Base.metadata):
        kind = diff[0] if isinstance(diff, tuple) else diff[0][0]
        if kind == "remove_index" and diff[1].name in POSTGRES_ONLY_INDEXES:
            continue
        found.append(diff)
    return found


async def _fresh_url(tmp_path: Path) -> tuple[str, str | None]:
    if BACKEND == "postgresql":
        name = f"atelier_mig_{uuid.uuid4().hex[:10]}"
        await execute_outside_transaction(ADMIN_URL, f'CREATE DATABASE "{name}"')
        return ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", name
    return f"sqlite+aiosqlite:///{tmp_path / 'migrations.db'}", None


async def _drop(name: str | None) -> None:
    if name is None:
        return
    await execute_outside_transaction(ADMIN_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    async with engine.connect() as connection:
        names = await connection.run_sync(lambda c: set(inspect(c).get_table_names()) - _partitions(c))
    await engine.dispose()
    return names - {"alembic_version"}


async def _diff(url: str) -> list[Any]:
    engine = create_engine(url)
    async with engine.connect() as connection:
        found = await connection.run_sync(_differences)
    await engine.dispose()
    return found


def test_the_migrated_schema_matches_the_models(tmp_path: Path) -> None:
    async def scenario() -> list[Any]:
        url, name = await _fresh_url(tmp_path)
        try:
            await migrate(url)
            return await _diff(url)
        finally:
            await _drop(name)

    assert asyncio.run(scenario()) == []


def test_downgrading_to_nothing_and_upgrading_again_rebuilds_every_table(tmp_path: Path) -> None:
    async def scenario() -> tuple[set[str], set[str], set[str]]:
        url, name = await _fresh_url(tmp_path)
        try:
            await migrate(url)
            first = await _tables(url)
            from alembic import command

            from atelier.migrations.run import alembic_config

            await asyncio.to_thread(command.downgrade, alembic_config(url), "base")
            emptied = await _tables(url)
            await migrate(url)
            return first, emptied, await _tables(url)
        finally:
            await _drop(name)

    load_all()
    first, emptied, again = asyncio.run(scenario())
    assert first == set(Base.metadata.tables)
    assert emptied == set()
    assert again == first


@pytest.mark.skipif(os.environ.get("ATELIER_TEST_DATABASE") != "postgresql", reason="PostgreSQL only")
def test_every_user_owned_table_has_row_level_security_forced(tmp_path: Path) -> None:
    async def scenario() -> dict[str, tuple[bool, bool]]:
        url, name = await _fresh_url(tmp_path)
        try:
            await migrate(url)
            engine = create_engine(url)
            async with engine.connect() as connection:
                rows = await connection.execute(
                    text(
                        "SELECT relname, relrowsecurity, relforcerowsecurity "
                        "FROM pg_class WHERE relkind IN ('r', 'p')"
                    )
                )
                found = {r[0]: (r[1], r[2]) for r in rows}
            await engine.dispose()
            return found
        finally:
            await _drop(name)

    flags = asyncio.run(scenario())
    for table in (
        "athlete_profiles",
        "auth_sessions",
        "coach_links",
        "wods",
        "wod_versions",
        "sessions",
        "routines",
        "routine_versions",
        "routine_assignments",
        "class_sessions",
        "class_bookings",
        "calendar_feeds",
        "attempts",
        "progress",
        "progress_exercises",
        "idempotent_requests",
        "recovery_snapshots",
        "training_metrics",
        "results",
        "result_bests",
        "class_teams",
        "realized_events",
        "live_standings",
        "activities",
        "recordings",
        "connected_devices",
        "training_goals",
        "training_locations",
        "movement_mappings",
        "coach_prescriptions",
        "training_insights",
        "training_progression_insights",
        "coaching_refreshes",
    ):
        assert flags[table] == (True, True), table
    # Enabled, not forced: only its owner's SECURITY DEFINER triggers write it (migration 0012).
    assert flags["calendar_versions"] == (True, False)


@pytest.mark.skipif(os.environ.get("ATELIER_TEST_DATABASE") != "postgresql", reason="PostgreSQL only")
def test_searching_by_movement_uses_the_gin_index_under_row_level_security(tmp_path: Path) -> None:
    """Without LEAKPROOF array operators, RLS would force a sequential scan on every search."""

    async def scenario() -> str:
        url, name = await _fresh_url(tmp_path)
        try:
            await migrate(url)
            engine = create_engine(url, role="atelier_app")
            async with engine.begin() as connection:
                await connection.execute(text("SET LOCAL enable_seqscan = off"))
                await connection.execute(
                    text("SELECT set_config('app.user_id', :u, true)"), {"u": str(uuid.uuid4())}
                )
                plan = await connection.execute(
                    text("EXPLAIN SELECT id FROM wods WHERE movements @> ARRAY['thruster', 'pull_up']")
                )
                lines = "\n".join(row[0] for row in plan)
            await engine.dispose()
            return lines
        finally:
            await _drop(name)

    assert "ix_wods_movements_gin" in asyncio.run(scenario())
