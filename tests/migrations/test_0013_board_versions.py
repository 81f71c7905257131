"""0013 adds ``board_versions`` and the triggers that raise it: a database holding results and
their bests at 0012 reads the same boards after the upgrade, and from then on a new result or a
ranked athlete's new name moves the workout's counter and shows on the next read.

The results are recorded through the API at the newest schema, then the schema goes back to 0012
(the counters and their triggers dropped, results and bests kept), and 0013 runs on it.
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
from tests.conftest import Account
from tests.planning.test_calendar_versions import as_owner, uid
from tests.training.test_leaderboards import board, fran

__all__ = ["fran"]

pytestmark = pytest.mark.anyio


async def tables(runtime: Runtime) -> list[str]:
    async with runtime.engine.connect() as connection:
        return await connection.run_sync(lambda sync: inspect(sync).get_table_names())


async def board_versions(settings: Settings) -> list[int]:
    engine = create_engine(settings.database_url)
    try:
        async with engine.connect() as connection:
            return [int(v) for v in (await connection.scalars(text("SELECT version FROM board_versions")))]
    finally:
        await engine.dispose()


async def test_upgrading_keeps_every_board_and_the_counters_move_from_then_on(
    client: httpx.AsyncClient, runtime: Runtime, settings: Settings, fran: tuple[str, dict[str, Account]]
) -> None:
    wod, people = fran
    viewer = people["Bo"]
    filters: list[dict[str, str]] = [{}, {"track": "rx"}, {"track": "scaled"}, {"category": "women"}]
    before = [await board(client, viewer, wod, **f) for f in filters]
    url = runtime.settings.database_url

    await runtime.engine.dispose()
    await anyio.to_thread.run_sync(command.downgrade, alembic_config(url), "0012")
    at_0012 = await tables(runtime)
    await runtime.engine.dispose()
    await migrate(url, "head")
    await runtime.engine.dispose()
    runtime.boards = type(runtime.boards)()  # nothing kept from before the upgrade

    assert "board_versions" not in at_0012 and "result_bests" in at_0012
    assert [await board(client, viewer, wod, **f) for f in filters] == before
    assert await board_versions(settings) == []

    await as_owner(settings, "UPDATE users SET name = 'Ana B.' WHERE id = :id", id=uid(people["Ana"].id))
    assert await board_versions(settings) == [1]
    assert (await board(client, viewer, wod))[0][2] == "Ana B."
    assert (await board(client, viewer, wod, track="rx"))[0][2] == "Ana B."
