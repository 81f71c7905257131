"""Calendar, planning form and session page: series dates shown before they exist, started one by one."""

from __future__ import annotations

import datetime as dt
import re

import httpx
import pytest

from tests.conftest import Account
from tests.planning.helpers import plan

pytestmark = pytest.mark.anyio


def _next_monday() -> dt.date:
    today = dt.date.today()
    return today + dt.timedelta(days=7 - today.weekday())


async def test_planning_a_weekly_series_shows_every_date_on_the_calendar(
    browser, client, ana: Account
) -> None:
    page = await browser(ana)
    start = _next_monday()
    answer = await page.post(
        "/plan",
        {
            "source": "Back squat 5x5 @ 75%\n",
            "title": "Squats",
            "date": start.isoformat(),
            "time": "18:00",
            "repeat": "weekly",
            "day_MO": "1",
            "day_TH": "1",
            "interval": "1",
            "count": "6",
        },
    )
    assert answer.status_code == 303, answer.text
    series_url = answer.headers["location"]
    series = await page.get(series_url)
    assert "Every week on Mon, Thu, 6 times" in series.text
    month = await page.get(f"/calendar?date={start.isoformat()}")
    # The dates of a series are drawn before any of them exists (dashed "virtual" entries).
    assert month.text.count("entry scheduled virtual") >= 2
    week = await page.get(f"/calendar?view=week&date={start.isoformat()}")
    assert week.text.count("18:00 Squats") == 2


async def test_a_planning_form_with_mistakes_says_what_is_wrong_by_each_field(browser, ana: Account) -> None:
    page = await browser(ana)
    missing = await page.post("/plan", {"title": "Nothing", "date": "", "repeat": "weekly", "interval": "1"})
    assert missing.status_code == 422
    assert 'id="source-error"' in missing.text and 'id="weekdays-error"' in missing.text
    assert 'value="Nothing"' in missing.text
    broken = await page.post(
        "/plan", {"source": "Back squat 5x5 @@@\n", "date": "2027-01-04", "repeat": "none"}
    )
    assert broken.status_code == 422 and 'id="source-error"' in broken.text
    assert "Back squat 5x5 @@@" in broken.text  # the source typed is kept
    no_date = await page.post(
        "/plan",
        {
            "source": "Back squat 5x5\n",
            "date": "2027-01-04",
            "repeat": "monthly",
            "month_day": "31",
            "until": "2027-01-20",
            "interval": "1",
        },
    )
    assert no_date.status_code == 422
    assert 'class="form-message"' in no_date.text or 'id="repeat-error"' in no_date.text
    listed = await page.client.get("/api/v1/sessions", headers=ana.headers)
    assert listed.json()["total"] == 0  # nothing half-written


async def test_starting_one_date_of_a_series_opens_the_runner_for_that_date_only(
    browser, client: httpx.AsyncClient, ana: Account
) -> None:
    start = dt.date.today()
    series = await plan(client, ana, date=start, repeat={"freq": "daily", "count": 3}, title="Daily squats")
    page = await browser(ana)
    started = await page.post(f"/sessions/{series['id']}/dates/{start.isoformat()}/start")
    assert started.status_code == 303 and started.headers["location"].startswith("/run/")
    again = await page.post(f"/sessions/{series['id']}/dates/{start.isoformat()}/start")  # a double click
    assert again.headers["location"] == started.headers["location"]
    children = (await client.get(f"/api/v1/sessions/{series['id']}/occurrences", headers=ana.headers)).json()
    assert [c["status"] for c in children] == ["in_progress"]


async def test_someone_elses_session_is_not_found_on_every_page(
    browser, client: httpx.AsyncClient, ana: Account, bo: Account
) -> None:
    planned = await plan(client, ana, date=dt.date.today(), title="Ana's squats")
    page = await browser(bo)
    for url in (f"/sessions/{planned['id']}", f"/run/{planned['id']}"):
        answer = await page.get(url)
        assert answer.status_code == 404 and "Ana's squats" not in answer.text
    for url in (f"/sessions/{planned['id']}/start", f"/sessions/{planned['id']}/skip"):
        assert (await page.post(url)).status_code == 404
    status = (await client.get(f"/api/v1/sessions/{planned['id']}", headers=ana.headers)).json()["status"]
    assert status == "scheduled"
    month = await page.get("/calendar")
    assert "Ana&#39;s squats" not in month.text and "Ana's squats" not in month.text


async def test_a_coach_planned_session_says_who_planned_it(
    browser, client: httpx.AsyncClient, ana: Account, coach: Account
) -> None:
    planned = await plan(client, coach, date=dt.date.today(), title="From coach", athlete_id=ana.id)
    page = await browser(ana)
    shown = await page.get(f"/sessions/{planned['id']}")
    assert re.search(r"Planned for you by Cy", shown.text)
