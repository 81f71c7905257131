"""Classes: a coach schedules a WOD for a room; athletes book, wait in line and cancel."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import date
from typing import Any

import httpx
import pytest

from atelier.db import set_rls_context
from atelier.kit.runtime import Runtime
from atelier.planning.classes import class_entries
from tests.conftest import Account, sign_up
from tests.planning.helpers import FRAN, SQUATS, link

pytestmark = pytest.mark.anyio

DAY = date(2027, 3, 2)


async def schedule(client: httpx.AsyncClient, coach: Account, **body: Any) -> dict[str, Any]:
    """POST /classes, asserting it was created."""
    body.setdefault("source", FRAN)
    body.setdefault("date", DAY)
    body.setdefault("time", "18:00")
    body.setdefault("capacity", 12)
    body = {k: v.isoformat() if isinstance(v, date) else v for k, v in body.items()}
    response = await client.post("/api/v1/classes", json=body, headers=coach.headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def book(
    client: httpx.AsyncClient, account: Account, class_id: str, track: str = "RX"
) -> httpx.Response:
    return await client.post(
        f"/api/v1/classes/{class_id}/bookings", json={"track": track}, headers=account.headers
    )


async def cancel_mine(client: httpx.AsyncClient, account: Account, class_id: str) -> httpx.Response:
    return await client.delete(f"/api/v1/classes/{class_id}/bookings/me", headers=account.headers)


async def read(client: httpx.AsyncClient, account: Account, class_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/classes/{class_id}", headers=account.headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def linked_athletes(client: httpx.AsyncClient, coach: Account, count: int) -> list[Account]:
    """``count`` athletes who accepted ``coach``'s invitation, named in order (A00, A01, …)."""
    crowd = []
    for i in range(count):
        athlete = await sign_up(client, name=f"A{i:02d}")
        await link(client, coach, athlete)
        crowd.append(athlete)
    return crowd


async def test_a_coach_schedules_a_class_that_linked_athletes_see(
    client: httpx.AsyncClient, coach: Account, ana: Account, bo: Account
) -> None:
    profile = await client.patch(
        "/api/v1/me/profile", json={"timezone": "Europe/Paris"}, headers=coach.headers
    )
    assert profile.status_code == 200, profile.text
    wod = await client.post(
        "/api/v1/wods", json={"source": SQUATS, "visibility": "private"}, headers=coach.headers
    )
    assert wod.status_code == 201, wod.text

    created = await schedule(
        client,
        coach,
        source=None,
        wod_id=wod.json()["id"],
        title="Tuesday strength",
        location="Box, room 2",
        tracks=["scaled", "RX", "INTERMEDIATE"],
        gender_mode="F",
        team_size=2,
        coach_notes="Warm up the hips first",
        capacity=14,
        duration_minutes=75,
    )

    assert created["title"] == "Tuesday strength" and created["coach_name"] == "Cy"
    assert created["tracks"] == ["RX", "INTERMEDIATE", "SCALED"]
    assert created["timezone"] == "Europe/Paris" and created["starts_at"] == "2027-03-02T17:00:00Z"
    assert (created["gender_mode"], created["team_size"], created["duration_minutes"]) == ("F", 2, 75)
    assert (created["capacity"], created["booked"], created["waitlisted"], created["places_left"]) == (
        14,
        0,
        0,
        14,
    )
    assert created["snapshot"]["name"] == "Back squat 5x5"
    assert created["snapshot"]["wod"] == {"id": wod.json()["id"], "version": 1}
    assert created["status"] == "scheduled" and created["roster"] == []

    seen = (await client.get("/api/v1/classes?from=2027-03-01&to=2027-03-31", headers=ana.headers)).json()
    assert [c["id"] for c in seen] == [created["id"]]
    assert seen[0]["my_booking"] is None and seen[0]["roster"] is None and seen[0]["snapshot"] is None
    single = await read(client, ana, created["id"])
    assert single["snapshot"]["name"] == "Back squat 5x5"  # the athlete cannot read the private WOD itself
    assert single["coach_notes"] == "Warm up the hips first" and single["roster"] is None
    own = (await client.get("/api/v1/classes?from=2027-03-01&to=2027-03-31", headers=coach.headers)).json()
    assert [c["id"] for c in own] == [created["id"]]
    assert (
        await client.get("/api/v1/classes?from=2027-03-01&to=2027-03-31", headers=bo.headers)
    ).json() == []
    outside = await client.get("/api/v1/classes?from=2027-04-01&to=2027-04-30", headers=ana.headers)
    assert outside.json() == []


