"""The calendar's statement reads an athlete's series through the partial index on series.

Its ``kind = 'series'`` must be written into the statement: a bound ``kind = $1`` cannot prove the
index's predicate, so a plan made without the value (PostgreSQL's generic plan, which it keeps
after five executions of the same statement; every SQLite plan) reads the athlete's whole dated
history through ``(athlete_id, session_date)`` and filters out all but the series. At two years of
history that was 2.7 of the statement's 3 ms (``bench/calendar.py``).

SQLite's planner prefers the (athlete, date) range even when the index is usable and it has
statistics, so the check is PostgreSQL's.
"""

from __future__ import annotations

import uuid
from datetime import date

import httpx
import pytest
from sqlalchemy import String, bindparam, select, type_coerce, union_all

from atelier.config import Settings
from atelier.db import create_engine
from atelier.planning import calendar as calendars
from atelier.planning.models import Session, SessionKind
from tests.conftest import BACKEND, Account
from tests.planning.helpers import calendar, plan
from tests.plans import generic_plan

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(BACKEND != "postgresql", reason="PostgreSQL's generic plans"),
]

SERIES_INDEX = "ix_sessions_athlete_series"


async def test_the_calendar_reads_series_through_their_partial_index_in_a_plan_made_without_values(
    client: httpx.AsyncClient, settings: Settings, ana: Account
) -> None:
    await plan(client, ana, date=date(2027, 1, 4), repeat={"freq": "weekly", "by_weekday": ["MO"]})
    for day in range(1, 29):
        await plan(client, ana, date=date(2027, 2, day))
    assert len(await calendar(client, ana, date(2027, 2, 1), date(2027, 2, 28))) == 28 + 4

    athlete = uuid.UUID(ana.id)
    values = {"actor": athlete, "athlete": athlete, "first": date(2027, 2, 1), "last": date(2027, 2, 28)}
    engine = create_engine(settings.database_url)
    try:
        async with engine.begin() as connection:
            for coached in (False, True):
                statement = calendars.calendar_statement(coached=coached, runs_classes=coached)
                assert SERIES_INDEX in await generic_plan(connection, statement, values)

            # The check can fail: the same read with the kind bound cannot use the index.
            bound_kind = select(Session.id).where(
                Session.athlete_id == bindparam("athlete"),
                type_coerce(Session.kind, String) == bindparam("kind", SessionKind.series.value),
                Session.session_date <= bindparam("last"),
            )
            assert SERIES_INDEX not in await generic_plan(connection, union_all(bound_kind), values)
    finally:
        await engine.dispose()
