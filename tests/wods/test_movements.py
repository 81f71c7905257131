"""The movement catalog: found by id, name or alias in English or French, with coaching data."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import Account

pytestmark = pytest.mark.anyio

CATEGORIES = {"weightlifting", "gymnastics", "cardio", "strength", "plyometric", "core", "carry", "mobility"}


async def movements(
    client: httpx.AsyncClient, account: Account, q: str | None = None
) -> list[dict[str, Any]]:
    params = {"q": q} if q is not None else {}
    response = await client.get("/api/v1/movements", params=params, headers=account.headers)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


async def test_any_name_of_a_movement_finds_it_first(client: httpx.AsyncClient, ana: Account) -> None:
    expected = {
        "tractions": "pull_up",
        "pullups": "pull_up",
        "Pull-up": "pull_up",
        "T2B": "toes_to_bar",
        "thrusters": "thruster",
        "traction": "pull_up",
    }
    for query, movement_id in expected.items():
        found = await movements(client, ana, query)

        assert found[0]["id"] == movement_id, (query, [m["id"] for m in found[:5]])
        assert len({m["id"] for m in found}) == len(found), query


async def test_a_partial_name_finds_every_movement_containing_it(
    client: httpx.AsyncClient, ana: Account
) -> None:
    found = [m["id"] for m in await movements(client, ana, "pull-up")]

    assert found[0] == "pull_up"
    assert {"chest_to_bar_pull_up", "strict_pull_up", "jumping_pull_up"} <= set(found)
    assert "thruster" not in found


async def test_every_entry_carries_category_muscle_groups_and_complexity(
    client: httpx.AsyncClient, ana: Account
) -> None:
    catalog = await movements(client, ana)

    assert len(catalog) == 228
    for entry in catalog:
        assert entry["category"] in CATEGORIES, entry["id"]
        assert entry["muscle_groups"], entry["id"]
        assert 1 <= entry["complexity"] <= 5, entry["id"]
        assert entry["name_fr"], entry["id"]
    pull_up = next(entry for entry in catalog if entry["id"] == "pull_up")
    assert pull_up["category"] == "gymnastics"
    assert "lats" in pull_up["muscle_groups"]
    assert "pull_up_bar" in pull_up["equipment"]
    assert "traction" in [alias.lower() for alias in pull_up["aliases_fr"]]


async def test_a_name_that_matches_nothing_finds_nothing(client: httpx.AsyncClient, ana: Account) -> None:
    assert await movements(client, ana, "zzqx") == []


async def test_the_catalog_needs_a_login_and_a_short_query(client: httpx.AsyncClient, ana: Account) -> None:
    assert (await client.get("/api/v1/movements", params={"q": "pull"})).status_code == 401
    too_long = await client.get("/api/v1/movements", params={"q": "x" * 81}, headers=ana.headers)
    assert too_long.status_code == 422
