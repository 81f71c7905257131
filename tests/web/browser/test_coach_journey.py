"""A coach in Chromium: invites an athlete, writes a routine and assigns it; the live board on the
wall updates from events another client posts through the API."""

from __future__ import annotations

import datetime as dt
import re
import uuid

from playwright.sync_api import Page, expect

from tests.web.browser.conftest import Server, shoot

MINI = "# Mini\nFor time, cap 10:00\n  10 Pull-up\n  20 Push-up\n"


def _log_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")


def test_a_coach_invites_an_athlete_writes_a_routine_and_assigns_it(page: Page, server: Server) -> None:
    coach = server.account("coach", "Coach Cy")
    athlete = server.account("athlete", "Ana Assigned")
    _log_in(page, coach["email"])
    page.goto("/coach")
    page.get_by_label("Athlete's e-mail").fill(athlete["email"])
    page.get_by_role("button", name="Invite").click()
    expect(page.get_by_text("Invitation sent")).to_be_visible()
    with server.api() as api:
        links = api.get("/api/v1/links", headers={"Authorization": f"Bearer {athlete['token']}"}).json()
        accepted = api.post(
            f"/api/v1/links/{links[0]['id']}/accept", headers={"Authorization": f"Bearer {athlete['token']}"}
        )
        assert accepted.status_code == 200, accepted.text
    page.reload()
    expect(page.get_by_text("Ana Assigned")).to_be_visible()
    shoot(page, "coach-athletes")

    page.goto("/coach/routines")
    page.get_by_label("Name").fill("Base building")
    page.get_by_label("Weeks").fill("2")
    page.locator("#f-day-0-day_offset").fill("0")
    page.locator("#f-day-0-source").fill("Back squat 5x5 @ 70%\n")
    page.get_by_role("button", name="Create the routine").click()
    page.wait_for_url(re.compile(r"/coach/routines/[0-9a-f-]+"))
    shoot(page, "coach-routine")
    page.get_by_label("Athlete", exact=True).select_option(label="Ana Assigned")
    monday = dt.date.today() + dt.timedelta(days=7 - dt.date.today().weekday())
    page.get_by_label("Start date").fill(monday.isoformat())
    page.get_by_role("button", name="Assign", exact=True).click()
    expect(page.get_by_text(re.compile(r"Assigned: \d+ sessions? scheduled"))).to_be_visible()
    with server.api() as api:
        planned = api.get("/api/v1/sessions", headers={"Authorization": f"Bearer {athlete['token']}"}).json()
    assert planned["total"] >= 1
    assert page.js_errors == []  # type: ignore[attr-defined]


def test_the_live_board_updates_from_events_posted_by_another_client(page: Page, server: Server) -> None:
    coach = server.account("coach", "Coach Live")
    athlete = server.account("athlete", "Ana Live")
    as_coach = {"Authorization": f"Bearer {coach['token']}"}
    as_athlete = {"Authorization": f"Bearer {athlete['token']}"}
    with server.api() as api:
        invited = api.post("/api/v1/links", json={"athlete_email": athlete["email"]}, headers=as_coach)
        api.post(f"/api/v1/links/{invited.json()['id']}/accept", headers=as_athlete)
        made = api.post(
            "/api/v1/classes",
            headers=as_coach,
            json={
                "date": (dt.date.today() + dt.timedelta(days=1)).isoformat(),
                "time": "18:00",
                "capacity": 12,
                "source": MINI,
            },
        )
        assert made.status_code == 201, made.text
        class_id = made.json()["id"]
        booked = api.post(f"/api/v1/classes/{class_id}/bookings", json={"track": "RX"}, headers=as_athlete)
        assert booked.status_code == 201, booked.text

    _log_in(page, coach["email"])
    page.goto(f"/classes/{class_id}/board")
    expect(page.locator("#board-rows")).to_contain_text("Ana Live")
    expect(page.locator("#board-status")).to_have_text("Live")
    before = page.locator("#board-rows .score").first.inner_text()
    with server.api() as api:  # another client: the athlete's phone
        posted = api.post(
            f"/api/v1/classes/{class_id}/events",
            headers=as_athlete,
            json={
                "id": str(uuid.uuid4()),
                "athlete_id": athlete["id"],
                "offset_s": 30,
                "movement": "pull_up",
                "quantity": 10,
            },
        )
        assert posted.status_code == 200, posted.text
    expect(page.locator("#board-rows .score").first).not_to_have_text(before)
    expect(page.locator("#board-rows .score").first).to_contain_text("10")
    shoot(page, "class-board")
    assert page.js_errors == []  # type: ignore[attr-defined]
