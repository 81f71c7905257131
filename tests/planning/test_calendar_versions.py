"""A calendar is built once and served again until the database says it changed.

Triggers (migration 0012) raise ``calendar_versions`` for every user a write touches; the API keeps
each calendar it built with the versions it read first, and serves it only while they are current.
These tests change a calendar by every path a user has — and by hand-written SQL no application
code sees, and from a second process — and read it again each time.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import httpx
import pytest
from pydantic import TypeAdapter
from sqlalchemy import event, text

from atelier.accounts.models import User
from atelier.config import Settings
from atelier.db import create_engine, set_rls_context
from atelier.kit.runtime import Runtime
from atelier.planning import calendar as calendars
from tests.conftest import BACKEND, Account, sign_up
from tests.planning.helpers import FRAN, calendar, link, on_date, plan
from tests.planning.test_classes import DAY, book, cancel_mine, schedule

pytestmark = pytest.mark.anyio

JANUARY = (date(2027, 1, 1), date(2027, 1, 31))
MARCH = (date(2027, 3, 1), date(2027, 3, 31))
MONDAY = date(2027, 1, 4)


async def version_of(settings: Settings, account: Account) -> int:
    """The stored counter, read as the database owner (0 when the user has no row yet)."""
    engine = create_engine(settings.database_url)
    try:
        async with engine.connect() as connection:
            found = await connection.scalar(
                text("SELECT version FROM calendar_versions WHERE user_id = :id"),
                {"id": uid(account.id)},
            )
    finally:
        await engine.dispose()
    return int(found or 0)


async def as_owner(settings: Settings, statement: str, **values: Any) -> None:
    engine = create_engine(settings.database_url)
    try:
        async with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                await connection.execute(text("SELECT set_config('app.system', 'on', true)"))
            await connection.execute(text(statement), values)
    finally:
        await engine.dispose()


def uid(value: str) -> Any:
    """An id as the owner's raw SQL binds it (SQLite stores UUIDs as 32 hex digits)."""
    return uuid.UUID(value) if BACKEND == "postgresql" else uuid.UUID(value).hex


