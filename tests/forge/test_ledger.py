"""The Forge ledger: one row per finished session, manual entries, day/week/month views, isolation."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime

import httpx
import pytest
from sqlalchemy import delete, func, select

from atelier.db import unit_of_work
from atelier.forge import sync
from atelier.forge.models import Activity
from atelier.kit.runtime import Runtime
from tests.conftest import Account
from tests.forge.helpers import forge, manual, trained
from tests.planning.helpers import plan
from tests.training.test_records import kg

pytestmark = pytest.mark.anyio

MONDAY = date(2027, 3, 1)
EVENING = datetime(2027, 3, 1, 17, 0, tzinfo=UTC)


async def training_rows(runtime: Runtime, sid: str) -> list[Activity]:
    async with unit_of_work(runtime.sessions, system=True) as session:
        found = await session.scalars(
            select(Activity).where(Activity.source == "training", Activity.source_id == uuid.UUID(sid))
        )
        return list(found)


async def test_a_finished_session_is_one_ledger_row_priced_by_met_and_a_correction_updates_it(
    client: httpx.AsyncClient, runtime: Runtime, fit_ana: Account
) -> None:
    sid = await trained(client, runtime, fit_ana, MONDAY, started_at=EVENING, minutes=45, rpe=8)

    day = await forge(client, fit_ana, "day", MONDAY)

    [row] = day["activities"]
    # Strength at RPE 8 is vigorous: MET 6.0 × 60 kg × 0.75 h = 270 kcal.
    assert (row["source"], row["source_id"], row["activity_type"]) == ("training", sid, "strength")
    assert (row["duration_seconds"], row["calories"], row["calorie_model"]) == (2700, 270.0, "met")
    assert "MET 6" in row["calorie_detail"] and "60 kg" in row["calorie_detail"]
    assert day["synced_training_sessions"] == 1
    assert day["by_source"]["training"] == {"calories": 270.0, "duration_seconds": 2700, "activities": 1}

    corrected = await client.put(
        f"/api/v1/sessions/{sid}/progress/exercises/0",
        json={"version": 2, "correction": True, "data": {"sets": [{"reps": 5, "load": kg(100), "rpe": 5}]}},
        headers=fit_ana.headers,
    )
    assert corrected.status_code == 200, corrected.text

    [after] = (await forge(client, fit_ana, "day", MONDAY))["activities"]
    # RPE 5 is moderate: MET 5.0 × 60 kg × 0.75 h = 225 kcal, on the same row.
    assert (after["id"], after["calories"], after["rpe"]) == (row["id"], 225.0, 5.0)
    assert len(await training_rows(runtime, sid)) == 1


async def test_completing_twice_at_once_leaves_one_row(
    client: httpx.AsyncClient, runtime: Runtime, ana: Account
) -> None:
    sid = str((await plan(client, ana, date=MONDAY))["id"])
    assert (await client.post(f"/api/v1/sessions/{sid}/start", headers=ana.headers)).status_code == 200

    answers = await asyncio.gather(
        *(client.post(f"/api/v1/sessions/{sid}/complete", headers=ana.headers) for _ in range(4))
    )

    assert sorted(a.status_code for a in answers) == [200, 409, 409, 409]
    assert len(await training_rows(runtime, sid)) == 1


async def test_manual_activities_are_estimated_or_entered_edited_and_deleted(
    client: httpx.AsyncClient, fit_ana: Account
) -> None:
    commute = await manual(client, fit_ana, name="Bike commute", activity_type="cycling", duration_minutes=30)
    # No RPE: moderate cycling, MET 8.0 × 60 kg × 0.5 h = 240 kcal.
    assert (commute["source"], commute["calories"], commute["calorie_model"]) == ("manual", 240.0, "met")

    hike = await manual(
        client,
        fit_ana,
        name="Hike",
        activity_type="hiking",
        duration_minutes=60,
        avg_hr=140,
        start_time="09:30",
    )
    # Keytel 2005, woman aged 36 on 2027-03-01, 60 kg, HR 140:
    # (-20.4022 + 0.4472×140 - 0.1263×60 + 0.0740×36) kJ/min ÷ 4.184 × 60 min = 534.8 kcal.
    assert (hike["calorie_model"], hike["calories"]) == ("keytel", 534.8)
    assert hike["started_at"] == "2027-03-01T08:30:00Z"  # 09:30 in Paris

    entered = await client.patch(
        f"/api/v1/activities/{commute['id']}",
        json={"calories": 310, "notes": "headwind"},
        headers=fit_ana.headers,
    )
    assert entered.status_code == 200, entered.text
    assert (entered.json()["calories"], entered.json()["calorie_model"]) == (310.0, "entered")
    longer = await client.patch(
        f"/api/v1/activities/{commute['id']}", json={"duration_minutes": 45}, headers=fit_ana.headers
    )
    assert (longer.json()["calories"], longer.json()["duration_seconds"]) == (310.0, 2700)
    estimated = await client.patch(
        f"/api/v1/activities/{commute['id']}", json={"calories": None}, headers=fit_ana.headers
    )
    assert (estimated.json()["calories"], estimated.json()["notes"]) == (360.0, "headwind")  # 8 × 60 × 0.75

    gone = await client.delete(f"/api/v1/activities/{hike['id']}", headers=fit_ana.headers)
    assert gone.status_code == 204
    left = (await forge(client, fit_ana, "day", MONDAY))["activities"]
    assert [a["name"] for a in left] == ["Bike commute"]


async def test_bad_manual_entries_are_refused_and_keep_what_was_saved(
    client: httpx.AsyncClient, ana: Account
) -> None:
    kept = await manual(client, ana)
    for body, field in (
        ({"duration_minutes": -5}, "duration_minutes"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"activity_type": "teleporting"}, None),
        ({"avg_hr": 300}, "avg_hr"),
        ({"name": ""}, "name"),
    ):
        payload = {"name": "x", "activity_type": "running", "activity_date": "2027-03-01"}
        payload["duration_minutes"] = 10
        response = await client.post("/api/v1/activities", json={**payload, **body}, headers=ana.headers)
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        if field:
            assert field in response.text
    cleared = await client.patch(
        f"/api/v1/activities/{kept['id']}", json={"duration_minutes": None}, headers=ana.headers
    )
    assert cleared.status_code == 422
    assert (await forge(client, ana, "day", MONDAY))["activities"][0]["duration_seconds"] == 1800


async def test_training_rows_follow_their_session_and_cannot_be_edited_in_forge(
    client: httpx.AsyncClient, runtime: Runtime, ana: Account
) -> None:
    sid = await trained(client, runtime, ana, MONDAY, started_at=EVENING, minutes=30)
    [row] = (await forge(client, ana, "day", MONDAY))["activities"]

    edited = await client.patch(f"/api/v1/activities/{row['id']}", json={"calories": 1}, headers=ana.headers)
    deleted = await client.delete(f"/api/v1/activities/{row['id']}", headers=ana.headers)

    assert edited.status_code == 409 and deleted.status_code == 409
    assert edited.json()["session_id"] == sid and "correct the session" in edited.json()["detail"]


async def test_week_and_month_views_total_by_source_and_by_day(
    client: httpx.AsyncClient, runtime: Runtime, fit_ana: Account
) -> None:
    await trained(client, runtime, fit_ana, MONDAY, started_at=EVENING, minutes=45)  # 270 kcal
    await manual(client, fit_ana, activity_date="2027-03-02", duration_minutes=30)  # 240 kcal
    await manual(client, fit_ana, activity_date="2027-03-08", duration_minutes=15, calories=100)

    week = await forge(client, fit_ana, "week", date(2027, 3, 4))
    month = await forge(client, fit_ana, "month", date(2027, 3, 20))

    assert (week["start"], week["end"]) == ("2027-03-01", "2027-03-07")
    assert week["total"] == {"calories": 510.0, "duration_seconds": 4500, "activities": 2}
    assert {s: t["calories"] for s, t in week["by_source"].items()} == {
        "training": 270.0,
        "manual": 240.0,
        "wearable": 0.0,
    }
    assert [(d["date"], d["total"]["calories"]) for d in week["days"][:3]] == [
        ("2027-03-01", 270.0),
        ("2027-03-02", 240.0),
        ("2027-03-03", 0.0),
    ]
    assert (month["start"], month["end"], len(month["days"])) == ("2027-03-01", "2027-03-31", 31)
    assert (month["total"]["calories"], month["synced_training_sessions"]) == (610.0, 1)
    history = await client.get("/api/v1/activities", params={"source": "manual"}, headers=fit_ana.headers)
    assert [a["activity_date"] for a in history.json()["items"]] == ["2027-03-08", "2027-03-02"]


async def test_scenario_c_manual_only_shows_in_forge_never_in_training(
    client: httpx.AsyncClient, bo: Account
) -> None:
    await manual(client, bo)

    training = await client.get("/api/v1/training/sessions", headers=bo.headers)
    day = await forge(client, bo, "day", MONDAY)

    assert training.status_code == 200 and training.json()["items"] == []
    assert [(a["source"], a["name"]) for a in day["activities"]] == [("manual", "Bike commute")]
    assert day["synced_training_sessions"] == 0


async def test_others_cannot_read_or_change_a_ledger_a_coach_reads_a_linked_one(
    client: httpx.AsyncClient, ana: Account, bo: Account, coach: Account
) -> None:
    mine = await manual(client, ana)
    ana_id = (await client.get("/api/v1/me", headers=ana.headers)).json()["id"]

    for account in (bo, coach):
        read = await client.get(f"/api/v1/activities/{mine['id']}", headers=account.headers)
        assert read.status_code == 404
        patched = await client.patch(
            f"/api/v1/activities/{mine['id']}", json={"calories": 1}, headers=account.headers
        )
        assert patched.status_code == 404
        deleted = await client.delete(f"/api/v1/activities/{mine['id']}", headers=account.headers)
        assert deleted.status_code == 404
    stranger = await client.get(
        "/api/v1/forge/day", params={"date": "2027-03-01", "athlete_id": ana_id}, headers=bo.headers
    )
    listed = await client.get("/api/v1/activities", params={"athlete_id": ana_id}, headers=bo.headers)
    assert stranger.status_code == 404 and listed.status_code == 404
    coached = await forge(client, coach, "day", MONDAY, athlete_id=ana_id)
    assert [a["id"] for a in coached["activities"]] == [mine["id"]]
    assert (await forge(client, bo, "day", MONDAY))["activities"] == []
    untouched = await client.get(f"/api/v1/activities/{mine['id']}", headers=ana.headers)
    assert untouched.json()["calories"] == 280.0  # 8 × 70 kg (the default weight) × 0.5 h


async def test_backfill_gives_the_ledger_sessions_finished_before_it_existed(
    client: httpx.AsyncClient, runtime: Runtime, fit_ana: Account
) -> None:
    sid = await trained(client, runtime, fit_ana, MONDAY, started_at=EVENING, minutes=45)
    async with unit_of_work(runtime.sessions, system=True) as session:
        await session.execute(delete(Activity))

    written = await sync.backfill(runtime.sessions)
    again = await sync.backfill(runtime.sessions)

    assert (written, again) == (1, 0)
    [row] = await training_rows(runtime, sid)
    assert (row.calories, row.duration_seconds) == (270.0, 2700)
    async with unit_of_work(runtime.sessions, system=True) as session:
        assert await session.scalar(select(func.count()).select_from(Activity)) == 1
