"""Searching WODs: each filter keeps what matches and drops the rest; private WODs stay their owner's."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from atelier.db import unit_of_work
from atelier.kit.runtime import Runtime
from atelier.wods.service import import_library
from tests.conftest import Account
from tests.wods.workouts import (
    BURPEE_HUNDRED,
    CINDY,
    CORE,
    ENGINE,
    FRAN,
    HEAVY_BARBELL,
    SQUAT_DAY,
    SWING_AND_JUMP,
    found_titles,
    search,
    store,
)

pytestmark = pytest.mark.anyio

SHELF = (FRAN, CINDY, ENGINE, SQUAT_DAY, SWING_AND_JUMP, CORE, BURPEE_HUNDRED, HEAVY_BARBELL)
EVERYTHING = {
    "Fran",
    "Cindy",
    "Engine",
    "Squat day",
    "Swing and jump",
    "Core",
    "Burpee hundred",
    "Heavy barbell",
}


@pytest.fixture
async def shelf(client: httpx.AsyncClient, ana: Account) -> dict[str, dict[str, Any]]:
    """Ana's private WODs by title."""
    stored = [await store(client, ana, source) for source in SHELF]
    return {wod["title"]: wod for wod in stored}


async def test_without_filters_i_see_all_my_wods(client: httpx.AsyncClient, ana: Account, shelf: Any) -> None:
    assert await found_titles(client, ana) == EVERYTHING


async def test_a_movement_is_found_by_any_of_its_names(
    client: httpx.AsyncClient, ana: Account, shelf: Any
) -> None:
    for alias in ("pull_up", "Pull-up", "pullups", "pull ups", "tractions", "Traction"):
        assert await found_titles(client, ana, movement=alias) == {"Fran", "Cindy"}, alias


async def test_t2b_finds_toes_to_bar(client: httpx.AsyncClient, ana: Account, shelf: Any) -> None:
    assert await found_titles(client, ana, movement="T2B") == {"Core"}


async def test_a_movement_nobody_programmed_finds_nothing(
    client: httpx.AsyncClient, ana: Account, shelf: Any
) -> None:
    assert await found_titles(client, ana, movement="ring muscle-up") == set()


async def test_match_all_needs_every_movement_and_match_any_one_of_them(
    client: httpx.AsyncClient, ana: Account, shelf: Any
) -> None:
    both = {"movement": ["thrusters", "pull-up"]}
    assert await found_titles(client, ana, **both) == {"Fran"}
    assert await found_titles(client, ana, **both, match="all") == {"Fran"}
    assert await found_titles(client, ana, **both, match="any") == {"Fran", "Cindy"}

    apart = {"movement": ["thruster", "burpee"]}
    assert await found_titles(client, ana, **apart, match="all") == set()
    assert await found_titles(client, ana, **apart, match="any") == {"Fran", "Engine", "Burpee hundred"}


async def test_an_unknown_movement_is_a_422_that_names_it(
    client: httpx.AsyncClient, ana: Account, shelf: Any
) -> None:
    response = await client.get(
        "/api/v1/wods", params={"movement": ["pull-up", "Thrusterz"]}, headers=ana.headers
    )

    assert response.status_code == 422
    assert "'Thrusterz'" in response.json()["detail"]
    assert "Thruster" in response.json()["suggestions"]


async def test_equipment_keeps_only_wods_doable_with_that_kit(
    client: httpx.AsyncClient, ana: Account, shelf: Any
) -> None:
    # A bar for pull-ups (and the rig it hangs from) plus a loaded barbell: no kettlebell, box,
    # rower or abmat.
    have = {"equipment": ["barbell", "pull-up bar"]}
    assert await found_titles(client, ana, **have) == {
        "Fran",
        "Cindy",
        "Squat day",
        "Burpee hundred",
        "Heavy barbell",
    }


async def test_with_no_kit_only_bodyweight_wods_remain(
    client: httpx.AsyncClient, ana: Account, shelf: Any
) -> None:
    assert await found_titles(client, ana, equipment="jump rope") == {"Burpee hundred"}