async def test_defaults_track_order_and_inline_source(client: httpx.AsyncClient, coach: Account) -> None:
    created = await schedule(client, coach)

    assert created["title"] == "Fran" and created["timezone"] == "UTC"
    assert created["tracks"] == ["RX", "SCALED"] and created["gender_mode"] == "MIXED"
    assert created["team_size"] == 1 and created["duration_minutes"] == 60 and created["wod_id"] is None


async def test_an_athlete_books_cancels_and_books_again(
    client: httpx.AsyncClient, coach: Account, ana: Account
) -> None:
    cid = (await schedule(client, coach))["id"]

    booked = await book(client, ana, cid, "scaled")
    assert booked.status_code == 201, booked.text
    assert booked.json()["status"] == "booked" and booked.json()["track"] == "SCALED"
    assert booked.json()["position"] is None and booked.json()["booked"] == 1
    mine = (await read(client, ana, cid))["my_booking"]
    assert mine["status"] == "booked" and mine["track"] == "SCALED"

    again = await book(client, ana, cid, "RX")
    assert again.status_code == 409 and again.json()["current_status"] == "booked"

    cancelled = await cancel_mine(client, ana, cid)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled" and cancelled.json()["booked"] == 0
    assert (await cancel_mine(client, ana, cid)).status_code == 404
    after = await read(client, ana, cid)
    assert after["booked"] == 0 and after["my_booking"]["status"] == "cancelled"

    rebooked = await book(client, ana, cid, "RX")
    assert rebooked.status_code == 201 and rebooked.json()["status"] == "booked"
    assert (await read(client, coach, cid))["booked"] == 1


async def test_the_waitlist_is_served_in_order_when_places_free_up(
    client: httpx.AsyncClient, coach: Account
) -> None:
    cid = (await schedule(client, coach, capacity=2))["id"]
    first, second, w1, w2, w3 = await linked_athletes(client, coach, 5)
    for athlete in (first, second):
        assert (await book(client, athlete, cid)).json()["status"] == "booked"

    queued = [await book(client, athlete, cid, "SCALED") for athlete in (w1, w2, w3)]

    assert [(q.status_code, q.json()["status"], q.json()["position"]) for q in queued] == [
        (201, "waitlisted", 1),
        (201, "waitlisted", 2),
        (201, "waitlisted", 3),
    ]
    assert (await read(client, w2, cid))["my_booking"]["position"] == 2
    full = await read(client, coach, cid)
    assert (full["booked"], full["waitlisted"], full["places_left"]) == (2, 3, 0)
    assert [(r["name"], r["status"], r["position"]) for r in full["roster"]] == [
        ("A00", "booked", None),
        ("A01", "booked", None),
        ("A02", "waitlisted", 1),
        ("A03", "waitlisted", 2),
        ("A04", "waitlisted", 3),
    ]

    assert (await cancel_mine(client, second, cid)).status_code == 200
    assert (await read(client, w1, cid))["my_booking"]["status"] == "booked"
    assert (await read(client, w2, cid))["my_booking"]["position"] == 1
    assert (await cancel_mine(client, first, cid)).status_code == 200

    now = await read(client, coach, cid)
    assert (now["booked"], now["waitlisted"]) == (2, 1)
    assert [(r["name"], r["status"], r["position"]) for r in now["roster"]] == [
        ("A02", "booked", None),
        ("A03", "booked", None),
        ("A04", "waitlisted", 1),
    ]
    # Leaving the waitlist frees no place: nobody moves up into a booked place.
    assert (await cancel_mine(client, w3, cid)).status_code == 200
    assert (await read(client, coach, cid))["booked"] == 2
    # Coming back after one's own cancellation goes to the end of the line.
    back = await book(client, second, cid)
    assert back.json()["status"] == "waitlisted" and back.json()["position"] == 1


