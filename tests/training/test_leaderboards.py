"""Leaderboards: best per athlete, the score type's order, ties, filters, hidden results, GraphQL,
and the SQL board agreeing with ``ranking`` on random results."""

from __future__ import annotations

import contextlib
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from atelier.accounts.models import User
from atelier.db import elevated, set_rls_context, unit_of_work
from atelier.kit.runtime import Runtime
from atelier.planning.models import Session, SessionKind, Status
from atelier.training import bests, leaderboards
from atelier.training.models import Result
from atelier.training.ranking import Entry, best_per_athlete, rank
from tests.conftest import Account, sign_up
from tests.planning.helpers import link, plan
from tests.training.test_records import FRAN, new_wod, scored

pytestmark = pytest.mark.anyio

CINDY = "# Cindy\nAMRAP 20\n  5 Pull-up\n  10 Push-up\n  15 Air squat\n"


async def public_wod(client: httpx.AsyncClient, owner: Account, source: str) -> str:
    created = await client.post(
        "/api/v1/wods", json={"source": source, "visibility": "public"}, headers=owner.headers
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def board(
    client: httpx.AsyncClient, viewer: Account, wod_id: str, **params: Any
) -> list[tuple[Any, ...]]:
    response = await client.get(f"/api/v1/wods/{wod_id}/leaderboard", params=params, headers=viewer.headers)
    assert response.status_code == 200, response.text
    return [
        (r["rank"], r["tied"], r["athlete"]["name"], r["score"]["display"]) for r in response.json()["rows"]
    ]


async def profile(client: httpx.AsyncClient, account: Account, **changes: Any) -> None:
    response = await client.patch("/api/v1/me/profile", json=changes, headers=account.headers)
    assert response.status_code == 200, response.text


@pytest.fixture
async def fran(client: httpx.AsyncClient) -> tuple[str, dict[str, Account]]:
    """A public Fran and six athletes' results on it."""
    owner = await sign_up(client, role="coach", name="Owner")
    wod = await public_wod(client, owner, FRAN)
    people = {name: await sign_up(client, name=name) for name in ("Ana", "Bo", "Cy", "Dee", "Eve", "Fay")}
    await profile(client, people["Ana"], category="women")
    await profile(client, people["Eve"], category="women")
    day = date(2027, 3, 1)
    await scored(client, people["Ana"], wod, day, {"time_s": 300})
    await scored(client, people["Ana"], wod, day + timedelta(days=7), {"time_s": 245})
    await scored(client, people["Bo"], wod, day, {"time_s": 200, "rx": False})
    await scored(client, people["Cy"], wod, day, {"time_s": 245})
    await scored(client, people["Dee"], wod, day, {"capped": True, "reps": 80})
    await scored(client, people["Eve"], wod, date(2027, 5, 1), {"capped": True, "reps": 90})
    await scored(client, people["Fay"], wod, day, {"dnf": True})
    return wod, people


async def test_a_time_board_ranks_finishers_then_capped_then_scaled_then_dnf(
    client: httpx.AsyncClient, fran: tuple[str, dict[str, Account]]
) -> None:
    wod, people = fran

    rows = await board(client, people["Bo"], wod, limit=10)

    assert rows == [
        (1, True, "Ana", "4:05"),  # her best of two, tied with Cy
        (1, True, "Cy", "4:05"),
        (3, False, "Eve", "CAP + 90 reps"),
        (4, False, "Dee", "CAP + 80 reps"),
        (5, False, "Bo", "3:20"),  # fastest, but scaled
        (6, False, "Fay", "DNF"),
    ]


async def test_filters_track_category_period_and_paging(
    client: httpx.AsyncClient, fran: tuple[str, dict[str, Account]]
) -> None:
    wod, people = fran
    viewer = people["Dee"]

    assert [r[2] for r in await board(client, viewer, wod, track="scaled")] == ["Bo"]
    assert [r[2] for r in await board(client, viewer, wod, track="rx")] == ["Ana", "Cy", "Eve", "Dee", "Fay"]
    assert [r[2] for r in await board(client, viewer, wod, category="women")] == ["Ana", "Eve"]
    assert [r[2] for r in await board(client, viewer, wod, **{"from": "2027-04-01"})] == ["Eve"]
    page = await client.get(
        f"/api/v1/wods/{wod}/leaderboard", params={"limit": 2, "offset": 2}, headers=viewer.headers
    )
    assert [r["athlete"]["name"] for r in page.json()["rows"]] == ["Eve", "Dee"]
    assert page.json()["total"] == 6


async def test_the_same_workout_written_elsewhere_ranks_on_the_same_board(
    client: httpx.AsyncClient, fran: tuple[str, dict[str, Account]]
) -> None:
    wod, people = fran
    gil = await sign_up(client, name="Gil")
    typed = FRAN.replace("43/30 kg", "95/65 lb").replace("Pull-up", "pull ups")
    sid = str((await plan(client, gil, date=date(2027, 3, 2), source=typed))["id"])
    assert (await client.post(f"/api/v1/sessions/{sid}/start", headers=gil.headers)).status_code == 200
    recorded = await client.post(f"/api/v1/sessions/{sid}/result", json={"time_s": 180}, headers=gil.headers)
    assert recorded.status_code == 201, recorded.text

    assert (await board(client, people["Bo"], wod))[0] == (1, False, "Gil", "3:00")


async def test_hidden_results_leave_the_board_for_everyone_but_the_athlete_and_their_coach(
    client: httpx.AsyncClient, fran: tuple[str, dict[str, Account]]
) -> None:
    wod, people = fran
    coach = await sign_up(client, role="coach", name="Coach")
    invited = await client.post(
        "/api/v1/links", json={"athlete_email": people["Cy"].email}, headers=coach.headers
    )
    accepted = await client.post(f"/api/v1/links/{invited.json()['id']}/accept", headers=people["Cy"].headers)
    assert accepted.status_code == 200

    await profile(client, people["Cy"], results_visibility="private")

    assert "Cy" not in [r[2] for r in await board(client, people["Bo"], wod)]
    assert (await board(client, people["Bo"], wod))[0] == (1, False, "Ana", "4:05")
    assert "Cy" in [r[2] for r in await board(client, people["Cy"], wod)]
    assert "Cy" in [r[2] for r in await board(client, coach, wod)]

    await profile(client, people["Cy"], results_visibility="public")
    assert "Cy" in [r[2] for r in await board(client, people["Bo"], wod)]


async def test_a_box_board_ranks_the_coach_s_athletes_only_and_only_for_them(
    client: httpx.AsyncClient, fran: tuple[str, dict[str, Account]]
) -> None:
    wod, people = fran
    coach = await sign_up(client, role="coach", name="Box")
    for name in ("Ana", "Dee", "Fay"):
        await link(client, coach, people[name])
    await profile(client, people["Dee"], results_visibility="private")

    # The coach sees their hidden athlete; an athlete of the box sees the box without her.
    assert await board(client, coach, wod, box=coach.id) == [
        (1, False, "Ana", "4:05"),
        (2, False, "Dee", "CAP + 80 reps"),
        (3, False, "Fay", "DNF"),
    ]
    assert [r[2] for r in await board(client, people["Ana"], wod, box=coach.id)] == ["Ana", "Fay"]
    # A period ranks the results themselves, within the same members.
    in_march = {"box": coach.id, "from": "2027-03-01", "to": "2027-03-31"}
    assert [r[2] for r in await board(client, people["Ana"], wod, **in_march)] == ["Ana", "Fay"]
    assert [r[2] for r in await board(client, coach, wod, **in_march)] == ["Ana", "Dee", "Fay"]
    page = await client.get(
        f"/api/v1/wods/{wod}/leaderboard",
        params={"box": coach.id, "limit": 1, "offset": 1},
        headers=coach.headers,
    )
    assert [(r["rank"], r["athlete"]["name"]) for r in page.json()["rows"]] == [(2, "Dee")]
    assert page.json()["total"] == 3
    assert [r[2] for r in await board(client, coach, wod, box=coach.id, track="scaled")] == []

    # Cy and Bo are not in the box: the box's board is not theirs to read.
    for outsider in (people["Bo"], people["Cy"]):
        refused = await client.get(
            f"/api/v1/wods/{wod}/leaderboard", params={"box": coach.id}, headers=outsider.headers
        )
        assert refused.status_code == 403, refused.text


async def test_graphql_leaderboard(client: httpx.AsyncClient, fran: tuple[str, dict[str, Account]]) -> None:
    wod, people = fran
    query = (
        'query($id: ID!) { leaderboard(wodId: $id, track: "RX", limit: 3) '
        "{ rank tied athleteName scoreDisplay isRx isDnf } }"
    )

    response = await client.post(
        "/graphql", json={"query": query, "variables": {"id": wod}}, headers=people["Bo"].headers
    )

    assert response.status_code == 200, response.text
    assert response.json()["data"]["leaderboard"] == [
        {"rank": 1, "tied": True, "athleteName": "Ana", "scoreDisplay": "4:05", "isRx": True, "isDnf": False},
        {"rank": 1, "tied": True, "athleteName": "Cy", "scoreDisplay": "4:05", "isRx": True, "isDnf": False},
        {
            "rank": 3,
            "tied": False,
            "athleteName": "Eve",
            "scoreDisplay": "CAP + 90 reps",
            "isRx": True,
            "isDnf": False,
        },
    ]


async def test_boards_refuse_what_they_cannot_rank_or_show(
    client: httpx.AsyncClient, fran: tuple[str, dict[str, Account]]
) -> None:
    wod, people = fran
    stranger = await sign_up(client, name="Stranger")
    private = await new_wod(client, people["Ana"], CINDY)
    strength = await public_wod(client, people["Ana"], "# Engine\nEMOM 10\n  10 Burpee\n")

    cases = [
        (f"/api/v1/wods/{private}/leaderboard", {}, 404),
        (f"/api/v1/wods/{strength}/leaderboard", {}, 422),
        (f"/api/v1/wods/{wod}/leaderboard", {"limit": 0}, 422),
        (f"/api/v1/wods/{wod}/leaderboard", {"version": 9}, 404),
        (f"/api/v1/wods/{wod}/leaderboard", {"class_id": str(uuid.uuid4())}, 404),
        (f"/api/v1/wods/{wod}/leaderboard", {"box": people["Bo"].id}, 403),
        (f"/api/v1/wods/{wod}/leaderboard", {"from": "2027-05-01", "to": "2027-01-01"}, 422),
    ]
    for path, params, expected in cases:
        response = await client.get(path, params=params, headers=stranger.headers)
        assert response.status_code == expected, (path, params, response.text)
        assert response.headers["content-type"] == "application/problem+json"


@dataclass
class RandomBoard:
    workout: leaderboards.Workout
    athletes: list[User]
    entries: list[Entry[uuid.UUID]]
    kept: list[tuple[bool, str]]  # each entry's (rx, category)


async def random_board(
    session: AsyncSession, score_type: str, tag: str, hidden: frozenset[int] = frozenset()
) -> RandomBoard:
    """120 random results of 25 athletes on one workout, their bests kept; athletes whose index is
    in ``hidden`` keep their results private. Ties, DNFs, capped times and both tracks included."""
    chance = random.Random(f"{tag}-{score_type}")
    workout = leaderboards.Workout(uuid.uuid4(), 1, "Random", f"hash-{tag}-{score_type}", score_type)
    base = datetime(2027, 1, 1, tzinfo=UTC)
    made = RandomBoard(workout, [], [], [])
    made.athletes = [
        User(email=f"{tag}{i}-{score_type}@example.org", name=f"R{i}", password_hash="x") for i in range(25)
    ]
    session.add_all(made.athletes)
    await session.flush()
    for n in range(120):
        index = chance.randrange(len(made.athletes))
        athlete = made.athletes[index]
        dnf = chance.random() < 0.1
        capped = score_type == "time" and not dnf and chance.random() < 0.2
        value = None if dnf else float(chance.choice([60, 90, 90, 120, 150] if not capped else [10, 20, 20]))
        secondary = float(chance.choice([0, 3, 3, 7])) if score_type == "rounds+reps" and not dnf else None
        rx = chance.random() < 0.7
        category = chance.choice(["men", "women", "women"])
        day = date(2027, 1, 1) + timedelta(days=n)
        row = Session(
            athlete_id=athlete.id,
            kind=SessionKind.one_off,
            title="Random",
            session_date=day,
            timezone="UTC",
            status=Status.completed,
        )
        session.add(row)
        await session.flush()
        result = Result(
            id=uuid.uuid4(),
            session_id=row.id,
            athlete_id=athlete.id,
            performed_on=day,
            workout_hash=workout.workout_hash,
            score_type=score_type,
            score_value=value,
            score_secondary=secondary,
            capped=capped,
            is_rx=rx,
            is_dnf=dnf,
            category=category,
            recorded_at=base + timedelta(minutes=n),
            is_public=index not in hidden,
        )
        session.add(result)
        made.kept.append((rx, category))
        made.entries.append(
            Entry(
                athlete_id=athlete.id,
                score_type=score_type,
                value=value,
                secondary=secondary,
                rx=rx,
                dnf=dnf,
                capped=capped,
                recorded_at=result.recorded_at,
                ref=result.id,
            )
        )
    for athlete in made.athletes:  # as recording each result would have
        await bests.refresh(session, athlete.id, [workout.workout_hash])
    return made


@pytest.mark.parametrize("score_type", ["time", "rounds+reps", "load"])
async def test_the_sql_board_agrees_with_ranking_on_random_results(runtime: Runtime, score_type: str) -> None:
    async with unit_of_work(runtime.sessions, system=True) as session:
        made = await random_board(session, score_type, "board")
        workout, entries, kept = made.workout, made.entries, made.kept
        viewer = made.athletes[0]
        for query in BEST_BOARDS:
            assert leaderboards.from_bests(query)
            rows, total = await leaderboards.board(session, viewer, workout, query)
            expected = rank(
                best_per_athlete([e for e, k in zip(entries, kept, strict=True) if _keeps(query, k)])
            )
            assert expected, query
            assert total == len(expected), query
            assert [(r["rank"], r["tied"], r["result_id"]) for r in rows] == [
                (row.rank, row.tied, str(row.entry.ref))
                for row in expected[query.offset : query.offset + query.limit]
            ], query
            assert (rows, total) == await leaderboards._board_of_results(session, viewer, workout, query)


BEST_BOARDS = [
    leaderboards.BoardQuery(limit=100),
    leaderboards.BoardQuery(track="rx", limit=100),
    leaderboards.BoardQuery(track="scaled", limit=100),
    leaderboards.BoardQuery(category="women", limit=100),
    leaderboards.BoardQuery(category="men", track="rx", limit=100),
    leaderboards.BoardQuery(category="women", track="scaled", limit=100),
    leaderboards.BoardQuery(limit=5, offset=3),
    # Pages of every size and start, so that ties cross page edges both ways (the board of bests
    # ranks along the page from the rows ahead of it).
    *(
        leaderboards.BoardQuery(limit=size, offset=start)
        for size in (1, 2, 3)
        for start in range(0, 26, size)
    ),
    *(leaderboards.BoardQuery(track="rx", limit=2, offset=start) for start in range(0, 20, 2)),
]


def _keeps(query: leaderboards.BoardQuery, kept: tuple[bool, str]) -> bool:
    rx, category = kept
    return (query.track is None or rx == (query.track == "rx")) and query.category in (None, category)


@pytest.mark.parametrize("fails", [False, True])
async def test_rewriting_bests_gives_the_caller_their_own_row_level_security_context_back(
    runtime: Runtime, fails: bool
) -> None:
    """The bests are rewritten as the system (a coach closing a class cannot see private results);
    afterwards, or after an error inside, the transaction acts as the caller again."""
    if runtime.engine.dialect.name != "postgresql":
        pytest.skip("row-level security is PostgreSQL's")
    settings = text("SELECT current_setting('app.user_id', true), current_setting('app.system', true)")
    async with unit_of_work(runtime.sessions, system=True) as session:
        someone = User(email=f"ctx-{fails}@example.org", name="Ctx", password_hash="x")
        session.add(someone)
        await session.flush()
        await set_rls_context(session, user_id=someone.id)
        with contextlib.suppress(RuntimeError):
            async with elevated(session):
                assert (await session.execute(settings)).one()[1] == "on"
                if fails:
                    raise RuntimeError("inside")
        assert tuple((await session.execute(settings)).one()) == (str(someone.id), "off")
        await set_rls_context(session, user_id=None, system=True)
