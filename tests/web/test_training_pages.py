"""The Training tabs (History, Records, Progression, Advice): real logged data, in the reader's units
and language, the numbers of the charts, "Ask a coach" → accept once, and nobody sees another's data."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from markupsafe import escape

from atelier.coaching import insights
from tests.conftest import Account, sign_up
from tests.planning.helpers import calendar
from tests.training.test_records import kg, lifted, new_wod, scored

HEAVY = "# Heavy squats\nBack squat 5x5\n"
TRIPLES = "# Squat triples\nBack squat 5x3\n"
FRAN = "# Fran\n21-15-9 for time, cap 10:00\n  Thruster 43/30 kg\n  Pull-up\n"
NBSP = "\u00a0"


@pytest.fixture
async def ana(client: httpx.AsyncClient) -> Account:
    account = await sign_up(client, name="Ana")
    await _profile(client, account, timezone="Europe/Paris")
    return account


@pytest.fixture
async def bo(client: httpx.AsyncClient) -> Account:
    return await sign_up(client, name="Bo")


async def _profile(client: httpx.AsyncClient, account: Account, **changes: str) -> None:
    answer = await client.patch("/api/v1/me/profile", json=changes, headers=account.headers)
    assert answer.status_code == 200, answer.text


def _ago(days: int) -> date:
    return date.today() - timedelta(days=days)


async def _two_squat_sessions(client: httpx.AsyncClient, account: Account) -> tuple[str, str]:
    """5 × 5 at 100 kg two weeks ago (Epley e1RM 116.7), then 110 kg × 3 at RPE 9 a week ago (123.3)."""
    first = await lifted(client, account, _ago(14), [{"reps": 5, "load": kg(100)}] * 5, source=HEAVY)
    second = await lifted(client, account, _ago(7), [{"reps": 3, "load": kg(110), "rpe": 9}], source=TRIPLES)
    return first, second


def _chart(page: str, chart_id: str) -> dict[str, Any]:
    found = re.search(rf"<canvas id=\"{chart_id}\"[^>]*data-chart='([^']*)'", page)
    assert found, f"no chart {chart_id}"
    spec: dict[str, Any] = json.loads(found.group(1))
    return spec


async def test_history_lists_finished_sessions_newest_first_with_duration_volume_and_records(
    browser, client, ana
) -> None:
    first, second = await _two_squat_sessions(client, ana)
    page = await (await browser(ana)).get("/training/history")

    assert page.status_code == 200
    text = page.text
    assert text.index("Squat triples") < text.index("Heavy squats")  # newest first
    assert f'href="/sessions/{first}"' in text and f'href="/sessions/{second}"' in text
    assert f"2,500{NBSP}kg" in text and f"330{NBSP}kg" in text  # 5 × 5 × 100 and 3 × 110
    assert text.count("badge record") == 2  # each set a record (the second beat the first's 1RM)
    assert "2 finished sessions" in text


async def test_history_without_finished_sessions_points_to_the_calendar(browser, client, ana) -> None:
    page = await (await browser(ana)).get("/training/history")
    assert "No finished session yet." in page.text and 'href="/calendar"' in page.text


async def test_records_page_shows_the_best_squat_in_pounds_for_a_pound_user(browser, client, ana) -> None:
    await _two_squat_sessions(client, ana)
    await _profile(client, ana, units="lb")

    page = (await (await browser(ana)).get("/training/records")).text

    assert f"220.5{NBSP}lb" in page  # 5-rep best: 100 kg
    assert f"242.5{NBSP}lb" in page  # 1- and 3-rep best: 110 kg
    assert f"271.8{NBSP}lb" in page and "RTS RPE chart" in page  # e1RM 123.3 kg from the RPE set
    assert f"{NBSP}kg" not in page
    assert 'href="/training/progression?movement=back_squat"' in page


async def test_records_list_the_best_wod_score_with_a_link_to_its_progression(browser, client, ana) -> None:
    fran = await new_wod(client, ana, FRAN)
    await scored(client, ana, fran, _ago(20), {"time_s": 300})
    await scored(client, ana, fran, _ago(6), {"time_s": 245})

    page = (await (await browser(ana)).get("/training/records")).text

    assert "4:05" in page and "5:00" not in page
    assert f'href="/training/progression?wod={fran}"' in page


async def test_progression_charts_carry_the_logged_numbers_and_the_table_repeats_them(
    browser, client, ana
) -> None:
    await _two_squat_sessions(client, ana)
    fran = await new_wod(client, ana, FRAN)
    await scored(client, ana, fran, _ago(15), {"time_s": 300})
    await scored(client, ana, fran, _ago(1), {"time_s": 245})

    page = (await (await browser(ana)).get("/training/progression?by=week")).text

    load = _chart(page, "load-chart")
    assert load["unit"] == "kg"
    assert [s["values"] for s in load["series"]] == [[116.7, 123.3], [100, 110]]
    assert _chart(page, "volume-chart")["series"][0]["values"] == [2500, 330]
    scores = _chart(page, "wod-chart")
    assert scores["lower_is_better"] is True and scores["unit"] == "min"
    assert scores["series"][0]["values"] == [5.0, 4.08]
    assert f"123.3{NBSP}kg" in page and "4:05" in page  # the same numbers in the tables
    assert "analysed" in page  # the analysis of the period is above the charts


async def test_progression_by_month_in_pounds(browser, client, ana) -> None:
    await lifted(client, ana, _ago(3), [{"reps": 5, "load": kg(100)}], source=HEAVY)
    await _profile(client, ana, units="lb")

    page = (await (await browser(ana)).get("/training/progression?by=month&period=month")).text

    load = _chart(page, "load-chart")
    assert load["unit"] == "lb" and load["series"][1]["values"] == [220.5]
    assert 'value="month" selected' in page


async def test_advice_renders_the_insights_of_the_logged_sessions(browser, client, ana) -> None:
    await _two_squat_sessions(client, ana)
    expected = (await client.get("/api/v1/coaching/insights", headers=ana.headers)).json()

    visitor = await browser(ana)
    page = (await visitor.get("/training/advice")).text

    assert escape(expected["progressionTrends"]["volume"]["comment"]) in page
    assert escape(expected["recommendations"][0]["title"]) in page
    assert "2 sessions analysed" in page
    assert "Ask a coach" in page
    part = (await visitor.get("/training/advice/insights")).text  # what the page polls
    assert "<html" not in part and escape(expected["summary"]) in part


async def test_advice_without_sessions_shows_the_starter_message(browser, client, ana) -> None:
    starter = (await client.get("/api/v1/coaching/insights", headers=ana.headers)).json()["summary"]
    page = (await (await browser(ana)).get("/training/advice")).text
    assert escape(starter) in page and 'href="/calendar"' in page


async def test_a_second_refresh_within_the_hour_says_when_to_try_again(browser, client, ana) -> None:
    visitor = await browser(ana)
    await visitor.get("/training/advice")
    first = await visitor.post("/training/advice/refresh")
    assert first.status_code == 303 and first.headers["location"] == "/training/advice?refreshed=1"

    second = await visitor.post("/training/advice/refresh")

    assert second.status_code == 429
    assert "try again in 60 min" in second.text and 'class="notice"' in second.text


async def test_insights_still_being_written_are_polled(browser, client, ana, monkeypatch) -> None:
    async def pending(*args: object) -> insights.Answer:
        return insights.Answer("pending", None)

    monkeypatch.setattr(insights, "read", pending)
    visitor = await browser(ana)

    for url, part in (("/training/advice", "/training/advice/insights"), ("/training/progression", "")):
        page = (await visitor.get(url)).text
        assert "being prepared" in page and 'hx-trigger="every 5s"' in page
        if part:
            assert f'hx-get="{part}"' in page


async def test_asking_a_coach_then_accepting_twice_makes_exactly_one_session(browser, client, ana) -> None:
    visitor = await browser(ana)
    await visitor.get("/training/advice")
    asked = await visitor.post(
        "/training/advice/coach", {"discipline": "strength", "minutes": "40", "equipment": "barbell"}
    )
    assert asked.status_code == 303, asked.text
    offer_url = asked.headers["location"]
    offer = (await client.get("/api/v1/coaching/prescriptions", headers=ana.headers)).json()[0]
    assert offer_url == f"/training/advice/offers/{offer['id']}"

    page = (await visitor.get(offer_url)).text
    assert escape(offer["reasons"][0]) in page
    assert escape(offer["source"].splitlines()[0]) in page and "Strength coach" in page

    accepted = await visitor.post(f"{offer_url}/accept")
    again = await visitor.post(f"{offer_url}/accept")

    session_id = (
        await client.get(f"/api/v1/coaching/prescriptions/{offer['id']}", headers=ana.headers)
    ).json()["session_id"]
    assert accepted.status_code == 303 and accepted.headers["location"] == f"/sessions/{session_id}"
    assert again.status_code == 409 and f'href="/sessions/{session_id}"' in again.text
    planned = await calendar(client, ana, _ago(2), _ago(-2))
    assert [e["session_id"] for e in planned if e["title"] == offer["title"]] == [session_id]


@pytest.mark.parametrize(("minutes", "message"), [("", "Say how many minutes"), ("lots", "whole number")])
async def test_bad_minutes_are_refused_next_to_the_field_and_what_was_typed_is_kept(
    browser, client, ana, minutes: str, message: str
) -> None:
    visitor = await browser(ana)
    await visitor.get("/training/advice")

    answer = await visitor.post(
        "/training/advice/coach", {"discipline": "endurance", "minutes": minutes, "equipment": "rower"}
    )

    assert answer.status_code == 422
    assert 'id="minutes-error"' in answer.text and message in answer.text
    assert f'name="minutes" type="text" value="{minutes}"' in answer.text
    assert '<option value="endurance" selected>' in answer.text
    assert 'value="rower" checked' in answer.text
    assert (await client.get("/api/v1/coaching/prescriptions", headers=ana.headers)).json() == []


async def test_the_pages_speak_french_for_a_french_reader(browser, client, ana) -> None:
    await _two_squat_sessions(client, ana)
    await _profile(client, ana, language="fr")

    history = (await (await browser(ana)).get("/training/history")).text

    assert "<h1>Historique</h1>" in history and "Durée" in history
    assert f"2\u202f500{NBSP}kg" in history or f"2{NBSP}500{NBSP}kg" in history
    records = (await (await browser(ana)).get("/training/records")).text
    assert "Squat arrière" in records  # the catalog's French name of the movement
    assert "Table RPE de RTS" in records


async def test_bo_sees_only_his_own_data_and_cannot_open_or_accept_anas_offer(
    browser, client, ana, bo
) -> None:
    await _two_squat_sessions(client, ana)
    fran = await new_wod(client, ana, FRAN)
    await scored(client, ana, fran, _ago(2), {"time_s": 245})
    offer = (
        await client.post(
            "/api/v1/coaching/prescriptions",
            json={"discipline": "strength", "minutes": 30},
            headers=ana.headers,
        )
    ).json()
    visitor = await browser(bo)

    for url in (
        "/training/history",
        "/training/records",
        f"/training/progression?wod={fran}",
        "/training/advice",
    ):
        page = await visitor.get(url)
        assert page.status_code == 200, url
        for theirs in ("Heavy squats", "Squat triples", "Fran", "4:05", offer["title"]):
            assert theirs not in page.text, (url, theirs)
    assert "No finished session yet." in (await visitor.get("/training/history")).text

    assert (await visitor.get(f"/training/advice/offers/{offer['id']}")).status_code == 404
    assert (await visitor.post(f"/training/advice/offers/{offer['id']}/accept")).status_code == 404
    still = (await client.get(f"/api/v1/coaching/prescriptions/{offer['id']}", headers=ana.headers)).json()
    assert still["session_id"] is None and still["accepted_at"] is None