async def test_fifty_simultaneous_bookings_for_twelve_places(
    client: httpx.AsyncClient, coach: Account
) -> None:
    cid = (await schedule(client, coach, capacity=12))["id"]
    crowd = await linked_athletes(client, coach, 50)

    answers = await asyncio.gather(*(book(client, athlete, cid) for athlete in crowd))

    assert {a.status_code for a in answers} == {201}, {a.text for a in answers if a.status_code != 201}
    statuses = Counter(a.json()["status"] for a in answers)
    assert statuses == {"booked": 12, "waitlisted": 38}
    positions = sorted(a.json()["position"] for a in answers if a.json()["status"] == "waitlisted")
    assert positions == list(range(1, 39))
    state = await read(client, coach, cid)
    assert (state["booked"], state["waitlisted"], state["places_left"]) == (12, 38, 0)
    assert Counter(r["status"] for r in state["roster"]) == {"booked": 12, "waitlisted": 38}

    # Five booked athletes leave at once: the first five in line take their places, in order.
    by_id = {a.id: a for a in crowd}
    leaving = [by_id[r["athlete_id"]] for r in state["roster"][:5]]
    next_five = {r["athlete_id"] for r in state["roster"] if r["position"] in (1, 2, 3, 4, 5)}
    left = await asyncio.gather(*(cancel_mine(client, a, cid) for a in leaving))
    assert {a.status_code for a in left} == {200}

    after = await read(client, coach, cid)
    assert (after["booked"], after["waitlisted"]) == (12, 33)
    booked_now = {r["athlete_id"] for r in after["roster"] if r["status"] == "booked"}
    assert next_five <= booked_now and not booked_now & {a.id for a in leaving}
    assert [r["position"] for r in after["roster"] if r["status"] == "waitlisted"] == list(range(1, 34))


async def test_a_coach_raises_capacity_to_serve_the_waitlist_and_cannot_squeeze_the_booked(
    client: httpx.AsyncClient, coach: Account
) -> None:
    cid = (await schedule(client, coach, capacity=1))["id"]
    crowd = await linked_athletes(client, coach, 4)
    for athlete in crowd:
        assert (await book(client, athlete, cid)).status_code == 201

    raised = await client.patch(
        f"/api/v1/classes/{cid}",
        json={"capacity": 3, "location": "Outside", "coach_notes": "Bring a jacket"},
        headers=coach.headers,
    )

    assert raised.status_code == 200, raised.text
    body = raised.json()
    assert (body["capacity"], body["booked"], body["waitlisted"]) == (3, 3, 1)
    assert (body["location"], body["coach_notes"]) == ("Outside", "Bring a jacket")
    assert [(r["name"], r["status"]) for r in body["roster"]] == [
        ("A00", "booked"),
        ("A01", "booked"),
        ("A02", "booked"),
        ("A03", "waitlisted"),
    ]
    squeezed = await client.patch(f"/api/v1/classes/{cid}", json={"capacity": 2}, headers=coach.headers)
    assert squeezed.status_code == 409 and squeezed.json()["booked"] == 3
    null = await client.patch(f"/api/v1/classes/{cid}", json={"capacity": None}, headers=coach.headers)
    assert null.status_code == 422
    cleared = await client.patch(f"/api/v1/classes/{cid}", json={"location": None}, headers=coach.headers)
    assert cleared.json()["location"] is None and cleared.json()["coach_notes"] == "Bring a jacket"


