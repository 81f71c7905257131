"""0014 adds the board count index and reads the viewer's settings once per statement in the
policy on ``result_bests``: every viewer sees the same boards after the upgrade as before it
(public, their own hidden best, a coach's athletes' hidden bests), and a downgrade puts 0010's
policy back.

The results are recorded through the API at the newest schema, then the schema goes back to 0013
(the index dropped, the old policy back, results and bests kept), and 0014 runs on it.
"""

from __future__ import annotations

import anyio.to_thread
import httpx
import pytest
from alembic import command
from sqlalchemy import inspect, text

from atelier.config import Settings
from atelier.db import create_engine
from atelier.kit.runtime import Runtime
from atelier.migrations.run import alembic_config, migrate
from tests.conftest import BACKEND, Account, sign_up
from tests.planning.helpers import link
from tests.training.test_leaderboards import board, fran, profile

__all__ = ["fran"]

pytestmark = pytest.mark.anyio


async def indexes_and_policy(settings: Settings) -> tuple[set[str], str]:
    engine = create_engine(settings.database_url)
    try:
        async with engine.connect() as connection:
            names = await connection.run_sync(
                lambda sync: {i["name"] for i in inspect(sync).get_indexes("result_bests")}
            )
            policy = ""
            if BACKEND == "postgresql":
                policy = str(
                    await connection.scalar(
                        text("SELECT qual FROM pg_policies WHERE tablename = 'result_bests'")
                    )
                )
    finally:
        await engine.dispose()
    return names, policy


async def test_upgrading_keeps_what_every_viewer_sees_on_the_boards(
    client: httpx.AsyncClient, runtime: Runtime, settings: Settings, fran: tuple[str, dict[str, Account]]
) -> None:
    wod, people = fran
    coach = await sign_up(client, role="coach", name="Coach")
    await link(client, coach, people["Cy"])
    await profile(client, people["Cy"], results_visibility="private")
    await profile(client, people["Dee"], results_visibility="private")
    viewers = [people["Bo"], people["Cy"], people["Dee"], coach]
    filters: list[dict[str, str]] = [
        {},
        {"track": "rx"},
        {"category": "women"},
        {"limit": "2", "offset": "1"},
    ]

    async def boards() -> list[list[tuple[object, ...]]]:
        return [await board(client, viewer, wod, **f) for viewer in viewers for f in filters]

    before = await boards()
    names = {row[2] for row in before[0]}
    assert "Cy" not in names and "Dee" not in names  # Bo sees neither hidden best
    assert "Cy" in {row[2] for row in before[3 * len(filters)]}  # the coach sees Cy's
    url = runtime.settings.database_url

    await runtime.engine.dispose()
    await anyio.to_thread.run_sync(command.downgrade, alembic_config(url), "0013")
    at_0013, old_policy = await indexes_and_policy(settings)
    await runtime.engine.dispose()
    await migrate(url, "head")
    await runtime.engine.dispose()
    runtime.boards = type(runtime.boards)()  # nothing kept from before the upgrade

    assert "ix_result_bests_count" not in at_0013
    at_head, policy = await indexes_and_policy(settings)
    assert "ix_result_bests_count" in at_head
    if BACKEND == "postgresql":
        # Each setting read in its own scalar subquery (0010's policy had one, on coach_links).
        assert old_policy.count("SELECT") == 1 and policy.count("SELECT") == 5, (old_policy, policy)
    assert await boards() == before
