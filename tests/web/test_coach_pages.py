"""The coach's pages and classes: invitations, routines assigned from a page, classes scheduled and
booked from a page, the live board (its rows and its stream), and nobody reaching another's."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import uuid
from collections.abc import MutableMapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import Account, sign_up
from tests.planning.helpers import FRAN, SQUATS, link
from tests.training.test_events import MINI, a_class, book, event, post
from tests.web.conftest import Browser

pytestmark = pytest.mark.anyio


def today() -> date:
    return datetime.now(UTC).date()


def _id_in(location: str, prefix: str) -> str:
    found = re.match(rf"{re.escape(prefix)}([0-9a-f-]{{36}})", location)
    assert found, location
    return found.group(1)


@pytest.fixture
async def box(client: httpx.AsyncClient) -> dict[str, Account]:
    """Coach Cy linked to Ana; Bo coached by nobody; Dee, another box's coach."""
    cy = await sign_up(client, role="coach", name="Cy")
    ana = await sign_up(client, name="Ana")
    await link(client, cy, ana)
    return {
        "cy": cy,
        "ana": ana,
        "bo": await sign_up(client, name="Bo"),
        "dee": await sign_up(client, role="coach", name="Dee"),
    }


async def _routine(coach: Browser) -> str:
    """Two Monday squat days and a Fran three days after the start, written on the page."""
    written = await coach.post(
        "/coach/routines",
        {
            "title": "Base block",
            "weeks": "2",
            "day_count": "4",
            "day-0-week": "1",
            "day-0-weekday": "MO",
            "day-0-source": SQUATS,
            "day-0-notes": "belt",
            "day-1-week": "2",
            "day-1-weekday": "MO",
            "day-1-source": SQUATS,
            "day-2-day_offset": "3",
            "day-2-source": FRAN,
            "action": "create",
        },
    )
    assert written.status_code == 303, written.text
    return _id_in(written.headers["location"], "/coach/routines/")


async def _class(coach: Browser, **more: str) -> str:
    made = await coach.post(
        "/coach/classes",
        {
            "source": MINI,
            "date": (today() + timedelta(days=10)).isoformat(),
            "time": "18:00",
            "capacity": "12",
            "location": "Main hall",
            "track_RX": "on",
            "track_SCALED": "on",
            "gender_mode": "MIXED",
            "team_size": "1",
            "duration_minutes": "60",
            **more,
        },
    )
    assert made.status_code == 303, made.text
    return _id_in(made.headers["location"], "/classes/")


async def test_an_invited_athlete_accepts_on_the_coaching_page_and_appears_on_the_coach_page(
    browser, client
) -> None:
    cy = await sign_up(client, role="coach", name="Cy")
    ana = await sign_up(client, name="Ana")
    coach, athlete = await browser(cy), await browser(ana)

    invited = await coach.post("/coach/invite", {"athlete_email": ana.email})
    pending = await coach.get("/coach")
    invitations = await athlete.get("/coaching-links")
    found = re.search(r'action="/coaching-links/([0-9a-f-]{36})/accept"', invitations.text)
    assert found, invitations.text
    accepted = await athlete.post(f"/coaching-links/{found.group(1)}/accept")
    coached = await coach.get("/coach")
    mine = await athlete.get("/coaching-links")

    assert invited.status_code == 303 and invited.headers["location"] == "/coach?invited=1"
    assert "Pending invitations" in pending.text and "Ana" in pending.text
    assert "Cy invites you to be coached." in invitations.text and "Decline" in invitations.text
    assert accepted.status_code == 303
    linked = coached.text.split("Linked athletes")[1].split("Pending invitations")[0]
    assert "Ana" in linked and "None yet" in linked
    assert "Current coaches" in mine.text and "Cy" in mine.text.split("Current coaches")[1]
    links = await client.get("/api/v1/links", headers=ana.headers)
    assert [row["status"] for row in links.json()] == ["active"]


async def test_an_invitation_to_an_unknown_or_malformed_email_is_refused_by_the_field(
    browser, client
) -> None:
    coach = await browser(await sign_up(client, role="coach"))

    unknown = await coach.post("/coach/invite", {"athlete_email": "nobody@example.com"})
    malformed = await coach.post("/coach/invite", {"athlete_email": "not an e-mail"})

    assert unknown.status_code == 404 and 'id="athlete_email-error"' in unknown.text
    assert "No account uses this e-mail" in unknown.text and 'value="nobody@example.com"' in unknown.text
    assert malformed.status_code == 422 and 'id="athlete_email-error"' in malformed.text


