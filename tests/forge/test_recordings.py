"""Wearable files through the API and the CLI: analysed, placed in the ledger or linked to the
session they overlap, recognised when imported twice, refused whole when unreadable."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update
from typer.testing import CliRunner

from atelier.db import unit_of_work
from atelier.forge import files
from atelier.forge.models import Activity, Recording
from atelier.kit.runtime import Runtime
from atelier.planning.models import Session
from tests.conftest import Account
from tests.forge.corpus import START
from tests.forge.helpers import forge, trained
from tests.planning.helpers import plan
from tests.wods.test_cli import atelier, run

pytestmark = pytest.mark.anyio

__all__ = ["atelier"]

FILES = Path(__file__).parent / "files"
RUN_DAY = date(2024, 5, 4)


async def upload(
    client: httpx.AsyncClient, account: Account, name: str, data: bytes | None = None
) -> httpx.Response:
    body = data if data is not None else (FILES / name).read_bytes()
    return await client.post(
        "/api/v1/recordings",
        files={"file": (name, body, "application/octet-stream")},
        headers=account.headers,
    )


async def counts(runtime: Runtime) -> tuple[int, int]:
    async with unit_of_work(runtime.sessions, system=True) as session:
        recordings = await session.scalar(select(func.count()).select_from(Recording))
        activities = await session.scalar(select(func.count()).select_from(Activity))
        return int(recordings or 0), int(activities or 0)


async def test_a_fit_run_becomes_a_wearable_activity_with_zones_effort_quality_and_calories(
    client: httpx.AsyncClient, runtime: Runtime, fit_ana: Account
) -> None:
    response = await upload(client, fit_ana, "run_30min.fit")

    assert response.status_code == 201, response.text
    body = response.json()
    rec: dict[str, Any] = body["recording"]
    assert (body["duplicate"], body["linked_session_id"]) == (False, None)
    assert (rec["file_format"], rec["sport"], rec["duration_seconds"]) == ("fit", "running", 1800)
    assert (rec["min_hr"], rec["max_hr"], rec["quality"]) == (130, 170, "excellent")
    assert rec["avg_hr"] == 150  # a third of the time each at 130, 150 and 170
    # Ana is 33 on the day (born 1990-06-15), so HRmax 220 - 33 = 187, resting 55: Karvonen zones.
    assert (rec["hr_max_used"], rec["hr_max_source"], rec["zone_method"]) == (187, "220-age", "karvonen")
    assert sum(rec["zones"][z] for z in ("below", "z1", "z2", "z3", "z4", "z5")) == pytest.approx(1800, abs=1)
    assert 0 < rec["effort"] <= 100 and rec["trimp"] > 0
    # Keytel 2005, woman aged 33, 60 kg, HR 150 for 30 min:
    # (-20.4022 + 0.4472×150 - 0.1263×60 + 0.0740×33) / 4.184 × 30 = 297.9 kcal.
    assert (rec["calorie_model"], rec["calories"]) == ("keytel", pytest.approx(297.9, abs=0.1))
    assert rec["distance_m"] == pytest.approx(5400)

    day = await forge(client, fit_ana, "day", RUN_DAY)
    [activity] = day["activities"]
    assert (activity["source"], activity["source_id"], activity["id"]) == (
        "wearable",
        rec["id"],
        body["activity_id"],
    )
    assert (activity["calories"], activity["avg_hr"], activity["effort"]) == (
        rec["calories"],
        150,
        rec["effort"],
    )

    detail = await client.get(f"/api/v1/recordings/{rec['id']}", headers=fit_ana.headers)
    assert detail.status_code == 200
    series = detail.json()["hr_series"]
    assert series[0] == [0, 130] and series[-1][1] == 170 and len(series) <= 1800 // 5 + 1


async def test_the_same_file_twice_is_recognised(
    client: httpx.AsyncClient, runtime: Runtime, ana: Account
) -> None:
    first = await upload(client, ana, "run.tcx")
    again = await upload(client, ana, "renamed.tcx", (FILES / "run.tcx").read_bytes())

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["duplicate"] is True
    assert again.json()["recording"]["id"] == first.json()["recording"]["id"]
    assert again.json()["activity_id"] == first.json()["activity_id"]
    assert await counts(runtime) == (1, 1)


async def test_a_recording_overlapping_a_finished_session_is_linked_and_prices_it_by_heart_rate(
    client: httpx.AsyncClient, runtime: Runtime, fit_ana: Account
) -> None:
    sid = await trained(
        client, runtime, fit_ana, RUN_DAY, started_at=START - timedelta(minutes=5), minutes=40
    )
    [before] = (await forge(client, fit_ana, "day", RUN_DAY))["activities"]
    assert before["calorie_model"] == "met"

    linked = await upload(client, fit_ana, "run_30min.fit")

    assert linked.status_code == 201, linked.text
    assert (linked.json()["linked_session_id"], linked.json()["activity_id"]) == (sid, None)
    [after] = (await forge(client, fit_ana, "day", RUN_DAY))["activities"]
    # The session's 40 minutes at the recording's average of 150 bpm:
    # (-20.4022 + 0.4472×150 - 0.1263×60 + 0.0740×33) / 4.184 × 40 = 397.1 kcal.
    assert (after["id"], after["source"], after["calorie_model"]) == (before["id"], "training", "keytel")
    assert (after["avg_hr"], after["calories"]) == (150, pytest.approx(397.1, abs=0.1))

    removed = await client.delete(
        f"/api/v1/recordings/{linked.json()['recording']['id']}", headers=fit_ana.headers
    )
    assert removed.status_code == 204
    [priced_again] = (await forge(client, fit_ana, "day", RUN_DAY))["activities"]
    assert (priced_again["calorie_model"], priced_again["calories"]) == ("met", before["calories"])


async def test_a_session_finished_after_its_recording_takes_the_recording_over(
    client: httpx.AsyncClient, runtime: Runtime, fit_ana: Account
) -> None:
    uploaded = await upload(client, fit_ana, "run_30min.fit")
    assert [a["source"] for a in (await forge(client, fit_ana, "day", RUN_DAY))["activities"]] == ["wearable"]

    sid = await trained(
        client, runtime, fit_ana, RUN_DAY, started_at=START + timedelta(minutes=2), minutes=25
    )

    [row] = (await forge(client, fit_ana, "day", RUN_DAY))["activities"]
    assert (row["source"], row["source_id"], row["calorie_model"]) == ("training", sid, "keytel")
    detail = await client.get(
        f"/api/v1/recordings/{uploaded.json()['recording']['id']}", headers=fit_ana.headers
    )
    assert detail.json()["session_id"] == sid
    assert await counts(runtime) == (1, 1)


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("truncated.fit", "FIT"),
        ("corrupted.fit", "FIT"),
        ("not_xml.gpx", "not a FIT, GPX or TCX"),
        ("empty.tcx", "TCX"),
        ("no_time.gpx", "time stamps"),
    ],
)
async def test_unreadable_files_are_refused_whole(
    client: httpx.AsyncClient, runtime: Runtime, ana: Account, name: str, words: str
) -> None:
    response = await upload(client, ana, name)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert words in response.json()["detail"] and response.json()["filename"] == name
    assert await counts(runtime) == (0, 0)


async def test_files_without_or_with_broken_heart_rate_are_kept_and_marked(
    client: httpx.AsyncClient, ana: Account
) -> None:
    walk = await upload(client, ana, "walk_no_hr.gpx")
    spiky = await upload(client, ana, "spiky.fit")

    assert walk.status_code == 201 and spiky.status_code == 201
    no_hr = walk.json()["recording"]
    assert (no_hr["quality"], no_hr["effort"], no_hr["avg_hr"], no_hr["calorie_model"]) == (
        "poor",
        None,
        None,
        "met",
    )
    assert any("heart" in reason for reason in no_hr["quality_reasons"])
    broken = spiky.json()["recording"]
    # 0 and 250 bpm are discarded, the three spikes repaired, the 20-s gap counted: what is left is
    # the steady 140 bpm, and with 96% of samples present and under 1% anomalous it is still excellent.
    assert (broken["spikes"], broken["dropouts"], broken["max_hr"], broken["min_hr"]) == (3, 1, 140, 140)
    assert broken["quality"] == "excellent"
    assert any("2 out of range" in r for r in broken["quality_reasons"])


async def test_files_over_the_limit_are_refused(
    client: httpx.AsyncClient, runtime: Runtime, ana: Account
) -> None:
    response = await upload(client, ana, "huge.fit", b"\0" * (files.MAX_BYTES + 1))

    assert response.status_code == 413
    assert str(files.MAX_BYTES) in response.json()["detail"]
    assert await counts(runtime) == (0, 0)


async def test_others_cannot_read_or_delete_a_recording_a_coach_reads_it(
    client: httpx.AsyncClient, ana: Account, bo: Account, coach: Account
) -> None:
    rec = (await upload(client, ana, "run.tcx")).json()["recording"]

    assert (await client.get(f"/api/v1/recordings/{rec['id']}", headers=bo.headers)).status_code == 404
    assert (await client.delete(f"/api/v1/recordings/{rec['id']}", headers=bo.headers)).status_code == 404
    assert (await client.delete(f"/api/v1/recordings/{rec['id']}", headers=coach.headers)).status_code == 404
    assert (await client.get("/api/v1/recordings", headers=bo.headers)).json() == []
    peeked = await client.get("/api/v1/recordings", params={"athlete_id": ana.id}, headers=bo.headers)
    assert peeked.status_code == 404
    assert (await client.get(f"/api/v1/recordings/{rec['id']}", headers=coach.headers)).status_code == 200
    assert [r["id"] for r in (await client.get("/api/v1/recordings", headers=ana.headers)).json()] == [
        rec["id"]
    ]
    assert (await client.get(f"/api/v1/recordings/{uuid.uuid4()}", headers=ana.headers)).status_code == 404


def test_atelier_import_reads_files_reports_each_and_keeps_going_past_a_broken_one(
    atelier: CliRunner,
) -> None:
    made = run(
        atelier,
        "user",
        "create",
        "--email",
        "ivy@example.com",
        "--name",
        "Ivy",
        "--password",
        "long enough pw",
    )
    assert made.exit_code == 0, made.output

    result = run(
        atelier,
        "import",
        str(FILES / "run_30min.fit"),
        str(FILES / "truncated.fit"),
        str(FILES / "run_30min.fit"),
        "--user",
        "ivy@example.com",
    )

    assert result.exit_code == 2, result.output
    lines = result.output.splitlines()
    assert any(
        line.startswith("run_30min.fit: running on 2024-05-04 07:30 (UTC), 30 min, 5.40 km") for line in lines
    )
    assert any("truncated.fit: error:" in line for line in lines)
    assert any(line.endswith("— already imported") for line in lines)


async def test_a_recording_linked_to_a_running_session_that_is_cancelled_becomes_a_wearable_activity(
    client: httpx.AsyncClient, runtime: Runtime, fit_ana: Account
) -> None:
    sid = str((await plan(client, fit_ana, date=RUN_DAY))["id"])
    assert (await client.post(f"/api/v1/sessions/{sid}/start", headers=fit_ana.headers)).status_code == 200
    async with unit_of_work(runtime.sessions, system=True) as session:  # it started when the run did
        await session.execute(update(Session).where(Session.id == uuid.UUID(sid)).values(started_at=START))

    linked = await upload(client, fit_ana, "run_30min.fit")
    assert (linked.json()["linked_session_id"], linked.json()["activity_id"]) == (sid, None)
    assert (await forge(client, fit_ana, "day", RUN_DAY))["activities"] == []

    cancelled = await client.post(f"/api/v1/sessions/{sid}/cancel", headers=fit_ana.headers)

    assert cancelled.status_code == 200, cancelled.text
    [row] = (await forge(client, fit_ana, "day", RUN_DAY))["activities"]
    assert (row["source"], row["source_id"]) == ("wearable", linked.json()["recording"]["id"])
    detail = await client.get(f"/api/v1/recordings/{row['source_id']}", headers=fit_ana.headers)
    assert detail.json()["session_id"] is None
