"""The stored standings of a class: batches posted at the same time lose nothing, and what is
stored agrees with folding every stored event again (what closing the class turns into results)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from atelier.db import set_rls_context
from atelier.kit.runtime import Runtime
from atelier.planning.models import ClassSession
from atelier.training import events, standings
from tests.conftest import Account, sign_up
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

    assert sorted(s for per_judge in seqs for s in per_judge) == list(range(20, 361, 20))
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