async def test_a_routine_written_on_the_page_and_assigned_schedules_the_athletes_sessions(
    browser, client, box
) -> None:
    coach = await browser(box["cy"])
    routine_id = await _routine(coach)
    start = today() + timedelta(days=7)

    assigned = await coach.post(
        f"/coach/routines/{routine_id}/assign",
        {"athlete_id": box["ana"].id, "version": "1", "start_date": start.isoformat()},
    )
    page = await coach.get(assigned.headers["location"])

    assert assigned.status_code == 303 and "created=3" in assigned.headers["location"]
    assert "Assigned: 3 sessions scheduled." in page.text
    assert "Version 1" in page.text and "Frozen" in page.text and "belt" in page.text
    assert "Week 2, Monday" in page.text and "Start + 3 days" in page.text
    sessions = await client.get("/api/v1/sessions", headers=box["ana"].headers)
    planned = [s for s in sessions.json()["items"] if s["routine_id"] == routine_id]
    monday = start + timedelta(days=-start.weekday() % 7)
    expected = [monday, monday + timedelta(days=7), start + timedelta(days=3)]
    assert sorted(s["date"] for s in planned) == sorted(d.isoformat() for d in expected)


async def test_reassigning_reports_the_sessions_removed_and_kept(browser, client, box) -> None:
    coach = await browser(box["cy"])
    routine_id = await _routine(coach)
    # From a week ago: the first Monday and the Fran are in the past (kept), the second Monday ahead.
    first = await coach.post(
        f"/coach/routines/{routine_id}/assign",
        {
            "athlete_id": box["ana"].id,
            "version": "1",
            "start_date": (today() - timedelta(days=7)).isoformat(),
        },
    )
    again = await coach.post(
        f"/coach/routines/{routine_id}/assign",
        {
            "athlete_id": box["ana"].id,
            "version": "1",
            "start_date": (today() + timedelta(days=1)).isoformat(),
        },
    )
    page = await coach.get(again.headers["location"])

    assert first.status_code == again.status_code == 303
    assert "removed=1&kept=2" in again.headers["location"]
    assert "1 sessions removed, 2 kept" in page.text
    assignments = await client.get(
        "/api/v1/assignments", params={"routine_id": routine_id}, headers=box["cy"].headers
    )
    assert sorted(a["status"] for a in assignments.json()["items"]) == ["active", "replaced"]


async def test_assigning_to_an_athlete_who_is_not_linked_is_refused_next_to_the_athlete_field(
    browser, client, box
) -> None:
    coach = await browser(box["cy"])
    routine_id = await _routine(coach)

    refused = await coach.post(
        f"/coach/routines/{routine_id}/assign",
        {"athlete_id": box["bo"].id, "version": "1", "start_date": today().isoformat()},
    )
    blank = await coach.post(
        f"/coach/routines/{routine_id}/assign", {"athlete_id": "", "version": "1", "start_date": ""}
    )

    assert refused.status_code == 422 and 'id="athlete_id-error"' in refused.text
    assert "You do not coach this athlete" in refused.text
    assert blank.status_code == 422 and 'id="athlete_id-error"' in blank.text
    assert 'id="start_date-error"' in blank.text
    assignments = await client.get("/api/v1/assignments", headers=box["cy"].headers)
    assert assignments.json()["total"] == 0


async def test_a_routine_day_that_does_not_compile_is_refused_on_that_day_with_the_form_kept(
    browser, box
) -> None:
    coach = await browser(box["cy"])

    refused = await coach.post(
        "/coach/routines",
        {"title": "Broken", "weeks": "1", "day_count": "2", "day-1-day_offset": "0",
         "day-1-source": "# Oops\nFor time\n  10 Flying unicorn\n", "action": "create"},
    )  # fmt: skip
    more = await coach.post("/coach/routines", {"title": "Growing", "day_count": "3", "action": "add_day"})

    assert refused.status_code == 422 and 'id="day-1-error"' in refused.text
    assert 'value="Broken"' in refused.text and "Flying unicorn" in refused.text
    assert more.status_code == 200 and 'name="day-3-source"' in more.text and 'value="Growing"' in more.text


