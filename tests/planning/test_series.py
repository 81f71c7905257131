"""A series is a template: each date is started, finished, skipped or moved on its own."""

from __future__ import annotations

import asyncio
from datetime import date

import httpx
import pytest

from tests.conftest import Account
from tests.planning.helpers import FRAN, calendar, on_date, plan

pytestmark = pytest.mark.anyio

MONDAY = date(2027, 1, 4)
UNTIL = date(2027, 3, 31)


async def squats_twice_a_week(client: httpx.AsyncClient, ana: Account) -> dict[str, object]:
    return await plan(
        client,
        ana,
        date=MONDAY,
        time="18:00",
        repeat={"freq": "weekly", "by_weekday": ["MO", "TH"], "until": UNTIL},
    )


async def test_the_calendar_shows_every_date_of_a_series_without_creating_any(
    client: httpx.AsyncClient, ana: Account
) -> None:
    series = await squats_twice_a_week(client, ana)
    murph = await plan(client, ana, date=date(2027, 1, 9), source=FRAN)

    entries = await calendar(client, ana, date(2027, 1, 1), date(2027, 1, 31))

    dates = [e["date"] for e in entries]
    assert dates == [
        "2027-01-04", "2027-01-07", "2027-01-09", "2027-01-11", "2027-01-14",
        "2027-01-18", "2027-01-21", "2027-01-25", "2027-01-28",
    ]  # fmt: skip
    virtual = [e for e in entries if e["series_id"] == series["id"]]
    assert all(not e["exists"] and e["status"] == "scheduled" and e["session_id"] is None for e in virtual)
    assert virtual[0]["starts_at"] == "2027-01-04T17:00:00Z"  # 18:00 in Paris, winter time
    (one_off,) = [e for e in entries if e["kind"] == "one_off"]
    assert one_off["session_id"] == murph["id"] and one_off["exists"]
    assert (
        await client.get(f"/api/v1/sessions/{series['id']}/occurrences", headers=ana.headers)
    ).json() == []


async def test_finishing_one_date_finishes_only_that_date(client: httpx.AsyncClient, ana: Account) -> None:
    series = await squats_twice_a_week(client, ana)
    sid = str(series["id"])

    started = await on_date(client, ana, sid, date(2027, 1, 7), "start")
    assert started.status_code == 200, started.text
    assert started.json()["status"] == "in_progress"
    assert started.json()["snapshot"]["name"] == "Back squat 5x5"
    done = await on_date(client, ana, sid, date(2027, 1, 7), "complete")
    assert done.status_code == 200 and done.json()["status"] == "completed"

    entries = {e["date"]: e for e in await calendar(client, ana, date(2027, 1, 4), date(2027, 1, 14))}
    assert entries["2027-01-07"]["status"] == "completed" and entries["2027-01-07"]["exists"]
    assert [entries[d]["status"] for d in ("2027-01-04", "2027-01-11", "2027-01-14")] == ["scheduled"] * 3
    history = (await client.get(f"/api/v1/sessions/{sid}/occurrences", headers=ana.headers)).json()
    assert [(h["occurrence_date"], h["status"]) for h in history] == [("2027-01-07", "completed")]


async def test_fifty_concurrent_starts_of_one_date_make_one_occurrence(
    client: httpx.AsyncClient, ana: Account
) -> None:
    series = await squats_twice_a_week(client, ana)

    answers = await asyncio.gather(
        *(on_date(client, ana, str(series["id"]), date(2027, 2, 1), "start") for _ in range(50))
    )

    assert {a.status_code for a in answers} == {200}, {a.text for a in answers if a.status_code != 200}
    assert len({a.json()["id"] for a in answers}) == 1
    history = (await client.get(f"/api/v1/sessions/{series['id']}/occurrences", headers=ana.headers)).json()
    assert len(history) == 1 and history[0]["status"] == "in_progress"


async def test_a_date_the_rule_does_not_produce_cannot_be_started(
    client: httpx.AsyncClient, ana: Account
) -> None:
    series = await squats_twice_a_week(client, ana)

    tuesday = await on_date(client, ana, str(series["id"]), date(2027, 1, 5), "start")
    after_end = await on_date(client, ana, str(series["id"]), date(2027, 4, 1), "start")

    assert tuesday.status_code == 422 and "not a date of this series" in tuesday.json()["detail"]
    assert after_end.status_code == 422


async def test_illegal_moves_answer_409_with_the_current_state(
    client: httpx.AsyncClient, ana: Account
) -> None:
    one_off = await plan(client, ana, date=date(2027, 1, 9), source=FRAN)
    sid = one_off["id"]

    early_finish = await client.post(f"/api/v1/sessions/{sid}/complete", headers=ana.headers)
    skipped = await client.post(f"/api/v1/sessions/{sid}/skip", headers=ana.headers)
    restart = await client.post(f"/api/v1/sessions/{sid}/start", headers=ana.headers)

    assert early_finish.status_code == 409 and early_finish.json()["current_status"] == "scheduled"
    assert skipped.status_code == 200 and skipped.json()["status"] == "skipped"
    assert restart.status_code == 409 and restart.json()["current_status"] == "skipped"


async def test_history_lists_every_finished_date_on_its_own(
    client: httpx.AsyncClient, ana: Account, bo: Account
) -> None:
    series = await squats_twice_a_week(client, ana)
    sid = str(series["id"])
    for day in (date(2027, 1, 4), date(2027, 1, 7), date(2027, 1, 11)):
        await on_date(client, ana, sid, day, "start")
    for day in (date(2027, 1, 4), date(2027, 1, 11)):
        await on_date(client, ana, sid, day, "complete")
    one_off = await plan(client, ana, date=date(2027, 1, 9), source=FRAN)
    await client.post(f"/api/v1/sessions/{one_off['id']}/start", headers=ana.headers)
    await client.post(f"/api/v1/sessions/{one_off['id']}/complete", headers=ana.headers)

    history = (await client.get("/api/v1/history", headers=ana.headers)).json()
    theirs = await client.get("/api/v1/history", params={"athlete_id": ana.id}, headers=bo.headers)

    assert [(h["date"], h["title"]) for h in history["items"]] == [
        ("2027-01-11", "Back squat 5x5"),
        ("2027-01-09", "Fran"),
        ("2027-01-04", "Back squat 5x5"),
    ]
    assert history["total"] == 3 and all(h["snapshot"] for h in history["items"])
    assert theirs.status_code == 404
    assert (await client.get("/api/v1/history", headers=bo.headers)).json()["total"] == 0
