"""Classes are seen by their coach and that coach's linked athletes only, in the API and below it."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from atelier.db import set_rls_context
from atelier.kit.runtime import Runtime
from tests.conftest import BACKEND, Account, sign_up
from tests.planning.test_classes import book, cancel_mine, read, schedule

pytestmark = pytest.mark.anyio


async def _class_with_ana_booked(client: httpx.AsyncClient, coach: Account, ana: Account) -> str:
    cid = str((await schedule(client, coach, capacity=1))["id"])
    assert (await book(client, ana, cid)).status_code == 201
    return cid


async def test_an_unlinked_athlete_can_neither_see_nor_book_nor_cancel(
    client: httpx.AsyncClient, coach: Account, ana: Account, bo: Account
) -> None:
    cid = await _class_with_ana_booked(client, coach, ana)

    attempts = [
        await client.get(f"/api/v1/classes/{cid}", headers=bo.headers),
        await book(client, bo, cid),
        await cancel_mine(client, bo, cid),
        await client.delete(f"/api/v1/classes/{cid}/bookings/{ana.id}", headers=bo.headers),
        await client.patch(f"/api/v1/classes/{cid}", json={"capacity": 9}, headers=bo.headers),
        await client.post(f"/api/v1/classes/{cid}/cancel", headers=bo.headers),
    ]

    assert [a.status_code for a in attempts] == [404] * len(attempts)
    assert (
        await client.get("/api/v1/classes?from=2027-01-01&to=2027-12-31", headers=bo.headers)
    ).json() == []
    state = await read(client, coach, cid)
    assert state["booked"] == 1 and [r["athlete_id"] for r in state["roster"]] == [ana.id]


async def test_another_coach_cannot_read_edit_or_cancel_the_class(
    client: httpx.AsyncClient, coach: Account, ana: Account
) -> None:
    cid = await _class_with_ana_booked(client, coach, ana)
    rival = await sign_up(client, role="coach", name="Dee")

    attempts = [
        await client.get(f"/api/v1/classes/{cid}", headers=rival.headers),
        await client.patch(f"/api/v1/classes/{cid}", json={"coach_notes": "mine now"}, headers=rival.headers),
        await client.post(f"/api/v1/classes/{cid}/cancel", headers=rival.headers),
        await client.delete(f"/api/v1/classes/{cid}/bookings/{ana.id}", headers=rival.headers),
    ]

    assert [a.status_code for a in attempts] == [404] * len(attempts)
    state = await read(client, coach, cid)
    assert state["status"] == "scheduled" and state["coach_notes"] is None and state["booked"] == 1


async def test_a_linked_athlete_cannot_run_the_class_or_remove_someone_else(
    client: httpx.AsyncClient, coach: Account, ana: Account
) -> None:
    cid = await _class_with_ana_booked(client, coach, ana)
    cy = await sign_up(client, name="Cyd")
    invited = await client.post("/api/v1/links", json={"athlete_email": cy.email}, headers=coach.headers)
    await client.post(f"/api/v1/links/{invited.json()['id']}/accept", headers=cy.headers)

    attempts = [
        await client.patch(f"/api/v1/classes/{cid}", json={"capacity": 50}, headers=cy.headers),
        await client.post(f"/api/v1/classes/{cid}/cancel", headers=cy.headers),
        await client.delete(f"/api/v1/classes/{cid}/bookings/{ana.id}", headers=cy.headers),
    ]

    assert [a.status_code for a in attempts] == [403] * len(attempts)
    seen = await read(client, cy, cid)
    assert seen["roster"] is None and seen["booked"] == 1 and seen["capacity"] == 1
    assert (await read(client, ana, cid))["my_booking"]["status"] == "booked"


async def test_an_ended_link_hides_the_coachs_classes(
    client: httpx.AsyncClient, coach: Account, ana: Account
) -> None:
    cid = await _class_with_ana_booked(client, coach, ana)
    (link,) = (await client.get("/api/v1/links", headers=ana.headers)).json()
    assert (await client.post(f"/api/v1/links/{link['id']}/end", headers=ana.headers)).status_code == 200

    assert (await client.get(f"/api/v1/classes/{cid}", headers=ana.headers)).status_code == 404
    assert (await book(client, ana, cid)).status_code == 404


async def _rows(runtime: Runtime, table: str, as_user: str | None) -> list[dict[str, Any]]:
    async with runtime.sessions() as session:
        if as_user is not None:
            await set_rls_context(session, user_id=uuid.UUID(as_user))
        result = await session.execute(text(f"SELECT * FROM {table}"))
        return [dict(row) for row in result.mappings()]


@pytest.mark.skipif(BACKEND != "postgresql", reason="row-level security is PostgreSQL's")
async def test_row_level_security_hides_classes_and_bookings_from_strangers(
    client: httpx.AsyncClient, runtime: Runtime, coach: Account, ana: Account, bo: Account
) -> None:
    cid = await _class_with_ana_booked(client, coach, ana)

    for table in ("class_sessions", "class_bookings"):
        assert await _rows(runtime, table, bo.id) == []
        assert await _rows(runtime, table, None) == []
        assert len(await _rows(runtime, table, ana.id)) == 1
        assert len(await _rows(runtime, table, coach.id)) == 1
    # An athlete cannot move the class's counter by hand: only its coach (or the system) writes it.
    async with runtime.sessions() as session:
        await set_rls_context(session, user_id=uuid.UUID(ana.id))
        with pytest.raises(Exception, match="row-level security"):
            await session.execute(
                text("UPDATE class_sessions SET booked = 0 WHERE id = :id"), {"id": uuid.UUID(cid)}
            )
