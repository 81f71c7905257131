"""The stored standings of a class: batches posted at the same time lose nothing, and what is
stored agrees with folding every stored event again (what closing the class turns into results)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from atelier.db import set_rls_context
from atelier.kit.clock import utcnow
from atelier.kit.runtime import Runtime
from atelier.planning.models import ClassSession
from atelier.training import events, standings
from tests.conftest import BACKEND, Account, sign_up
from tests.planning.helpers import link
from tests.training.test_events import MINI, a_class, book, event, post

pytestmark = pytest.mark.anyio

CINDY = "# Cindy\nAMRAP 20:00\n  5 Pull-up\n  10 Push-up\n  15 Air squat\n"
RELAY = "# Relay\nFor time, cap 10:00, teams of 2\n  10 Pull-up\n  10 Push-up\n  10 Air squat (split)\n"


async def stored_and_refolded(
    runtime: Runtime, class_id: str
) -> tuple[standings.Standings, standings.Standings]:
    async with runtime.sessions() as session:
        await set_rls_context(session, user_id=None, system=True)
        row = await session.scalar(select(ClassSession).where(ClassSession.id == uuid.UUID(class_id)))
        assert row is not None
        people = await events.roster(session, row)
        work = await events.workout_of(runtime, row)
        return await standings.stored(session, row.id), await events.refolded(session, row, people, work)


@pytest.fixture
async def box(client: httpx.AsyncClient) -> dict[str, Account]:
    coach = await sign_up(client, role="coach", name="Coach")
    people = {"coach": coach}
    for name in ("Ana", "Bo", "Cy"):
        people[name] = await sign_up(client, name=name)
        await link(client, coach, people[name])
    return people


def reps(athlete: Account, first: int, count: int) -> list[dict[str, Any]]:
    return [event(athlete, float(first + k), None, 1) for k in range(count)]


async def test_batches_posted_at_once_on_one_class_lose_no_update(
    client: httpx.AsyncClient, runtime: Runtime, box: dict[str, Account]
) -> None:
    class_id = await a_class(client, box["coach"], CINDY)
    names = ("Ana", "Bo", "Cy")
    for name in names:
        await book(client, box[name], class_id)

    async def judge(athlete: Account) -> list[int]:
        answers = []
        for batch in range(6):  # each judge's batches in turn; the three judges at once
            posted = await post(client, box["coach"], class_id, {"events": reps(athlete, batch * 20, 20)})
            assert posted.status_code == 200, posted.text
            answers.append(posted.json()["board"]["seq"])
        return answers

    seqs = await asyncio.gather(*(judge(box[name]) for name in names))
    board = (await client.get(f"/api/v1/classes/{class_id}/board", headers=box["Ana"].headers)).json()

    # Each answer's board is read once its batch is committed: it holds the judge's own batches so
    # far and whatever the other judges' batches (run beside it on PostgreSQL) had committed; the
    # last board read holds all of them.
    for per_judge in seqs:
        assert per_judge == sorted(set(per_judge))
        assert all(20 * (n + 1) <= seq <= 360 for n, seq in enumerate(per_judge))
    assert max(max(per_judge) for per_judge in seqs) == 360
    assert board["seq"] == 360
    assert {r["name"]: r["done"] for r in board["rows"]} == {"Ana": 120, "Bo": 120, "Cy": 120}
    assert {r["display"] for r in board["rows"]} == {"4 rounds"}
    kept, refolded = await stored_and_refolded(runtime, class_id)
    assert kept == refolded


async def test_the_stored_standings_agree_with_every_event_folded_again(
    client: httpx.AsyncClient, runtime: Runtime, box: dict[str, Account]
) -> None:
    class_id = await a_class(client, box["coach"], RELAY, team_size=2)
    for name in ("Ana", "Bo", "Cy"):
        await book(client, box[name], class_id)
    teams = await client.put(
        f"/api/v1/classes/{class_id}/teams",
        json={"teams": [{"name": "Blue", "members": [box["Ana"].id, box["Bo"].id]}]},
        headers=box["coach"].headers,
    )
    assert teams.status_code == 200, teams.text
    first = [event(box["Ana"], 30, "pull_up", 10), event(box["Cy"], 40, "pull_up", 10)]
    batches = [
        {"events": first},
        {"events": [*first, event(box["Ana"], 45, "push_up", 10), event(box["Bo"], 50, "push_up", 6)]},
        {"events": [event(box["Bo"], 70, None, 4), event(box["Cy"], 80, "push_up", 15)]},
        {"events": [event(box["Ana"], 90, "air_squat", 6), event(box["Bo"], 95, "air_squat", 9)]},
        {"events": [event(box["Bo"], 99, "air_squat", 1), event(box["Cy"], 120, "air_squat", 5)]},
    ]
    answers = [await post(client, box["coach"], class_id, batch) for batch in batches]
    assert [a.status_code for a in answers] == [200] * 5
    assert len(answers[1].json()["duplicates"]) == 2
    assert [len(a.json()["ignored"]) for a in answers] == [0, 1, 0, 0, 1]  # out of turn; finished

    kept, refolded = await stored_and_refolded(runtime, class_id)
    before = (await client.get(f"/api/v1/classes/{class_id}/board", headers=box["Cy"].headers)).json()
    closed = await client.post(f"/api/v1/classes/{class_id}/close", headers=box["coach"].headers)

    assert kept == refolded
    assert kept.seq == before["seq"] == 10
    rows = {r["name"]: (r["done"], r["finished_at"], r["display"]) for r in before["rows"]}
    assert rows == {"Blue": (30, 95, "1:35"), "Cy": (30, 120, "2:00")}
    assert closed.status_code == 200, closed.text
    assert closed.json()["board"] == before and closed.json()["results"] == 3


async def test_a_class_with_no_event_has_no_standing(
    client: httpx.AsyncClient, runtime: Runtime, box: dict[str, Account]
) -> None:
    class_id = await a_class(client, box["coach"], MINI)
    await book(client, box["Ana"], class_id)
    refused = await post(client, box["coach"], class_id, {"events": [event(box["Ana"], -1.0, None, 1)]})

    kept, refolded = await stored_and_refolded(runtime, class_id)
    board = (await client.get(f"/api/v1/classes/{class_id}/board", headers=box["Ana"].headers)).json()

    assert refused.status_code == 422
    assert kept == refolded == standings.Standings({}, {})
    assert board["seq"] == 0 and [r["started"] for r in board["rows"]] == [False]


async def cindy_with(client: httpx.AsyncClient, box: dict[str, Account], *names: str) -> str:
    class_id = await a_class(client, box["coach"], CINDY)
    for name in names:
        await book(client, box[name], class_id)
    return class_id


@contextlib.asynccontextmanager
async def system_session(runtime: Runtime) -> AsyncIterator[AsyncSession]:
    """A transaction of the test's own, beside the API's (rolled back unless committed)."""
    async with runtime.sessions() as session:
        await set_rls_context(session, user_id=None, system=True)
        yield session


@pytest.mark.skipif(BACKEND != "postgresql", reason="SQLite runs one writer at a time")
async def test_batches_moving_other_athletes_run_beside_a_held_one_and_the_same_athlete_waits(
    client: httpx.AsyncClient, runtime: Runtime, box: dict[str, Account]
) -> None:
    class_id = await cindy_with(client, box, "Ana", "Bo")
    async with system_session(runtime) as holder:  # a batch moving Ana, not yet committed
        await standings.lock_entrants(holder, uuid.UUID(class_id), [uuid.UUID(box["Ana"].id)])
        bo = await asyncio.wait_for(
            post(client, box["coach"], class_id, {"events": reps(box["Bo"], 0, 5)}), 10
        )
        ana = asyncio.create_task(post(client, box["coach"], class_id, {"events": reps(box["Ana"], 0, 5)}))
        await asyncio.sleep(0.5)
        waited = not ana.done()
        await holder.rollback()
    ana_answer = await asyncio.wait_for(ana, 10)

    assert bo.status_code == 200 and bo.json()["board"]["seq"] == 5
    assert waited
    assert ana_answer.status_code == 200 and ana_answer.json()["board"]["seq"] == 10
    kept, refolded = await stored_and_refolded(runtime, class_id)
    assert kept == refolded and kept.counts == {uuid.UUID(box["Ana"].id): 5, uuid.UUID(box["Bo"].id): 5}


@pytest.mark.skipif(BACKEND != "postgresql", reason="SQLite runs one writer at a time")
async def test_an_id_stored_meanwhile_by_a_batch_of_another_athlete_refuses_the_batch_whole(
    client: httpx.AsyncClient, runtime: Runtime, box: dict[str, Account]
) -> None:
    class_id = await cindy_with(client, box, "Ana", "Bo")
    shared = reps(box["Ana"], 0, 3)
    taken = uuid.UUID(shared[1]["id"])
    async with system_session(runtime) as holder:  # Bo's batch, holding that id, not yet committed
        row = await holder.get(ClassSession, uuid.UUID(class_id))
        assert row is not None
        bo = uuid.UUID(box["Bo"].id)
        first = {
            "id": taken, "athlete_id": bo, "entrant_id": bo, "team_id": None, "offset_s": 1.0,
            "kind": "complete", "movement": None, "quantity": 1.0, "unit": None, "accepted": True,
            "reason": None, "done_after": 1.0,
        }  # fmt: skip
        assert await standings.insert_events(holder, row, uuid.UUID(box["coach"].id), utcnow(), [first]) == 1
        ana = asyncio.create_task(post(client, box["coach"], class_id, {"events": shared}))
        await asyncio.sleep(0.5)  # Ana's insert waits on the uncommitted row with the same key
        await holder.commit()
    refused = await asyncio.wait_for(ana, 10)
    again = await post(client, box["coach"], class_id, {"events": shared})

    assert refused.status_code == 409, refused.text
    assert "post the batch again" in refused.json()["detail"]
    assert again.status_code == 409 and str(taken) in again.json()["detail"]  # now named: other values
    kept, refolded = await stored_and_refolded(runtime, class_id)
    assert kept.counts == {}  # nothing of Ana's batch was stored: no standing, and of the events
    assert refolded.counts == {uuid.UUID(box["Bo"].id): 1}  # only the one Bo's batch stored
