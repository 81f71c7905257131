"""Bad input gets a clear 4xx and writes nothing; nobody reads or changes another athlete's plans."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from tests.conftest import Account
from tests.planning.helpers import SQUATS, calendar, on_date, plan

pytestmark = pytest.mark.anyio

START = date(2027, 1, 4)


async def refused(client: httpx.AsyncClient, account: Account, body: dict[str, Any]) -> dict[str, Any]:
    body = {"source": SQUATS, "date": START.isoformat(), **body}
    response = await client.post("/api/v1/sessions", json=body, headers=account.headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    listed = (await client.get("/api/v1/sessions", headers=account.headers)).json()
    assert listed["total"] == 0  # nothing half-written
    problem: dict[str, Any] = response.json()
    return problem


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (
            {
                "repeat": {"freq": "monthly", "by_month_day": [30], "until": "2027-02-27"},
                "date": "2027-02-01",
            },
            "no date",
        ),
        ({"repeat": {"freq": "weekly", "until": "2026-12-01"}}, "before the first date"),
        ({"repeat": {"freq": "weekly", "by_weekday": ["XX"]}}, "unknown weekday"),
        ({"repeat": {"freq": "daily", "count": 5, "until": "2027-02-01"}}, "either until or count"),
        ({"repeat": {"freq": "monthly", "by_set_position": 2}}, "position"),
        ({"timezone": "Mars/Olympus_Mons"}, "unknown time zone"),
        ({"source": "# Broken\nFor time\n  21 Thrusterz\n"}, "does not compile"),
        ({"source": None}, "either wod_id"),
        ({"wod_id": "00000000-0000-0000-0000-000000000001"}, "either wod_id"),
    ],
)
async def test_bad_plans_are_refused_with_a_reason(
    client: httpx.AsyncClient, ana: Account, body: dict[str, Any], says: str
) -> None:
    problem = await refused(client, ana, body)
    assert says in problem["detail"]


async def test_the_31st_of_each_month_skips_short_months(client: httpx.AsyncClient, ana: Account) -> None:
    """RFC 5545: a monthly rule on day 31 has no date in 30-day months; -1 means the last day."""
    on_31 = await plan(client, ana, date=date(2027, 1, 31), repeat={"freq": "monthly", "by_month_day": [31]})
    last = await plan(client, ana, date=date(2027, 1, 31), repeat={"freq": "monthly", "by_month_day": [-1]})

    entries = await calendar(client, ana, date(2027, 1, 1), date(2027, 5, 31))

    assert [e["date"] for e in entries if e["series_id"] == on_31["id"]] == [
        "2027-01-31",
        "2027-03-31",
        "2027-05-31",
    ]
    assert [e["date"] for e in entries if e["series_id"] == last["id"]] == [
        "2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30", "2027-05-31",
    ]  # fmt: skip


async def test_second_tuesday_of_the_month(client: httpx.AsyncClient, ana: Account) -> None:
    series = await plan(
        client,
        ana,
        date=START,
        repeat={"freq": "monthly", "by_weekday": ["TU"], "by_set_position": 2, "count": 3},
    )
    entries = await calendar(client, ana, date(2027, 1, 1), date(2027, 12, 31))
    assert [e["date"] for e in entries if e["series_id"] == series["id"]] == [
        "2027-01-12",
        "2027-02-09",
        "2027-03-09",
    ]


async def test_calendar_ranges_are_checked(client: httpx.AsyncClient, ana: Account) -> None:
    backwards = await client.get(
        "/api/v1/calendar", params={"from": "2027-02-01", "to": "2027-01-01"}, headers=ana.headers
    )
    too_long = await client.get(
        "/api/v1/calendar", params={"from": "2027-01-01", "to": "2031-01-01"}, headers=ana.headers
    )
    assert backwards.status_code == 422 and too_long.status_code == 422


async def test_a_coach_plans_for_a_linked_athlete_only(
    client: httpx.AsyncClient, ana: Account, bo: Account, coach: Account
) -> None:
    for_ana = await plan(client, coach, date=START, athlete_id=ana.id)
    assert for_ana["athlete_id"] == ana.id and for_ana["created_by"] == coach.id
    assert [e["session_id"] for e in await calendar(client, ana, START, START)] == [for_ana["id"]]
    assert [e["session_id"] for e in await calendar(client, coach, START, START, athlete_id=ana.id)] == [
        for_ana["id"]
    ]

    for_bo = await client.post(
        "/api/v1/sessions",
        json={"source": SQUATS, "date": "2027-01-04", "athlete_id": bo.id},
        headers=coach.headers,
    )
    assert for_bo.status_code == 404
    assert (await client.get("/api/v1/sessions", headers=bo.headers)).json()["total"] == 0


async def test_another_athlete_can_neither_read_nor_change_my_sessions(
    client: httpx.AsyncClient, ana: Account, bo: Account
) -> None:
    series = await plan(client, ana, date=START, repeat={"freq": "weekly", "count": 4})
    one_off = await plan(client, ana, date=START)
    sid, oid = series["id"], one_off["id"]
    h = bo.headers

    attempts = [
        await client.get(f"/api/v1/sessions/{sid}", headers=h),
        await client.get(f"/api/v1/sessions/{sid}/occurrences", headers=h),
        await client.patch(f"/api/v1/sessions/{sid}", json={"notes": "mine"}, headers=h),
        await client.delete(f"/api/v1/sessions/{oid}", headers=h),
        await client.post(f"/api/v1/sessions/{oid}/start", headers=h),
        await on_date(client, bo, sid, START, "start"),
        await on_date(client, bo, sid, START, "skip"),
        await client.get("/api/v1/sessions", params={"athlete_id": ana.id}, headers=h),
        await client.get(
            "/api/v1/calendar",
            params={"from": "2027-01-01", "to": "2027-01-31", "athlete_id": ana.id},
            headers=h,
        ),
    ]

    assert [a.status_code for a in attempts] == [404] * len(attempts)
    assert await calendar(client, bo, date(2027, 1, 1), date(2027, 1, 31)) == []
    mine = await calendar(client, ana, date(2027, 1, 1), date(2027, 1, 31))
    assert {e["status"] for e in mine} == {"scheduled"} and not any(
        e["exists"] and e["series_id"] for e in mine
    )


async def test_a_coach_loses_access_when_the_link_ends(
    client: httpx.AsyncClient, ana: Account, coach: Account
) -> None:
    planned = await plan(client, ana, date=START)
    assert (await client.get(f"/api/v1/sessions/{planned['id']}", headers=coach.headers)).status_code == 200
    (link,) = (await client.get("/api/v1/links", headers=ana.headers)).json()
    assert (await client.post(f"/api/v1/links/{link['id']}/end", headers=ana.headers)).status_code == 200

    assert (await client.get(f"/api/v1/sessions/{planned['id']}", headers=coach.headers)).status_code == 404
    assert (
        await client.post(f"/api/v1/sessions/{planned['id']}/start", headers=coach.headers)
    ).status_code == 404
