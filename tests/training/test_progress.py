"""Attempts, progress built from the snapshot, versioned and idempotent auto-save, completion metrics."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import httpx
import pytest

from tests.conftest import Account
from tests.planning.helpers import on_date, plan

pytestmark = pytest.mark.anyio

STRENGTH_AND_METCON = (
    "# Tuesday\n## Strength\nBack squat 5x5 @ 75%\n"
    "## Metcon\nAMRAP 12\n  5 Pull-up\n  10 Burpee\n"
    "## Finisher\nEMOM 6\n  10 Air squat\n"
)


async def started(
    client: httpx.AsyncClient, account: Account, source: str = STRENGTH_AND_METCON
) -> dict[str, Any]:
    planned = await plan(client, account, date=date(2027, 1, 5), source=source)
    response = await client.post(f"/api/v1/sessions/{planned['id']}/start", headers=account.headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def progress(client: httpx.AsyncClient, account: Account, sid: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/sessions/{sid}/progress", headers=account.headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def save(
    client: httpx.AsyncClient,
    account: Account,
    sid: str,
    position: int,
    body: dict[str, Any],
    key: str | None = None,
) -> httpx.Response:
    headers = account.headers | ({"Idempotency-Key": key} if key else {})
    return await client.put(
        f"/api/v1/sessions/{sid}/progress/exercises/{position}", json=body, headers=headers
    )


async def test_starting_opens_an_attempt_and_builds_the_progress_from_the_snapshot(
    client: httpx.AsyncClient, ana: Account
) -> None:
    session = await started(client, ana)

    assert session["attempt_id"]
    log = await progress(client, ana, session["id"])
    assert [(e["position"], e["path"], e["name"], e["kind"]) for e in log["exercises"]] == [
        (0, "s0.b0.i0", "Back squat", "standard"),
        (1, "s1.b0.i0", "Pull-up", "AMRAP"),
        (2, "s1.b0.i1", "Burpee", "AMRAP"),
        (3, "s2.b0.i0", "Air squat", "EMOM"),
    ]
    squat = log["exercises"][0]
    assert squat["config"]["sets"] == {"reps": [5, 5, 5, 5, 5]} and squat["config"]["percent"]["value"] == 75
    assert log["exercises"][1]["config"]["block"]["duration_s"] == 720
    assert log["summary"] == {
        "total_exercises": 4,
        "completed_exercises": 0,
        "in_progress_exercises": 0,
        "skipped_exercises": 0,
    }
    attempts = (await client.get(f"/api/v1/sessions/{session['id']}/attempts", headers=ana.headers)).json()
    assert [(a["id"], a["status"], a["exercises_total"]) for a in attempts] == [
        (session["attempt_id"], "in_progress", 4)
    ]


async def test_starting_again_resumes_and_a_new_attempt_keeps_the_data(
    client: httpx.AsyncClient, ana: Account
) -> None:
    session = await started(client, ana)
    sid = session["id"]
    saved = await save(
        client, ana, sid, 0, {"version": 1, "status": "completed", "data": {"sets": [{"reps": 5}]}}
    )
    assert saved.status_code == 200, saved.text

    again = await client.post(f"/api/v1/sessions/{sid}/start", headers=ana.headers)
    second = await client.post(
        f"/api/v1/sessions/{sid}/attempts", json={"rest_period_seconds": 90}, headers=ana.headers
    )

    assert again.json()["attempt_id"] == session["attempt_id"]  # "modify" resumes the latest attempt
    assert second.status_code == 201, second.text
    attempts = (await client.get(f"/api/v1/sessions/{sid}/attempts", headers=ana.headers)).json()
    assert [a["status"] for a in attempts] == ["abandoned", "in_progress"]
    assert attempts[0]["exercises_completed"] == 1 and attempts[1]["rest_period_seconds"] == 90
    assert (await progress(client, ana, sid))["exercises"][0]["data"] == {"sets": [{"reps": 5}]}


async def test_a_stale_version_is_a_409_with_the_current_state(
    client: httpx.AsyncClient, ana: Account
) -> None:
    sid = (await started(client, ana))["id"]
    first = await save(client, ana, sid, 1, {"version": 1, "data": {"rounds": 3, "reps": 4}})
    stale = await save(client, ana, sid, 1, {"version": 1, "data": {"rounds": 9, "reps": 0}})

    assert first.status_code == 200 and first.json()["version"] == 2
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2 and stale.json()["current"]["data"] == {
        "rounds": 3,
        "reps": 4,
    }
    assert (await progress(client, ana, sid))["exercises"][1]["data"] == {"rounds": 3, "reps": 4}
    assert stale.json()["current"] == first.json() == (await progress(client, ana, sid))["exercises"][1]


async def test_a_retry_with_the_same_idempotency_key_is_applied_once(
    client: httpx.AsyncClient, ana: Account
) -> None:
    sid = (await started(client, ana))["id"]
    body = {"version": 1, "data": {"reps_per_minute": [10, 10, 9]}}

    first = await save(client, ana, sid, 3, body, key="set-42")
    retry = await save(client, ana, sid, 3, body, key="set-42")
    other = await save(client, ana, sid, 3, {"version": 2, "notes": "x"}, key="set-42")

    assert first.status_code == retry.status_code == 200
    assert retry.json() == first.json() and retry.json()["version"] == 2
    assert other.status_code == 422 and "already used" in other.json()["detail"]
    assert (await progress(client, ana, sid))["exercises"][3]["version"] == 2


async def test_two_devices_saving_different_exercises_both_succeed(
    client: httpx.AsyncClient, ana: Account
) -> None:
    sid = (await started(client, ana))["id"]

    phone, watch = await asyncio.gather(
        save(
            client,
            ana,
            sid,
            0,
            {"version": 1, "data": {"sets": [{"reps": 5, "load": {"value": 80, "unit": "kg"}}]}},
        ),
        save(client, ana, sid, 2, {"version": 1, "data": {"rounds": 4, "reps": 2}}),
    )

    assert (phone.status_code, watch.status_code) == (200, 200)
    log = await progress(client, ana, sid)
    assert log["exercises"][0]["version"] == log["exercises"][2]["version"] == 2


@pytest.mark.parametrize(
    ("position", "body", "says"),
    [
        (0, {"version": 1, "data": {"sets": [{"reps": -1}]}}, "greater than or equal to 0"),
        (0, {"version": 1, "data": {"sets": [{"reps": 5, "load": {"value": 80}}]}}, "unit"),
        (0, {"version": 1, "data": {"sets": [{"reps": 5, "rpe": 11}]}}, "rpe"),
        (0, {"version": 1, "data": {"rounds": 3}}, "rounds"),  # AMRAP data on a standard exercise
        (3, {"version": 1, "data": {"reps_per_minute": [10, -2]}}, "reps_per_minute"),
        (9, {"version": 1, "data": {"rounds": 3}}, "no exercise at position 9"),
    ],
)
async def test_bad_data_is_refused_and_the_progress_stays_as_it_was(
    client: httpx.AsyncClient, ana: Account, position: int, body: dict[str, Any], says: str
) -> None:
    sid = (await started(client, ana))["id"]
    before = await progress(client, ana, sid)

    refused = await save(client, ana, sid, position, body)

    assert refused.status_code == 422, refused.text
    assert says in refused.json()["detail"]
    assert await progress(client, ana, sid) == before


async def test_finishing_stores_metrics_and_a_correction_recomputes_them(
    client: httpx.AsyncClient, ana: Account
) -> None:
    sid = (await started(client, ana))["id"]
    squat = {"sets": [{"reps": 5, "load": {"value": 100, "unit": "kg"}, "rpe": 8}] * 5}
    await save(client, ana, sid, 0, {"version": 1, "status": "completed", "data": squat})
    await save(
        client, ana, sid, 1, {"version": 1, "status": "completed", "data": {"rounds": 6, "reps": 3, "rpe": 9}}
    )

    done = await client.post(f"/api/v1/sessions/{sid}/complete", headers=ana.headers)
    twice = await client.post(f"/api/v1/sessions/{sid}/complete", headers=ana.headers)
    late = await save(client, ana, sid, 2, {"version": 1, "data": {"rounds": 6, "reps": 0}})

    assert done.status_code == 200 and twice.status_code == 409
    assert late.status_code == 409 and "correction" in late.json()["detail"]
    metrics = (await client.get(f"/api/v1/sessions/{sid}/metrics", headers=ana.headers)).json()
    assert (metrics["volume_kg"], metrics["reps_total"], metrics["rpe_avg"]) == (2500.0, 28, 8.17)
    attempts = (await client.get(f"/api/v1/sessions/{sid}/attempts", headers=ana.headers)).json()
    assert attempts[-1]["status"] == "completed" and attempts[-1]["exercises_completed"] == 2

    corrected = await save(
        client,
        ana,
        sid,
        0,
        {
            "version": 2,
            "correction": True,
            "data": {"sets": [{"reps": 5, "load": {"value": 100, "unit": "kg"}}]},
        },
    )
    assert corrected.status_code == 200, corrected.text
    after = (await client.get(f"/api/v1/sessions/{sid}/metrics", headers=ana.headers)).json()
    assert (after["volume_kg"], after["reps_total"], after["rpe_avg"]) == (500.0, 8, 9.0)


async def test_a_series_date_started_gets_its_own_progress(client: httpx.AsyncClient, ana: Account) -> None:
    series = await plan(client, ana, date=date(2027, 1, 4), repeat={"freq": "weekly", "count": 3})
    first = (await on_date(client, ana, series["id"], date(2027, 1, 4), "start")).json()
    second = (await on_date(client, ana, series["id"], date(2027, 1, 11), "start")).json()
    await save(client, ana, first["id"], 0, {"version": 1, "data": {"sets": [{"reps": 5}]}})

    assert first["attempt_id"] and second["attempt_id"] and first["attempt_id"] != second["attempt_id"]
    assert (await progress(client, ana, second["id"]))["exercises"][0]["data"] == {}
    series_progress = await client.get(f"/api/v1/sessions/{series['id']}/progress", headers=ana.headers)
    assert series_progress.status_code == 422


async def test_nobody_else_reads_or_writes_my_progress(
    client: httpx.AsyncClient, ana: Account, bo: Account, coach: Account
) -> None:
    sid = (await started(client, ana))["id"]

    assert (await client.get(f"/api/v1/sessions/{sid}/progress", headers=bo.headers)).status_code == 404
    assert (await client.get(f"/api/v1/sessions/{sid}/attempts", headers=bo.headers)).status_code == 404
    assert (
        await client.post(f"/api/v1/sessions/{sid}/attempts", json={}, headers=bo.headers)
    ).status_code == 404
    assert (await save(client, bo, sid, 0, {"version": 1, "data": {"sets": []}})).status_code == 404
    assert (await client.get(f"/api/v1/sessions/{sid}/metrics", headers=bo.headers)).status_code == 404
    # Her coach reads what she did, but does not write it.
    assert (await client.get(f"/api/v1/sessions/{sid}/progress", headers=coach.headers)).status_code == 200
    assert (await save(client, coach, sid, 0, {"version": 1, "data": {"sets": []}})).status_code == 403
    assert (await progress(client, ana, sid))["exercises"][0]["version"] == 1


async def test_finished_sessions_are_listed_by_period_discipline_and_type(
    client: httpx.AsyncClient, ana: Account, bo: Account
) -> None:
    from datetime import UTC, datetime, timedelta

    today = datetime.now(UTC).date()
    plans = [
        (today - timedelta(days=2), "# Squats\nBack squat 5x5 @ 75%\n"),
        (today - timedelta(days=20), "# Row\nFor time\n  2000 m Row\n"),
        (today - timedelta(days=200), "# Fran\n21-15-9 for time\n  Thruster 43/30 kg\n  Pull-up\n"),
    ]
    for day, source in plans:
        sid = (await plan(client, ana, date=day, source=source))["id"]
        await client.post(f"/api/v1/sessions/{sid}/start", headers=ana.headers)
        await save(client, ana, sid, 0, {"version": 1, "status": "completed"})
        assert (await client.post(f"/api/v1/sessions/{sid}/complete", headers=ana.headers)).status_code == 200
    await started(client, ana)  # running, not finished: never listed

    async def listed(**params: Any) -> list[tuple[str, str]]:
        response = await client.get("/api/v1/training/sessions", params=params, headers=ana.headers)
        assert response.status_code == 200, response.text
        return [(i["title"], i["metrics"]["discipline"]) for i in response.json()["items"]]

    assert await listed() == [("Squats", "strength"), ("Row", "endurance"), ("Fran", "functional")]
    assert await listed(period="week") == [("Squats", "strength")]
    assert await listed(period="month") == [("Squats", "strength"), ("Row", "endurance")]
    assert await listed(discipline="functional") == [("Fran", "functional")]
    assert await listed(type="for_time") == [("Row", "endurance"), ("Fran", "functional")]
    assert await listed(limit=1, offset=1) == [("Row", "endurance")]
    bad = await client.get("/api/v1/training/sessions", params={"period": "decade"}, headers=ana.headers)
    assert bad.status_code == 422
    theirs = await client.get("/api/v1/training/sessions", params={"athlete_id": ana.id}, headers=bo.headers)
    assert theirs.status_code == 404
