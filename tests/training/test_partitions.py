"""Monthly partitions on PostgreSQL: made ahead, rows the DEFAULT partition caught moved into their
month, and no partition reachable by the application role except through its parent."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import text

from atelier.db import create_engine
from atelier.kit.runtime import Runtime
from atelier.training import partitions
from tests.conftest import BACKEND

pytestmark = [pytest.mark.anyio, pytest.mark.skipif(BACKEND != "postgresql", reason="PostgreSQL only")]


async def _home_of(runtime: Runtime, result_id: uuid.UUID) -> str:
    owner = create_engine(runtime.settings.database_url)
    async with owner.connect() as connection:
        home = await connection.scalar(
            text("SELECT tableoid::regclass::text FROM results WHERE id = :id"), {"id": result_id}
        )
    await owner.dispose()
    return str(home)


async def test_months_are_made_ahead_and_a_stray_row_moves_into_its_month(runtime: Runtime) -> None:
    far = date(2031, 7, 14)
    owner = create_engine(runtime.settings.database_url)
    athlete, session_id, result_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    async with owner.begin() as connection:
        await connection.execute(text("SELECT set_config('app.system', 'on', true)"))
        await connection.execute(
            text(
                "INSERT INTO users (id, email, name, password_hash, role, created_at) "
                "VALUES (:id, :email, 'P', 'x', 'athlete', now())"
            ),
            {"id": athlete, "email": f"{athlete.hex[:8]}@example.org"},
        )
        await connection.execute(
            text(
                "INSERT INTO sessions (id, athlete_id, kind, title, session_date, timezone, exceptions, "
                "status, created_at, updated_at) VALUES (:id, :a, 'one_off', 'Far', :day, 'UTC', '[]', "
                "'completed', now(), now())"
            ),
            {"id": session_id, "a": athlete, "day": far},
        )
        await connection.execute(
            text(
                "INSERT INTO results (id, performed_on, session_id, athlete_id, workout_hash, score_type, "
                "capped, is_rx, is_dnf, parts, recorded_at, updated_at, category, is_public) VALUES "
                "(:id, :day, :s, :a, 'h', 'time', false, true, false, '[]', now(), now(), 'men', true)"
            ),
            {"id": result_id, "day": far, "s": session_id, "a": athlete},
        )
    await owner.dispose()
    assert await _home_of(runtime, result_id) == "results_default"

    made = await partitions.ensure(runtime.engine, date(2031, 7, 1), ahead=2)
    again = await partitions.ensure(runtime.engine, date(2031, 7, 1), ahead=2)

    assert made == {"results": 4, "realized_events": 4}  # June to September 2031
    assert again == {"results": 0, "realized_events": 0}
    assert await _home_of(runtime, result_id) == "results_y2031m07"


async def test_the_application_role_reaches_partitions_only_through_their_parent(runtime: Runtime) -> None:
    await partitions.ensure(runtime.engine)
    async with runtime.engine.connect() as connection:
        denied = None
        try:
            await connection.execute(text("SELECT count(*) FROM results_default"))
        except Exception as exc:  # the driver's InsufficientPrivilege, wrapped by SQLAlchemy
            denied = str(exc)
        await connection.rollback()
        through_parent = await connection.scalar(text("SELECT count(*) FROM results"))
    assert denied is not None and "permission denied" in denied
    assert through_parent is not None
