"""0011 adds ``live_standings`` and fills it from the events already stored: classes whose events
were posted (individuals, a relay team with an out-of-turn event, a duplicate) read the same board
after the upgrade, and what it stored is every event folded again.

The events are posted through the API at the newest schema, then the schema goes back to 0010 (the
standings table dropped, the events kept): the database holds what 0010 held, and 0011 runs on it.
"""

from __future__ import annotations

import anyio.to_thread
import httpx
import pytest
from alembic import command
from sqlalchemy import inspect

from atelier.kit.runtime import Runtime
from atelier.migrations.run import alembic_config, migrate
from tests.conftest import Account
from tests.training.test_events import RELAY, a_class, book, event, post
from tests.training.test_live_standings import CINDY, box, reps, stored_and_refolded

__all__ = ["box"]

pytestmark = pytest.mark.anyio


async def tables(runtime: Runtime) -> list[str]:
    async with runtime.engine.connect() as connection:
        return await connection.run_sync(lambda sync: inspect(sync).get_table_names())


async def test_upgrading_fills_the_standings_from_the_stored_events_and_the_boards_read_the_same(
    client: httpx.AsyncClient, runtime: Runtime, box: dict[str, Account]
) -> None:
    amrap = await a_class(client, box["coach"], CINDY)
    relay = await a_class(client, box["coach"], RELAY, team_size=2)
    for name in ("Ana", "Bo", "Cy"):
        await book(client, box[name], amrap)
        await book(client, box[name], relay)
    teams = await client.put(
        f"/api/v1/classes/{relay}/teams",
        json={"teams": [{"name": "Blue", "members": [box["Ana"].id, box["Bo"].id]}]},
        headers=box["coach"].headers,
    )
    assert teams.status_code == 200, teams.text
    repeated = reps(box["Ana"], 0, 30)
    for batch in (repeated, reps(box["Bo"], 0, 47), repeated, reps(box["Ana"], 30, 12)):
        assert (await post(client, box["coach"], amrap, {"events": batch})).status_code == 200
    relay_batches = [
        [event(box["Ana"], 30, "pull_up", 10), event(box["Ana"], 45, "push_up", 10)],
        [event(box["Bo"], 50, "push_up", 10), event(box["Cy"], 60, None, 14)],
        [event(box["Ana"], 90, "air_squat", 4)],
    ]
    for batch in relay_batches:
        assert (await post(client, box["coach"], relay, {"events": batch})).status_code == 200
    before = {
        c: (await client.get(f"/api/v1/classes/{c}/board", headers=box["Cy"].headers)).json()
        for c in (amrap, relay)
    }
    url = runtime.settings.database_url

    await runtime.engine.dispose()
    await anyio.to_thread.run_sync(command.downgrade, alembic_config(url), "0010")
    at_0010 = await tables(runtime)
    await runtime.engine.dispose()
    await migrate(url, "head")
    await runtime.engine.dispose()

    after = {
        c: (await client.get(f"/api/v1/classes/{c}/board", headers=box["Cy"].headers)).json()
        for c in (amrap, relay)
    }
    assert "live_standings" not in at_0010 and "realized_events" in at_0010
    assert after == before
    assert after[amrap]["seq"] == 89 and after[relay]["seq"] == 5
    assert {r["name"]: r["done"] for r in after[amrap]["rows"]} == {"Ana": 42, "Bo": 47, "Cy": 0}
    assert {r["name"]: r["done"] for r in after[relay]["rows"]} == {"Blue": 24, "Cy": 14}
    for class_id in (amrap, relay):
        kept, refolded = await stored_and_refolded(runtime, class_id)
        assert kept == refolded and kept.found
