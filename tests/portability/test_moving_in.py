"""Moving in from Strong, Hevy and wger through the API: names mapped onto the catalog (or listed
for the user to map once), sessions rebuilt with their records and Forge rows, never twice."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import Account
from tests.portability.test_foreign import HEVY_HEADER, STRONG_HEADER, csv
from tests.portability.test_wger import TOKEN, Wger, wger

__all__ = ["wger"]
pytestmark = pytest.mark.anyio

STRONG = csv(
    STRONG_HEADER,
    "2024-03-01 18:05:03,Leg Day,1h 5m,Squat (Barbell),W,60,5,0,0,,,",
    "2024-03-01 18:05:03,Leg Day,1h 5m,Squat (Barbell),1,100,5,0,0,,,8",
    "2024-03-01 18:05:03,Leg Day,1h 5m,Squat (Barbell),2,105,3,0,0,,,",
    "2024-03-01 18:05:03,Leg Day,1h 5m,Cable Fly Crossovers,1,20,12,0,0,,,",
    "2024-03-03 07:30:00,Cardio,45m,Running,1,0,0,5.2,1500,,,",
    "2024-03-05 12:00:00,Quick,20m,Pull Up,1,0,12,0,0,,,",
)
HEVY = csv(
    HEVY_HEADER,
    '"Push","10 Mar 2024, 18:00","10 Mar 2024, 19:00","",Bench Press (Barbell),0,,0,normal,80,5,,,8',
    '"Push","10 Mar 2024, 18:00","10 Mar 2024, 19:00","",Bench Press (Barbell),0,,1,normal,82.5,5,,,',
    '"Push","10 Mar 2024, 18:00","10 Mar 2024, 19:00","",Pull Up,0,,0,normal,,10,,,',
    '"Push","10 Mar 2024, 18:00","10 Mar 2024, 19:00","",Pull Up,0,,1,normal,,8,,,',
)


async def moved(
    client: httpx.AsyncClient, account: Account, data: bytes, code: int = 200, **params: Any
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/imports/csv",
        content=data,
        params=params,
        headers=account.headers | {"Content-Type": "text/csv"},
    )
    assert response.status_code == code, response.text
    body: dict[str, Any] = response.json()
    return body


async def history(client: httpx.AsyncClient, account: Account) -> list[dict[str, Any]]:
    response = await client.get("/api/v1/training/sessions", params={"limit": 50}, headers=account.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_a_strong_history_waits_for_unknown_names_then_moves_in_once(
    client: httpx.AsyncClient, ana: Account
) -> None:
    await client.patch("/api/v1/me/profile", json={"timezone": "Europe/Paris"}, headers=ana.headers)
    preview = await moved(client, ana, STRONG, dry_run="true")
    assert preview["app"] == "strong" and preview["dry_run"] is True
    assert preview["mapped"] == {"Squat (Barbell)": "back_squat", "Running": "run", "Pull Up": "pull_up"}
    [unknown] = preview["unmapped"]
    assert (unknown["name"], unknown["sets"]) == ("Cable Fly Crossovers", 1)
    assert await history(client, ana) == []

    refused = await moved(client, ana, STRONG, code=422)
    assert (
        "Cable Fly Crossovers" in refused["detail"]
        and refused["unmapped"][0]["name"] == "Cable Fly Crossovers"
    )
    assert await history(client, ana) == []

    bad_map = await client.put(
        "/api/v1/imports/mappings",
        json={"names": {"Cable Fly Crossovers": "flyes of doom"}},
        headers=ana.headers,
    )
    assert bad_map.status_code == 422
    mapped = await client.put(
        "/api/v1/imports/mappings", json={"names": {"Cable Fly Crossovers": "ring row"}}, headers=ana.headers
    )
    assert mapped.json() == {"cable fly crossovers": "ring_row"}

    report = await moved(client, ana, STRONG)
    assert report["workouts_imported"] == 3 and report["unmapped"] == []
    assert report["sets_imported"] == 6  # the warm-up counts; a run is one set
    done = {s["title"]: s for s in await history(client, ana)}
    assert set(done) == {"Leg Day", "Cardio", "Quick"}
    legs = done["Leg Day"]
    assert legs["date"] == "2024-03-01" and legs["metrics"]["duration_seconds"] == 3900
    assert legs["metrics"]["volume_kg"] == 5 * 60 + 5 * 100 + 3 * 105 + 12 * 20
    assert done["Cardio"]["metrics"]["distance_m"] == 5200
    session = (await client.get(f"/api/v1/sessions/{legs['session_id']}", headers=ana.headers)).json()
    assert session["origin"] == "adhoc" and session["source"].startswith(
        "# Leg Day\nBack squat 5-5-3 @ 105 kg"
    )
    assert session["started_at"].startswith("2024-03-01T17:05")  # 18:05 in Paris

    records = (await client.get("/api/v1/records", headers=ana.headers)).json()
    squat = next(m for m in records["movements"] if m["movement"] == "back_squat")
    assert squat["best_loads"]["3"]["value"] == 105
    forge = (await client.get("/api/v1/forge/day", params={"date": "2024-03-03"}, headers=ana.headers)).json()
    assert [(a["source"], a["name"]) for a in forge["activities"]] == [("training", "Cardio")]

    again = await moved(client, ana, STRONG)
    assert again["workouts_imported"] == 0 and again["workouts_already_there"] == 3
    assert len(await history(client, ana)) == 3


async def test_a_hevy_export_keeps_its_supersets(client: httpx.AsyncClient, ana: Account) -> None:
    report = await moved(client, ana, HEVY)
    assert report["app"] == "hevy" and report["workouts_imported"] == 1
    [push] = await history(client, ana)
    session = (await client.get(f"/api/v1/sessions/{push['session_id']}", headers=ana.headers)).json()
    assert session["source"] == (
        '# Push\n2 rounds\n  5 Bench press @ 82.5 kg ("5×80, 5×82.5 kg")\n  10 Pull-up ("10, 8")\n'
    )


async def test_broken_files_are_refused_or_reported_and_nothing_half_imported(
    client: httpx.AsyncClient, ana: Account
) -> None:
    missing = await moved(client, ana, csv("Date,Workout Name,Weight", "2024-03-01,Legs,100"), code=422)
    assert "Strong or Hevy" in missing["detail"] or "missing" in missing["detail"]
    semicolons = csv(
        STRONG_HEADER.replace(",", ";"),
        "2024-03-01 18:05:03;Leg Day;1h;Squat (Barbell);1;82,5;5;0;0;;;",
        "2024-03-02 18:05:03;Leg Day;1h;Squat (Barbell);1;heavy;5;0;0;;;",
        "03/04/2024 18:05;Legs again;1h;Squat (Barbell);1;90;5;0;0;;;",
    )
    report = await moved(client, ana, b"\xef\xbb\xbf" + semicolons)
    assert report["workouts_imported"] == 2
    assert any("line 3" in reason and "heavy" in reason for reason in report["skipped"])
    done = {s["date"]: s["metrics"]["volume_kg"] for s in await history(client, ana)}
    assert done == {"2024-03-01": 412.5, "2024-04-03": 450}
    empty = await client.post("/api/v1/imports/csv", content=b"", headers=ana.headers)
    assert empty.status_code == 422


async def test_a_wger_account_moves_in_through_its_api(
    client: httpx.AsyncClient, ana: Account, wger: Wger
) -> None:
    await client.put(
        "/api/v1/imports/mappings", json={"names": {"Kniebeuge": "back squat"}}, headers=ana.headers
    )
    report = (
        await client.post(
            "/api/v1/imports/wger",
            json={"url": wger.url, "token": TOKEN, "leave_out_unmapped": True},
            headers=ana.headers,
        )
    ).json()
    assert report["app"] == "wger" and report["workouts_imported"] == 4 and report["sets_imported"] == 7
    # "Course à pied" (a French translation only) is found by its French alias.
    assert report["mapped"] == {
        "Squat": "air_squat",
        "Plank": "plank",
        "Course à pied": "run",
        "Dips": "bar_dip",
    }
    assert any("negative" in reason for reason in report["skipped"])
    assert len(await history(client, ana)) == report["workouts_imported"]
    refused = await client.post(
        "/api/v1/imports/wger", json={"url": wger.url, "token": "wrong"}, headers=ana.headers
    )
    assert refused.status_code == 422 and "401" in refused.json()["detail"]


async def test_mappings_are_each_users_own(client: httpx.AsyncClient, ana: Account, bo: Account) -> None:
    await client.put(
        "/api/v1/imports/mappings", json={"names": {"Squat (Machine)": "back squat"}}, headers=ana.headers
    )
    assert (await client.get("/api/v1/imports/mappings", headers=bo.headers)).json() == {}
    forgotten = await client.put(
        "/api/v1/imports/mappings", json={"names": {"Squat (Machine)": ""}}, headers=bo.headers
    )
    assert forgotten.json() == {}
    assert (await client.get("/api/v1/imports/mappings", headers=ana.headers)).json() == {
        "squat (machine)": "back_squat"
    }
    assert (await client.post("/api/v1/imports/csv", content=STRONG)).status_code == 401