async def test_scheduling_a_class_without_capacity_or_time_says_so_by_the_fields_and_keeps_the_rest(
    browser, client, box
) -> None:
    coach = await browser(box["cy"])

    refused = await coach.post(
        "/coach/classes",
        {"source": MINI, "date": (today() + timedelta(days=3)).isoformat(), "time": "", "capacity": "",
         "location": "Main hall", "track_SCALED": "on", "gender_mode": "MIXED"},
    )  # fmt: skip
    no_track = await coach.post(
        "/coach/classes",
        {"source": MINI, "date": today().isoformat(), "time": "18:00", "capacity": "8", "gender_mode": "M"},
    )

    assert refused.status_code == 422
    assert 'id="capacity-error"' in refused.text and 'id="time-error"' in refused.text
    assert 'value="Main hall"' in refused.text and "10 Pull-up" in refused.text
    assert re.search(r'name="track_SCALED"\s+checked', refused.text)
    assert not re.search(r'name="track_RX"\s+checked', refused.text)
    assert no_track.status_code == 422 and 'id="tracks-error"' in no_track.text
    listed = await client.get("/api/v1/classes", headers=box["cy"].headers)
    assert listed.json() == []


async def test_an_athlete_books_on_the_page_and_a_second_click_keeps_one_booking(
    browser, client, box
) -> None:
    class_id = await _class(await browser(box["cy"]))
    athlete = await browser(box["ana"])

    listed = await athlete.get("/classes")
    first = await athlete.post(f"/classes/{class_id}/book", {"track": "SCALED", "back": "/classes"})
    second = await athlete.post(f"/classes/{class_id}/book", {"track": "SCALED", "back": "/classes"})
    page = await athlete.get(f"/classes/{class_id}")

    assert listed.status_code == 200 and "Mini" in listed.text and f"/classes/{class_id}/book" in listed.text
    assert first.status_code == second.status_code == 303 and second.headers["location"] == "/classes"
    assert "Booked · SCALED" in page.text and "Cancel my booking" in page.text
    assert "Main hall" in page.text and f"/classes/{class_id}/board" in page.text
    read = await client.get(f"/api/v1/classes/{class_id}", headers=box["cy"].headers)
    assert read.json()["booked"] == 1 and [r["name"] for r in read.json()["roster"]] == ["Ana"]

    cancelled = await athlete.post(f"/classes/{class_id}/unbook", {"back": f"/classes/{class_id}"})
    again = await athlete.post(f"/classes/{class_id}/unbook", {"back": f"/classes/{class_id}"})
    assert cancelled.status_code == again.status_code == 303
    assert (await client.get(f"/api/v1/classes/{class_id}", headers=box["cy"].headers)).json()["booked"] == 0


async def test_the_coach_sees_the_bookings_of_the_class(browser, box) -> None:
    coach = await browser(box["cy"])
    class_id = await _class(coach, capacity="1")
    await (await browser(box["ana"])).post(f"/classes/{class_id}/book", {"track": "RX"})

    page = await coach.get(f"/classes/{class_id}")
    mine = await coach.get("/coach/classes")

    assert "Bookings" in page.text and "Ana" in page.text and "1 of 1 booked" in page.text
    assert "Mini" in mine.text.split("Upcoming")[1].split("Schedule a class")[0]


async def test_the_board_rows_show_an_event_posted_through_the_events_api(browser, client, box) -> None:
    class_id = await _class(await browser(box["cy"]))
    athlete = await browser(box["ana"])
    await athlete.post(f"/classes/{class_id}/book", {"track": "RX"})
    before = await athlete.htmx("GET", f"/classes/{class_id}/board/rows")

    posted = await post(client, box["ana"], class_id, event(box["ana"], 30, "pull_up", 10))
    rows = await athlete.htmx("GET", f"/classes/{class_id}/board/rows")
    board = await (await browser(box["cy"])).get(f"/classes/{class_id}/board")

    assert posted.status_code == 200, posted.text
    assert "Ana" in before.text and "—" in before.text
    assert "CAP + 10 reps" in rows.text and "Push-up" in rows.text  # on to the next movement
    assert "<html" not in rows.text
    assert board.status_code == 200 and f'data-stream="/classes/{class_id}/board/stream"' in board.text
    assert 'data-seq="1"' in board.text and "CAP + 10 reps" in board.text


