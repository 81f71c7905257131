"""One WOD seen by one athlete: the whiteboard resolved for their profile, and the timer's timeline."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import Account
from tests.wods.workouts import CAPPED_FRAN, ENGINE, FRAN, HEAVY_FRAN, LIBRARY_FRAN, SQUAT_DAY, TUESDAY, store

pytestmark = pytest.mark.anyio


async def board(client: httpx.AsyncClient, account: Account, wod_id: str, **params: Any) -> dict[str, Any]:
    response = await client.get(f"/api/v1/wods/{wod_id}/board", params=params, headers=account.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def set_profile(client: httpx.AsyncClient, account: Account, **changes: Any) -> None:
    response = await client.patch("/api/v1/me/profile", json=changes, headers=account.headers)
    assert response.status_code == 200, response.text


def line_of(text: str, word: str) -> str:
    [line] = [line for line in text.splitlines() if word in line]
    return line


async def test_the_board_follows_my_category_level_and_units(client: httpx.AsyncClient, ana: Account) -> None:
    fran = await store(client, ana, LIBRARY_FRAN)

    rx = await board(client, ana, fran["id"])
    assert rx["profile"] == {"category": "men", "level": "rx", "units": "kg"}
    assert line_of(rx["text"], "Thruster").endswith("43 kg")
    assert "Pull-up" in rx["text"]

    await set_profile(client, ana, category="women", units="lb", level="scaled")
    scaled = await board(client, ana, fran["id"])

    assert scaled["profile"] == {"category": "women", "level": "scaled", "units": "lb"}
    assert line_of(scaled["text"], "Thruster").endswith("45 lb")  # the scaled women's load
    assert "Jumping pull-up" in scaled["text"]
    assert "Pull-up\n" not in scaled["text"]
    assert scaled["wod_id"] == fran["id"]
    assert scaled["version"] == 1


async def test_query_parameters_override_the_profile_for_one_board(
    client: httpx.AsyncClient, ana: Account
) -> None:
    fran = await store(client, ana, LIBRARY_FRAN)
    await set_profile(client, ana, category="women", units="lb", level="scaled")

    answer = await board(client, ana, fran["id"], category="men", level="rx", units="kg")

    assert answer["profile"] == {"category": "men", "level": "rx", "units": "kg"}
    assert line_of(answer["text"], "Thruster").endswith("43 kg")
    assert line_of((await board(client, ana, fran["id"], units="kg"))["text"], "Thruster").endswith("20 kg")


async def test_the_board_speaks_french_when_asked_or_when_my_profile_does(
    client: httpx.AsyncClient, ana: Account
) -> None:
    fran = await store(client, ana, LIBRARY_FRAN)

    asked = await board(client, ana, fran["id"], lang="fr")
    assert asked["language"] == "fr"
    assert "Traction" in asked["text"]
    assert "Score : temps" in asked["text"]

    await set_profile(client, ana, language="fr")
    assert "Traction" in (await board(client, ana, fran["id"]))["text"]
    english = await board(client, ana, fran["id"], lang="en")
    assert english["language"] == "en"
    assert "Pull-up" in english["text"]
    assert "Traction" not in english["text"]


async def test_one_rep_maxes_turn_a_percentage_into_a_load(client: httpx.AsyncClient, ana: Account) -> None:
    squats = await store(client, ana, SQUAT_DAY)
    assert "75 kg" not in (await board(client, ana, squats["id"]))["text"]

    await set_profile(client, ana, one_rep_maxes={"back squat": 100})
    answer = await board(client, ana, squats["id"])

    assert line_of(answer["text"], "Back squat").endswith("5x5 75 kg")
    assert answer["resolved"]["blocks"][0]["load"]["kg"] == 75
    in_pounds = await board(client, ana, squats["id"], units="lb")
    assert line_of(in_pounds["text"], "Back squat").endswith("165 lb")  # 75 kg to the nearest 5 lb


async def test_the_timeline_lists_the_segments_a_timer_runs(client: httpx.AsyncClient, ana: Account) -> None:
    engine = await store(client, ana, ENGINE)

    response = await client.get(f"/api/v1/wods/{engine['id']}/timeline", headers=ana.headers)

    assert response.status_code == 200
    timeline = response.json()
    assert (timeline["wod_id"], timeline["version"], timeline["cap_s"]) == (engine["id"], 1, None)
    segments = timeline["segments"]
    assert [segment["at_s"] for segment in segments] == [60.0 * minute for minute in range(10)]
    assert {segment["duration_s"] for segment in segments} == {60.0}
    assert {segment["kind"] for segment in segments} == {"interval"}
    assert "Row" in segments[0]["label"]
    assert "Burpee" in segments[1]["label"]


async def test_the_timeline_of_a_capped_workout_carries_its_cap(
    client: httpx.AsyncClient, ana: Account
) -> None:
    written_on_the_meta_line = FRAN.replace("# Fran\n", "# Capped Fran\ncap: 10:00\n")
    for source in (CAPPED_FRAN, written_on_the_meta_line):
        fran = await store(client, ana, source)

        timeline = (await client.get(f"/api/v1/wods/{fran['id']}/timeline", headers=ana.headers)).json()

        assert timeline["cap_s"] == 600.0, source
        assert [(s["kind"], s["duration_s"]) for s in timeline["segments"]] == [("work", 600.0)], source


async def test_a_sessions_timeline_runs_its_sections_one_after_the_other(
    client: httpx.AsyncClient, ana: Account
) -> None:
    tuesday = await store(client, ana, TUESDAY)

    timeline = (await client.get(f"/api/v1/wods/{tuesday['id']}/timeline", headers=ana.headers)).json()

    sections = [segment["section"] for segment in timeline["segments"]]
    assert sections[0] == "Warm-up"
    assert sections[-1] == "Metcon"
    metcon = [segment for segment in timeline["segments"] if segment["section"] == "Metcon"]
    assert metcon[-1]["duration_s"] == 720.0
    starts = [segment["at_s"] for segment in timeline["segments"]]
    assert starts == sorted(starts)


async def test_version_1_stays_viewable_after_an_edit(client: httpx.AsyncClient, ana: Account) -> None:
    fran = await store(client, ana, FRAN)
    await client.patch(f"/api/v1/wods/{fran['id']}", json={"source": HEAVY_FRAN}, headers=ana.headers)

    current = await board(client, ana, fran["id"])
    first = await board(client, ana, fran["id"], version=1)
    also_current = await board(client, ana, fran["id"], version=2)

    assert (current["version"], first["version"]) == (2, 1)
    assert line_of(current["text"], "Thruster").endswith("52 kg")
    assert line_of(first["text"], "Thruster").endswith("43 kg")
    assert also_current["text"] == current["text"]
    timeline = (await client.get(f"/api/v1/wods/{fran['id']}/timeline?version=1", headers=ana.headers)).json()
    assert timeline["version"] == 1
    assert "43/30 kg" in timeline["segments"][0]["label"]
    for view in ("board", "timeline"):
        for version in (3, 0):
            response = await client.get(
                f"/api/v1/wods/{fran['id']}/{view}?version={version}", headers=ana.headers
            )
            assert response.status_code in (404, 422), (view, version)
        missing = await client.get(f"/api/v1/wods/{fran['id']}/{view}?version=3", headers=ana.headers)
        assert missing.status_code == 404


async def test_a_view_of_a_wod_that_does_not_exist_is_404(client: httpx.AsyncClient, ana: Account) -> None:
    for view in ("board", "timeline"):
        response = await client.get(
            f"/api/v1/wods/00000000-0000-4000-8000-000000000000/{view}", headers=ana.headers
        )
        assert response.status_code == 404, view
