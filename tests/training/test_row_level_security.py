"""PostgreSQL policies on results and live events: plain SQL through the app's connection sees a
public result from anywhere, a private one only as its athlete or their coach, and a class's
events only as one of the class's viewers."""

from __future__ import annotations

import uuid
from datetime import date

import httpx
import pytest
from sqlalchemy import text

from atelier.db import set_rls_context
from atelier.kit.runtime import Runtime
from tests.conftest import BACKEND, sign_up
from tests.planning.helpers import link
from tests.training.test_events import MINI, a_class, book, event, post
from tests.training.test_records import FRAN, new_wod, scored

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(BACKEND != "postgresql", reason="row-level security is PostgreSQL's"),
]


async def seen(runtime: Runtime, query: str, as_user: str | None) -> set[str]:
    async with runtime.sessions() as session:
        if as_user is not None:
            await set_rls_context(session, user_id=uuid.UUID(as_user))
        return {str(row[0]) for row in await session.execute(text(query))}


async def test_results_follow_the_athletes_visibility(client: httpx.AsyncClient, runtime: Runtime) -> None:
    ana = await sign_up(client, name="Ana")
    bo = await sign_up(client, name="Bo")
    coach = await sign_up(client, role="coach", name="Coach")
    await link(client, coach, ana)
    await scored(client, ana, await new_wod(client, ana, FRAN), date(2027, 1, 4), {"time_s": 250})
    query = "SELECT athlete_id FROM results"

    assert await seen(runtime, query, bo.id) == {ana.id}
    hidden = await client.patch(
        "/api/v1/me/profile", json={"results_visibility": "private"}, headers=ana.headers
    )
    assert hidden.status_code == 200
    assert await seen(runtime, query, bo.id) == set()
    assert await seen(runtime, query, ana.id) == {ana.id}
    assert await seen(runtime, query, coach.id) == {ana.id}
    assert await seen(runtime, query, None) == set()


async def test_live_events_are_seen_by_the_class_viewers_only(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    coach = await sign_up(client, role="coach", name="Coach")
    ana = await sign_up(client, name="Ana")
    stranger = await sign_up(client, name="Stranger")
    await link(client, coach, ana)
    class_id = await a_class(client, coach, MINI)
    await book(client, ana, class_id)
    assert (await post(client, ana, class_id, event(ana, 10, "pull_up", 5))).status_code == 200
    query = "SELECT athlete_id FROM realized_events"

    assert await seen(runtime, query, ana.id) == {ana.id}
    assert await seen(runtime, query, coach.id) == {ana.id}
    assert await seen(runtime, query, stranger.id) == set()
    async with runtime.sessions() as session:
        await set_rls_context(session, user_id=uuid.UUID(stranger.id))
        with pytest.raises(Exception, match="row-level security"):
            await session.execute(
                text(
                    "INSERT INTO realized_events (id, class_date, class_id, athlete_id, entrant_id, "
                    "offset_s, kind, accepted, done_after, posted_by, recorded_at) VALUES (:id, "
                    "'2027-03-02', :c, :a, :a, 1, 'complete', true, 1, :a, now())"
                ),
                {"id": uuid.uuid4(), "c": uuid.UUID(class_id), "a": uuid.UUID(stranger.id)},
            )