async def test_a_coach_removes_a_booking_and_the_line_moves_up(
    client: httpx.AsyncClient, coach: Account
) -> None:
    cid = (await schedule(client, coach, capacity=1))["id"]
    holder, waiting = await linked_athletes(client, coach, 2)
    await book(client, holder, cid)
    await book(client, waiting, cid)

    other = await client.delete(f"/api/v1/classes/{cid}/bookings/{holder.id}", headers=waiting.headers)
    assert other.status_code == 403
    removed = await client.delete(f"/api/v1/classes/{cid}/bookings/{holder.id}", headers=coach.headers)

    assert removed.status_code == 200, removed.text
    assert removed.json()["status"] == "cancelled" and removed.json()["booked"] == 1
    assert (await read(client, waiting, cid))["my_booking"]["status"] == "booked"
    assert (await read(client, holder, cid))["my_booking"]["status"] == "cancelled"
    gone = await client.delete(f"/api/v1/classes/{cid}/bookings/{holder.id}", headers=coach.headers)
    assert gone.status_code == 404


async def test_a_cancelled_class_takes_no_bookings(
    client: httpx.AsyncClient, coach: Account, ana: Account
) -> None:
    cid = (await schedule(client, coach))["id"]
    await book(client, ana, cid)

    cancelled = await client.post(f"/api/v1/classes/{cid}/cancel", headers=coach.headers)

    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    late = await client.post(f"/api/v1/classes/{cid}/cancel", headers=coach.headers)
    assert late.status_code == 409 and late.json()["current_status"] == "cancelled"
    refused = await book(client, ana, cid)
    assert refused.status_code == 409 and refused.json()["current_status"] == "cancelled"
    edit = await client.patch(f"/api/v1/classes/{cid}", json={"capacity": 20}, headers=coach.headers)
    assert edit.status_code == 409
    assert (await read(client, ana, cid))["my_booking"]["status"] == "booked"


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"capacity": 0}, "capacity"),
        ({"capacity": 501}, "capacity"),
        ({"timezone": "Mars/Olympus_Mons"}, "unknown time zone"),
        ({"tracks": []}, "tracks"),
        ({"tracks": ["ELITE"]}, "tracks"),
        ({"gender_mode": "X"}, "gender_mode"),
        ({"team_size": 0}, "team_size"),
        ({"time": None}, "time"),
        ({"source": None}, "wod_id"),
        ({"source": "this is not wodcraft ((("}, ""),
    ],
)
async def test_bad_classes_are_refused_with_a_reason(
    client: httpx.AsyncClient, coach: Account, body: dict[str, Any], where: str
) -> None:
    payload = {"source": FRAN, "date": DAY.isoformat(), "time": "18:00", "capacity": 12} | body
    payload = {k: v for k, v in payload.items() if v is not None}

    refused = await client.post("/api/v1/classes", json=payload, headers=coach.headers)

    assert refused.status_code == 422, refused.text
    assert where in refused.text


async def test_only_coaches_schedule_classes(client: httpx.AsyncClient, ana: Account) -> None:
    refused = await client.post(
        "/api/v1/classes",
        json={"source": FRAN, "date": DAY.isoformat(), "time": "18:00", "capacity": 12},
        headers=ana.headers,
    )
    assert refused.status_code == 403


async def test_bookings_are_checked(
    client: httpx.AsyncClient, coach: Account, ana: Account, bo: Account
) -> None:
    cid = (await schedule(client, coach, tracks=["RX"]))["id"]

    off_track = await book(client, ana, cid, "SCALED")
    unknown = await book(client, ana, cid, "ELITE")
    unlinked = await book(client, bo, cid)
    own_class = await book(client, coach, cid)
    nowhere = await book(client, ana, str(uuid.uuid4()))

    assert off_track.status_code == 422 and "tracks" in off_track.json()["detail"]
    assert unknown.status_code == 422
    assert unlinked.status_code == 404
    assert own_class.status_code == 403
    assert nowhere.status_code == 404
    assert (await read(client, coach, cid))["booked"] == 0


