"""Today (sessions, stats, goals, readiness), the load view, goals and locations."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from atelier.kit.clock import utcnow
from atelier.kit.runtime import Runtime
from tests.conftest import Account
from tests.forge.helpers import manual, trained
from tests.planning.helpers import plan
from tests.wods.workouts import CINDY, FRAN, SWING_AND_JUMP

pytestmark = pytest.mark.anyio


async def today_of(client: httpx.AsyncClient, account: Account, **params: Any) -> dict[str, Any]:
    response = await client.get("/api/v1/today", params=params, headers=account.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_today_lists_running_finished_and_planned_sessions_with_training_totals_and_goals(
    client: httpx.AsyncClient, runtime: Runtime, fit_ana: Account
) -> None:
    today = datetime.now(ZoneInfo("Europe/Paris")).date()
    draft = await plan(client, fit_ana, date=today)
    running = await plan(client, fit_ana, date=today)
    assert (
        await client.post(f"/api/v1/sessions/{running['id']}/start", headers=fit_ana.headers)
    ).status_code == 200
    done = await trained(
        client, runtime, fit_ana, today, started_at=utcnow() - timedelta(hours=3), minutes=45
    )
    await manual(client, fit_ana, activity_date=today.isoformat(), duration_minutes=60)  # Forge only
    goal = await client.post(
        "/api/v1/goals", json={"goal_type": "sessions_per_week", "target_value": 3}, headers=fit_ana.headers
    )
    lift = await client.post(
        "/api/v1/goals",
        json={"goal_type": "movement_1rm", "movement": "back squat", "target_value": 150},
        headers=fit_ana.headers,
    )
    assert goal.status_code == 201 and lift.status_code == 201, lift.text

    body = await today_of(client, fit_ana)

    assert body["date"] == today.isoformat() and body["timezone"] == "Europe/Paris"
    assert [e["session_id"] for e in body["drafts"]] == [draft["id"]]
    assert [e["session_id"] for e in body["active"]] == [running["id"]]
    assert [e["session_id"] for e in body["finished"]] == [done]
    # Training data only: the manual hour is not in today's stats. MET 6.0 × 60 kg × 0.75 h.
    assert body["stats"] == {"sessions": 1, "duration_seconds": 2700, "calories": 270.0}
    assert {g["goal_type"]: (g["current_value"], g["unit"]) for g in body["goals"]} == {
        "sessions_per_week": (1.0, "sessions"),
        # 100 kg × 5 at RPE 8: 5 reps + 2 in reserve is 81.1 % on the RTS chart → 123.3 kg.
        "movement_1rm": (123.3, "kg"),
    }
    assert (body["locations"], body["devices"]) == ([], [])


async def test_readiness_is_explained_from_the_athletes_own_data(
    client: httpx.AsyncClient, runtime: Runtime, fit_ana: Account, bo: Account
) -> None:
    today = datetime.now(ZoneInfo("Europe/Paris")).date()
    await trained(
        client, runtime, fit_ana, today, started_at=utcnow() - timedelta(hours=2), minutes=60, rpe=9
    )

    tired = (await today_of(client, fit_ana))["readiness"]
    rested = (await today_of(client, bo))["readiness"]

    assert set(tired["components"]) == {"recovery", "energy", "consistency"}
    # 60 min at RPE 9 is 540 AU: it needs 12 + 540/20 = 39 h, and only 1 h has passed.
    assert "540" in tired["components"]["recovery"]["explanation"]
    assert tired["components"]["recovery"]["score"] < 10
    assert tired["components"]["energy"]["score"] is None  # no wearable recording
    assert tired["weights"] == {"recovery": pytest.approx(0.6), "consistency": pytest.approx(0.4)}
    assert rested["components"]["recovery"]["score"] == 100
    assert tired["overall"] < rested["overall"]
    assert tired["components"]["recovery"]["explanation"] != rested["components"]["recovery"]["explanation"]


async def test_the_load_view_warns_when_the_last_week_is_far_above_the_usual(
    client: httpx.AsyncClient, bo: Account, ana: Account
) -> None:
    today = utcnow().date()  # Bo's zone is UTC
    for back in range(35, 7, -1):  # four weeks at 300 AU a day: 60 min at RPE 5
        day = (today - timedelta(days=back)).isoformat()
        await manual(client, bo, activity_date=day, activity_type="running", duration_minutes=60, rpe=5)
    for back in range(6, -1, -1):  # then a week at 720 AU a day: 90 min at RPE 8
        day = (today - timedelta(days=back)).isoformat()
        await manual(client, bo, activity_date=day, activity_type="running", duration_minutes=90, rpe=8)

    response = await client.get("/api/v1/load", headers=bo.headers)

    assert response.status_code == 200, response.text
    body = response.json()
    current = body["current"]
    assert (current["date"], current["last_7_days"]) == (today.isoformat(), 7 * 720)
    assert current["flag"] == "high" and current["ratio"] > 1.5
    assert current["warning"] is not None and "5,040" in current["warning"]
    assert [d["load"] for d in body["days"][-8:]] == [0.0] + [720.0] * 7
    assert body["days"][-9]["load"] == 300.0
    assert all(date.fromisoformat(w["start"]).weekday() == 0 for w in body["weeks"])
    assert (
        sum(w["total"] for w in body["weeks"]) == sum(d["load"] for d in body["days"]) == 28 * 300 + 7 * 720
    )
    stranger = await client.get("/api/v1/load", params={"athlete_id": bo.id}, headers=ana.headers)
    backwards = await client.get(
        "/api/v1/load", params={"from": "2027-02-01", "to": "2027-01-01"}, headers=bo.headers
    )
    assert stranger.status_code == 404 and backwards.status_code == 422


async def test_goals_are_checked_and_only_their_owner_changes_them(
    client: httpx.AsyncClient, ana: Account, bo: Account, coach: Account
) -> None:
    for body in (
        {"goal_type": "world_peace", "target_value": 1},
        {"goal_type": "movement_1rm", "target_value": 100},
        {"goal_type": "movement_1rm", "movement": "levitation", "target_value": 100},
        {"goal_type": "sessions_per_week", "movement": "back squat", "target_value": 3},
        {"goal_type": "sessions_per_week", "target_value": -1},
    ):
        refused = await client.post("/api/v1/goals", json=body, headers=ana.headers)
        assert refused.status_code == 422, (body, refused.text)
    goal = (
        await client.post(
            "/api/v1/goals",
            json={"goal_type": "calories_per_week", "target_value": 2000},
            headers=ana.headers,
        )
    ).json()

    for account in (bo, coach):
        patched = await client.patch(
            f"/api/v1/goals/{goal['id']}", json={"target_value": 1}, headers=account.headers
        )
        deleted = await client.delete(f"/api/v1/goals/{goal['id']}", headers=account.headers)
        assert (patched.status_code, deleted.status_code) == (404, 404)
    assert (await client.get("/api/v1/goals", headers=bo.headers)).json() == []
    peeked = await client.get("/api/v1/goals", params={"athlete_id": ana.id}, headers=bo.headers)
    assert peeked.status_code == 404
    coached = await client.get("/api/v1/goals", params={"athlete_id": ana.id}, headers=coach.headers)
    assert [g["id"] for g in coached.json()] == [goal["id"]]
    paused = await client.patch(f"/api/v1/goals/{goal['id']}", json={"is_active": False}, headers=ana.headers)
    assert paused.json()["is_active"] is False
    assert (await client.delete(f"/api/v1/goals/{goal['id']}", headers=ana.headers)).status_code == 204


async def test_a_location_filters_wod_search_by_its_equipment(
    client: httpx.AsyncClient, ana: Account, bo: Account
) -> None:
    for source in (SWING_AND_JUMP, FRAN, CINDY):
        made = await client.post("/api/v1/wods", json={"source": source}, headers=ana.headers)
        assert made.status_code == 201, made.text
    home = await client.post(
        "/api/v1/locations",
        json={"name": "Garage", "equipment": ["kettlebell", "box", "pull-up bar"], "is_default": True},
        headers=ana.headers,
    )
    assert home.status_code == 201, home.text
    assert {"kettlebell", "box", "pull_up_bar"} <= set(home.json()["equipment"])

    found = await client.get(
        "/api/v1/wods", params={"location": home.json()["id"], "owner": "mine"}, headers=ana.headers
    )

    assert found.status_code == 200, found.text
    assert sorted(w["title"] for w in found.json()["items"]) == ["Cindy", "Swing and jump"]
    unknown = await client.post(
        "/api/v1/locations", json={"name": "Moon", "equipment": ["antigravity boots"]}, headers=ana.headers
    )
    twice = await client.post("/api/v1/locations", json={"name": "Garage"}, headers=ana.headers)
    assert unknown.status_code == 422 and "antigravity_boots" in unknown.json()["detail"]
    assert twice.status_code == 409
    borrowed = await client.get("/api/v1/wods", params={"location": home.json()["id"]}, headers=bo.headers)
    renamed = await client.patch(
        f"/api/v1/locations/{home.json()['id']}", json={"name": "X"}, headers=bo.headers
    )
    assert (borrowed.status_code, renamed.status_code) == (404, 404)
    assert (await client.get("/api/v1/locations", headers=bo.headers)).json() == []
    gym = await client.post(
        "/api/v1/locations", json={"name": "Box", "is_default": True}, headers=ana.headers
    )
    listed = (await client.get("/api/v1/locations", headers=ana.headers)).json()
    assert [(p["name"], p["is_default"]) for p in listed] == [("Box", True), ("Garage", False)]
    assert (
        await client.delete(f"/api/v1/locations/{gym.json()['id']}", headers=ana.headers)
    ).status_code == 204


async def test_a_coach_reads_an_athletes_today_without_her_places_and_devices_a_stranger_not_at_all(
    client: httpx.AsyncClient, ana: Account, bo: Account, coach: Account
) -> None:
    place = await client.post("/api/v1/locations", json={"name": "Garage"}, headers=ana.headers)
    device = await client.post(
        "/api/v1/devices",
        json={"provider": "http", "access_token": "t", "label": "Watch"},
        headers=ana.headers,
    )
    assert place.status_code == 201 and device.status_code == 201

    own = await today_of(client, ana)
    coached = await today_of(client, coach, athlete_id=ana.id)
    stranger = await client.get("/api/v1/today", params={"athlete_id": ana.id}, headers=bo.headers)

    assert [p["name"] for p in own["locations"]] == ["Garage"]
    assert [d["label"] for d in own["devices"]] == ["Watch"]
    assert coached["athlete_id"] == ana.id and (coached["locations"], coached["devices"]) == ([], [])
    assert stranger.status_code == 404
