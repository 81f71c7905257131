"""0012 adds ``calendar_versions`` and the triggers that raise it; a database holding calendars at
0011 (series, a one-off, a class with bookers, a coach link) reads the same calendars after the
upgrade, and from then on every write to them moves the counters of the users it touches.

The calendars are written through the API at the newest schema, then the schema goes back to 0011
(the counters and their triggers dropped, everything else kept), and 0012 runs on it.
"""

from __future__ import annotations

from datetime import date

import anyio.to_thread
import httpx
import pytest
from alembic import command
from sqlalchemy import inspect

from atelier.config import Settings
from atelier.kit.runtime import Runtime
from atelier.migrations.run import alembic_config, migrate
from tests.conftest import Account
from tests.planning.conftest import ana, bo, coach
from tests.planning.helpers import FRAN, calendar, plan
from tests.planning.test_calendar_versions import as_owner, uid, version_of
from tests.planning.test_classes import book, schedule

__all__ = ["ana", "bo", "coach"]

pytestmark = pytest.mark.anyio

MARCH = (date(2027, 3, 1), date(2027, 3, 31))


async def tables(runtime: Runtime) -> list[str]:
    async with runtime.engine.connect() as connection:
        return await connection.run_sync(lambda sync: inspect(sync).get_table_names())


async def test_upgrading_keeps_every_calendar_and_the_counters_move_from_then_on(
    client: httpx.AsyncClient,
    runtime: Runtime,
    settings: Settings,
    ana: Account,
    bo: Account,
    coach: Account,
) -> None:
    await plan(
        client, ana, date=date(2027, 3, 1), time="07:00", repeat={"freq": "weekly", "by_weekday": ["MO"]}
    )
    await plan(client, bo, date=date(2027, 3, 6), source=FRAN)
    lesson = await schedule(client, coach)
    assert (await book(client, ana, lesson["id"])).status_code == 201
    people = (ana, bo, coach)
    before = {a.name: await calendar(client, a, *MARCH) for a in people}
    coached = await calendar(client, coach, *MARCH, athlete_id=ana.id)
    url = runtime.settings.database_url

    await runtime.engine.dispose()
    await anyio.to_thread.run_sync(command.downgrade, alembic_config(url), "0011")
    at_0011 = await tables(runtime)
    await runtime.engine.dispose()
    await migrate(url, "head")
    await runtime.engine.dispose()
    runtime.calendars = type(runtime.calendars)()  # nothing kept from before the upgrade

    assert "calendar_versions" not in at_0011 and "sessions" in at_0011
    assert {a.name: await calendar(client, a, *MARCH) for a in people} == before
    assert await calendar(client, coach, *MARCH, athlete_id=ana.id) == coached
    assert [await version_of(settings, a) for a in people] == [0, 0, 0]

    # The class's title changed by hand: its coach and its booker see it, Bo's counter stays.
    await as_owner(
        settings, "UPDATE class_sessions SET title = 'Fran at six' WHERE id = :id", id=uid(lesson["id"])
    )
    assert [await version_of(settings, a) for a in people] == [1, 0, 1]
    for account in (ana, coach):
        assert [e["title"] for e in await calendar(client, account, *MARCH) if e["kind"] == "class"] == [
            "Fran at six"
        ]
