"""Live events of a class through the API: batches, the board, duplicates, bad input, relays,
timelines, closing into results, and who may do what."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.conftest import Account, sign_up
from tests.planning.helpers import link

pytestmark = pytest.mark.anyio

MINI = "# Mini\nFor time, cap 10:00\n  10 Pull-up\n  20 Push-up\n"
RELAY = "# Relay\nFor time, cap 10:00, teams of 2\n  10 Pull-up\n  10 Push-up\n  10 Air squat (split)\n"


async def a_class(client: httpx.AsyncClient, coach: Account, source: str, **body: Any) -> str:
    payload = {"date": "2027-03-02", "time": "18:00", "capacity": 12, "source": source, **body}
    made = await client.post("/api/v1/classes", json=payload, headers=coach.headers)
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


async def book(client: httpx.AsyncClient, athlete: Account, class_id: str, track: str = "RX") -> None:
    booked = await client.post(
        f"/api/v1/classes/{class_id}/bookings", json={"track": track}, headers=athlete.headers
    )
    assert booked.status_code == 201, booked.text


def event(
    athlete: Account, offset: float, movement: str | None, quantity: float | None, **more: Any
) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "athlete_id": athlete.id,
        "offset_s": offset,
        "movement": movement,
        "quantity": quantity,
        **more,
    }


async def post(client: httpx.AsyncClient, who: Account, class_id: str, body: Any) -> httpx.Response:
    return await client.post(f"/api/v1/classes/{class_id}/events", json=body, headers=who.headers)


@pytest.fixture
async def box(client: httpx.AsyncClient) -> dict[str, Account]:
    coach = await sign_up(client, role="coach", name="Coach")
    people = {"coach": coach}
    for name in ("Ana", "Bo", "Cy"):
        people[name] = await sign_up(client, name=name)
        await link(client, coach, people[name])
    return people


async def test_events_single_and_batched_drive_the_board(
    client: httpx.AsyncClient, box: dict[str, Account]
) -> None:
    class_id = await a_class(client, box["coach"], MINI)
    for name, track in (("Ana", "RX"), ("Bo", "RX"), ("Cy", "SCALED")):
        await book(client, box[name], class_id, track)

    single = await post(client, box["Ana"], class_id, event(box["Ana"], 30, "pull_up", 10))
    batch = await post(
        client,
        box["coach"],  # a judge posts for anyone
        class_id,
        {
            "events": [
                event(box["Bo"], 40, "Pull-up", 10),
                event(box["Bo"], 95, "push-up", 20),
                event(box["Cy"], 20, None, 10),
                event(box["Cy"], 60, None, 20),
                event(box["Ana"], 50, "push_up", 12),
            ]
        },
    )

    assert single.status_code == 200, single.text
    assert batch.status_code == 200, batch.text
    board = batch.json()["board"]
    assert batch.json()["accepted"] == 5 and board["seq"] == 6
    assert [(r["name"], r["rank"], r["display"], r["current_leg"]) for r in board["rows"]] == [
        ("Bo", 1, "1:35", None),  # finished at 95 s
        ("Ana", 2, "CAP + 22 reps", "Push-up"),
        ("Cy", 3, "1:00", None),  # faster, but scaled
    ]
    read = await client.get(f"/api/v1/classes/{class_id}/board", headers=box["Cy"].headers)
    assert read.json() == board


async def test_a_repeated_event_counts_once_and_a_changed_one_is_refused(
    client: httpx.AsyncClient, box: dict[str, Account]
) -> None:
    class_id = await a_class(client, box["coach"], MINI)
    await book(client, box["Ana"], class_id)
    first = event(box["Ana"], 30, "pull_up", 10)

    await post(client, box["Ana"], class_id, first)
    again = await post(client, box["Ana"], class_id, {"events": [first, event(box["Ana"], 40, "push_up", 5)]})
    changed = await post(client, box["Ana"], class_id, first | {"quantity": 9})

    assert again.status_code == 200
    assert again.json()["duplicates"] == [first["id"]]
    assert again.json()["board"]["rows"][0]["done"] == 15
    assert changed.status_code == 409 and changed.headers["content-type"] == "application/problem+json"


async def test_a_bad_batch_is_refused_whole_with_each_fault_named(
    client: httpx.AsyncClient, box: dict[str, Account]
) -> None:
    class_id = await a_class(client, box["coach"], MINI)
    await book(client, box["Ana"], class_id)
    await post(client, box["Ana"], class_id, event(box["Ana"], 100, "pull_up", 5))

    backwards = event(box["Ana"], 50, "pull_up", 1)
    beyond_cap = event(box["Ana"], 700, "pull_up", 1)
    unknown = event(box["Ana"], 120, "snatch", 1)
    wrong_unit = event(box["Ana"], 130, "pull_up", 1, unit="kg")
    good = event(box["Ana"], 140, "pull_up", 5)
    refused = await post(
        client, box["Ana"], class_id, {"events": [good, backwards, beyond_cap, unknown, wrong_unit]}
    )

    assert refused.status_code == 422, refused.text
    faults = {e["event"]: e["field"] for e in refused.json()["errors"]}
    assert faults == {
        backwards["id"]: "offset_s",
        beyond_cap["id"]: "offset_s",
        unknown["id"]: "movement",
        wrong_unit["id"]: "unit",
    }
    board = (await client.get(f"/api/v1/classes/{class_id}/board", headers=box["Ana"].headers)).json()
    assert (board["seq"], board["rows"][0]["done"]) == (1, 5)  # the good event was not stored either
    malformed = await post(client, box["Ana"], class_id, {"events": [{"athlete_id": box["Ana"].id}]})
    assert malformed.status_code == 422


async def test_who_may_post_and_for_whom(client: httpx.AsyncClient, box: dict[str, Account]) -> None:
    class_id = await a_class(client, box["coach"], MINI)
    await book(client, box["Ana"], class_id)
    stranger = await sign_up(client, name="Stranger")

    for_someone_else = await post(client, box["Bo"], class_id, event(box["Ana"], 10, "pull_up", 1))
    not_booked = await post(client, box["coach"], class_id, event(box["Bo"], 10, "pull_up", 1))
    outsider = await post(client, stranger, class_id, event(stranger, 10, "pull_up", 1))
    outsider_reads = await client.get(f"/api/v1/classes/{class_id}/board", headers=stranger.headers)
    outsider_timeline = await client.get(
        f"/api/v1/classes/{class_id}/athletes/{box['Ana'].id}/timeline", headers=stranger.headers
    )

    assert for_someone_else.status_code == 403
    assert not_booked.status_code == 422 and "no place booked" in not_booked.json()["detail"]
    assert outsider.status_code == outsider_reads.status_code == outsider_timeline.status_code == 404
    for method, path, body in (
        ("GET", f"/api/v1/classes/{class_id}/teams", None),
        ("PUT", f"/api/v1/classes/{class_id}/teams", {"teams": []}),
        ("POST", f"/api/v1/classes/{class_id}/close", None),
    ):
        refused = await client.request(method, path, json=body, headers=stranger.headers)
        assert refused.status_code == 404, (method, path, refused.text)
    assert (await client.get(f"/api/v1/classes/{class_id}/board", headers=box["Ana"].headers)).json()[
        "seq"
    ] == 0


async def test_a_relay_ignores_and_reports_out_of_turn_events(
    client: httpx.AsyncClient, box: dict[str, Account]
) -> None:
    class_id = await a_class(client, box["coach"], RELAY, team_size=2)
    for name in ("Ana", "Bo"):
        await book(client, box[name], class_id)
    teams = await client.put(
        f"/api/v1/classes/{class_id}/teams",
        json={"teams": [{"name": "Blue", "members": [box["Ana"].id, box["Bo"].id]}]},
        headers=box["coach"].headers,
    )
    assert teams.status_code == 200, teams.text

    ana_pulls = await post(client, box["Ana"], class_id, event(box["Ana"], 30, "pull_up", 10))
    ana_again = await post(client, box["Ana"], class_id, event(box["Ana"], 40, "push_up", 10))
    bo_pushes = await post(client, box["Bo"], class_id, event(box["Bo"], 70, "push_up", 10))
    split = await post(
        client,
        box["coach"],
        class_id,
        {"events": [event(box["Ana"], 80, "air_squat", 6), event(box["Bo"], 85, "air_squat", 4)]},
    )

    assert ana_pulls.json()["accepted"] == 1
    ignored = ana_again.json()["ignored"]
    assert ana_again.json()["accepted"] == 0 and "out of turn" in ignored[0]["reason"]
    assert box["Bo"].id in ignored[0]["reason"]
    assert bo_pushes.json()["accepted"] == 1
    row = split.json()["board"]["rows"][0]
    assert (row["name"], row["team"], row["finished_at"], row["display"]) == ("Blue", True, 85, "1:25")
    timeline = await client.get(
        f"/api/v1/classes/{class_id}/athletes/{box['Ana'].id}/timeline", headers=box["Bo"].headers
    )
    assert [(e["movement"], e["accepted"]) for e in timeline.json()] == [
        ("pull_up", True),
        ("push_up", False),
        ("air_squat", True),
    ]
    locked = await client.put(
        f"/api/v1/classes/{class_id}/teams", json={"teams": []}, headers=box["coach"].headers
    )
    assert locked.status_code == 409


async def test_teams_are_the_coachs_and_hold_booked_athletes_once(
    client: httpx.AsyncClient, box: dict[str, Account]
) -> None:
    class_id = await a_class(client, box["coach"], RELAY, team_size=2)
    await book(client, box["Ana"], class_id)
    await book(client, box["Bo"], class_id)
    url = f"/api/v1/classes/{class_id}/teams"

    by_athlete = await client.put(url, json={"teams": []}, headers=box["Ana"].headers)
    unbooked = await client.put(
        url,
        json={"teams": [{"name": "A", "members": [box["Ana"].id, box["Cy"].id]}]},
        headers=box["coach"].headers,
    )
    too_small = await client.put(
        url, json={"teams": [{"name": "A", "members": [box["Ana"].id]}]}, headers=box["coach"].headers
    )

    assert by_athlete.status_code == 403
    assert unbooked.status_code == 422 and too_small.status_code == 422


async def test_closing_turns_events_into_results_on_the_leaderboard(
    client: httpx.AsyncClient, box: dict[str, Account]
) -> None:
    wod = await client.post(
        "/api/v1/wods", json={"source": MINI, "visibility": "public"}, headers=box["coach"].headers
    )
    made = await client.post(
        "/api/v1/classes",
        json={"date": "2027-03-02", "time": "18:00", "capacity": 12, "wod_id": wod.json()["id"]},
        headers=box["coach"].headers,
    )
    class_id = made.json()["id"]
    for name in ("Ana", "Bo", "Cy"):
        await book(client, box[name], class_id)
    await post(
        client,
        box["coach"],
        class_id,
        {
            "events": [
                event(box["Ana"], 30, "pull_up", 10),
                event(box["Ana"], 75, "push_up", 20),
                event(box["Bo"], 40, "pull_up", 10),
                event(box["Bo"], 600, "push_up", 8),
            ]
        },
    )

    by_athlete = await client.post(f"/api/v1/classes/{class_id}/close", headers=box["Ana"].headers)
    closed = await client.post(f"/api/v1/classes/{class_id}/close", headers=box["coach"].headers)
    late = await post(client, box["Ana"], class_id, event(box["Ana"], 90, "pull_up", 1))
    again = await client.post(f"/api/v1/classes/{class_id}/close", headers=box["coach"].headers)

    assert by_athlete.status_code == 403
    assert closed.status_code == 200, closed.text
    assert closed.json()["results"] == 2  # Cy posted nothing: no result
    assert late.status_code == 409 and again.status_code == 409
    board = await client.get(
        f"/api/v1/wods/{wod.json()['id']}/leaderboard",
        params={"class_id": class_id},
        headers=box["Cy"].headers,
    )
    assert [(r["athlete"]["name"], r["score"]["display"]) for r in board.json()["rows"]] == [
        ("Ana", "1:15"),
        ("Bo", "CAP + 18 reps"),
    ]
    history = await client.get("/api/v1/history", headers=box["Ana"].headers)
    assert [(s["title"], s["status"]) for s in history.json()["items"]] == [("Mini", "completed")]


async def test_a_clock_paced_class_cannot_be_tracked_live(
    client: httpx.AsyncClient, box: dict[str, Account]
) -> None:
    class_id = await a_class(client, box["coach"], "# Engine\nEMOM 10\n  10 Burpee\n")
    await book(client, box["Ana"], class_id)

    board = await client.get(f"/api/v1/classes/{class_id}/board", headers=box["Ana"].headers)
    posted = await post(client, box["Ana"], class_id, event(box["Ana"], 10, "burpee", 10))

    assert board.status_code == posted.status_code == 422
    assert "cannot be tracked live" in board.json()["detail"]