class EventStream:
    """A Server-Sent Events answer read from the app as it is sent: httpx's ASGI transport waits for
    a response to end, and this one never does. Every wait is bounded; leaving disconnects."""

    def __init__(self, app: FastAPI, path: str, browser: Browser) -> None:
        cookie = "; ".join(f"{name}={value}" for name, value in browser.client.cookies.items())
        self.scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [
                (b"host", b"atelier.test"),
                (b"accept", b"text/event-stream"),
                (b"cookie", cookie.encode()),
            ],
            "server": ("atelier.test", 80),
            "client": ("127.0.0.1", 50000),
        }
        self.app = app
        self.sent: asyncio.Queue[MutableMapping[str, Any]] = asyncio.Queue()
        self.gone = asyncio.Event()
        self.buffer = ""
        self.status = 0
        self.headers: dict[str, str] = {}

    async def __aenter__(self) -> EventStream:
        asked = False

        async def receive() -> dict[str, Any]:
            nonlocal asked
            if not asked:
                asked = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await self.gone.wait()
            return {"type": "http.disconnect"}

        self.task = asyncio.create_task(self.app(self.scope, receive, self.sent.put))
        start = await asyncio.wait_for(self.sent.get(), 10)
        self.status = start["status"]
        self.headers = {k.decode(): v.decode() for k, v in start["headers"]}
        return self

    async def board(self) -> dict[str, Any]:
        """The next ``board`` event (keep-alive comments skipped)."""
        while True:
            if "\n\n" in self.buffer:
                block, self.buffer = self.buffer.split("\n\n", 1)
                lines = block.splitlines()
                if "event: board" in lines:
                    data = "".join(line[5:].strip() for line in lines if line.startswith("data:"))
                    return dict(json.loads(data))
                continue
            message = await asyncio.wait_for(self.sent.get(), 10)
            if not message.get("more_body", False) and not message.get("body"):
                raise AssertionError("the stream ended")
            self.buffer += message.get("body", b"").decode()

    async def __aexit__(self, *_: object) -> None:
        self.gone.set()
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


async def test_the_board_stream_sends_the_board_now_and_each_change_for_the_page_login(
    app, browser, client, box
) -> None:
    class_id = await a_class(client, box["cy"], MINI, date=(today() + timedelta(days=5)).isoformat())
    await book(client, box["ana"], class_id)
    await post(client, box["ana"], class_id, event(box["ana"], 30, "pull_up", 10))
    wall = await browser(box["ana"])

    async with EventStream(app, f"/classes/{class_id}/board/stream", wall) as stream:
        first = await stream.board()
        await post(client, box["ana"], class_id, event(box["ana"], 70, "push_up", 20))
        second = await stream.board()
    async with EventStream(app, f"/classes/{class_id}/board/stream", await browser(box["bo"])) as hidden:
        pass

    assert stream.status == 200 and stream.headers["content-type"].startswith("text/event-stream")
    assert [first["seq"], second["seq"]] == [1, 2]
    assert [first["rows"][0]["display"], second["rows"][0]["display"]] == ["CAP + 10 reps", "1:10"]
    assert hidden.status == 404


async def test_another_coach_or_athlete_reaches_nothing_of_cys_routines_and_classes(
    browser, client, box
) -> None:
    cy = await browser(box["cy"])
    routine_id = await _routine(cy)
    class_id = await _class(cy)
    dee, bo = await browser(box["dee"]), await browser(box["bo"])

    for url in (
        f"/coach/routines/{routine_id}",
        f"/classes/{class_id}",
        f"/classes/{class_id}/board",
        f"/classes/{class_id}/board/rows",
        f"/classes/{class_id}/board/stream",
        f"/coach/routines/{uuid.uuid4()}",
    ):
        answer = await dee.get(url)
        assert answer.status_code == 404, url
        assert "Base block" not in answer.text and "Main hall" not in answer.text
    assigned = await dee.post(
        f"/coach/routines/{routine_id}/assign",
        {"athlete_id": box["ana"].id, "version": "1", "start_date": today().isoformat()},
    )
    booked = await bo.post(f"/classes/{class_id}/book", {"track": "RX"})
    bo_sees = await bo.get(f"/classes/{class_id}")

    assert assigned.status_code == 404 and booked.status_code == 404 and bo_sees.status_code == 404
    read = await client.get(f"/api/v1/classes/{class_id}", headers=box["cy"].headers)
    assert read.json()["booked"] == 0
    assignments = await client.get("/api/v1/assignments", headers=box["cy"].headers)
    assert assignments.json()["total"] == 0


async def test_an_athlete_cannot_open_the_coach_pages(browser, box) -> None:
    athlete = await browser(box["ana"])

    for url in ("/coach", "/coach/routines", "/coach/classes"):
        answer = await athlete.get(url)
        assert answer.status_code == 403 and "Coaches only" in answer.text, url
    invite = await athlete.post("/coach/invite", {"athlete_email": "someone@example.com"})
    assert invite.status_code == 403
