"""Editing and deleting a series with the three scopes; history is never rewritten (invariants 3, 4)."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from tests.conftest import Account
from tests.planning.helpers import FRAN, SQUATS, calendar, on_date, plan

pytestmark = pytest.mark.anyio

MONDAY = date(2027, 1, 4)
HEAVY = "# Heavy squats\nBack squat 5x3 @ 85%\n"


async def weekly(client: httpx.AsyncClient, ana: Account, **rule: Any) -> dict[str, Any]:
    rule.setdefault("until", date(2027, 2, 28))
    return await plan(
        client, ana, date=MONDAY, time="07:00", repeat={"freq": "weekly", "by_weekday": ["MO"], **rule}
    )


async def edit(
    client: httpx.AsyncClient, account: Account, sid: str, body: dict[str, Any], **params: Any
) -> httpx.Response:
    return await client.patch(f"/api/v1/sessions/{sid}", json=body, params=params, headers=account.headers)


async def titles(client: httpx.AsyncClient, account: Account) -> dict[str, tuple[str, str]]:
    entries = await calendar(client, account, date(2027, 1, 1), date(2027, 2, 28))
    return {e["date"]: (e["title"], e["status"]) for e in entries}


async def test_editing_all_changes_future_dates_but_not_what_was_done(
    client: httpx.AsyncClient, ana: Account
) -> None:
    series = await weekly(client, ana)
    sid = series["id"]
    done = await on_date(client, ana, sid, date(2027, 1, 4), "start")
    await on_date(client, ana, sid, date(2027, 1, 4), "complete")
    planned_alone = (
        await edit(client, ana, sid, {"notes": "bring belt"}, scope="this", date="2027-01-18")
    ).json()
    snapshot_before = done.json()["snapshot"]

    changed = await edit(client, ana, sid, {"source": HEAVY}, scope="all")

    assert changed.status_code == 200, changed.text
    assert changed.json()["kept_occurrences"] == 1 and changed.json()["updated_occurrences"] == 1
    seen = await titles(client, ana)
    assert seen["2027-01-04"] == ("Back squat 5x5", "completed")
    assert {seen[d][0] for d in seen if d != "2027-01-04"} == {"Heavy squats"}
    kept = (await client.get(f"/api/v1/sessions/{done.json()['id']}", headers=ana.headers)).json()
    assert kept["snapshot"] == snapshot_before and kept["source"] == SQUATS
    followed = (
        await client.get(f"/api/v1/sessions/{planned_alone['session']['id']}", headers=ana.headers)
    ).json()
    assert followed["snapshot"]["name"] == "Heavy squats"


async def test_this_date_only_changes_one_date(client: httpx.AsyncClient, ana: Account) -> None:
    series = await weekly(client, ana)

    one = await edit(client, ana, series["id"], {"source": FRAN}, scope="this", date="2027-01-11")

    assert one.status_code == 200, one.text
    assert (
        one.json()["session"]["kind"] == "occurrence" and one.json()["session"]["snapshot"]["name"] == "Fran"
    )
    seen = await titles(client, ana)
    assert seen["2027-01-11"] == ("Fran", "scheduled")
    assert seen["2027-01-04"][0] == seen["2027-01-18"][0] == "Back squat 5x5"


async def test_this_and_following_splits_the_series(client: httpx.AsyncClient, ana: Account) -> None:
    series = await weekly(client, ana)
    sid = series["id"]
    await on_date(client, ana, sid, date(2027, 1, 4), "start")
    await on_date(client, ana, sid, date(2027, 1, 25), "skip")

    split = await edit(
        client, ana, sid, {"source": HEAVY, "time": "18:30"}, scope="following", date="2027-01-18"
    )

    assert split.status_code == 200, split.text
    body = split.json()
    assert body["session"]["ends_on"] == "2027-01-11"
    new = body["new_series"]
    assert new["date"] == "2027-01-18" and new["time"] == "18:30:00" and new["title"] == "Heavy squats"
    entries = await calendar(client, ana, date(2027, 1, 1), date(2027, 2, 28))
    by_date = {e["date"]: e for e in entries}
    assert [by_date[d]["series_id"] for d in ("2027-01-04", "2027-01-11")] == [sid, sid]
    assert all(by_date[d]["series_id"] == new["id"] for d in ("2027-01-18", "2027-01-25", "2027-02-22"))
    assert by_date["2027-01-25"]["status"] == "skipped"  # history moved with its date, unchanged
    assert by_date["2027-01-18"]["time"] == "18:30:00"


async def test_a_split_count_rule_keeps_the_total_number_of_dates(
    client: httpx.AsyncClient, ana: Account
) -> None:
    series = await plan(client, ana, date=MONDAY, repeat={"freq": "weekly", "count": 6})

    split = await edit(client, ana, series["id"], {"notes": "deload"}, scope="following", date="2027-01-25")

    assert split.json()["new_series"]["repeat"]["count"] == 3
    entries = await calendar(client, ana, date(2027, 1, 1), date(2027, 6, 30))
    assert len(entries) == 6


async def test_moving_one_date_to_another_day(client: httpx.AsyncClient, ana: Account) -> None:
    series = await weekly(client, ana)

    moved = await edit(client, ana, series["id"], {"date": "2027-01-12"}, scope="this", date="2027-01-11")

    assert moved.status_code == 200, moved.text
    entries = await calendar(client, ana, date(2027, 1, 1), date(2027, 1, 31))
    assert [e["date"] for e in entries] == ["2027-01-04", "2027-01-12", "2027-01-18", "2027-01-25"]
    (tuesday,) = [e for e in entries if e["date"] == "2027-01-12"]
    assert (
        tuesday["moved"]
        and tuesday["occurrence_date"] == "2027-01-11"
        and tuesday["series_id"] == series["id"]
    )
    started = await on_date(client, ana, series["id"], date(2027, 1, 11), "start")
    assert started.json()["id"] == tuesday["session_id"]


async def test_deleting_one_date_is_an_exception(client: httpx.AsyncClient, ana: Account) -> None:
    series = await weekly(client, ana)

    gone = await client.delete(
        f"/api/v1/sessions/{series['id']}",
        params={"scope": "this", "date": "2027-01-11"},
        headers=ana.headers,
    )

    assert gone.status_code == 200, gone.text
    assert gone.json()["session"]["exceptions"] == ["2027-01-11"]
    assert "2027-01-11" not in await titles(client, ana)
    again = await on_date(client, ana, series["id"], date(2027, 1, 11), "start")
    assert again.status_code == 422


async def test_deleting_a_series_keeps_finished_history(client: httpx.AsyncClient, ana: Account) -> None:
    series = await weekly(client, ana)
    sid = series["id"]
    await on_date(client, ana, sid, date(2027, 1, 4), "start")
    await on_date(client, ana, sid, date(2027, 1, 4), "complete")
    await on_date(client, ana, sid, date(2027, 1, 11), "skip")
    planned = (await edit(client, ana, sid, {"notes": "x"}, scope="this", date="2027-01-18")).json()

    gone = await client.delete(f"/api/v1/sessions/{sid}", headers=ana.headers)

    assert gone.status_code == 200, gone.text
    assert (gone.json()["removed_occurrences"], gone.json()["kept_occurrences"]) == (1, 2)
    assert (await client.get(f"/api/v1/sessions/{sid}", headers=ana.headers)).status_code == 404
    assert (
        await client.get(f"/api/v1/sessions/{planned['session']['id']}", headers=ana.headers)
    ).status_code == 404
    assert await titles(client, ana) == {
        "2027-01-04": ("Back squat 5x5", "completed"),
        "2027-01-11": ("Back squat 5x5", "skipped"),
    }


async def test_deleting_this_and_following_ends_the_series(client: httpx.AsyncClient, ana: Account) -> None:
    series = await weekly(client, ana)

    cut = await client.delete(
        f"/api/v1/sessions/{series['id']}",
        params={"scope": "following", "date": "2027-01-18"},
        headers=ana.headers,
    )

    assert cut.status_code == 200
    assert sorted(await titles(client, ana)) == ["2027-01-04", "2027-01-11"]


async def test_started_dates_cannot_be_edited_or_deleted_alone(
    client: httpx.AsyncClient, ana: Account
) -> None:
    series = await weekly(client, ana)
    await on_date(client, ana, series["id"], date(2027, 1, 4), "start")

    edited = await edit(client, ana, series["id"], {"notes": "x"}, scope="this", date="2027-01-04")
    deleted = await client.delete(
        f"/api/v1/sessions/{series['id']}",
        params={"scope": "this", "date": "2027-01-04"},
        headers=ana.headers,
    )

    assert edited.status_code == 409 and edited.json()["current_status"] == "in_progress"
    assert deleted.status_code == 409


async def test_a_snapshot_survives_edits_of_the_wod_it_came_from(
    client: httpx.AsyncClient, ana: Account
) -> None:
    stored = await client.post("/api/v1/wods", json={"source": SQUATS}, headers=ana.headers)
    wod = stored.json()
    series = await plan(
        client, ana, source=None, wod_id=wod["id"], date=MONDAY, repeat={"freq": "weekly", "count": 4}
    )
    started = (await on_date(client, ana, series["id"], date(2027, 1, 4), "start")).json()
    one_off = await plan(client, ana, source=None, wod_id=wod["id"], date=date(2027, 1, 6))

    edited = await client.patch(f"/api/v1/wods/{wod['id']}", json={"source": HEAVY}, headers=ana.headers)
    assert edited.status_code == 200, edited.text
    later = (await on_date(client, ana, series["id"], date(2027, 1, 11), "start")).json()

    again = (await client.get(f"/api/v1/sessions/{started['id']}", headers=ana.headers)).json()
    assert again["snapshot"] == started["snapshot"] and again["snapshot"]["name"] == "Back squat 5x5"
    assert again["snapshot"]["wod"] == {"id": wod["id"], "version": 1}
    assert (await client.get(f"/api/v1/sessions/{one_off['id']}", headers=ana.headers)).json()[
        "snapshot"
    ] == one_off["snapshot"]
    # The series pinned version 1 when it was planned: a later date still plans what was chosen.
    assert later["snapshot"]["name"] == "Back squat 5x5" and later["wod_version"] == 1
