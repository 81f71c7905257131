"""GraphQL at /graphql: searchWods and wod answer like REST, with the same visibility rules."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import Account
from tests.wods.workouts import BURPEE_HUNDRED, CINDY, ENGINE, FRAN, HEAVY_BARBELL, search, store

pytestmark = pytest.mark.anyio

SEARCH = """
query Search($movements: [String!], $match: String!, $equipment: [String!], $durationMax: Int) {
  searchWods(movements: $movements, match: $match, equipment: $equipment, durationMax: $durationMax) {
    total
    items { id title movements equipment duration difficulty format dslSource }
  }
}
"""
ONE = "query One($id: ID!) { wod(id: $id) { id title version visibility dslSource } }"


async def graphql(
    client: httpx.AsyncClient, account: Account | None, query: str, **variables: Any
) -> dict[str, Any]:
    headers = account.headers if account else {}
    response = await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_search_wods_returns_the_same_ids_in_the_same_order_as_rest(
    client: httpx.AsyncClient, ana: Account, bo: Account
) -> None:
    for source in (FRAN, CINDY, ENGINE, BURPEE_HUNDRED, HEAVY_BARBELL):
        await store(client, ana, source)
    await store(
        client, bo, "# Bo's Fran\n21-15-9 for time\n  Thruster 43/30 kg\n  Pull-up\n", visibility="public"
    )
    await store(client, bo, "# Bo's secret\nFor time\n  50 Pull-up\n")
    cases: list[tuple[dict[str, Any], dict[str, Any]]] = [
        ({"movements": ["thrusters", "pull-ups"], "match": "all"}, {"movement": ["thrusters", "pull-ups"]}),
        (
            {"movements": ["pull-up", "burpee"], "match": "any", "durationMax": 900},
            {"movement": ["pull-up", "burpee"], "match": "any", "duration_max": 900},
        ),
        (
            {"movements": ["tractions"], "match": "all", "equipment": ["barbell", "pull-up bar"]},
            {"movement": ["tractions"], "equipment": ["barbell", "pull-up bar"]},
        ),
        ({"match": "all", "equipment": ["barbell"]}, {"equipment": ["barbell"]}),
    ]

    for variables, params in cases:
        answer = await graphql(client, ana, SEARCH, **variables)
        rest = await search(client, ana, **params)

        assert "errors" not in answer, answer
        found = answer["data"]["searchWods"]
        assert [item["id"] for item in found["items"]] == [item["id"] for item in rest["items"]], variables
        assert found["total"] == rest["total"], variables
        assert found["total"] > 0, variables
        assert "Bo's secret" not in {item["title"] for item in found["items"]}


async def test_search_wods_fields_describe_the_wod(client: httpx.AsyncClient, ana: Account) -> None:
    fran = await store(client, ana, FRAN)

    answer = await graphql(client, ana, SEARCH, movements=["thruster"], match="all")

    [item] = answer["data"]["searchWods"]["items"]
    assert item == {
        "id": fran["id"],
        "title": "Fran",
        "movements": ["pull_up", "thruster"],
        "equipment": ["barbell", "plates", "pull_up_bar"],
        "duration": fran["estimated_duration_seconds"],
        "difficulty": fran["difficulty"],
        "format": "for_time",
        "dslSource": FRAN,
    }


async def test_wod_is_null_for_someone_elses_private_wod(
    client: httpx.AsyncClient, ana: Account, bo: Account
) -> None:
    private = await store(client, ana, FRAN)
    public = await store(client, ana, CINDY, visibility="public")

    assert (await graphql(client, bo, ONE, id=private["id"]))["data"] == {"wod": None}
    shared = await graphql(client, bo, ONE, id=public["id"])
    assert shared["data"]["wod"]["title"] == "Cindy"
    mine = await graphql(client, ana, ONE, id=private["id"])
    assert mine["data"]["wod"] == {
        "id": private["id"],
        "title": "Fran",
        "version": 1,
        "visibility": "private",
        "dslSource": FRAN,
    }
    assert (await graphql(client, ana, ONE, id="not-a-uuid"))["data"] == {"wod": None}


async def test_without_a_token_graphql_answers_an_error_and_no_data(
    client: httpx.AsyncClient, ana: Account
) -> None:
    fran = await store(client, ana, FRAN, visibility="public")

    search_answer = await graphql(client, None, SEARCH, match="all")
    one_answer = await graphql(client, None, ONE, id=fran["id"])

    assert search_answer["data"] is None  # searchWods is not nullable: the whole answer is null
    assert one_answer["data"] == {"wod": None}
    for answer in (search_answer, one_answer):
        assert answer["errors"][0]["message"] == "authentication required"


async def test_search_wods_refuses_what_rest_refuses(client: httpx.AsyncClient, ana: Account) -> None:
    refused = {
        "unknown movement 'Thrusterz'": 'movements: ["Thrusterz"]',
        "match must be 'all' or 'any'": 'match: "some"',
        "duration_min is greater than duration_max": "durationMin: 900, durationMax: 60",
        "difficulty_min is greater than difficulty_max": "difficultyMin: 60, difficultyMax: 40",
        "search terms cannot contain a NUL character": 'q: "fr\\u0000an"',
        "limit must be 1–100 and offset at least 0": "limit: 0",
    }
    for message, arguments in refused.items():
        answer = await graphql(client, ana, f"{{ searchWods({arguments}) {{ total }} }}")

        assert answer["data"] is None, arguments
        assert message in answer["errors"][0]["message"], answer