async def test_the_pull_up_bar_has_several_names(client: httpx.AsyncClient, ana: Account, shelf: Any) -> None:
    for bar in ("pull-up bar", "pullup bar", "Pull_up_bar", "barre de traction", "bar"):
        assert await found_titles(client, ana, equipment=bar) == {"Cindy", "Burpee hundred"}, bar


async def test_a_barbell_comes_with_plates(client: httpx.AsyncClient, ana: Account, shelf: Any) -> None:
    assert await found_titles(client, ana, equipment="barbell") == {"Burpee hundred", "Heavy barbell"}
    assert await found_titles(client, ana, equipment="plates") == {"Burpee hundred"}


async def test_category(client: httpx.AsyncClient, ana: Account, shelf: Any) -> None:
    assert await found_titles(client, ana, category="core") == {"Core"}
    assert await found_titles(client, ana, category="Plyometric") == {"Swing and jump"}
    assert await found_titles(client, ana, category=["core", "cardio"]) == {"Core", "Engine"}
    assert await found_titles(client, ana, category="carry") == set()


async def test_modality(client: httpx.AsyncClient, ana: Account, shelf: Any) -> None:
    assert await found_titles(client, ana, modality="cardio") == {"Engine"}
    assert await found_titles(client, ana, modality="strength") == {
        "Fran",
        "Squat day",
        "Swing and jump",
        "Heavy barbell",
    }
    assert await found_titles(client, ana, modality="mobility") == set()


async def test_format(client: httpx.AsyncClient, ana: Account, shelf: Any) -> None:
    assert await found_titles(client, ana, format="amrap") == {"Cindy"}
    assert await found_titles(client, ana, format="AMRAP") == {"Cindy"}
    assert await found_titles(client, ana, format="emom") == {"Engine"}
    assert await found_titles(client, ana, format="sets") == {"Squat day"}
    assert await found_titles(client, ana, format=["amrap", "emom"]) == {"Cindy", "Engine"}
    assert await found_titles(client, ana, format="tabata") == set()


async def test_duration_bounds_are_inclusive(
    client: httpx.AsyncClient, ana: Account, shelf: dict[str, dict[str, Any]]
) -> None:
    fran = shelf["Fran"]["estimated_duration_seconds"]
    cindy = shelf["Cindy"]["estimated_duration_seconds"]
    assert fran < 900 < cindy  # under and over a quarter of an hour

    assert "Fran" in await found_titles(client, ana, duration_max=fran)
    assert "Fran" not in await found_titles(client, ana, duration_max=fran - 1)
    assert "Cindy" in await found_titles(client, ana, duration_min=cindy)
    assert "Cindy" not in await found_titles(client, ana, duration_min=cindy + 1)
    assert await found_titles(client, ana, duration_min=fran, duration_max=fran) == {
        title for title, wod in shelf.items() if wod["estimated_duration_seconds"] == fran
    }
    under_15 = {title for title, wod in shelf.items() if wod["estimated_duration_seconds"] <= 900}
    assert await found_titles(client, ana, duration_max=900) == under_15
    assert "Cindy" not in under_15


async def test_difficulty_bounds_are_inclusive(
    client: httpx.AsyncClient, ana: Account, shelf: dict[str, dict[str, Any]]
) -> None:
    hardest = max(wod["difficulty"] for wod in shelf.values())
    easiest = min(wod["difficulty"] for wod in shelf.values())
    assert easiest < 40 < hardest

    at_least_40 = {title for title, wod in shelf.items() if wod["difficulty"] >= 40}
    assert await found_titles(client, ana, difficulty_min=40) == at_least_40
    assert await found_titles(client, ana, difficulty_max=39) == EVERYTHING - at_least_40
    assert await found_titles(client, ana, difficulty_min=hardest + 1) == set()
    assert await found_titles(client, ana, difficulty_max=easiest - 1) == set()


async def test_q_finds_words_of_the_title_in_any_case(
    client: httpx.AsyncClient, ana: Account, shelf: Any
) -> None:
    assert await found_titles(client, ana, q="fran") == {"Fran"}
    assert await found_titles(client, ana, q="SQUAT") == {"Squat day"}
    assert await found_titles(client, ana, q="  and  ") == {"Swing and jump"}
    assert await found_titles(client, ana, q="murph") == set()


