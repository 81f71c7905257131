"""The runner: saves go through the API's auto-save, survive a reload, and an ended login loses nothing."""

from __future__ import annotations

import datetime as dt
import uuid

import httpx
import pytest

from tests.conftest import Account
from tests.planning.helpers import plan
from tests.web.conftest import Browser

pytestmark = pytest.mark.anyio
SQUATS_AND_FRAN = (
    "# Squats then Fran\n## Strength\nBack squat 3x5 @ 100kg\n"
    "## Fran\nFor time\n  21-15-9\n    Thruster @ 43kg\n    Pull-up\n"
)


async def _running(browser, client: httpx.AsyncClient, ana: Account, source: str = SQUATS_AND_FRAN):
    planned = await plan(client, ana, date=dt.date.today(), source=source, title="Squats then Fran")
    page: Browser = await browser(ana)
    started = await page.post(f"/sessions/{planned['id']}/start")
    assert started.headers["location"] == f"/run/{planned['id']}"
    return page, planned["id"]


async def _save(page: Browser, sid: str, position: int, body: dict, key: str | None = None) -> httpx.Response:
    headers = {
        "X-CSRF-Token": page.csrf,
        "Accept": "application/json",
        "Idempotency-Key": key or str(uuid.uuid4()),
    }
    return await page.client.put(f"/run/{sid}/exercises/{position}", json=body, headers=headers)


async def test_the_runner_shows_the_timeline_and_a_set_saved_comes_back_after_a_reload(
    browser, client: httpx.AsyncClient, ana: Account
) -> None:
    page, sid = await _running(browser, client, ana)
    runner = await page.get(f"/run/{sid}")
    assert runner.status_code == 200 and "Back squat" in runner.text and "timer-clock" in runner.text
    assert '"segments"' in runner.text and "cap" in runner.text
    saved = await _save(
        page, sid, 0, {"version": 1, "data": {"sets": [{"reps": 5, "load": {"value": 100, "unit": "kg"}}]}}
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["version"] == 2
    again = await page.get(f"/run/{sid}")
    assert 'value="100"' in again.text and 'value="5"' in again.text
    progress = (await client.get(f"/api/v1/sessions/{sid}/progress", headers=ana.headers)).json()
    assert progress["exercises"][0]["data"]["sets"][0]["reps"] == 5


async def test_a_retried_save_is_applied_once_and_a_stale_one_gets_the_current_state(
    browser, client: httpx.AsyncClient, ana: Account
) -> None:
    page, sid = await _running(browser, client, ana)
    body = {"version": 1, "data": {"sets": [{"reps": 5}]}}
    first = await _save(page, sid, 0, body, key="k1")
    retry = await _save(page, sid, 0, body, key="k1")
    assert first.json()["version"] == retry.json()["version"] == 2
    stale = await _save(page, sid, 0, {"version": 1, "data": {"sets": [{"reps": 4}]}})
    assert stale.status_code == 409 and stale.json()["current"]["version"] == 2


async def test_an_ended_login_answers_the_runner_with_401_and_a_login_link_and_keeps_the_saved_sets(
    browser, client: httpx.AsyncClient, ana: Account
) -> None:
    page, sid = await _running(browser, client, ana)
    assert (await _save(page, sid, 0, {"version": 1, "data": {"sets": [{"reps": 5}]}})).status_code == 200
    page.client.cookies.delete("atelier_login")
    refused = await _save(page, sid, 0, {"version": 2, "data": {"sets": [{"reps": 5}, {"reps": 5}]}})
    assert refused.status_code == 401 and refused.json()["login"] == f"/login?next=/run/{sid}"
    reload = await page.get(f"/run/{sid}")
    assert reload.status_code == 303 and reload.headers["location"] == f"/login?next=/run/{sid}"
    progress = (await client.get(f"/api/v1/sessions/{sid}/progress", headers=ana.headers)).json()
    assert progress["exercises"][0]["data"]["sets"] == [{"reps": 5}]


async def test_finishing_with_a_time_records_the_score_and_a_second_click_changes_nothing(
    browser, client: httpx.AsyncClient, ana: Account
) -> None:
    page, sid = await _running(
        browser, client, ana, source="# Fran\nFor time\n  21-15-9\n    Thruster @ 43kg\n    Pull-up\n"
    )
    runner = await page.get(f"/run/{sid}")
    assert 'name="time"' in runner.text
    bad = await page.post(f"/run/{sid}/finish", {"time": "seven minutes", "rx": "1"})
    assert bad.status_code == 422 and 'id="time-error"' in bad.text and 'value="seven minutes"' in bad.text
    done = await page.post(f"/run/{sid}/finish", {"time": "7:32", "rx": "1"})
    assert done.status_code == 303 and done.headers["location"] == f"/sessions/{sid}?finished=1"
    twice = await page.post(f"/run/{sid}/finish", {"time": "6:00", "rx": "1"})
    assert twice.headers["location"] == f"/sessions/{sid}"
    result = (await client.get(f"/api/v1/sessions/{sid}/result", headers=ana.headers)).json()
    assert result["score_value"] == 452 and result["is_rx"] is True
    back = await page.get(f"/run/{sid}")  # the back button after finishing
    assert back.status_code == 200 and "nothing more to log" in back.text and "finish-form" not in back.text


async def test_today_offers_to_resume_or_discard_an_interrupted_session(
    browser, client: httpx.AsyncClient, ana: Account
) -> None:
    page, sid = await _running(browser, client, ana)
    place = await page.client.put(
        f"/run/{sid}/place",
        json={
            "current_exercise": 0,
            "current_set": 1,
            "timers": {"elapsed_s": 95, "running": True},
            "reason": "set",
        },
        headers={"X-CSRF-Token": page.csrf, "Accept": "application/json"},
    )
    assert place.status_code == 200, place.text
    today = await page.get("/")
    assert "A session was interrupted" in today.text and f'href="/run/{sid}"' in today.text
    runner = await page.get(f"/run/{sid}")
    assert '"elapsed_s": 95' in runner.text
    discarded = await page.post(f"/recovery/{sid}/discard")
    assert discarded.status_code == 303
    assert "A session was interrupted" not in (await page.get("/")).text
    status = (await client.get(f"/api/v1/sessions/{sid}", headers=ana.headers)).json()["status"]
    assert status == "cancelled"


async def test_bo_cannot_save_into_or_finish_anas_session(
    browser, client: httpx.AsyncClient, ana: Account, bo: Account
) -> None:
    _, sid = await _running(browser, client, ana)
    intruder = await browser(bo)
    await intruder.get("/")
    assert (await _save(intruder, sid, 0, {"version": 1, "data": {"sets": [{"reps": 9}]}})).status_code == 404
    assert (await intruder.post(f"/run/{sid}/finish", {})).status_code == 404
    assert (await intruder.post(f"/recovery/{sid}/discard")).status_code == 404
    status = (await client.get(f"/api/v1/sessions/{sid}", headers=ana.headers)).json()["status"]
    assert status == "in_progress"


async def test_the_runners_timeline_shows_loads_resolved_for_the_athlete_in_their_units(
    browser, client: httpx.AsyncClient, ana: Account
) -> None:
    fran = "# Fran\nFor time\n  21-15-9\n    Thruster @ 95/65 lb\n    Pull-up\n"
    page, sid = await _running(browser, client, ana, source=fran)
    runner = await page.get(f"/run/{sid}")
    assert "Thruster 43 kg" in runner.text and "95/65" not in runner.text
