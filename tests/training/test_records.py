"""Records and progression through the API: bests from logged sets and results, the records each
finished session set, series by week or month, and who may read them."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from tests.conftest import Account
from tests.planning.helpers import plan

pytestmark = pytest.mark.anyio

SQUATS = "# Squat day\nBack squat 5x5\n"
FRAN = "# Fran\n21-15-9 for time, cap 10:00\n  Thruster 43/30 kg\n  Pull-up\n"


def kg(value: float) -> dict[str, Any]:
    return {"value": value, "unit": "kg"}


async def lifted(
    client: httpx.AsyncClient, account: Account, day: date, sets: list[dict[str, Any]], source: str = SQUATS
) -> str:
    """A finished strength session on ``day`` with these sets logged for its first exercise."""
    sid = str((await plan(client, account, date=day, source=source))["id"])
    started = await client.post(f"/api/v1/sessions/{sid}/start", headers=account.headers)
    assert started.status_code == 200, started.text
    saved = await client.put(
        f"/api/v1/sessions/{sid}/progress/exercises/0",
        json={"version": 1, "status": "completed", "data": {"sets": sets}},
        headers=account.headers,
    )
    assert saved.status_code == 200, saved.text
    done = await client.post(f"/api/v1/sessions/{sid}/complete", headers=account.headers)
    assert done.status_code == 200, done.text
    return sid


async def new_wod(client: httpx.AsyncClient, account: Account, source: str) -> str:
    created = await client.post("/api/v1/wods", json={"source": source}, headers=account.headers)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def scored(
    client: httpx.AsyncClient, account: Account, wod_id: str, day: date, body: dict[str, Any]
) -> str:
    sid = str((await plan(client, account, date=day, wod_id=wod_id, source=None))["id"])
    assert (await client.post(f"/api/v1/sessions/{sid}/start", headers=account.headers)).status_code == 200
    recorded = await client.post(f"/api/v1/sessions/{sid}/result", json=body, headers=account.headers)
    assert recorded.status_code == 201, recorded.text
    return sid


async def records_of(client: httpx.AsyncClient, account: Account, **params: Any) -> dict[str, Any]:
    response = await client.get("/api/v1/records", params=params, headers=account.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def set_by(client: httpx.AsyncClient, account: Account, sid: str) -> dict[str, dict[str, Any]]:
    response = await client.get(f"/api/v1/sessions/{sid}/records", headers=account.headers)
    assert response.status_code == 200, response.text
    return {r["kind"]: r for r in response.json()["records"]}


async def test_bests_come_from_logged_sets_and_each_session_is_flagged_with_what_it_beat(
    client: httpx.AsyncClient, ana: Account
) -> None:
    first = await lifted(client, ana, date(2027, 1, 4), [{"reps": 5, "load": kg(100)}] * 5)
    second = await lifted(
        client, ana, date(2027, 1, 11), [{"reps": 3, "load": kg(110), "rpe": 9}, {"reps": 8, "load": kg(60)}]
    )
    third = await lifted(client, ana, date(2027, 1, 18), [{"reps": 5, "load": kg(95)}])

    squat = (await records_of(client, ana))["movements"][0]

    assert squat["movement"] == "back_squat"
    assert {n: (r["value"], r["session_id"]) for n, r in squat["best_loads"].items()} == {
        "1": (110, second),
        "3": (110, second),
        "5": (100, first),
    }
    # 110 kg × 3 at RPE 9: 3 reps + 1 in reserve is 89.2 % on the RTS chart → 123.3 kg.
    assert (squat["e1rm"]["value"], squat["e1rm"]["formula"]) == (123.3, "rpe_chart")
    assert (squat["max_reps"]["value"], squat["max_reps"]["load_kg"]) == (8, 60)
    flagged = await set_by(client, ana, second)
    assert {k: r["previous"] for k, r in flagged.items()} == {
        "1rm": 100,
        "3rm": 100,
        "e1rm": 116.7,  # Epley on 100 × 5 in the first session
        "max_reps": 5,
    }
    assert set(await set_by(client, ana, first)) == {"1rm", "3rm", "5rm", "e1rm", "max_reps"}
    assert all(r["previous"] is None for r in (await set_by(client, ana, first)).values())
    assert await set_by(client, ana, third) == {}
    history = await client.get("/api/v1/training/sessions", headers=ana.headers)
    flags = {i["session_id"]: sorted(r["kind"] for r in i["new_records"]) for i in history.json()["items"]}
    assert flags == {
        first: ["1rm", "3rm", "5rm", "e1rm", "max_reps"],
        second: ["1rm", "3rm", "e1rm", "max_reps"],
        third: [],
    }


async def test_finishing_a_session_refreshes_cached_records(client: httpx.AsyncClient, ana: Account) -> None:
    await lifted(client, ana, date(2027, 1, 4), [{"reps": 1, "load": kg(120)}])
    assert (await records_of(client, ana))["movements"][0]["best_loads"]["1"]["value"] == 120

    await lifted(client, ana, date(2027, 1, 5), [{"reps": 1, "load": kg(125)}])

    assert (await records_of(client, ana))["movements"][0]["best_loads"]["1"]["value"] == 125


async def test_the_best_score_per_workout_follows_the_score_type(
    client: httpx.AsyncClient, ana: Account
) -> None:
    fran = await new_wod(client, ana, FRAN)
    await scored(client, ana, fran, date(2027, 2, 1), {"time_s": 300})
    better = await scored(client, ana, fran, date(2027, 3, 1), {"time_s": 245})
    await scored(client, ana, fran, date(2027, 3, 15), {"capped": True, "reps": 80})

    workouts = (await records_of(client, ana))["workouts"]

    assert [(w["name"], w["value"], w["display"], w["session_id"]) for w in workouts] == [
        ("Fran", 245, "4:05", better)
    ]
    assert (await set_by(client, ana, better))["workout"]["previous_display"] == "5:00"


async def test_progression_of_a_movement_by_week_and_month(client: httpx.AsyncClient, ana: Account) -> None:
    await lifted(client, ana, date(2027, 1, 4), [{"reps": 5, "load": kg(100)}, {"reps": 5, "load": kg(100)}])
    await lifted(client, ana, date(2027, 1, 7), [{"reps": 3, "load": kg(105)}])
    await lifted(client, ana, date(2027, 2, 2), [{"reps": 1, "load": kg(120)}])

    weekly = await client.get(
        "/api/v1/progression/movements/back squat", params={"period": "week"}, headers=ana.headers
    )
    monthly = await client.get(
        "/api/v1/progression/movements/back_squat",
        params={"period": "month", "from": "2027-01-01", "to": "2027-01-31"},
        headers=ana.headers,
    )

    assert weekly.status_code == 200, weekly.text
    assert [
        (p["period_start"], p["top_set_kg"], p["volume_kg"], p["sessions"]) for p in weekly.json()["points"]
    ] == [
        ("2027-01-04", 105, 1315, 2),
        ("2027-02-01", 120, 120, 1),
    ]
    assert [(p["period_start"], p["e1rm_kg"]) for p in monthly.json()["points"]] == [("2027-01-01", 116.7)]


async def test_progression_of_a_workout_keeps_the_best_score_of_each_month(
    client: httpx.AsyncClient, ana: Account
) -> None:
    fran = await new_wod(client, ana, FRAN)
    await scored(client, ana, fran, date(2027, 2, 1), {"time_s": 300})
    await scored(client, ana, fran, date(2027, 2, 20), {"time_s": 280})
    await scored(client, ana, fran, date(2027, 4, 2), {"time_s": 262})

    response = await client.get(f"/api/v1/progression/wods/{fran}", headers=ana.headers)

    assert response.status_code == 200, response.text
    assert [(p["period_start"], p["display"], p["count"]) for p in response.json()["points"]] == [
        ("2027-02-01", "4:40", 2),
        ("2027-04-01", "4:22", 1),
    ]
    windowed = await client.get(
        f"/api/v1/progression/wods/{fran}",
        params={"period": "week", "from": "2027-02-10", "to": "2027-04-30"},
        headers=ana.headers,
    )
    assert windowed.status_code == 200, windowed.text
    assert [(p["period_start"], p["display"], p["count"]) for p in windowed.json()["points"]] == [
        ("2027-02-15", "4:40", 1),
        ("2027-03-29", "4:22", 1),
    ]


async def test_a_coach_reads_a_linked_athletes_records_and_nobody_else_does(
    client: httpx.AsyncClient, ana: Account, bo: Account, coach: Account
) -> None:
    sid = await lifted(client, ana, date(2027, 1, 4), [{"reps": 1, "load": kg(90)}])

    coached = await records_of(client, coach, athlete_id=ana.id)
    assert coached["movements"][0]["best_loads"]["1"]["value"] == 90
    their_fran = await new_wod(client, bo, FRAN)  # a WOD bo may read: only the athlete is refused
    for path, params in (
        ("/api/v1/records", {"athlete_id": ana.id}),
        ("/api/v1/progression/movements/back_squat", {"athlete_id": ana.id}),
        (f"/api/v1/progression/wods/{their_fran}", {"athlete_id": ana.id}),
        (f"/api/v1/sessions/{sid}/records", {}),
    ):
        refused = await client.get(path, params=params, headers=bo.headers)
        assert refused.status_code == 404, (path, refused.text)
        assert refused.headers["content-type"] == "application/problem+json"
    assert (await records_of(client, bo)) == {"athlete_id": bo.id, "movements": [], "workouts": []}


async def test_bad_progression_queries_are_refused_clearly(client: httpx.AsyncClient, ana: Account) -> None:
    unknown = await client.get("/api/v1/progression/movements/flying_carpet", headers=ana.headers)
    backwards = await client.get(
        "/api/v1/progression/movements/back_squat",
        params={"from": "2027-02-01", "to": "2027-01-01"},
        headers=ana.headers,
    )
    period = await client.get(
        "/api/v1/progression/movements/back_squat", params={"period": "day"}, headers=ana.headers
    )

    assert unknown.status_code == 404
    assert backwards.status_code == 422 and "from" in backwards.json()["detail"]
    assert period.status_code == 422
