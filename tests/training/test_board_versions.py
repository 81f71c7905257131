"""The public leaderboard is built once per change and served to every viewer who sees only it.

Triggers (migration 0013) raise ``board_versions`` on every write to a workout's bests and on a
ranked athlete's name change; the API keeps the rows of the public board with the version it read
first. A viewer with a hidden best of their own, or a coach, gets the kept first page with the
bests only they see merged in (a later page is built for them).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import event, text

from atelier.accounts.models import CoachLink, LinkStatus, Role, User
from atelier.config import Settings
from atelier.db import unit_of_work
from atelier.kit.runtime import Runtime
from atelier.training import board_pages, leaderboards
from atelier.training.records_api import LeaderboardOut
from tests.conftest import BACKEND, Account, sign_up
from tests.planning.helpers import link
from tests.planning.test_calendar_versions import as_owner, uid
from tests.training.test_leaderboards import board, fran, profile, random_board
from tests.training.test_records import scored

__all__ = ["fran"]

pytestmark = pytest.mark.anyio

Fran = tuple[str, dict[str, Account]]


class BoardReads:
    """How many times the app's engine reads a page of bests (the board's own statement, not the
    few hidden bests a viewer's first page merges in) while watched."""

    def __init__(self, runtime: Runtime) -> None:
        self.count = 0
        self._engine = runtime.engine.sync_engine
        event.listen(self._engine, "before_cursor_execute", self._record)

    def _record(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "result_bests.k0" in statement and "LIMIT" in statement:
            self.count += 1

    def close(self) -> None:
        event.remove(self._engine, "before_cursor_execute", self._record)


async def test_viewers_who_see_only_public_results_share_one_board_built_once_per_change(
    client: httpx.AsyncClient, runtime: Runtime, fran: Fran
) -> None:
    wod, people = fran
    reads = BoardReads(runtime)
    try:
        first = await board(client, people["Bo"], wod)
        for viewer in ("Bo", "Dee", "Fay"):
            assert await board(client, people[viewer], wod) == first
        assert reads.count == 1

        gil = await sign_up(client, name="Gil")
        await scored(client, gil, wod, date(2027, 3, 2), {"time_s": 150})
        fresh = await board(client, people["Dee"], wod)
    finally:
        reads.close()
    assert reads.count == 2
    assert fresh[0] == (1, False, "Gil", "2:30") and fresh[1:] == [(r + 1, *rest) for r, *rest in first]


async def test_the_answer_served_as_kept_is_the_answer_built(
    client: httpx.AsyncClient, runtime: Runtime, fran: Fran
) -> None:
    wod, people = fran
    url = f"/api/v1/wods/{wod}/leaderboard"
    params = {"track": "rx", "limit": 3, "offset": 1}
    built = await client.get(url, params=params, headers=people["Bo"].headers)
    kept = await client.get(url, params=params, headers=people["Dee"].headers)
    assert built.status_code == kept.status_code == 200
    assert kept.json() == built.json()
    assert kept.headers["content-type"] == "application/json"
    assert set(kept.json()) == {
        "wod_id", "version", "title", "workout_hash", "score_type", "rows", "total", "limit", "offset"
    }  # fmt: skip
    LeaderboardOut.model_validate(kept.json())  # the documented shape
    rows = kept.json()["rows"]
    assert kept.json()["total"] == 5  # four finishers or capped Rx, and a DNF
    assert [(r["rank"], r["tied"], r["athlete"]["name"]) for r in rows] == [
        (1, True, "Cy"), (3, False, "Eve"), (4, False, "Dee"),
    ]  # fmt: skip


async def test_a_viewer_with_a_hidden_result_and_a_coach_see_it_on_the_kept_board(
    client: httpx.AsyncClient, runtime: Runtime, fran: Fran
) -> None:
    wod, people = fran
    coach = await sign_up(client, role="coach", name="Coach")
    await link(client, coach, people["Cy"])
    await board(client, people["Bo"], wod)  # the public board, kept
    await profile(client, people["Cy"], results_visibility="private")

    reads = BoardReads(runtime)
    try:
        public = await board(client, people["Bo"], wod)
        assert "Cy" not in [r[2] for r in public]
        assert reads.count == 1  # rebuilt once: Cy's visibility changed the board
        for viewer in (people["Cy"], coach):
            seen = await board(client, viewer, wod)
            assert "Cy" in [r[2] for r in seen]
            assert len(seen) == len(public) + 1
        assert reads.count == 1  # both merged into the kept page
        assert "Cy" not in [r[2] for r in await board(client, people["Dee"], wod)]
        url = f"/api/v1/wods/{wod}/leaderboard"
        later = await client.get(url, params={"offset": 1}, headers=people["Cy"].headers)
        assert later.status_code == 200 and reads.count == 2  # a later page of theirs is built
        assert [r["athlete"]["name"] for r in later.json()["rows"]] == [r[2] for r in seen[1:]]
    finally:
        reads.close()


@pytest.mark.parametrize("score_type", ["time", "rounds+reps", "load"])
async def test_hidden_bests_merged_into_the_public_page_give_the_board_built_for_the_viewer(
    runtime: Runtime, score_type: str
) -> None:
    async with unit_of_work(runtime.sessions, system=True) as session:
        made = await random_board(session, score_type, "merge", hidden=frozenset({0, 3, 4, 9, 17}))
        coach = User(
            email=f"coach-{score_type}@example.org", name="Coach", password_hash="x", role=Role.coach
        )
        session.add(coach)
        await session.flush()
        for index in (3, 4, 5):  # two hidden athletes and a public one
            session.add(
                CoachLink(coach_id=coach.id, athlete_id=made.athletes[index].id, status=LinkStatus.active)
            )
        await session.flush()
        queries = [
            leaderboards.BoardQuery(track=track, category=category, limit=limit)
            for track in (None, "rx", "scaled")
            for category in (None, "men", "women")
            for limit in (1, 2, 3, 5, 10, 100)
        ]
        merged_any = False
        for viewer in (made.athletes[0], coach):
            for query in queries:
                public = await leaderboards.bests_page(session, None, made.workout, query)
                hidden = await board_pages.hidden_bests(session, viewer, made.workout, query)
                merged_any = merged_any or bool(hidden)
                assert board_pages.merged(made.workout, public, hidden, query) == await leaderboards.board(
                    session, viewer, made.workout, query
                ), (viewer.name, query)
        assert merged_any


async def test_a_change_no_application_code_sees_is_seen(
    client: httpx.AsyncClient, settings: Settings, fran: Fran
) -> None:
    wod, people = fran
    assert (await board(client, people["Bo"], wod))[0][2] == "Ana"

    await as_owner(settings, "UPDATE users SET name = 'Ana María' WHERE id = :id", id=uid(people["Ana"].id))
    assert (await board(client, people["Bo"], wod))[0][2] == "Ana María"

    await as_owner(settings, "DELETE FROM result_bests WHERE athlete_id = :id", id=uid(people["Ana"].id))
    assert "Ana María" not in [r[2] for r in await board(client, people["Bo"], wod)]


async def test_a_result_recorded_through_one_process_shows_on_the_board_another_kept(
    client: httpx.AsyncClient, second_process: httpx.AsyncClient, fran: Fran
) -> None:
    wod, people = fran
    before = await board(second_process, people["Bo"], wod)
    await scored(client, people["Fay"], wod, date(2027, 3, 3), {"time_s": 199})
    after = await board(second_process, people["Bo"], wod)
    assert after != before and after[0] == (1, False, "Fay", "3:19")


@pytest.mark.skipif(BACKEND != "postgresql", reason="roles are PostgreSQL's")
async def test_the_application_role_reads_board_versions_and_cannot_write_them(
    runtime: Runtime, fran: Fran
) -> None:
    _, people = fran
    async with runtime.sessions() as session, session.begin():
        await session.execute(text("SELECT set_config('app.user_id', :me, true)"), {"me": people["Bo"].id})
        assert (await session.execute(text("SELECT count(*) FROM board_versions"))).scalar_one() == 1
        with pytest.raises(Exception, match="permission denied"):
            await session.execute(text("UPDATE board_versions SET version = 0"))
