"""Results on scored WODs: the score type decides the fields; a correction replaces the result."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from tests.conftest import Account
from tests.planning.helpers import plan

pytestmark = pytest.mark.anyio

FRAN = "# Fran\n21-15-9 for time, cap 10:00\n  Thruster 43/30 kg\n  Pull-up\n"
CINDY = "# Cindy\nAMRAP 20\n  5 Pull-up\n  10 Push-up\n  15 Air squat\n"
SQUATS = "# Squats\nBack squat 5x5 @ 75%\n"
EMOM = "# Engine\nEMOM 10\n  10 Burpee\n"
DOUBLE = "# Double\n## Sprint\nFor time\n  50 Burpee\n## Long\nAMRAP 12\n  5 Pull-up\n  10 Push-up\n"


async def running(client: httpx.AsyncClient, account: Account, source: str) -> str:
    sid = str((await plan(client, account, date=date(2027, 1, 5), source=source))["id"])
    assert (await client.post(f"/api/v1/sessions/{sid}/start", headers=account.headers)).status_code == 200
    return sid


async def post(client: httpx.AsyncClient, account: Account, sid: str, body: dict[str, Any]) -> httpx.Response:
    return await client.post(f"/api/v1/sessions/{sid}/result", json=body, headers=account.headers)


async def test_a_fran_time_completes_the_session(client: httpx.AsyncClient, ana: Account) -> None:
    sid = await running(client, ana, FRAN)

    recorded = await post(client, ana, sid, {"time_s": 245.5})

    assert recorded.status_code == 201, recorded.text
    result = recorded.json()
    assert (result["score_type"], result["score_value"], result["score_unit"], result["is_rx"]) == (
        "time",
        245.5,
        "s",
        True,
    )
    assert (await client.get(f"/api/v1/sessions/{sid}", headers=ana.headers)).json()["status"] == "completed"
    assert (await client.get(f"/api/v1/sessions/{sid}/metrics", headers=ana.headers)).status_code == 200


async def test_a_capped_time_is_scored_by_reps_and_can_be_corrected(
    client: httpx.AsyncClient, ana: Account
) -> None:
    sid = await running(client, ana, FRAN)
    await post(client, ana, sid, {"capped": True, "reps": 80, "rx": False, "level": "scaled"})

    corrected = await post(client, ana, sid, {"capped": True, "reps": 84, "rx": False})

    assert corrected.status_code == 200, corrected.text
    body = corrected.json()
    assert (body["score_value"], body["score_unit"], body["capped"], body["level"]) == (
        84,
        "reps",
        True,
        "scaled",
    )
    assert (await client.get(f"/api/v1/sessions/{sid}/result", headers=ana.headers)).json()["id"] == body[
        "id"
    ]


async def test_an_amrap_is_rounds_and_reps_and_the_same_workout_shares_a_hash(
    client: httpx.AsyncClient, ana: Account, bo: Account
) -> None:
    mine = (await post(client, ana, await running(client, ana, CINDY), {"rounds": 18, "reps": 7})).json()
    spelled_otherwise = CINDY.replace("Pull-up", "pull ups").replace("Air squat", "air squats")
    theirs = (await post(client, bo, await running(client, bo, spelled_otherwise), {"rounds": 20})).json()

    assert (mine["score_type"], mine["score_value"], mine["score_secondary"]) == ("rounds+reps", 18, 7)
    assert mine["workout_hash"] == theirs["workout_hash"]


async def test_a_multi_part_session_takes_one_score_per_scored_part(
    client: httpx.AsyncClient, ana: Account
) -> None:
    sid = await running(client, ana, DOUBLE)

    missing = await post(client, ana, sid, {"time_s": 300})
    recorded = await post(client, ana, sid, {"parts": [{"time_s": 290}, {"rounds": 9, "reps": 3}]})

    assert missing.status_code == 422 and "Sprint (time), Long (rounds+reps)" in missing.json()["detail"]
    assert recorded.status_code == 201, recorded.text
    assert [(p["title"], p["value"], p["secondary"]) for p in recorded.json()["parts"]] == [
        ("Sprint", 290, None),
        ("Long", 9, 3),
    ]


@pytest.mark.parametrize(
    ("source", "body", "says"),
    [
        (FRAN, {"rounds": 5}, "scored by time_s"),
        (FRAN, {"time_s": 200, "reps": 3}, "reps does not apply"),
        (FRAN, {"time_s": -3}, "greater than 0"),
        (CINDY, {"time_s": 100}, "scored by rounds"),
        (SQUATS, {"load": {"value": 100}}, "unit"),
        (EMOM, {"reps": 100}, "no score"),
    ],
)
async def test_scores_of_the_wrong_kind_are_refused_and_nothing_changes(
    client: httpx.AsyncClient, ana: Account, source: str, body: dict[str, Any], says: str
) -> None:
    sid = await running(client, ana, source)

    refused = await post(client, ana, sid, body)

    assert refused.status_code == 422, refused.text
    assert says in refused.json()["detail"] or says in str(refused.json().get("errors", ""))
    assert (await client.get(f"/api/v1/sessions/{sid}", headers=ana.headers)).json()[
        "status"
    ] == "in_progress"
    assert (await client.get(f"/api/v1/sessions/{sid}/result", headers=ana.headers)).status_code == 404


async def test_a_load_is_stored_in_kilograms(client: httpx.AsyncClient, ana: Account) -> None:
    sid = await running(client, ana, SQUATS)
    result = (await post(client, ana, sid, {"load": {"value": 225, "unit": "lb"}})).json()
    assert (result["score_type"], result["score_unit"], round(result["score_value"], 2)) == (
        "load",
        "kg",
        102.06,
    )


async def test_nobody_records_or_reads_another_athletes_result(
    client: httpx.AsyncClient, ana: Account, bo: Account, coach: Account
) -> None:
    sid = await running(client, ana, FRAN)
    assert (await post(client, bo, sid, {"time_s": 100})).status_code == 404
    assert (await post(client, coach, sid, {"time_s": 100})).status_code == 403
    await post(client, ana, sid, {"time_s": 300})
    assert (await client.get(f"/api/v1/sessions/{sid}/result", headers=bo.headers)).status_code == 404
    assert (await client.get(f"/api/v1/sessions/{sid}/result", headers=coach.headers)).json()[
        "score_value"
    ] == 300
