"""The export archive and its import: everything an athlete owns goes out in open formats, comes
back into another account with nothing lost, and never twice; a bad archive is refused whole."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from atelier.portability import documents
from tests.conftest import Account, sign_up
from tests.planning.helpers import plan
from tests.training.test_records import kg, lifted

pytestmark = pytest.mark.anyio

FILES = Path(__file__).parents[1] / "forge" / "files"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
DOCUMENTS = tuple(documents.DOCUMENTS)  # profile, wods, sessions, progress, results, …
FRAN = "# Fran\n21-15-9 for time, cap 10:00\n  Thruster 43/30 kg\n  Pull-up\n"


async def ok(response: httpx.Response, code: int = 200) -> Any:
    assert response.status_code == code, response.text
    return response.json() if response.content else None


async def full_account(client: httpx.AsyncClient, ana: Account) -> None:
    """A bit of everything: profile, WOD with two versions, series dates, a scored WOD, an open
    workout, a manual entry, a wearable file, a goal, a location and a name mapping."""
    await ok(
        await client.patch(
            "/api/v1/me/profile",
            json={"category": "women", "bodyweight_kg": 61.5, "timezone": "Europe/Paris", "resting_hr": 52},
            headers=ana.headers,
        )
    )
    wod = await ok(await client.post("/api/v1/wods", json={"source": FRAN}, headers=ana.headers), 201)
    await ok(
        await client.patch(
            f"/api/v1/wods/{wod['id']}",
            json={"source": FRAN.replace("cap 10:00", "cap 12:00")},
            headers=ana.headers,
        )
    )
    fran = await plan(client, ana, date=date(2027, 1, 5), wod_id=wod["id"], wod_version=1, source=None)
    await ok(await client.post(f"/api/v1/sessions/{fran['id']}/start", headers=ana.headers))
    await ok(
        await client.post(f"/api/v1/sessions/{fran['id']}/result", json={"time_s": 301}, headers=ana.headers),
        201,
    )
    series = await plan(
        client,
        ana,
        date=date(2027, 1, 4),
        source="# Squats\nBack squat 5x5\n",
        repeat={"freq": "weekly", "by_weekday": ["MO"], "count": 6},
    )
    await ok(
        await client.post(
            f"/api/v1/sessions/{series['id']}/occurrences/2027-01-11/start", headers=ana.headers
        )
    )
    await ok(
        await client.post(f"/api/v1/sessions/{series['id']}/occurrences/2027-01-18/skip", headers=ana.headers)
    )
    await lifted(
        client, ana, date(2027, 1, 7), [{"reps": 5, "load": kg(100)}, {"reps": 3, "load": kg(110), "rpe": 9}]
    )
    open_workout = await ok(
        await client.post("/api/v1/sessions/adhoc", json={"title": "Pulls"}, headers=ana.headers), 201
    )
    sid = open_workout["session"]["id"]
    pull = await ok(
        await client.post(
            f"/api/v1/sessions/{sid}/progress/exercises", json={"movement": "deadlift"}, headers=ana.headers
        ),
        201,
    )
    await ok(
        await client.put(
            f"/api/v1/sessions/{sid}/progress/exercises/{pull['position']}",
            json={
                "version": pull["version"],
                "status": "completed",
                "data": {"sets": [{"reps": 5, "load": kg(140)}]},
            },
            headers=ana.headers,
        )
    )
    await ok(await client.post(f"/api/v1/sessions/{sid}/complete", headers=ana.headers))
    await ok(
        await client.post(
            "/api/v1/activities",
            json={
                "name": "Bike commute",
                "activity_type": "cycling",
                "activity_date": "2027-01-06",
                "duration_minutes": 25,
            },
            headers=ana.headers,
        ),
        201,
    )
    await ok(
        await client.post(
            "/api/v1/recordings",
            files={
                "file": ("run_30min.fit", (FILES / "run_30min.fit").read_bytes(), "application/octet-stream")
            },
            headers=ana.headers,
        ),
        201,
    )
    await ok(
        await client.post(
            "/api/v1/goals",
            json={"goal_type": "movement_1rm", "movement": "back squat", "target_value": 150},
            headers=ana.headers,
        ),
        201,
    )
    await ok(
        await client.post(
            "/api/v1/locations", json={"name": "Garage", "equipment": ["kettlebell"]}, headers=ana.headers
        ),
        201,
    )
    await ok(
        await client.put(
            "/api/v1/imports/mappings", json={"names": {"Squat (Barbell)": "back squat"}}, headers=ana.headers
        )
    )


async def exported(client: httpx.AsyncClient, account: Account) -> zipfile.ZipFile:
    response = await client.get("/api/v1/export", headers=account.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert "attachment" in response.headers["content-disposition"]
    return zipfile.ZipFile(io.BytesIO(response.content))


def document(archive: zipfile.ZipFile, name: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = json.loads(archive.read(f"{name}.json"))["items"]
    return items


def _own_key(key: str | None) -> str | None:
    return None if key and key.startswith("atelier:") else key


def comparable(archive: zipfile.ZipFile) -> dict[str, list[str]]:
    """Every document with its ids blanked and in a stable order: equal means nothing was lost."""
    found = {}
    for name in DOCUMENTS:
        items = document(archive, name)
        if name == "profile":  # another account: its own e-mail and name
            items = [{"profile": p["profile"]} for p in items]
        if name == "sessions":  # the copy remembers where it came from; nothing else may differ
            items = [s | {"import_key": _own_key(s["import_key"])} for s in items]
        texts = [UUID.sub("<id>", json.dumps(item, sort_keys=True)) for item in items]
        found[name] = sorted(texts)
    return found


async def imported(
    client: httpx.AsyncClient, account: Account, data: bytes, code: int = 200
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/import", content=data, headers=account.headers | {"Content-Type": "application/zip"}
    )
    assert response.status_code == code, response.text
    body: dict[str, Any] = response.json()
    return body


def archive_bytes(archive: zipfile.ZipFile) -> bytes:
    assert archive.fp is not None
    archive.fp.seek(0)
    return archive.fp.read()


async def test_the_archive_holds_every_domain_with_schemas_csv_and_calendar(
    client: httpx.AsyncClient, ana: Account
) -> None:
    await full_account(client, ana)
    archive = await exported(client, ana)

    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["format"] == "atelier-export" and manifest["version"] == 1
    assert manifest["user"]["email"] == ana.email and manifest["timezone"] == "Europe/Paris"
    for name in DOCUMENTS:
        body = json.loads(archive.read(f"{name}.json"))
        jsonschema.validate(body, json.loads(archive.read(f"schema/{name}.schema.json")))
        assert manifest["files"][f"{name}.json"]["rows"] == len(body["items"])

    [wod] = document(archive, "wods")
    assert [v["version"] for v in wod["versions"]] == [1, 2] and "cap 12:00" in wod["versions"][1]["source"]
    sessions = document(archive, "sessions")
    kinds = sorted((s["kind"], s["status"], s["origin"]) for s in sessions)
    assert kinds == [
        ("occurrence", "in_progress", "planned"),
        ("occurrence", "skipped", "planned"),
        ("one_off", "completed", "adhoc"),
        ("one_off", "completed", "planned"),
        ("one_off", "completed", "planned"),
        ("series", "scheduled", "planned"),
    ]
    [result] = document(archive, "results")
    assert (result["score_type"], result["score_value"]) == ("time", 301)
    assert {a["source"] for a in document(archive, "activities")} == {"training", "manual", "wearable"}
    assert document(archive, "mappings")[0] == {
        "name": "squat (barbell)",
        "movement": "back_squat",
        "created_at": document(archive, "mappings")[0]["created_at"],
    }

    sets = list(csv.DictReader(io.StringIO(archive.read("sets.csv").decode())))
    squats = [
        (r["date"], r["movement"], r["set"], r["reps"], r["load_kg"], r["rpe"])
        for r in sets
        if r["movement"] == "back_squat"
    ]
    assert squats == [
        ("2027-01-07", "back_squat", "1", "5", "100.0", ""),
        ("2027-01-07", "back_squat", "2", "3", "110.0", "9.0"),
    ]
    activities = list(csv.DictReader(io.StringIO(archive.read("activities.csv").decode())))
    assert {r["source"] for r in activities} == {"training", "manual", "wearable"}
    commute = next(r for r in activities if r["name"] == "Bike commute")
    assert (commute["date"], commute["duration_min"]) == ("2027-01-06", "25.0")
    calendar = archive.read("calendar.ics").decode()
    assert (
        calendar.startswith("BEGIN:VCALENDAR")
        and "RRULE:FREQ=WEEKLY;COUNT=6;BYDAY=MO" in calendar
        and "SUMMARY:✓ Fran" in calendar
    )


async def test_an_archive_comes_back_whole_into_an_empty_account_and_never_twice(
    client: httpx.AsyncClient, ana: Account
) -> None:
    await full_account(client, ana)
    original = await exported(client, ana)
    newcomer = await sign_up(client, name="Ana on another server")

    report = await imported(client, newcomer, archive_bytes(original))
    assert report["imported"] == {
        "profile": 1, "wods": 1, "sessions": 6, "progress": 4, "results": 1, "recordings": 1,
        "activities": 5, "goals": 1, "locations": 1, "mappings": 1,
    }  # fmt: skip
    copy = await exported(client, newcomer)
    assert comparable(copy) == comparable(original)
    # Relations survive the new ids: the occurrence points at its series, the result at the WOD.
    sessions = {s["id"]: s for s in document(copy, "sessions")}
    for occurrence in (s for s in sessions.values() if s["kind"] == "occurrence"):
        assert sessions[occurrence["parent_id"]]["kind"] == "series"
    [wod] = document(copy, "wods")
    assert document(copy, "results")[0]["wod_id"] == wod["id"]
    theirs = (await client.get("/api/v1/records", headers=newcomer.headers)).json()
    mine = (await client.get("/api/v1/records", headers=ana.headers)).json()
    assert UUID.sub("<id>", json.dumps(theirs, sort_keys=True)) == UUID.sub(
        "<id>", json.dumps(mine, sort_keys=True)
    )
    assert theirs["movements"], "records were not rebuilt"

    again = await imported(client, newcomer, archive_bytes(original))
    assert again["imported"] == {}
    assert again["already_there"]["sessions"] == 6 and again["already_there"]["activities"] == 5
    assert comparable(await exported(client, newcomer)) == comparable(original)


async def test_an_archive_imported_into_its_own_account_adds_nothing(
    client: httpx.AsyncClient, ana: Account
) -> None:
    await full_account(client, ana)
    original = await exported(client, ana)
    report = await imported(client, ana, archive_bytes(original))
    assert report["imported"] == {}
    assert "profile kept" in report["notes"][0]
    assert comparable(await exported(client, ana)) == comparable(original)


def rebuilt(archive: zipfile.ZipFile, change: dict[str, bytes | None]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in archive.infolist():
            if info.filename in change:
                if change[info.filename] is not None:
                    target.writestr(info.filename, change[info.filename] or b"")
                continue
            target.writestr(info.filename, archive.read(info.filename))
    return out.getvalue()


async def test_bad_archives_are_refused_with_the_reason_and_nothing_is_written(
    client: httpx.AsyncClient, ana: Account, bo: Account
) -> None:
    await lifted(client, ana, date(2027, 1, 7), [{"reps": 5, "load": kg(100)}])
    original = await exported(client, ana)
    data = archive_bytes(original)
    manifest = json.loads(original.read("manifest.json"))
    newer = json.dumps(manifest | {"version": 2}).encode()
    sessions = json.loads(original.read("sessions.json"))
    sessions["items"][0]["status"] = "flying"  # not a status: refused here, not by the database
    broken = json.dumps(sessions).encode()
    patched_manifest = json.loads(original.read("manifest.json"))
    patched_manifest["files"]["sessions.json"]["sha256"] = hashlib.sha256(broken).hexdigest()
    profile = json.loads(original.read("profile.json"))
    two_profiles = json.dumps(profile | {"items": profile["items"] * 2}).encode()
    profiles_manifest = json.loads(original.read("manifest.json"))
    profiles_manifest["files"]["profile.json"]["sha256"] = hashlib.sha256(two_profiles).hexdigest()
    cases = [
        (data[: len(data) // 2], "cut short"),
        (b"not a zip at all", "not an Atelier export"),
        (rebuilt(original, {"manifest.json": newer}), "newer Atelier (format version 2)"),
        (rebuilt(original, {"manifest.json": None}), "no manifest.json"),
        (
            rebuilt(original, {"sessions.json": b'{"format": "atelier-export"'}),
            "sessions.json does not match its checksum",
        ),
        (rebuilt(original, {"progress.json": None}), "progress.json is listed in the manifest but missing"),
        (
            rebuilt(
                original,
                {"profile.json": two_profiles, "manifest.json": json.dumps(profiles_manifest).encode()},
            ),
            "profile.json must hold one profile, not 2",
        ),
        (
            rebuilt(
                original, {"sessions.json": broken, "manifest.json": json.dumps(patched_manifest).encode()}
            ),
            "sessions.json item 0.status",
        ),
    ]
    for body, reason in cases:
        refused = await client.post(
            "/api/v1/import", content=body, headers=bo.headers | {"Content-Type": "application/zip"}
        )
        assert refused.status_code == 422, (reason, refused.text)
        assert refused.headers["content-type"] == "application/problem+json"
        assert reason in refused.json()["detail"], refused.json()["detail"]
    empty = await client.post("/api/v1/import", content=b"", headers=bo.headers)
    assert empty.status_code == 422
    assert document(await exported(client, bo), "sessions") == []


async def test_an_export_shows_only_your_own_data(
    client: httpx.AsyncClient, ana: Account, bo: Account
) -> None:
    await lifted(client, ana, date(2027, 1, 7), [{"reps": 5, "load": kg(100)}])
    theirs = await exported(client, bo)
    assert document(theirs, "sessions") == [] and document(theirs, "progress") == []
    assert json.loads(theirs.read("manifest.json"))["user"]["email"] == bo.email
    assert (await client.get("/api/v1/export")).status_code == 401