class Statements:
    """What the app's engine sends to the database while it is watched."""

    def __init__(self, runtime: Runtime) -> None:
        self.sent: list[str] = []
        self._engine = runtime.engine.sync_engine
        event.listen(self._engine, "before_cursor_execute", self._record)

    def _record(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.sent.append(statement)

    def close(self) -> None:
        event.remove(self._engine, "before_cursor_execute", self._record)

    def reading(self, table: str) -> list[str]:
        return [s for s in self.sent if f"FROM {table}" in s]


async def test_a_calendar_read_twice_is_built_once_and_a_change_is_seen_at_once(
    client: httpx.AsyncClient, runtime: Runtime, settings: Settings, ana: Account
) -> None:
    series = await plan(
        client, ana, date=MONDAY, time="18:00", repeat={"freq": "weekly", "by_weekday": ["MO"]}
    )
    first = await calendar(client, ana, *JANUARY)
    watched = Statements(runtime)
    try:
        again = await calendar(client, ana, *JANUARY)
        assert again == first
        assert watched.reading("sessions") == []  # served as kept: only the versions were read
        assert len(watched.reading("calendar_versions")) == 1

        await plan(client, ana, date=date(2027, 1, 9), source=FRAN)
        watched.sent.clear()
        changed = await calendar(client, ana, *JANUARY)
    finally:
        watched.close()
    assert watched.reading("sessions")  # built again
    assert [e["date"] for e in changed] == [
        "2027-01-04",
        "2027-01-09",
        "2027-01-11",
        "2027-01-18",
        "2027-01-25",
    ]

    # Each date acted on, moved or edited shows at once.
    assert (await on_date(client, ana, series["id"], date(2027, 1, 11), "skip")).status_code == 200
    moved = await client.patch(
        f"/api/v1/sessions/{series['id']}",
        json={"date": "2027-01-19"},
        params={"scope": "this", "date": "2027-01-18"},
        headers=ana.headers,
    )
    assert moved.status_code == 200, moved.text
    renamed = await client.patch(
        f"/api/v1/sessions/{series['id']}", json={"title": "Heavy Monday"}, params={"scope": "all"},
        headers=ana.headers,
    )  # fmt: skip
    assert renamed.status_code == 200, renamed.text
    entries = {e["date"]: e for e in await calendar(client, ana, *JANUARY)}
    assert entries["2027-01-11"]["status"] == "skipped"
    assert "2027-01-18" not in entries and entries["2027-01-19"]["moved"]
    assert entries["2027-01-25"]["title"] == "Heavy Monday"


async def test_each_write_raises_the_counters_of_the_calendars_it_touches_and_no_others(
    client: httpx.AsyncClient, settings: Settings, ana: Account, bo: Account, coach: Account
) -> None:
    async def versions() -> dict[str, int]:
        return {a.name: await version_of(settings, a) for a in (ana, bo, coach)}

    start = await versions()
    await plan(client, bo, date=MONDAY)
    after_plan = await versions()
    assert after_plan["Bo"] > start["Bo"]
    assert (after_plan["Ana"], after_plan["Cy"]) == (start["Ana"], start["Cy"])

    lesson = await schedule(client, coach)
    after_class = await versions()
    assert after_class["Cy"] > after_plan["Cy"] and after_class["Ana"] == after_plan["Ana"]

    assert (await book(client, ana, lesson["id"])).status_code == 201
    after_booking = await versions()
    assert after_booking["Ana"] > after_class["Ana"] and after_booking["Bo"] == after_class["Bo"]

    # The coach's notes are not on a calendar: no counter moves for them.
    noted = await client.patch(
        f"/api/v1/classes/{lesson['id']}", json={"coach_notes": "scale to 30 kg"}, headers=coach.headers
    )
    assert noted.status_code == 200, noted.text
    assert await versions() == after_booking

    cancelled = await client.post(f"/api/v1/classes/{lesson['id']}/cancel", headers=coach.headers)
    assert cancelled.status_code == 200, cancelled.text
    after_cancel = await versions()
    assert after_cancel["Ana"] > after_booking["Ana"] and after_cancel["Cy"] > after_booking["Cy"]
    assert after_cancel["Bo"] == after_booking["Bo"]


async def test_a_booker_sees_a_class_cancelled_and_their_own_cancellation(
    client: httpx.AsyncClient, ana: Account, bo: Account, coach: Account
) -> None:
    await link(client, coach, bo)
    lesson = await schedule(client, coach)
    for athlete in (ana, bo):
        assert (await book(client, athlete, lesson["id"])).status_code == 201
    for athlete in (ana, bo):
        (held,) = await calendar(client, athlete, *MARCH)
        assert (held["status"], held["booking"]) == ("scheduled", "booked")

    assert (await cancel_mine(client, bo, lesson["id"])).status_code == 200
    assert await calendar(client, bo, *MARCH) == []
    assert (
        await client.post(f"/api/v1/classes/{lesson['id']}/cancel", headers=coach.headers)
    ).status_code == 200
    (held,) = await calendar(client, ana, *MARCH)
    assert held["date"] == DAY.isoformat() and held["status"] == "cancelled"
    (run,) = await calendar(client, coach, *MARCH)
    assert run["status"] == "cancelled"


async def test_a_coach_whose_link_ended_is_refused_the_athletes_calendar_they_read_before(
    client: httpx.AsyncClient, ana: Account, coach: Account
) -> None:
    await plan(client, ana, date=MONDAY)
    seen = await calendar(client, coach, *JANUARY, athlete_id=ana.id)
    assert [e["date"] for e in seen] == ["2027-01-04"]
    links = (await client.get("/api/v1/links", headers=ana.headers)).json()
    (link_id,) = [link["id"] for link in links]
    ended = await client.post(f"/api/v1/links/{link_id}/end", headers=ana.headers)
    assert ended.status_code == 200, ended.text

    refused = await client.get(
        "/api/v1/calendar",
        params={"from": JANUARY[0].isoformat(), "to": JANUARY[1].isoformat(), "athlete_id": ana.id},
        headers=coach.headers,
    )
    assert refused.status_code == 404
    assert refused.headers["content-type"] == "application/problem+json"
    # And a user never reaches a calendar kept for someone else.
    stranger = await sign_up(client, name="Dee")
    other = await client.get(
        "/api/v1/calendar",
        params={"from": JANUARY[0].isoformat(), "to": JANUARY[1].isoformat(), "athlete_id": ana.id},
        headers=stranger.headers,
    )
    assert other.status_code == 404


async def test_a_change_no_application_code_sees_is_seen(
    client: httpx.AsyncClient, settings: Settings, ana: Account
) -> None:
    one_off = await plan(client, ana, date=date(2027, 1, 9), source=FRAN)
    assert [e["title"] for e in await calendar(client, ana, *JANUARY)] == ["Fran"]

    await as_owner(
        settings, "UPDATE sessions SET title = 'Fran, heavy' WHERE id = :id", id=uid(one_off["id"])
    )

    assert [e["title"] for e in await calendar(client, ana, *JANUARY)] == ["Fran, heavy"]
    await as_owner(settings, "DELETE FROM sessions WHERE id = :id", id=uid(one_off["id"]))
    assert await calendar(client, ana, *JANUARY) == []


async def test_a_write_through_one_process_is_seen_through_another_that_kept_the_calendar(
    client: httpx.AsyncClient, second_process: httpx.AsyncClient, ana: Account
) -> None:
    assert await calendar(second_process, ana, *JANUARY) == []
    await plan(client, ana, date=date(2027, 1, 9), source=FRAN)
    assert [e["title"] for e in await calendar(second_process, ana, *JANUARY)] == ["Fran"]


async def test_deleting_an_account_with_a_planned_calendar_takes_its_counter_with_it(
    client: httpx.AsyncClient, settings: Settings, bo: Account
) -> None:
    await plan(client, bo, date=MONDAY, repeat={"freq": "weekly", "by_weekday": ["MO"]})
    assert await version_of(settings, bo) > 0

    await as_owner(settings, "DELETE FROM users WHERE id = :id", id=uid(bo.id))

    assert await version_of(settings, bo) == 0


@pytest.mark.skipif(BACKEND != "postgresql", reason="row-level security is PostgreSQL's")
async def test_the_application_role_reads_only_the_counters_it_may_and_writes_none(
    runtime: Runtime, ana: Account, bo: Account, coach: Account, client: httpx.AsyncClient
) -> None:
    for account in (ana, bo):
        await plan(client, account, date=MONDAY)

    async def visible_to(account: Account) -> set[str]:
        async with runtime.sessions() as session, session.begin():
            await session.execute(text("SELECT set_config('app.user_id', :me, true)"), {"me": account.id})
            rows = await session.execute(text("SELECT user_id FROM calendar_versions"))
            return {str(r[0]) for r in rows}

    assert await visible_to(bo) == {bo.id}
    assert await visible_to(coach) == {ana.id, coach.id}  # Bo is not theirs
    assert bo.id in await visible_to_all(runtime)
    async with runtime.sessions() as session, session.begin():
        await session.execute(text("SELECT set_config('app.user_id', :me, true)"), {"me": bo.id})
        with pytest.raises(Exception, match="permission denied"):
            await session.execute(
                text("UPDATE calendar_versions SET version = 0 WHERE user_id = :me"), {"me": bo.id}
            )


async def visible_to_all(runtime: Runtime) -> set[str]:
    async with runtime.sessions() as session, session.begin():
        await session.execute(text("SELECT set_config('app.system', 'on', true)"))
        return {str(r[0]) for r in await session.execute(text("SELECT user_id FROM calendar_versions"))}


async def entries_path(runtime: Runtime, account: Account, first: date, last: date) -> list[Any]:
    """The calendar as ``calendar()`` builds it (entries, the GraphQL and page path), as JSON."""
    async with runtime.sessions() as session:
        await set_rls_context(session, user_id=uuid.UUID(account.id))
        user = await session.get(User, uuid.UUID(account.id))
        assert user is not None
        entries = await calendars.calendar(session, user, None, first, last)
    return TypeAdapter(list[calendars.Entry]).dump_python(entries, mode="json")


async def test_a_calendar_built_from_kept_fragments_is_the_calendar_built_from_its_rows(
    client: httpx.AsyncClient, runtime: Runtime, ana: Account, coach: Account
) -> None:
    series = await plan(
        client,
        ana,
        date=date(2027, 3, 1),
        time="07:30",
        repeat={"freq": "weekly", "by_weekday": ["MO", "TH"]},
    )
    await plan(client, ana, date=date(2027, 3, 4), time="07:30", source=FRAN)  # same day and time
    assert (await on_date(client, ana, series["id"], date(2027, 3, 8), "skip")).status_code == 200
    moved = await client.patch(
        f"/api/v1/sessions/{series['id']}", json={"date": "2027-03-12", "time": "06:00"},
        params={"scope": "this", "date": "2027-03-11"}, headers=ana.headers,
    )  # fmt: skip
    assert moved.status_code == 200, moved.text
    assert (await book(client, ana, (await schedule(client, coach))["id"])).status_code == 201

    first = await calendar(client, ana, *MARCH)
    assert first == await entries_path(runtime, ana, *MARCH)
    assert {e["kind"] for e in first} == {"occurrence", "one_off", "class"}

    # Fragments kept from the first build answer the second; what changed is built anew.
    renamed = await client.patch(
        f"/api/v1/sessions/{series['id']}", json={"title": "Heavy squats"}, params={"scope": "all"},
        headers=ana.headers,
    )  # fmt: skip
    assert renamed.status_code == 200, renamed.text
    hits = calendars._existing_fragment.cache_info().hits
    second = await calendar(client, ana, *MARCH)
    assert calendars._existing_fragment.cache_info().hits > hits
    assert second == await entries_path(runtime, ana, *MARCH)
    titles = {e["title"] for e in second if e["series_id"] == series["id"] and not e["exists"]}
    assert titles == {"Heavy squats"}
    assert len(second) == len(first)