async def test_a_class_that_has_started_takes_no_bookings(
    client: httpx.AsyncClient, coach: Account, ana: Account
) -> None:
    cid = (await schedule(client, coach, date=date(2020, 1, 6)))["id"]

    late = await book(client, ana, cid)

    assert late.status_code == 409 and "started" in late.json()["detail"]


async def test_list_ranges_are_checked(client: httpx.AsyncClient, ana: Account) -> None:
    backwards = await client.get("/api/v1/classes?from=2027-03-02&to=2027-03-01", headers=ana.headers)
    too_long = await client.get("/api/v1/classes?from=2027-01-01&to=2031-01-01", headers=ana.headers)
    assert backwards.status_code == 422 and too_long.status_code == 422


async def test_class_entries_for_the_calendar(
    client: httpx.AsyncClient, runtime: Runtime, coach: Account, ana: Account, bo: Account
) -> None:
    held = (await schedule(client, coach, title="Held", capacity=1))["id"]
    dropped = (await schedule(client, coach, title="Dropped", date=date(2027, 3, 3)))["id"]
    called_off = (await schedule(client, coach, title="Called off", date=date(2027, 3, 4)))["id"]
    later = (await schedule(client, coach, title="Later", date=date(2027, 5, 1)))["id"]
    (other,) = await linked_athletes(client, coach, 1)
    await book(client, other, held)
    assert (await book(client, ana, held)).json()["status"] == "waitlisted"
    await book(client, ana, dropped)
    await cancel_mine(client, ana, dropped)
    await book(client, ana, called_off)
    await book(client, ana, later)
    await client.post(f"/api/v1/classes/{called_off}/cancel", headers=coach.headers)

    async def entries(actor: Account, whose: Account) -> dict[str, tuple[str, str | None, str | None]]:
        async with runtime.sessions() as session:
            await set_rls_context(session, user_id=uuid.UUID(actor.id))
            found = await class_entries(
                session, uuid.UUID(actor.id), uuid.UUID(whose.id), date(2027, 3, 1), date(2027, 3, 31)
            )
        assert all(e.kind == "class" and e.exists and e.session_id is None for e in found)
        return {e.title: (e.status, e.booking, str(e.athlete_id) if e.athlete_id else None) for e in found}

    assert await entries(ana, ana) == {
        "Held": ("scheduled", "waitlisted", ana.id),
        "Called off": ("cancelled", "booked", ana.id),
    }
    assert await entries(coach, ana) == await entries(ana, ana)
    assert await entries(coach, coach) == {
        "Held": ("scheduled", None, None),
        "Dropped": ("scheduled", None, None),
        "Called off": ("cancelled", None, None),
    }
    assert await entries(bo, ana) == {}
    assert await entries(bo, coach) == {}


async def test_booked_classes_appear_in_the_calendar_next_to_sessions(
    client: httpx.AsyncClient, coach: Account, ana: Account
) -> None:
    from tests.planning.helpers import calendar, plan

    booked = (await schedule(client, coach, title="Evening class"))["id"]
    await schedule(client, coach, title="Not booked", date=date(2027, 3, 3))
    await book(client, ana, booked)
    mine = await plan(client, ana, date=DAY, time="07:00")

    entries = await calendar(client, ana, date(2027, 3, 1), date(2027, 3, 31))
    coached = await calendar(client, coach, date(2027, 3, 1), date(2027, 3, 31))

    assert [(e["kind"], e["title"]) for e in entries] == [
        ("one_off", mine["title"]),
        ("class", "Evening class"),
    ]
    assert entries[1]["class_id"] == booked and entries[1]["booking"] == "booked"
    assert [e["title"] for e in coached] == ["Evening class", "Not booked"]
