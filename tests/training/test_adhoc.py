"""A workout started with no plan: movements added as it goes, sets auto-saved, supersets; on
finishing it is written back as WODCraft, compiled, and counts like any planned session."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import Account

pytestmark = pytest.mark.anyio


def kg(value: float) -> dict[str, Any]:
    return {"value": value, "unit": "kg"}


async def started(client: httpx.AsyncClient, account: Account, **body: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/sessions/adhoc", json=body, headers=account.headers)
    assert response.status_code == 201, response.text
    out: dict[str, Any] = response.json()
    return out


async def added(client: httpx.AsyncClient, account: Account, sid: str, **body: Any) -> dict[str, Any]:
    response = await client.post(
        f"/api/v1/sessions/{sid}/progress/exercises", json=body, headers=account.headers
    )
    assert response.status_code == 201, response.text
    out: dict[str, Any] = response.json()
    return out


async def logged(
    client: httpx.AsyncClient, account: Account, sid: str, exercise: dict[str, Any], data: dict[str, Any]
) -> dict[str, Any]:
    response = await client.put(
        f"/api/v1/sessions/{sid}/progress/exercises/{exercise['position']}",
        json={"version": exercise["version"], "status": "completed", "data": data},
        headers=account.headers,
    )
    assert response.status_code == 200, response.text
    out: dict[str, Any] = response.json()
    return out


async def progress(client: httpx.AsyncClient, account: Account, sid: str) -> list[dict[str, Any]]:
    response = await client.get(f"/api/v1/sessions/{sid}/progress", headers=account.headers)
    assert response.status_code == 200, response.text
    exercises: list[dict[str, Any]] = response.json()["exercises"]
    return exercises


async def test_a_workout_built_as_it_goes_is_written_back_as_wodcraft_and_counts_everywhere(
    client: httpx.AsyncClient, ana: Account
) -> None:
    run = await started(client, ana, title="Tuesday lifting")
    sid = run["session"]["id"]
    assert run["session"]["status"] == "in_progress" and run["session"]["origin"] == "adhoc"
    assert run["exercises"] == []

    squat = await added(client, ana, sid, movement="back squat")  # a name, not an id
    bench = await added(client, ana, sid, movement="bench")  # an alias
    pulls = await added(client, ana, sid, movement="pull-up", superset_with=bench["position"])
    row = await added(client, ana, sid, movement="row")
    assert [e["movement"] for e in (squat, bench, pulls, row)] == [
        "back_squat",
        "bench_press",
        "pull_up",
        "row",
    ]
    assert pulls["config"] == {"superset": "A"} and row["kind"] == "circuit"

    await logged(
        client,
        ana,
        sid,
        squat,
        {"sets": [{"reps": 5, "load": kg(100)}, {"reps": 5, "load": kg(105)}, {"reps": 3, "load": kg(110)}]},
    )
    current = {e["movement"]: e for e in await progress(client, ana, sid)}
    await logged(client, ana, sid, current["bench_press"], {"sets": [{"reps": 8, "load": kg(60)}] * 3})
    await logged(client, ana, sid, current["pull_up"], {"sets": [{"reps": 10}] * 3})
    await logged(client, ana, sid, row, {"distance_m": 2000, "time_s": 452})

    done = await client.post(f"/api/v1/sessions/{sid}/complete", headers=ana.headers)
    assert done.status_code == 200, done.text
    session = done.json()
    assert session["source"] == (
        "# Tuesday lifting\n"
        'Back squat 5-5-3 @ 110 kg ("5×100, 5×105, 3×110 kg")\n'
        "3 rounds\n"
        "  8 Bench press @ 60 kg\n"
        "  10 Pull-up\n"
        "Row 2000 m\n"
    )
    snapshot = session["snapshot"]
    assert snapshot["movements"] == ["back_squat", "bench_press", "pull_up", "row"]
    assert snapshot["score_type"] == "load"
    exercises = await progress(client, ana, sid)
    assert [(e["movement"], e["path"], e["status"]) for e in exercises] == [
        ("back_squat", "s0.b0.i0", "completed"),
        ("bench_press", "s0.b1.i0", "completed"),
        ("pull_up", "s0.b1.i1", "completed"),
        ("row", "s0.b2.i0", "completed"),
    ]

    metrics = (await client.get(f"/api/v1/sessions/{sid}/metrics", headers=ana.headers)).json()
    # 500 + 525 + 330 kg of squats, 3 × 8 × 60 kg of bench; pull-ups add reps, no load.
    assert metrics["volume_kg"] == 500 + 525 + 330 + 1440
    assert metrics["reps_total"] == 13 + 24 + 30 and metrics["distance_m"] == 2000
    records = (await client.get(f"/api/v1/sessions/{sid}/records", headers=ana.headers)).json()["records"]
    squat_bests = {r["kind"]: r["value"] for r in records if r["key"] == "back_squat"}
    assert squat_bests["3rm"] == 110 and squat_bests["5rm"] == 105
    day = session["date"]
    forge = (await client.get("/api/v1/forge/day", params={"date": day}, headers=ana.headers)).json()
    assert [a["name"] for a in forge["activities"] if a["source"] == "training"] == ["Tuesday lifting"]


async def test_the_written_workout_can_be_saved_repeated_and_scheduled(
    client: httpx.AsyncClient, ana: Account
) -> None:
    sid = (await started(client, ana, title="Deadlift day"))["session"]["id"]
    pull = await added(client, ana, sid, movement="deadlift")
    await logged(client, ana, sid, pull, {"sets": [{"reps": 5, "load": kg(140)}] * 3})
    assert (await client.post(f"/api/v1/sessions/{sid}/complete", headers=ana.headers)).status_code == 200

    saved = await client.post(f"/api/v1/sessions/{sid}/save-as-wod", json={}, headers=ana.headers)
    assert saved.status_code == 201, saved.text
    wod = saved.json()
    assert wod["title"] == "Deadlift day" and wod["created"] is True
    again = await client.post(f"/api/v1/sessions/{sid}/save-as-wod", json={}, headers=ana.headers)
    assert again.status_code == 200 and again.json()["wod_id"] == wod["wod_id"]
    source = (await client.get(f"/api/v1/wods/{wod['wod_id']}", headers=ana.headers)).json()["source"]
    assert source == "# Deadlift day\nDeadlift 3x5 @ 140 kg\n"

    planned = await client.post(
        "/api/v1/sessions", json={"wod_id": wod["wod_id"], "date": "2027-02-01"}, headers=ana.headers
    )
    assert planned.status_code == 201, planned.text

    repeat = await started(client, ana, repeat=sid)
    [exercise] = repeat["exercises"]
    assert exercise["movement"] == "deadlift" and exercise["data"] == {}
    assert exercise["config"]["last"]["sets"] == [{"reps": 5, "load": kg(140)}] * 3


async def test_removing_and_reordering_moves_the_others_and_refuses_stale_saves(
    client: httpx.AsyncClient, ana: Account
) -> None:
    sid = (await started(client, ana))["session"]["id"]
    first = await added(client, ana, sid, movement="deadlift")
    second = await added(client, ana, sid, movement="push-up", superset_with=first["position"])
    third = await added(client, ana, sid, movement="air squat")

    order = await client.put(
        f"/api/v1/sessions/{sid}/progress/order", json={"positions": [2, 0, 1]}, headers=ana.headers
    )
    assert order.status_code == 200, order.text
    assert [e["movement"] for e in order.json()] == ["air_squat", "deadlift", "push_up"]
    # A device still saving the deadlift at its old position, with its old version, is told.
    stale = await client.put(
        f"/api/v1/sessions/{sid}/progress/exercises/0",
        json={"version": first["version"], "data": {"sets": [{"reps": 5}]}},
        headers=ana.headers,
    )
    assert stale.status_code == 409 and stale.json()["current"]["movement"] == "air_squat"

    gone = await client.delete(f"/api/v1/sessions/{sid}/progress/exercises/2", headers=ana.headers)
    assert gone.status_code == 204
    left = await progress(client, ana, sid)
    assert [(e["position"], e["movement"], e["config"]) for e in left] == [
        (0, "air_squat", {}),
        (1, "deadlift", {}),  # a superset of one is no superset
    ]
    assert third["position"] == 2 and second["position"] == 1


async def test_finishing_with_nothing_logged_is_refused_and_unlogged_movements_are_skipped(
    client: httpx.AsyncClient, ana: Account
) -> None:
    sid = (await started(client, ana))["session"]["id"]
    lunge = await added(client, ana, sid, movement="walking lunge")
    refused = await client.post(f"/api/v1/sessions/{sid}/complete", headers=ana.headers)
    assert refused.status_code == 422 and "nothing was logged" in refused.json()["detail"]
    assert (await client.get(f"/api/v1/sessions/{sid}", headers=ana.headers)).json()[
        "status"
    ] == "in_progress"

    press = await added(client, ana, sid, movement="strict press")
    await logged(client, ana, sid, press, {"sets": [{"reps": 5, "load": {"value": 95, "unit": "lb"}}]})
    done = await client.post(f"/api/v1/sessions/{sid}/complete", headers=ana.headers)
    assert done.status_code == 200, done.text
    assert done.json()["source"].endswith("Strict press 1x5 @ 95 lb\n")
    statuses = {e["movement"]: e["status"] for e in await progress(client, ana, sid)}
    assert statuses == {"strict_press": "completed", "lunge": "skipped"}
    assert lunge["movement"] == "lunge"


async def test_bad_movements_and_closed_workouts_are_refused_clearly(
    client: httpx.AsyncClient, ana: Account
) -> None:
    sid = (await started(client, ana))["session"]["id"]
    unknown = await client.post(
        f"/api/v1/sessions/{sid}/progress/exercises", json={"movement": "bak squatt"}, headers=ana.headers
    )
    assert unknown.status_code == 422 and "Back squat" in unknown.json()["suggestions"]
    bad_data = await client.post(
        f"/api/v1/sessions/{sid}/progress/exercises",
        json={"movement": "deadlift", "data": {"sets": [{"reps": -1}]}},
        headers=ana.headers,
    )
    assert bad_data.status_code == 422
    assert (await progress(client, ana, sid)) == []
    order = await client.put(
        f"/api/v1/sessions/{sid}/progress/order", json={"positions": [0]}, headers=ana.headers
    )
    assert order.status_code == 422

    planned = await client.post(
        "/api/v1/sessions",
        json={"source": "# Squats\nBack squat 5x5\n", "date": "2027-01-04"},
        headers=ana.headers,
    )
    other = planned.json()["id"]
    await client.post(f"/api/v1/sessions/{other}/start", headers=ana.headers)
    closed = await client.post(
        f"/api/v1/sessions/{other}/progress/exercises", json={"movement": "deadlift"}, headers=ana.headers
    )
    assert closed.status_code == 422 and "without a plan" in closed.json()["detail"]

    cancelled = await client.post(f"/api/v1/sessions/{sid}/cancel", headers=ana.headers)
    assert cancelled.status_code == 200
    late = await client.post(
        f"/api/v1/sessions/{sid}/progress/exercises", json={"movement": "deadlift"}, headers=ana.headers
    )
    assert late.status_code == 409


async def test_another_athlete_cannot_see_or_change_an_adhoc_workout(
    client: httpx.AsyncClient, ana: Account, bo: Account
) -> None:
    sid = (await started(client, ana))["session"]["id"]
    squat = await added(client, ana, sid, movement="back squat")
    for response in (
        await client.post(
            f"/api/v1/sessions/{sid}/progress/exercises", json={"movement": "deadlift"}, headers=bo.headers
        ),
        await client.delete(f"/api/v1/sessions/{sid}/progress/exercises/0", headers=bo.headers),
        await client.put(
            f"/api/v1/sessions/{sid}/progress/order", json={"positions": [0]}, headers=bo.headers
        ),
        await client.post(f"/api/v1/sessions/{sid}/save-as-wod", json={}, headers=bo.headers),
    ):
        assert response.status_code == 404, response.text
    repeat = await client.post("/api/v1/sessions/adhoc", json={"repeat": sid}, headers=bo.headers)
    assert repeat.status_code == 404
    assert [e["movement"] for e in await progress(client, ana, sid)] == [squat["movement"]]
