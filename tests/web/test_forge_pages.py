"""Forge pages: the day's ledger from every source, manual entries and wearable files through the
page, history with its chart, insights, progression and goals — each only for its owner."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from atelier.kit.runtime import Runtime
from tests.conftest import Account
from tests.forge.conftest import ana, bo, fit_ana
from tests.forge.corpus import START
from tests.forge.helpers import forge, manual, trained

__all__ = ["ana", "bo", "fit_ana"]

FILES = Path(__file__).parents[1] / "forge" / "files"
RIDE_DAY = START.date()  # ride_hr.gpx: 5 minutes from 07:30 UTC on 4 May 2024
EVENING = datetime(2024, 5, 4, 17, 0, tzinfo=UTC)
_CHART = re.compile(r"id=\"([\w-]+)\" role=\"img\" aria-label=\"[^\"]*\" data-chart='([^']*)'")


async def imported(client: httpx.AsyncClient, account: Account, name: str) -> dict[str, Any]:
    answer = await client.post(
        "/api/v1/recordings",
        files={"file": (name, (FILES / name).read_bytes())},
        headers=account.headers,
    )
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def charts(page: str) -> dict[str, dict[str, Any]]:
    return {found[0]: json.loads(html.unescape(found[1])) for found in _CHART.findall(page)}


def total_card(page: str, source: str) -> str:
    found = re.search(rf'class="card forge-total {source}">(.*?)</div>', page, re.S)
    assert found, source
    return found.group(1)


async def test_the_day_shows_calories_by_source_for_a_session_a_manual_entry_and_a_file(
    browser, client: httpx.AsyncClient, runtime: Runtime, fit_ana: Account
) -> None:
    await trained(client, runtime, fit_ana, RIDE_DAY, started_at=EVENING, minutes=45, rpe=8)
    await manual(
        client, fit_ana, name="Bike commute", activity_date=RIDE_DAY.isoformat(), duration_minutes=30
    )
    await imported(client, fit_ana, "ride_hr.gpx")
    expected = await forge(client, fit_ana, "day", RIDE_DAY)
    wearable = expected["by_source"]["wearable"]["calories"]
    ana_browser = await browser(fit_ana)

    page = await ana_browser.get(f"/forge?date={RIDE_DAY.isoformat()}")

    assert page.status_code == 200
    # Strength at RPE 8: MET 6 × 60 kg × 0.75 h = 270 kcal; cycling: MET 8 × 60 kg × 0.5 h = 240 kcal.
    assert "270\u00a0kcal" in total_card(page.text, "training")
    assert "240\u00a0kcal" in total_card(page.text, "manual")
    assert f"{round(wearable)}\u00a0kcal" in total_card(page.text, "wearable")
    assert f"{round(510 + wearable)}\u00a0kcal" in total_card(page.text, "total")
    assert "Bike commute" in page.text and "Ride (GPX)" in page.text
    assert "09:30" in page.text  # the ride started 07:30 UTC: half past nine in Paris
    assert "Training sessions synced: 1" in page.text


async def test_uploading_a_gpx_through_the_page_creates_a_wearable_activity(
    browser, client: httpx.AsyncClient, ana: Account
) -> None:
    ana_browser = await browser(ana)
    await ana_browser.get("/forge")

    sent = await ana_browser.post(
        "/forge/recordings",
        {"day": "2024-05-10"},
        files={"file": ("ride_hr.gpx", (FILES / "ride_hr.gpx").read_bytes(), "application/gpx+xml")},
    )

    assert sent.status_code == 303
    assert sent.headers["location"].startswith("/forge?date=2024-05-04&recording=")
    shown = await ana_browser.get(sent.headers["location"])
    assert "ride_hr.gpx is now a wearable activity of this day." in shown.text
    [activity] = (await forge(client, ana, "day", RIDE_DAY))["activities"]
    assert (activity["source"], activity["name"]) == ("wearable", "Ride (GPX)")
    assert f"/forge/activities/{activity['id']}/delete" in shown.text

    again = await ana_browser.post(
        "/forge/recordings",
        {"day": "2024-05-04"},
        files={"file": ("ride_hr.gpx", (FILES / "ride_hr.gpx").read_bytes(), "application/gpx+xml")},
    )
    assert again.headers["location"].endswith("&duplicate=1")
    assert "was imported before" in (await ana_browser.get(again.headers["location"])).text
    assert len((await forge(client, ana, "day", RIDE_DAY))["activities"]) == 1


async def test_a_file_that_cannot_be_read_is_refused_on_the_file_field_and_nothing_is_created(
    browser, client: httpx.AsyncClient, ana: Account
) -> None:
    ana_browser = await browser(ana)
    await ana_browser.get("/forge")

    sent = await ana_browser.post(
        "/forge/recordings",
        {"day": "2024-05-04"},
        files={"file": ("export.gpx", (FILES / "not_xml.gpx").read_bytes(), "application/gpx+xml")},
    )

    assert sent.status_code == 422
    error = re.search(r'<p class="field-error" id="file-error" role="alert">(.*?)</p>', sent.text, re.S)
    assert error and "This file could not be read" in error.group(1)
    assert 'aria-describedby="file-error"' in sent.text
    listed = await client.get("/api/v1/recordings", headers=ana.headers)
    assert listed.json() == []
    assert (await forge(client, ana, "day", RIDE_DAY))["activities"] == []


async def test_a_manual_entry_without_its_duration_is_refused_by_the_field_and_keeps_what_was_typed(
    browser, client: httpx.AsyncClient, ana: Account
) -> None:
    ana_browser = await browser(ana)
    await ana_browser.get("/forge?date=2024-05-04")

    sent = await ana_browser.post(
        "/forge/activities",
        {
            "day": "2024-05-04",
            "name": "Evening swim",
            "activity_type": "swimming",
            "activity_date": "2024-05-04",
            "duration_minutes": "",
            "notes": "open water",
        },
    )

    assert sent.status_code == 422
    assert 'id="duration_minutes-error"' in sent.text and "Field required" in sent.text
    assert 'value="Evening swim"' in sent.text and "open water</textarea>" in sent.text
    assert re.search(r'<option value="swimming"\s+selected>', sent.text)
    assert (await forge(client, ana, "day", RIDE_DAY))["activities"] == []


async def test_a_manual_entry_sent_twice_is_one_activity(
    browser, client: httpx.AsyncClient, ana: Account
) -> None:
    ana_browser = await browser(ana)
    await ana_browser.get("/forge")
    entry = {
        "name": "Hike",
        "activity_type": "hiking",
        "activity_date": "2024-05-04",
        "start_time": "09:30",
        "duration_minutes": "90",
    }

    first = await ana_browser.post("/forge/activities", entry)
    second = await ana_browser.post("/forge/activities", entry)

    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == "/forge?date=2024-05-04"
    [hike] = (await forge(client, ana, "day", RIDE_DAY))["activities"]
    assert (hike["duration_seconds"], hike["started_at"]) == (5400, "2024-05-04T07:30:00Z")


async def test_a_pound_user_types_and_reads_distances_in_miles(
    browser, client: httpx.AsyncClient, ana: Account
) -> None:
    changed = await client.patch("/api/v1/me/profile", json={"units": "lb"}, headers=ana.headers)
    assert changed.status_code == 200, changed.text
    ana_browser = await browser(ana)
    page = await ana_browser.get("/forge?date=2024-05-04")
    assert "Distance (mi, optional)" in page.text

    sent = await ana_browser.post(
        "/forge/activities",
        {
            "name": "Long run",
            "activity_type": "running",
            "activity_date": "2024-05-04",
            "duration_minutes": "80",
            "distance": "10",
        },
    )

    assert sent.status_code == 303
    [run] = (await forge(client, ana, "day", RIDE_DAY))["activities"]
    assert run["distance_m"] == 16093.4
    shown = await ana_browser.get("/forge?date=2024-05-04")
    # Not a bare "km": the page's random CSRF token may hold those two letters.
    assert "10\u00a0mi" in shown.text
    assert "\u00a0km" not in shown.text and "(km" not in shown.text


async def test_the_day_page_speaks_french_to_a_french_reader(
    browser, client: httpx.AsyncClient, ana: Account
) -> None:
    await client.patch("/api/v1/me/profile", json={"language": "fr"}, headers=ana.headers)
    await manual(client, ana, name="Vélotaf", activity_date="2024-05-04", duration_minutes=30)
    ana_browser = await browser(ana)

    page = await ana_browser.get("/forge?date=2024-05-04")

    assert '<html lang="fr">' in page.text
    assert "samedi 4 mai 2024" in page.text
    assert "Calories par source" in page.text and "Ajouter une activité" in page.text
    assert "Importer un fichier de montre" in page.text and "Cyclisme" in page.text
    assert "Add an activity" not in page.text


async def test_another_user_can_neither_see_nor_delete_anas_activity(
    browser, client: httpx.AsyncClient, ana: Account, bo: Account
) -> None:
    commute = await manual(client, ana, name="Ana's commute", activity_date="2024-05-04")
    ride = await imported(client, ana, "ride_hr.gpx")
    bo_browser = await browser(bo)

    seen = await bo_browser.get(f"/forge?date=2024-05-04&recording={ride['recording']['id']}")
    deleted = await bo_browser.post(f"/forge/activities/{commute['id']}/delete")
    also = await bo_browser.post(f"/forge/activities/{ride['activity_id']}/delete")

    assert seen.status_code == 200
    assert "Ana's commute" not in seen.text and "ride_hr.gpx" not in seen.text
    assert deleted.status_code == also.status_code == 404
    names = [a["name"] for a in (await forge(client, ana, "day", RIDE_DAY))["activities"]]
    assert sorted(names) == ["Ana's commute", "Ride (GPX)"]


async def test_ana_deletes_her_manual_entry_and_her_file_but_not_a_synced_session(
    browser, client: httpx.AsyncClient, runtime: Runtime, ana: Account
) -> None:
    commute = await manual(client, ana, name="Commute", activity_date="2024-05-04")
    ride = await imported(client, ana, "ride_hr.gpx")
    await trained(client, runtime, ana, RIDE_DAY, started_at=EVENING, minutes=30)
    [session_row] = [
        a for a in (await forge(client, ana, "day", RIDE_DAY))["activities"] if a["source"] == "training"
    ]
    ana_browser = await browser(ana)
    await ana_browser.get("/forge?date=2024-05-04")

    assert (await ana_browser.post(f"/forge/activities/{commute['id']}/delete")).status_code == 303
    assert (await ana_browser.post(f"/forge/activities/{ride['activity_id']}/delete")).status_code == 303
    refused = await ana_browser.post(f"/forge/activities/{session_row['id']}/delete")

    assert refused.status_code == 409 and "correct the session instead" in refused.text
    left = (await forge(client, ana, "day", RIDE_DAY))["activities"]
    assert [a["source"] for a in left] == ["training"]
    assert (await client.get("/api/v1/recordings", headers=ana.headers)).json() == []


async def test_the_history_chart_stacks_each_days_calories_by_source_with_the_table_beside_it(
    browser, client: httpx.AsyncClient, ana: Account
) -> None:
    await manual(client, ana, name="Swim", activity_type="swimming", activity_date="2024-05-01", calories=300)
    await manual(client, ana, name="Row", activity_type="rowing", activity_date="2024-05-03", calories=150)
    ride = await imported(client, ana, "ride_hr.gpx")
    ride_kcal = ride["recording"]["calories"]
    ana_browser = await browser(ana)

    page = await ana_browser.get("/forge/history?period=week&date=2024-05-02")

    spec = charts(page.text)["forge-calories"]
    assert (spec["type"], spec["stacked"], spec["unit"]) == ("bar", True, "kcal")
    assert spec["labels"] == ["Mon 29", "Tue 30", "Wed 1", "Thu 2", "Fri 3", "Sat 4", "Sun 5"]
    by_source = {series["label"]: series["values"] for series in spec["series"]}
    assert by_source["Manual"] == [0, 0, 300, 0, 150, 0, 0]
    assert by_source["Wearable"] == [0, 0, 0, 0, 0, ride_kcal, 0]
    assert by_source["Training"] == [0] * 7
    assert "450\u00a0kcal" in total_card(page.text, "manual")
    assert re.search(
        r"Wed 1 May 2024</a></th>\s*<td class=\"num\">0</td>\s*<td class=\"num\">300</td>", page.text
    )

    month = await ana_browser.get("/forge/history?period=month&date=2024-05-02")
    assert len(charts(month.text)["forge-calories"]["labels"]) == 31


async def test_insights_show_readiness_load_and_the_zones_of_a_recording(
    browser, client: httpx.AsyncClient, fit_ana: Account
) -> None:
    await imported(client, fit_ana, "run_30min.fit")
    ana_browser = await browser(fit_ana)

    page = await ana_browser.get("/forge/insights")

    assert page.status_code == 200
    assert "Readiness today" in page.text and "Recovery" in page.text
    found = charts(page.text)
    assert [s["label"] for s in found["forge-load"]["series"]] == [
        "Acute load (7 days)",
        "Chronic load (28 days)",
    ]
    assert len(found["forge-load"]["labels"]) == 56
    zones = {s["label"]: s["values"] for s in found["forge-zones"]["series"]}
    assert sum(v[0] for v in zones.values()) == 30.0  # the 30-minute run, minute by minute in its zones


async def test_progression_totals_the_last_twelve_weeks_and_goals_are_added_and_deleted(
    browser, client: httpx.AsyncClient, ana: Account, bo: Account
) -> None:
    today = datetime.now(ZoneInfo("Europe/Paris")).date()  # Ana's week, not the server's
    await manual(client, ana, activity_date=today.isoformat(), duration_minutes=45, distance_m=12000)
    ana_browser = await browser(ana)

    page = await ana_browser.get("/forge/progression")

    found = charts(page.text)
    assert len(found["forge-minutes"]["labels"]) == 12
    assert found["forge-minutes"]["series"][0]["values"][-1] == 45
    assert found["forge-distance"]["series"][0]["values"][-1] == 12.0
    assert found["forge-distance"]["unit"] == "km"

    refused = await ana_browser.post("/forge/goals", {"goal_type": "calories_per_week", "target_value": ""})
    assert refused.status_code == 422 and 'id="target_value-error"' in refused.text
    added = await ana_browser.post("/forge/goals", {"goal_type": "calories_per_week", "target_value": "2000"})
    assert added.status_code == 303
    [goal] = (await client.get("/api/v1/goals", headers=ana.headers)).json()
    shown = await ana_browser.get("/forge/progression")
    assert "Calories per week (every source)" in shown.text and "2,000 kcal" in shown.text

    bo_browser = await browser(bo)
    await bo_browser.get("/forge/progression")
    assert (await bo_browser.post(f"/forge/goals/{goal['id']}/delete")).status_code == 404
    assert len((await client.get("/api/v1/goals", headers=ana.headers)).json()) == 1
    assert (await ana_browser.post(f"/forge/goals/{goal['id']}/delete")).status_code == 303
    assert (await client.get("/api/v1/goals", headers=ana.headers)).json() == []
