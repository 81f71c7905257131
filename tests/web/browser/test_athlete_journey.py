"""An athlete's day in Chromium: sign up, plan a recurring session, run one date, reload, lose the
login mid-workout, finish, and find it in History, Records and Forge."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from tests.web.browser.conftest import Server, log_in_in_the_browser, shoot, sign_up_in_the_browser

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _set(page: Page, n: int, reps: str, load: str) -> None:
    page.get_by_label(f"Reps, set {n}").first.fill(reps)
    page.get_by_label("Load (kg)").nth(n - 1).fill(load)


def test_an_athlete_plans_runs_survives_a_reload_and_a_lost_login_and_finds_the_session_everywhere(
    page: Page, server: Server
) -> None:
    email = sign_up_in_the_browser(page, "Ana Browser")
    expect(page.get_by_role("heading", name="Readiness", exact=False)).to_be_visible()
    shoot(page, "today-new")

    today = dt.datetime.now(ZoneInfo("Europe/Paris")).date()
    page.goto("/plan")
    page.get_by_label("Title").fill("Squat day")
    page.get_by_label("Workout (WODCraft)").fill("Back squat 3x5 @ 100kg\n")
    page.get_by_label("Date").fill(today.isoformat())
    page.get_by_label("Repeats").select_option("weekly")
    page.locator(f'input[name="day_{WEEKDAYS[today.weekday()]}"]').check()
    page.get_by_label("Or a number of times").fill("4")
    shoot(page, "plan-form")
    # A double click on the submit button still plans one series.
    page.get_by_role("button", name="Plan it").dblclick()
    page.wait_for_url(re.compile(r"/sessions/[0-9a-f-]+$"))
    series_url = page.url
    expect(page.get_by_text("Every week on")).to_be_visible()
    shoot(page, "series")

    page.goto(f"/calendar?date={today.isoformat()}")
    # Every date of the series in this month is drawn before it exists (dashed, "virtual").
    expect(page.locator(".entry.virtual", has_text="Squat day").first).to_be_visible()
    shoot(page, "calendar-month")
    page.goto(f"/calendar?view=week&date={today.isoformat()}")
    expect(page.locator(".entry", has_text="Squat day")).to_have_count(1)
    shoot(page, "calendar-week")

    page.goto(series_url)
    page.get_by_role("button", name="Start").first.click()
    page.wait_for_url(re.compile(r"/run/[0-9a-f-]+$"))
    runner_url = page.url
    _set(page, 1, "5", "100")
    _set(page, 2, "5", "100")
    expect(page.locator("#saved-badge")).to_have_text(re.compile(r"^(Saved|saved \d+ s ago)$"))
    page.get_by_role("button", name="Start the timer").click()
    shoot(page, "runner")

    # Reload mid-way: the two sets come back from the server.
    page.reload()
    expect(page.get_by_label("Reps, set 1")).to_have_value("5")
    expect(page.get_by_label("Load (kg)").nth(1)).to_have_value("100")

    # The login ends mid-workout: the third set stays on this device and the page asks to log in.
    page.context.clear_cookies(name="atelier_login")
    _set(page, 3, "4", "100")
    expect(page.locator("#login-banner")).to_be_visible()
    shoot(page, "runner-login-ended")
    page.get_by_role("link", name="Log in again").click()
    log_in_in_the_browser(page, email)
    page.wait_for_url(runner_url)
    expect(page.get_by_label("Reps, set 3")).to_have_value("4")
    expect(page.locator("#saved-badge")).to_have_text(re.compile(r"^(Saved|saved \d+ s ago)$"))
    # What the server holds, without this device's memory: all three sets.
    page.evaluate("localStorage.clear()")
    page.reload()
    expect(page.get_by_label("Reps, set 3")).to_have_value("4")

    page.get_by_role("button", name="Finish the session").dblclick()
    page.wait_for_url(re.compile(r"/sessions/[0-9a-f-]+\?finished=1$"))
    expect(page.get_by_text("Session finished")).to_be_visible()
    expect(page.get_by_role("heading", name="New records")).to_be_visible()
    shoot(page, "session-finished")

    # The back button after finishing: the runner says so and logs nothing more.
    page.go_back()
    page.goto(runner_url)
    expect(page.get_by_text("nothing more to log")).to_be_visible()

    page.goto("/training/history")
    expect(page.get_by_text("Squat day").first).to_be_visible()
    shoot(page, "training-history")
    page.goto("/training/records")
    expect(page.get_by_text("Back squat").first).to_be_visible()
    shoot(page, "training-records")
    page.goto("/forge")
    expect(page.get_by_text("Squat day").first).to_be_visible()
    shoot(page, "forge-day")
    assert page.js_errors == []  # type: ignore[attr-defined]


def test_a_form_sent_with_missing_fields_keeps_what_was_typed(page: Page, server: Server) -> None:
    sign_up_in_the_browser(page, "Bo Browser")
    page.goto("/plan")
    page.get_by_label("Title").fill("Half typed")
    page.get_by_label("Repeats").select_option("weekly")
    page.get_by_role("button", name="Plan it").click()
    expect(page.locator("#source-error")).to_be_visible()
    expect(page.locator("#weekdays-error")).to_be_visible()
    expect(page.get_by_label("Title")).to_have_value("Half typed")
    shoot(page, "plan-form-errors")
