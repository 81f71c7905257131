"""PostgreSQL policies on the Forge tables: plain SQL through the app's connection sees a ledger,
recordings and goals as their owner or a linked coach, and devices and locations as the owner only."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from atelier.db import set_rls_context
from atelier.kit.runtime import Runtime
from tests.conftest import BACKEND, Account
from tests.forge.helpers import manual

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(BACKEND != "postgresql", reason="row-level security is PostgreSQL's"),
]

RUN = (Path(__file__).parent / "files" / "run.tcx").read_bytes()


async def seen(runtime: Runtime, table: str, as_user: str | None) -> set[str]:
    async with runtime.sessions() as session:
        if as_user is not None:
            await set_rls_context(session, user_id=uuid.UUID(as_user))
        return {str(row[0]) for row in await session.execute(text(f"SELECT user_id FROM {table}"))}


async def test_forge_rows_are_seen_by_their_owner_and_only_some_by_a_linked_coach(
    client: httpx.AsyncClient, runtime: Runtime, ana: Account, bo: Account, coach: Account
) -> None:
    await manual(client, ana)
    uploaded = await client.post(
        "/api/v1/recordings", files={"file": ("run.tcx", RUN, "application/xml")}, headers=ana.headers
    )
    assert uploaded.status_code == 201
    for path, body in (
        ("/api/v1/goals", {"goal_type": "sessions_per_week", "target_value": 3}),
        ("/api/v1/locations", {"name": "Garage", "equipment": ["kettlebell"]}),
        ("/api/v1/devices", {"provider": "http", "access_token": "secret"}),
    ):
        assert (await client.post(path, json=body, headers=ana.headers)).status_code == 201

    for table in ("activities", "recordings", "training_goals"):
        assert await seen(runtime, table, ana.id) == {ana.id}, table
        assert await seen(runtime, table, coach.id) == {ana.id}, table
        assert await seen(runtime, table, bo.id) == set(), table
        assert await seen(runtime, table, None) == set(), table
    for table in ("connected_devices", "training_locations"):
        assert await seen(runtime, table, ana.id) == {ana.id}, table
        assert await seen(runtime, table, coach.id) == set(), table
    async with runtime.sessions() as session:
        await set_rls_context(session, user_id=uuid.UUID(coach.id))
        with pytest.raises(Exception, match="row-level security"):
            await session.execute(
                text(
                    "INSERT INTO activities (id, user_id, source, activity_type, name, activity_date, "
                    "duration_seconds, calories, calorie_model, calorie_detail, created_at, updated_at) "
                    "VALUES (:id, :a, 'manual', 'other', 'x', '2027-03-01', 60, 1, 'entered', '', "
                    "now(), now())"
                ),
                {"id": uuid.uuid4(), "a": uuid.UUID(ana.id)},
            )
