"""PostgreSQL policies on planned sessions: plain SQL through the app's connection sees only what it may."""

from __future__ import annotations

import uuid
from datetime import date

import httpx
import pytest
from sqlalchemy import text

from atelier.db import set_rls_context
from atelier.kit.runtime import Runtime
from tests.conftest import BACKEND, Account, sign_up
from tests.planning.helpers import link, plan

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(BACKEND != "postgresql", reason="row-level security is PostgreSQL's"),
]


async def athletes_seen(runtime: Runtime, as_user: str | None) -> set[str]:
    async with runtime.sessions() as session:
        if as_user is not None:
            await set_rls_context(session, user_id=uuid.UUID(as_user))
        found = await session.execute(text("SELECT athlete_id FROM sessions"))
        return {str(row[0]) for row in found}


async def test_sessions_are_seen_by_their_athlete_and_a_linked_coach_only(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    ana: Account = await sign_up(client, name="Ana")
    cy: Account = await sign_up(client, name="Cy")
    bea: Account = await sign_up(client, role="coach", name="Bea")
    link_id = await link(client, bea, cy)
    await plan(client, ana, date=date(2027, 1, 4), repeat={"freq": "weekly", "count": 3})
    await plan(client, bea, date=date(2027, 1, 5), athlete_id=cy.id)

    assert await athletes_seen(runtime, ana.id) == {ana.id}
    assert await athletes_seen(runtime, cy.id) == {cy.id}
    assert await athletes_seen(runtime, bea.id) == {cy.id}
    assert await athletes_seen(runtime, None) == set()

    assert (await client.post(f"/api/v1/links/{link_id}/end", headers=cy.headers)).status_code == 200
    assert await athletes_seen(runtime, bea.id) == set()