async def test_q_ignores_case_in_accented_titles_too(client: httpx.AsyncClient, ana: Account) -> None:
    await store(client, ana, "# Échauffement\nFor time\n  10 Burpee\n")

    assert await found_titles(client, ana, q="échauffement") == {"Échauffement"}
    assert await found_titles(client, ana, q="ÉCHAUFFEMENT") == {"Échauffement"}


async def test_q_takes_percent_and_underscore_literally(client: httpx.AsyncClient, ana: Account) -> None:
    await store(client, ana, "# 100% effort\nFor time\n  100 Burpee\n")
    await store(client, ana, "# Hundred effort\nFor time\n  100 Air squat\n")

    assert await found_titles(client, ana, q="%") == {"100% effort"}
    assert await found_titles(client, ana, q="0% e") == {"100% effort"}
    assert await found_titles(client, ana, q="_") == set()


async def test_owner_mine_public_and_any(client: httpx.AsyncClient, ana: Account, bo: Account) -> None:
    await store(client, ana, FRAN)
    await store(client, ana, CINDY, visibility="public")
    await store(client, bo, ENGINE, visibility="public")
    await store(client, bo, CORE)

    assert await found_titles(client, ana, owner="mine") == {"Fran", "Cindy"}
    assert await found_titles(client, ana, owner="public") == {"Cindy", "Engine"}
    assert await found_titles(client, ana) == {"Fran", "Cindy", "Engine"}
    assert await found_titles(client, ana, owner="any") == {"Fran", "Cindy", "Engine"}
    assert await found_titles(client, bo, owner="mine") == {"Engine", "Core"}
    assert await found_titles(client, bo) == {"Cindy", "Engine", "Core"}


async def test_no_filter_ever_shows_someone_elses_private_wod(
    client: httpx.AsyncClient, ana: Account, bo: Account
) -> None:
    await store(client, bo, FRAN)
    await store(client, bo, CINDY)
    bos: list[dict[str, Any]] = [
        {},
        {"owner": "public"},
        {"owner": "any"},
        {"movement": "pull-up"},
        {"movement": ["thruster", "air squat"], "match": "any"},
        {"q": "fran"},
        {"equipment": ["barbell", "pull-up bar"]},
        {"format": ["for_time", "amrap"]},
        {"duration_min": 0, "duration_max": 100_000},
        {"difficulty_min": 0, "difficulty_max": 100},
        {"category": "gymnastics"},
        {"modality": "gymnastics"},
    ]
    for params in bos:
        page = await search(client, ana, **params)
        assert page["total"] == 0, params
        assert page["items"] == [], params
    assert await found_titles(client, bo, movement="pull-up") == {"Fran", "Cindy"}


async def test_limit_and_offset_page_through_a_stable_order(
    client: httpx.AsyncClient, ana: Account, shelf: Any
) -> None:
    everything = await search(client, ana, limit=100)
    assert everything["total"] == 8
    in_order = [item["id"] for item in everything["items"]]
    assert [item["title"] for item in everything["items"]] == sorted(EVERYTHING)

    pages = [await search(client, ana, limit=3, offset=offset) for offset in (0, 3, 6)]

    assert [len(page["items"]) for page in pages] == [3, 3, 2]
    assert [page["total"] for page in pages] == [8, 8, 8]
    assert [(page["limit"], page["offset"]) for page in pages] == [(3, 0), (3, 3), (3, 6)]
    assert [item["id"] for page in pages for item in page["items"]] == in_order
    beyond = await search(client, ana, limit=3, offset=8)
    assert (beyond["items"], beyond["total"]) == ([], 8)


async def test_total_counts_every_match_not_just_the_page(
    client: httpx.AsyncClient, ana: Account, shelf: Any
) -> None:
    page = await search(client, ana, modality="gymnastics", limit=1)

    assert len(page["items"]) == 1
    assert page["total"] == len(await found_titles(client, ana, modality="gymnastics")) == 6


