"""Routines, versions and assignments: a coach's 12-week program assigned to three athletes, and a
new version for one of them that keeps everything that athlete already did (invariant 5)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import text

from atelier.db import set_rls_context
from atelier.kit.runtime import Runtime
from atelier.planning.routines import day_date
from tests.conftest import Account, sign_up
from tests.planning.helpers import FRAN, SQUATS, link

pytestmark = pytest.mark.anyio

PRESS = "# Strict press 5x5\nStrict press 5x5 @ 70%\n"
DEADLIFT = "# Deadlift 3x5\nDeadlift 3x5 @ 80%\n"
ROWING = "# Row intervals\n5 rounds\n  500 m Row\n"


def today_in(zone: str) -> date:
    return datetime.now(UTC).astimezone(ZoneInfo(zone)).date()


def twelve_weeks(friday_wod: str | None = None) -> list[dict[str, Any]]:
    """Monday squats at 18:00, Wednesday Fran, Friday presses (or a stored WOD), for 12 weeks."""
    days: list[dict[str, Any]] = []
    for week in range(1, 13):
        days.append({"week": week, "weekday": "MO", "source": SQUATS, "time": "18:00", "notes": "belt"})
        days.append({"week": week, "weekday": "WE", "source": FRAN})
        friday: dict[str, Any] = {"wod_id": friday_wod} if friday_wod else {"source": PRESS}
        days.append({"week": week, "weekday": "FR", "title": f"Week {week} presses", **friday})
    return days


async def write_routine(
    client: httpx.AsyncClient, coach: Account, *, weeks: int = 12, days: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/routines",
        json={"title": "Road to the Open", "description": "strength first", "weeks": weeks,
              "days": days if days is not None else twelve_weeks()},
        headers=coach.headers,
    )  # fmt: skip
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def add_version(
    client: httpx.AsyncClient, coach: Account, routine_id: str, weeks: int, days: list[dict[str, Any]]
) -> dict[str, Any]:
    response = await client.post(
        f"/api/v1/routines/{routine_id}/versions", json={"weeks": weeks, "days": days}, headers=coach.headers
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def assign(
    client: httpx.AsyncClient,
    coach: Account,
    routine_id: str,
    version: int,
    athlete: Account,
    start: date,
    **more: Any,
) -> httpx.Response:
    return await client.post(
        f"/api/v1/routines/{routine_id}/versions/{version}/assignments",
        json={"athlete_id": athlete.id, "start_date": start.isoformat(), **more},
        headers=coach.headers,
    )


async def assigned(
    client: httpx.AsyncClient, coach: Account, routine_id: str, version: int, athlete: Account, start: date
) -> dict[str, Any]:
    response = await assign(client, coach, routine_id, version, athlete, start)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def sessions_of(client: httpx.AsyncClient, athlete: Account) -> list[dict[str, Any]]:
    response = await client.get("/api/v1/sessions", params={"limit": 200}, headers=athlete.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def act(client: httpx.AsyncClient, athlete: Account, session_id: str, action: str) -> dict[str, Any]:
    response = await client.post(f"/api/v1/sessions/{session_id}/{action}", headers=athlete.headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def count(runtime: Runtime, table: str) -> int:
    """Rows in ``table``, whoever owns them (system context: row-level security lets all through)."""
    async with runtime.sessions() as session:
        await set_rls_context(session, user_id=None, system=True)
        return int((await session.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())


async def linked_athlete(client: httpx.AsyncClient, coach: Account, name: str) -> Account:
    athlete = await sign_up(client, name=name)
    await link(client, coach, athlete)
    return athlete


# --- the story ----------------------------------------------------------------------------------


async def test_a_new_version_for_one_athlete_keeps_what_she_did_and_leaves_the_others_alone(
    client: httpx.AsyncClient, coach: Account, ana: Account
) -> None:
    dee = await linked_athlete(client, coach, "Dee")
    eli = await linked_athlete(client, coach, "Eli")
    routine = await write_routine(client, coach)
    rid = routine["id"]
    start = datetime.now(UTC).date() - timedelta(days=14)  # two weeks in: some dates are past

    first = {a.name: await assigned(client, coach, rid, 1, a, start) for a in (ana, dee, eli)}

    for athlete in (ana, dee, eli):
        made = first[athlete.name]
        assert made["sessions_created"] == 36 and made["replaced"] is None
        assert (made["status"], made["version"], made["coach_name"]) == ("active", 1, "Cy")
        assert made["end_date"] == (start + timedelta(days=83)).isoformat()
        entries = (
            await client.get(
                "/api/v1/calendar",
                params={"from": start.isoformat(), "to": (start + timedelta(days=83)).isoformat()},
                headers=athlete.headers,
            )
        ).json()["entries"]
        assert len(entries) == 36 and {e["routine_id"] for e in entries} == {rid}
        assert {e["status"] for e in entries} == {"scheduled"}
        own = await sessions_of(client, athlete)
        assert len(own) == 36 and all(s["snapshot"] and s["assignment_id"] == made["id"] for s in own)
    assert first["Ana"]["timezone"] == "Europe/Paris" and first["Dee"]["timezone"] == "UTC"
    frozen = (await client.get(f"/api/v1/routines/{rid}/versions/1", headers=coach.headers)).json()
    assert frozen["frozen"] and frozen["frozen_at"]

    # Ana trains: two sessions done, one skipped, one under way, one in the future started early.
    today = today_in("Europe/Paris")
    mine = sorted(await sessions_of(client, ana), key=lambda s: (s["date"], s["title"]))
    past = [s for s in mine if date.fromisoformat(s["date"]) < today]
    future = [s for s in mine if date.fromisoformat(s["date"]) > today]
    assert len(past) >= 5 and len(future) >= 2
    for done in past[:2]:
        await act(client, ana, done["id"], "start")
        await act(client, ana, done["id"], "complete")
    await act(client, ana, past[2]["id"], "skip")
    await act(client, ana, past[3]["id"], "start")
    await act(client, ana, future[0]["id"], "start")
    await act(client, ana, future[1]["id"], "skip")
    touched = {s["id"] for s in (*past[:4], *future[:2])}
    before = {s["id"]: s for s in await sessions_of(client, ana) if s["id"] in touched}
    expected_removed = sum(
        1 for s in mine if s["id"] not in touched and date.fromisoformat(s["date"]) >= today
    )

    await add_version(
        client, coach, rid, 8, [{"week": w, "weekday": "TU", "source": DEADLIFT} for w in range(1, 9)]
    )
    second = await assign(client, coach, rid, 2, ana, today)

    assert second.status_code == 201, second.text
    body = second.json()
    assert body["version"] == 2 and body["sessions_created"] == 8
    assert body["replaced"] == {
        "assignment_id": first["Ana"]["id"],
        "sessions_removed": expected_removed,
        "sessions_kept": 36 - expected_removed,
    }
    after = await sessions_of(client, ana)
    old = {s["id"]: s for s in after if s["assignment_id"] == first["Ana"]["id"]}
    assert len(old) == 36 - expected_removed
    for sid, was in before.items():
        assert old[sid]["status"] == was["status"] and old[sid]["snapshot"] == was["snapshot"]
    assert {old[s["id"]]["status"] for s in past[:4]} == {"completed", "skipped", "in_progress"}
    untouched_past = [s for s in past[4:]]
    assert all(old[s["id"]]["status"] == "scheduled" for s in untouched_past)  # the past is not rewritten
    assert all(date.fromisoformat(s["date"]) < today or s["id"] in touched for s in old.values())
    new = [s for s in after if s["assignment_id"] == body["id"]]
    assert len(new) == 8 and {s["title"] for s in new} == {"Deadlift 3x5"}

    history = {
        a["id"]: a for a in (await client.get("/api/v1/assignments", headers=ana.headers)).json()["items"]
    }
    assert history[first["Ana"]["id"]]["status"] == "replaced"
    assert history[first["Ana"]["id"]]["replaced_by_id"] == body["id"]
    assert history[first["Ana"]["id"]]["ended_at"] is not None
    assert history[body["id"]]["status"] == "active"
    for other in (dee, eli):
        theirs = await sessions_of(client, other)
        assert len(theirs) == 36 and {s["status"] for s in theirs} == {"scheduled"}
        listed = (await client.get("/api/v1/assignments", headers=other.headers)).json()["items"]
        assert [(a["id"], a["status"]) for a in listed] == [(first[other.name]["id"], "active")]


async def test_a_new_routine_replaces_the_active_one_too(
    client: httpx.AsyncClient, coach: Account, ana: Account
) -> None:
    start = today_in("Europe/Paris") + timedelta(days=3)
    strength = await write_routine(client, coach)
    engine = await write_routine(client, coach, weeks=2, days=[{"day_offset": 0, "source": ROWING}])
    old = await assigned(client, coach, strength["id"], 1, ana, start)

    new = await assigned(client, coach, engine["id"], 1, ana, start)

    assert new["replaced"] == {"assignment_id": old["id"], "sessions_removed": 36, "sessions_kept": 0}
    assert [s["title"] for s in await sessions_of(client, ana)] == ["Row intervals"]


# --- versions --------------------------------------------------------------------------------------


async def test_a_version_can_be_edited_until_it_is_assigned(
    client: httpx.AsyncClient, coach: Account, ana: Account
) -> None:
    routine = await write_routine(
        client, coach, weeks=1, days=[{"week": 1, "weekday": "MO", "source": SQUATS}]
    )
    url = f"/api/v1/routines/{routine['id']}/versions/1"
    edited = await client.put(
        url, json={"weeks": 2, "days": [{"day_offset": 8, "source": FRAN}]}, headers=coach.headers
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["weeks"] == 2 and edited.json()["days"][0]["workout_title"] == "Fran"
    assert not edited.json()["frozen"]

    await assigned(client, coach, routine["id"], 1, ana, date(2031, 3, 3))
    refused = await client.put(
        url, json={"weeks": 1, "days": [{"day_offset": 0, "source": SQUATS}]}, headers=coach.headers
    )

    assert refused.status_code == 409
    assert refused.json()["detail"] == "version 1 is frozen: it has been assigned; create a new version"
    assert (await client.get(url, headers=coach.headers)).json()["days"] == edited.json()["days"]
    v2 = await add_version(client, coach, routine["id"], 1, [{"day_offset": 0, "source": SQUATS}])
    assert v2["version"] == 2 and not v2["frozen"]
    whole = (await client.get(f"/api/v1/routines/{routine['id']}", headers=coach.headers)).json()
    assert [(v["version"], v["frozen"]) for v in whole["versions"]] == [(1, True), (2, False)]


async def test_bad_days_are_refused_all_at_once_by_index_and_nothing_is_written(
    client: httpx.AsyncClient, coach: Account, runtime: Runtime
) -> None:
    days = [
        {"week": 1, "weekday": "MO", "source": SQUATS},
        {"week": 1, "weekday": "TU", "day_offset": 3, "source": SQUATS},  # both forms
        {"day_offset": 2, "source": FRAN},
        {"week": 3, "weekday": "WE", "source": FRAN},  # week beyond the 2 weeks
        {"day_offset": 1, "source": "# Nope\nFor time\n"},  # an empty block
        {"week": 2, "source": FRAN},  # no weekday
        {"day_offset": 14, "source": SQUATS},  # offset beyond 2 weeks
        {"day_offset": 1},  # nothing planned
    ]

    response = await client.post(
        "/api/v1/routines", json={"title": "Broken", "weeks": 2, "days": days}, headers=coach.headers
    )

    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["invalid_days"] == [1, 3, 4, 5, 6, 7]
    (diagnosed,) = [e for e in problem["errors"] if e["day"] == 4]
    assert diagnosed["diagnostics"][0]["code"] == "E016"
    assert all(e["loc"] == ["body", "days", str(e["day"])] for e in problem["errors"])
    assert "days[1]" in problem["detail"]
    assert await count(runtime, "routines") == 0 and await count(runtime, "routine_versions") == 0


async def test_a_weekday_falls_in_its_week_counted_from_the_start_date() -> None:
    wednesday = date(2031, 1, 1)
    assert day_date(wednesday, {"week": 1, "weekday": "WE"}) == date(2031, 1, 1)
    assert day_date(wednesday, {"week": 1, "weekday": "TU"}) == date(2031, 1, 7)  # end of week 1
    assert day_date(wednesday, {"week": 1, "weekday": "MO"}) == date(2031, 1, 6)
    assert day_date(wednesday, {"week": 2, "weekday": "WE"}) == date(2031, 1, 8)
    assert day_date(wednesday, {"week": 12, "weekday": "TU"}) == date(2031, 3, 25)
    assert day_date(wednesday, {"day_offset": 0}) == wednesday
    assert day_date(wednesday, {"day_offset": 83}) == date(2031, 3, 25)


async def test_sessions_take_the_day_date_time_zone_title_and_notes(
    client: httpx.AsyncClient, coach: Account, ana: Account
) -> None:
    days = [
        {"week": 1, "weekday": "FR", "source": FRAN, "time": "06:30", "title": "Fran day", "notes": "chalk"},
        {"day_offset": 9, "source": SQUATS},
    ]
    routine = await write_routine(client, coach, weeks=2, days=days)
    start = date(2031, 1, 1)  # a Wednesday

    made = await assign(client, coach, routine["id"], 1, ana, start, timezone="America/New_York")

    assert made.status_code == 201, made.text
    rows = sorted(await sessions_of(client, ana), key=lambda s: s["date"])
    assert [(s["date"], s["time"], s["timezone"], s["title"], s["notes"]) for s in rows] == [
        ("2031-01-03", "06:30:00", "America/New_York", "Fran day", "chalk"),
        ("2031-01-10", None, "America/New_York", "Back squat 5x5", None),
    ]
    assert rows[0]["snapshot"]["name"] == "Fran" and rows[0]["created_by"] == coach.id
    assert rows[0]["kind"] == "one_off" and rows[0]["routine_id"] == routine["id"]
    zone = await assign(client, coach, routine["id"], 1, ana, start, timezone="Mars/Olympus")
    assert zone.status_code == 422


async def test_a_day_keeps_the_wod_version_it_was_written_with(
    client: httpx.AsyncClient, coach: Account, ana: Account
) -> None:
    wod = await client.post(
        "/api/v1/wods", json={"source": PRESS, "visibility": "private"}, headers=coach.headers
    )
    assert wod.status_code == 201, wod.text
    routine = await write_routine(
        client, coach, weeks=1, days=[{"day_offset": 0, "wod_id": wod.json()["id"]}]
    )
    changed = await client.patch(
        f"/api/v1/wods/{wod.json()['id']}", json={"source": DEADLIFT}, headers=coach.headers
    )
    assert changed.status_code == 200 and changed.json()["version"] == 2

    await assigned(client, coach, routine["id"], 1, ana, date(2031, 1, 1))

    (session,) = await sessions_of(client, ana)
    assert (session["wod_id"], session["wod_version"]) == (wod.json()["id"], 1)
    assert session["title"] == "Strict press 5x5" and session["snapshot"]["wod"]["version"] == 1
    assert (await client.get(f"/api/v1/wods/{wod.json()['id']}", headers=ana.headers)).status_code == 404


# --- who may do what ------------------------------------------------------------------------------


async def test_athletes_cannot_write_routines(
    client: httpx.AsyncClient, ana: Account, runtime: Runtime
) -> None:
    response = await client.post(
        "/api/v1/routines",
        json={"title": "Mine", "weeks": 1, "days": [{"day_offset": 0, "source": SQUATS}]},
        headers=ana.headers,
    )
    assert response.status_code == 403
    assert await count(runtime, "routines") == 0


async def test_assigning_to_an_athlete_you_do_not_coach_writes_nothing(
    client: httpx.AsyncClient, coach: Account, bo: Account, runtime: Runtime
) -> None:
    routine = await write_routine(client, coach)
    pending = await sign_up(client, name="Pat")
    invited = await client.post("/api/v1/links", json={"athlete_email": pending.email}, headers=coach.headers)
    assert invited.status_code == 201  # invited, never accepted: not coached yet

    for athlete in (bo, pending, coach):
        refused = await assign(client, coach, routine["id"], 1, athlete, date(2031, 1, 1))
        assert refused.status_code == 404 and refused.json()["detail"] == "athlete not found"

    assert await count(runtime, "routine_assignments") == 0 and await count(runtime, "sessions") == 0
    version = (await client.get(f"/api/v1/routines/{routine['id']}/versions/1", headers=coach.headers)).json()
    assert not version["frozen"]


async def test_another_coach_cannot_touch_your_routine(
    client: httpx.AsyncClient, coach: Account, ana: Account, runtime: Runtime
) -> None:
    routine = await write_routine(client, coach)
    rid = routine["id"]
    made = await assigned(client, coach, rid, 1, ana, date(2031, 1, 1))
    rival = await sign_up(client, role="coach", name="Rita")
    await link(client, rival, ana)  # she coaches Ana too, but the routine is not hers
    one_day = {"weeks": 1, "days": [{"day_offset": 0, "source": SQUATS}]}

    answers = [
        await client.get(f"/api/v1/routines/{rid}", headers=rival.headers),
        await client.get(f"/api/v1/routines/{rid}/versions/1", headers=rival.headers),
        await client.post(f"/api/v1/routines/{rid}/versions", json=one_day, headers=rival.headers),
        await client.put(f"/api/v1/routines/{rid}/versions/1", json=one_day, headers=rival.headers),
        await assign(client, rival, rid, 1, ana, date(2031, 2, 1)),
        await client.get(f"/api/v1/assignments/{made['id']}", headers=rival.headers),
        await client.post(f"/api/v1/assignments/{made['id']}/end", headers=rival.headers),
    ]

    assert [a.status_code for a in answers] == [404] * len(answers), [a.text for a in answers]
    listed = await client.get("/api/v1/routines", headers=rival.headers)
    assert listed.json()["total"] == 0
    assert (await client.get("/api/v1/assignments", headers=rival.headers)).json()["total"] == 0
    assert await count(runtime, "routine_versions") == 1 and await count(runtime, "routine_assignments") == 1
    # Rita's own assignment to Ana does not replace Cy's: each coach has one active program.
    hers = await write_routine(client, rival, weeks=1, days=[{"day_offset": 0, "source": ROWING}])
    rita_made = await assigned(client, rival, hers["id"], 1, ana, date(2031, 1, 1))
    assert rita_made["replaced"] is None
    statuses = {
        a["coach_name"]: a["status"]
        for a in (await client.get("/api/v1/assignments", headers=ana.headers)).json()["items"]
    }
    assert statuses == {"Cy": "active", "Rita": "active"}


async def test_athletes_see_who_assigned_what_and_only_their_versions(
    client: httpx.AsyncClient, coach: Account, ana: Account, bo: Account
) -> None:
    routine = await write_routine(client, coach)
    rid = routine["id"]
    start = date(2031, 1, 6)
    await assigned(client, coach, rid, 1, ana, start)
    await add_version(client, coach, rid, 1, [{"day_offset": 0, "source": SQUATS}])  # a draft

    listed = (await client.get("/api/v1/assignments", headers=ana.headers)).json()
    (mine,) = listed["items"]
    assert {k: mine[k] for k in ("routine_title", "version", "coach_id", "coach_name", "athlete_name")} == {
        "routine_title": "Road to the Open",
        "version": 1,
        "coach_id": coach.id,
        "coach_name": "Cy",
        "athlete_name": "Ana",
    }
    assert (mine["start_date"], mine["status"], mine["weeks"]) == ("2031-01-06", "active", 12)
    routines = (await client.get("/api/v1/routines", headers=ana.headers)).json()
    assert [(r["id"], r["mine"], r["versions"], r["coach_name"]) for r in routines["items"]] == [
        (rid, False, [1], "Cy")
    ]
    detail = (await client.get(f"/api/v1/routines/{rid}", headers=ana.headers)).json()
    assert [v["version"] for v in detail["versions"]] == [1] and len(detail["versions"][0]["days"]) == 36
    assert (await client.get(f"/api/v1/routines/{rid}/versions/2", headers=ana.headers)).status_code == 404
    coach_view = (await client.get("/api/v1/routines", headers=coach.headers)).json()["items"]
    assert coach_view[0]["versions"] == [1, 2] and coach_view[0]["mine"]
    by_athlete = await client.get("/api/v1/assignments", params={"athlete_id": ana.id}, headers=coach.headers)
    assert [a["athlete_name"] for a in by_athlete.json()["items"]] == ["Ana"]
    nobody = await client.get("/api/v1/assignments", params={"athlete_id": bo.id}, headers=coach.headers)
    assert nobody.json()["items"] == []
    assert (await client.get("/api/v1/assignments", headers=bo.headers)).json()["total"] == 0
    assert (await client.get(f"/api/v1/routines/{rid}", headers=bo.headers)).status_code == 404
    assert (await client.get("/api/v1/routines", headers=bo.headers)).json()["total"] == 0
    ended = await client.post(f"/api/v1/assignments/{mine['id']}/end", headers=ana.headers)
    assert ended.status_code == 403


async def test_ending_an_assignment_removes_only_future_scheduled_sessions(
    client: httpx.AsyncClient, coach: Account, ana: Account
) -> None:
    today = today_in("Europe/Paris")
    days = [{"day_offset": n, "source": SQUATS} for n in range(0, 14, 2)]  # 7 days, every other day
    routine = await write_routine(client, coach, weeks=2, days=days)
    made = await assigned(client, coach, routine["id"], 1, ana, today - timedelta(days=6))
    rows = sorted(await sessions_of(client, ana), key=lambda s: s["date"])
    future = [s for s in rows if date.fromisoformat(s["date"]) >= today]
    await act(client, ana, future[0]["id"], "start")

    ended = await client.post(f"/api/v1/assignments/{made['id']}/end", headers=coach.headers)

    assert ended.status_code == 200, ended.text
    assert ended.json()["status"] == "ended" and ended.json()["ended_at"]
    assert (ended.json()["sessions_removed"], ended.json()["sessions_kept"]) == (
        len(future) - 1,
        7 - len(future) + 1,
    )
    left = await sessions_of(client, ana)
    assert len(left) == 7 - len(future) + 1
    again = await client.post(f"/api/v1/assignments/{made['id']}/end", headers=coach.headers)
    assert again.status_code == 409 and again.json()["current_status"] == "ended"


async def test_concurrent_assignments_leave_one_active(
    client: httpx.AsyncClient, coach: Account, ana: Account
) -> None:
    routine = await write_routine(
        client, coach, weeks=1, days=[{"day_offset": n, "source": SQUATS} for n in range(3)]
    )
    start = date(2031, 1, 1)

    answers = await asyncio.gather(*(assign(client, coach, routine["id"], 1, ana, start) for _ in range(6)))

    assert {a.status_code for a in answers} == {201}, [a.text for a in answers if a.status_code != 201]
    listed = (await client.get("/api/v1/assignments", headers=ana.headers)).json()["items"]
    assert sorted(a["status"] for a in listed) == ["active"] + ["replaced"] * 5
    assert sum(1 for a in answers if a.json()["replaced"] is None) == 1
    (active,) = [a for a in listed if a["status"] == "active"]
    assert {s["assignment_id"] for s in await sessions_of(client, ana)} == {active["id"]}
    assert len(await sessions_of(client, ana)) == 3
