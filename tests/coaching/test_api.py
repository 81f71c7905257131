"""The coaches, Advice and Progression through the API: compiled prescriptions fitted to the kit,
accepted as sessions; the two cache tiers, invalidation on a finished session, the hourly refresh;
nobody reads or accepts another athlete's prescription."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from atelier.coaching.models import TrainingInsight
from atelier.db import unit_of_work
from atelier.kit.clock import utcnow
from atelier.kit.runtime import Runtime
from atelier.wods.compiler import compile_now
from atelier.wods.metadata import describe
from tests.conftest import Account
from tests.training.test_records import kg, lifted

pytestmark = pytest.mark.anyio

DISCIPLINES = ("strength", "endurance", "functional", "competition", "calisthenics")


async def prescribe(client: httpx.AsyncClient, account: Account, **body: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/coaching/prescriptions", json=body, headers=account.headers)
    assert response.status_code == 201, response.text
    found: dict[str, Any] = response.json()
    return found


async def squat_history(client: httpx.AsyncClient, account: Account, weeks: int = 3) -> None:
    today = date.today()
    for week in range(weeks):
        day = today - timedelta(days=7 * (weeks - week))
        await lifted(client, account, day, [{"reps": 5, "load": kg(90 + 2.5 * week)} for _ in range(3)])


@pytest.mark.parametrize("discipline", DISCIPLINES)
async def test_every_coach_offers_a_session_that_compiles_and_fits_the_kit(
    client: httpx.AsyncClient, ana: Account, discipline: str
) -> None:
    offer = await prescribe(
        client,
        ana,
        discipline=discipline,
        minutes=45,
        equipment=["barbell", "plates", "rig", "pull-up bar", "rower"],
    )

    compiled = compile_now(offer["source"])
    assert compiled.ok, compiled.errors
    assert offer["document"] == compiled.document
    assert set(describe(offer["document"]).equipment) <= set(offer["equipment"])
    assert offer["discipline"] == discipline and offer["engine"] == "local"
    assert offer["reasons"] and all(isinstance(r, str) and r for r in offer["reasons"])
    movements = set(describe(offer["document"]).movements)
    assert {i["movement"] for i in offer["illustrations"]} == movements
    assert all(i["status"] in ("pending", "completed") for i in offer["illustrations"])


async def test_strength_loads_come_from_the_athletes_logged_sets(
    client: httpx.AsyncClient, ana: Account
) -> None:
    await squat_history(client, ana)
    bare = await prescribe(
        client, ana, discipline="strength", minutes=60, equipment=["barbell", "plates", "rig"]
    )
    assert "kg" in bare["source"] or "%" in bare["source"] or "RPE" in bare["source"]
    assert bare["language"] == "en"


async def test_no_equipment_and_five_minutes_still_give_a_valid_short_session(
    client: httpx.AsyncClient, ana: Account
) -> None:
    for discipline in DISCIPLINES:
        offer = await prescribe(client, ana, discipline=discipline, minutes=5, equipment=[])
        document = compile_now(offer["source"]).document
        assert document is not None
        assert set(describe(document).equipment) <= {"wall", "track"}, offer["source"]


async def test_bad_requests_are_clear_422s(client: httpx.AsyncClient, ana: Account) -> None:
    for body, needle in (
        ({"discipline": "yoga", "minutes": 30}, "discipline"),
        ({"discipline": "strength", "minutes": 4}, "minutes"),
        ({"discipline": "strength", "minutes": 600}, "minutes"),
        ({"discipline": "strength", "minutes": 30, "equipment": ["unicorn"]}, "unicorn"),
    ):
        response = await client.post("/api/v1/coaching/prescriptions", json=body, headers=ana.headers)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert needle in response.text


async def test_a_location_gives_its_equipment_and_another_users_location_is_not_found(
    client: httpx.AsyncClient, ana: Account, bo: Account
) -> None:
    created = await client.post(
        "/api/v1/locations",
        json={"name": "Home", "equipment": ["kettlebell"], "is_default": True},
        headers=ana.headers,
    )
    assert created.status_code == 201, created.text
    location = created.json()["id"]
    offer = await prescribe(client, ana, discipline="functional", minutes=20, location_id=location)
    assert offer["location_id"] == location
    assert set(describe(offer["document"]).equipment) <= set(offer["equipment"])
    assert "kettlebell" in offer["equipment"]
    # The default location is used when nothing is said.
    default = await prescribe(client, ana, discipline="functional", minutes=20)
    assert default["location_id"] == location

    theirs = await client.post(
        "/api/v1/coaching/prescriptions",
        json={"discipline": "functional", "minutes": 20, "location_id": location},
        headers=bo.headers,
    )
    assert theirs.status_code == 404


async def test_accepting_schedules_the_prescription_once_and_only_for_its_athlete(
    client: httpx.AsyncClient, ana: Account, bo: Account
) -> None:
    offer = await prescribe(
        client, ana, discipline="strength", minutes=40, equipment=["barbell", "plates", "rig"]
    )
    url = f"/api/v1/coaching/prescriptions/{offer['id']}"

    assert (await client.get(url, headers=bo.headers)).status_code == 404
    assert (await client.post(url + "/accept", headers=bo.headers)).status_code == 404

    day = (date.today() + timedelta(days=1)).isoformat()
    accepted = await client.post(url + "/accept", json={"date": day, "time": "07:30:00"}, headers=ana.headers)
    assert accepted.status_code == 201, accepted.text
    planned = accepted.json()
    assert planned["date"] == day and planned["title"] == offer["title"] and planned["status"] == "scheduled"
    again = await client.post(url + "/accept", headers=ana.headers)
    assert again.status_code == 409
    assert again.json()["session_id"] == planned["id"]

    shown = await client.get(url, headers=ana.headers)
    assert shown.json()["session_id"] == planned["id"]
    listed = await client.get("/api/v1/coaching/prescriptions", headers=ana.headers)
    assert [p["id"] for p in listed.json()] == [offer["id"]]
    assert (await client.get("/api/v1/coaching/prescriptions", headers=bo.headers)).json() == []


async def test_insights_without_history_are_the_starter_message_in_the_users_language(
    client: httpx.AsyncClient, ana: Account
) -> None:
    english = await client.get("/api/v1/coaching/insights", headers=ana.headers)
    french = await client.get("/api/v1/coaching/insights", params={"language": "fr"}, headers=ana.headers)
    assert english.status_code == french.status_code == 200
    assert english.json()["sessionsAnalyzed"] == 0
    assert english.json()["summary"] != french.json()["summary"]
    assert english.json()["language"] == "en" and french.json()["language"] == "fr"


async def test_the_two_tiers_answer_in_turn_and_a_finished_session_invalidates_them(
    client: httpx.AsyncClient, ana: Account, runtime: Runtime
) -> None:
    await squat_history(client, ana, weeks=2)
    first = await client.get("/api/v1/coaching/insights", headers=ana.headers)
    assert first.status_code == 200 and first.headers["X-Cache"] == "generated"
    body = first.json()
    assert body["sessionsAnalyzed"] == 2
    assert set(body) >= {
        "summary",
        "progressionTrends",
        "imbalances",
        "weakPoints",
        "recommendations",
        "nextWeekFocus",
    }

    memory = await client.get("/api/v1/coaching/insights", headers=ana.headers)
    assert memory.headers["X-Cache"] == "memory" and memory.json() == body

    await runtime.local_cache.delete(
        *[k for k in list(runtime.local_cache._entries) if k.startswith("coaching:")]
    )
    table = await client.get("/api/v1/coaching/insights", headers=ana.headers)
    assert table.headers["X-Cache"] == "table" and table.json() == body

    await lifted(client, ana, date.today(), [{"reps": 3, "load": kg(110)}])
    after = await client.get("/api/v1/coaching/insights", headers=ana.headers)
    assert after.headers["X-Cache"] == "generated"
    assert after.json()["sessionsAnalyzed"] == 3


async def test_an_expired_table_row_is_generated_again(
    client: httpx.AsyncClient, ana: Account, runtime: Runtime
) -> None:
    await client.get("/api/v1/coaching/insights", headers=ana.headers)
    async with unit_of_work(runtime.sessions, system=True) as session:
        await session.execute(update(TrainingInsight).values(expires_at=utcnow() - timedelta(seconds=1)))
    await runtime.local_cache.delete(
        *[k for k in list(runtime.local_cache._entries) if k.startswith("coaching:")]
    )
    again = await client.get("/api/v1/coaching/insights", headers=ana.headers)
    assert again.headers["X-Cache"] == "generated"


@pytest.mark.parametrize("period", ["week", "month", "quarter"])
async def test_progression_has_two_paragraphs_three_actions_and_a_day_of_life(
    client: httpx.AsyncClient, ana: Account, period: str
) -> None:
    await squat_history(client, ana, weeks=2)
    response = await client.get(
        "/api/v1/coaching/progression", params={"period": period}, headers=ana.headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["paragraph1"] and body["paragraph2"] and len(body["recommendations"]) == 3
    assert body["period"] == period
    generated = date.fromisoformat(body["generatedAt"][:10])
    expires = body["expiresAt"]
    assert expires > body["generatedAt"] and generated <= date.today() + timedelta(days=1)
    bad = await client.get("/api/v1/coaching/progression", params={"period": "decade"}, headers=ana.headers)
    assert bad.status_code == 422


async def test_a_refresh_is_allowed_once_an_hour_per_user(
    client: httpx.AsyncClient, ana: Account, bo: Account
) -> None:
    await client.get("/api/v1/coaching/insights", headers=ana.headers)
    first = await client.post("/api/v1/coaching/refresh", headers=ana.headers)
    assert first.status_code == 200, first.text
    regenerated = await client.get("/api/v1/coaching/insights", headers=ana.headers)
    assert regenerated.headers["X-Cache"] == "generated"

    storm = [await client.post("/api/v1/coaching/refresh", headers=ana.headers) for _ in range(5)]
    assert {r.status_code for r in storm} == {429}
    wait = int(storm[0].headers["Retry-After"])
    assert 3500 <= wait <= 3601
    assert storm[0].json()["retry_after_seconds"] == wait
    # Bo's hour is his own.
    assert (await client.post("/api/v1/coaching/refresh", headers=bo.headers)).status_code == 200


async def test_insights_are_each_users_own(client: httpx.AsyncClient, ana: Account, bo: Account) -> None:
    await squat_history(client, ana, weeks=2)
    mine = (await client.get("/api/v1/coaching/insights", headers=ana.headers)).json()
    theirs = (await client.get("/api/v1/coaching/insights", headers=bo.headers)).json()
    assert mine["sessionsAnalyzed"] == 2 and theirs["sessionsAnalyzed"] == 0
    assert (await client.get("/api/v1/coaching/insights")).status_code == 401


async def test_a_change_of_profile_language_is_followed_at_once(
    client: httpx.AsyncClient, ana: Account
) -> None:
    assert (await client.get("/api/v1/coaching/insights", headers=ana.headers)).json()["language"] == "en"
    changed = await client.patch("/api/v1/me/profile", json={"language": "fr"}, headers=ana.headers)
    assert changed.status_code == 200, changed.text
    french = await client.get("/api/v1/coaching/progression", headers=ana.headers)
    assert french.json()["language"] == "fr"
    assert (await client.get("/api/v1/coaching/insights", headers=ana.headers)).json()["language"] == "fr"


async def test_contradictory_goals_leave_the_chosen_coach_in_charge(
    client: httpx.AsyncClient, ana: Account
) -> None:
    for goal in (
        {"goal_type": "movement_1rm", "movement": "deadlift", "target_value": 250},
        {"goal_type": "training_minutes_per_week", "target_value": 900},
        {"goal_type": "sessions_per_week", "target_value": 1},
    ):
        created = await client.post("/api/v1/goals", json=goal, headers=ana.headers)
        assert created.status_code == 201, created.text
    strength = await prescribe(
        client, ana, discipline="strength", minutes=45, equipment=["barbell", "plates"]
    )
    assert "Deadlift" in strength["source"]  # the 1RM goal picks the main lift
    assert any("goal" in reason.lower() for reason in strength["reasons"])
    endurance = await prescribe(client, ana, discipline="endurance", minutes=30, equipment=["rower"])
    assert set(describe(endurance["document"]).movements) <= {"row", "run"}
    assert compile_now(endurance["source"]).ok