async def test_reversed_bounds_are_a_422(client: httpx.AsyncClient, ana: Account) -> None:
    reversed_bounds = {
        "duration_min is greater than duration_max": {"duration_min": 900, "duration_max": 300},
        "difficulty_min is greater than difficulty_max": {"difficulty_min": 60, "difficulty_max": 40},
    }
    for detail, params in reversed_bounds.items():
        response = await client.get("/api/v1/wods", params=params, headers=ana.headers)

        assert response.status_code == 422
        assert response.json()["detail"] == detail


async def test_out_of_range_parameters_are_a_422(client: httpx.AsyncClient, ana: Account) -> None:
    out_of_range: list[dict[str, Any]] = [
        {"limit": 0},
        {"limit": 101},
        {"offset": -1},
        {"offset": 2**31},
        {"offset": 2**63},
        {"duration_min": -1},
        {"duration_max": 2**31},
        {"duration_min": 99_999_999_999_999},
        {"difficulty_min": 101},
        {"difficulty_max": -1},
        {"match": "some"},
        {"owner": "theirs"},
        {"q": "x" * 101},
    ]
    for params in out_of_range:
        response = await client.get("/api/v1/wods", params=params, headers=ana.headers)

        assert response.status_code == 422, params
        assert response.headers["content-type"] == "application/problem+json", params


async def test_a_nul_character_in_a_search_term_is_a_422(client: httpx.AsyncClient, ana: Account) -> None:
    await store(client, ana, FRAN)

    for name in ("q", "category", "modality", "format", "equipment", "movement"):
        response = await client.get("/api/v1/wods", params={name: "fr\x00an"}, headers=ana.headers)

        assert response.status_code == 422, name


async def test_searching_needs_a_login(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/wods")

    assert response.status_code == 401


async def test_thrusters_and_pull_ups_under_15_minutes_with_a_barbell_and_a_bar_finds_fran(
    client: httpx.AsyncClient, runtime: Runtime, ana: Account
) -> None:
    async with unit_of_work(runtime.sessions, system=True) as session:
        created, _ = await import_library(session, runtime)
    assert created == 83

    page = await search(
        client,
        ana,
        movement=["thrusters", "pull-ups"],
        match="all",
        equipment=["barbell", "pull-up bar"],
        duration_max=900,
    )

    titles = {item["title"] for item in page["items"]}
    assert "Fran" in titles
    assert "Jackie" not in titles  # thrusters and pull-ups, but a rower too
    assert "Daniel" not in titles  # thrusters and pull-ups, but longer than 15 minutes
    for wod in page["items"]:
        assert {"thruster", "pull_up"} <= set(wod["movements"])
        assert set(wod["equipment"]) <= {"barbell", "plates", "pull_up_bar", "rig", "wall", "track"}
        assert wod["estimated_duration_seconds"] <= 900
        assert wod["library_path"] is not None
    assert page["total"] == len(page["items"])


async def test_past_the_count_cap_the_total_is_a_lower_bound(
    client: httpx.AsyncClient, ana: Account, shelf: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from atelier.wods import repository

    monkeypatch.setattr(repository, "COUNT_CAP", 5)
    broad = await client.get("/api/v1/wods", params={"limit": 3}, headers=ana.headers)
    narrow = await client.get("/api/v1/wods", params={"movement": "pull_up"}, headers=ana.headers)

    assert broad.status_code == 200
    assert (broad.json()["total"], broad.json()["total_capped"]) == (5, True)
    assert [w["title"] for w in broad.json()["items"]] == ["Burpee hundred", "Cindy", "Core"]
    assert (narrow.json()["total"], narrow.json()["total_capped"]) == (2, False)


async def test_a_search_page_carries_no_source_and_no_compiled_document(
    client: httpx.AsyncClient, ana: Account, shelf: Any
) -> None:
    page = await client.get("/api/v1/wods", params={"movement": "thruster"}, headers=ana.headers)

    assert page.status_code == 200
    (item,) = page.json()["items"]
    assert item["title"] == "Fran"
    assert "source" not in item and "compiled" not in item
