"""Row-level security for routines and assignments: raw SQL through the application's connection.

No repository filter here: what comes back is what PostgreSQL's policies let through (invariant 9).
"""

from __future__ import annotations

import os
import uuid
from datetime import date
from typing import Any, cast

import httpx
import pytest
from sqlalchemy import CursorResult, text
from sqlalchemy.exc import DBAPIError

from atelier.db import set_rls_context
from atelier.kit.runtime import Runtime
from tests.conftest import Account, sign_up
from tests.planning.helpers import SQUATS

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(
        os.environ.get("ATELIER_TEST_DATABASE") != "postgresql", reason="row-level security is PostgreSQL's"
    ),
]

TABLES = ("routines", "routine_versions", "routine_assignments", "sessions")


async def visible(runtime: Runtime, table: str, as_user: str) -> list[dict[str, Any]]:
    async with runtime.sessions() as session:
        await set_rls_context(session, user_id=uuid.UUID(as_user))
        return [dict(r) for r in (await session.execute(text(f"SELECT * FROM {table}"))).mappings()]


async def changed(runtime: Runtime, statement: str, as_user: str, **values: Any) -> int:
    async with runtime.sessions() as session:
        await set_rls_context(session, user_id=uuid.UUID(as_user))
        result = await session.execute(text(statement), values)
        await session.rollback()
        return int(cast(CursorResult[Any], result).rowcount)


@pytest.fixture
async def assigned(client: httpx.AsyncClient, coach: Account, ana: Account) -> dict[str, Any]:
    routine = await client.post(
        "/api/v1/routines",
        json={"title": "Base", "weeks": 1, "days": [{"day_offset": 0, "source": SQUATS}]},
        headers=coach.headers,
    )
    assert routine.status_code == 201, routine.text
    made = await client.post(
        f"/api/v1/routines/{routine.json()['id']}/versions/1/assignments",
        json={"athlete_id": ana.id, "start_date": date(2031, 1, 1).isoformat()},
        headers=coach.headers,
    )
    assert made.status_code == 201, made.text
    result: dict[str, Any] = made.json()
    return result


async def test_strangers_see_no_routine_version_assignment_or_session(
    client: httpx.AsyncClient,
    runtime: Runtime,
    coach: Account,
    ana: Account,
    bo: Account,
    assigned: dict[str, Any],
) -> None:
    rival = await sign_up(client, role="coach", name="Rita")

    for stranger in (bo, rival):
        for table in TABLES:
            assert await visible(runtime, table, stranger.id) == [], (stranger.name, table)
    for table in TABLES:
        assert len(await visible(runtime, table, ana.id)) == 1, table
        assert len(await visible(runtime, table, coach.id)) == 1, table


async def test_strangers_cannot_change_or_remove_them(
    runtime: Runtime, bo: Account, assigned: dict[str, Any]
) -> None:
    aid = assigned["id"]
    assert (
        await changed(
            runtime, "UPDATE routine_assignments SET status = 'ended' WHERE id = :id", bo.id, id=aid
        )
        == 0
    )
    assert await changed(runtime, "DELETE FROM sessions WHERE assignment_id = :id", bo.id, id=aid) == 0
    assert (
        await changed(
            runtime, "UPDATE routines SET title = 'mine' WHERE id = :id", bo.id, id=assigned["routine_id"]
        )
        == 0
    )


async def test_the_athlete_cannot_rewrite_who_assigned_what(
    runtime: Runtime, ana: Account, assigned: dict[str, Any]
) -> None:
    """Ana sees her assignment but only an actively-linked coach may write it."""
    with pytest.raises(DBAPIError, match="row-level security"):
        await changed(
            runtime,
            "UPDATE routine_assignments SET status = 'ended' WHERE id = :id",
            ana.id,
            id=assigned["id"],
        )


async def test_a_coach_cannot_assign_to_an_athlete_they_do_not_coach_even_in_sql(
    runtime: Runtime, coach: Account, bo: Account, assigned: dict[str, Any]
) -> None:
    with pytest.raises(DBAPIError, match="row-level security"):
        await changed(
            runtime,
            "INSERT INTO routine_assignments (id, routine_id, routine_version_id, athlete_id, coach_id, "
            "start_date, status, created_at) VALUES (:id, :routine, :version, :athlete, :coach, "
            "'2031-01-01', 'active', now())",
            coach.id,
            id=uuid.uuid4(),
            routine=assigned["routine_id"],
            version=assigned["routine_version_id"],
            athlete=bo.id,
            coach=coach.id,
        )


async def test_a_link_ended_hides_the_athletes_sessions_from_the_coach(
    client: httpx.AsyncClient, runtime: Runtime, coach: Account, ana: Account, assigned: dict[str, Any]
) -> None:
    (link,) = (await client.get("/api/v1/links", headers=ana.headers)).json()
    ended = await client.post(f"/api/v1/links/{link['id']}/end", headers=ana.headers)
    assert ended.status_code == 200, ended.text

    assert await visible(runtime, "sessions", coach.id) == []
    refused = await client.post(f"/api/v1/assignments/{assigned['id']}/end", headers=coach.headers)
    assert refused.status_code == 403
    again = await client.post(
        f"/api/v1/routines/{assigned['routine_id']}/versions/1/assignments",
        json={"athlete_id": ana.id, "start_date": "2031-02-01"},
        headers=coach.headers,
    )
    assert again.status_code == 404
    # Her history stays hers: she still sees the assignment and its session.
    assert len(await visible(runtime, "routine_assignments", ana.id)) == 1
    assert len(await visible(runtime, "sessions", ana.id)) == 1


async def test_a_coach_cannot_assign_another_coachs_routine_even_in_sql(
    client: httpx.AsyncClient, runtime: Runtime, ana: Account, assigned: dict[str, Any]
) -> None:
    """Dee coaches Ana too, but the routine is Cy's: an assignment row would let her read it."""
    dee = await sign_up(client, role="coach", name="Dee")
    invited = await client.post("/api/v1/links", json={"athlete_email": ana.email}, headers=dee.headers)
    accepted = await client.post(f"/api/v1/links/{invited.json()['id']}/accept", headers=ana.headers)
    assert accepted.status_code == 200, accepted.text

    with pytest.raises(DBAPIError, match="row-level security"):
        await changed(
            runtime,
            "INSERT INTO routine_assignments (id, routine_id, routine_version_id, athlete_id, coach_id, "
            "start_date, status, created_at) VALUES (:id, :routine, :version, :athlete, :coach, "
            "'2031-01-01', 'active', now())",
            dee.id,
            id=uuid.uuid4(),
            routine=assigned["routine_id"],
            version=assigned["routine_version_id"],
            athlete=ana.id,
            coach=dee.id,
        )
    assert await visible(runtime, "routines", dee.id) == []
