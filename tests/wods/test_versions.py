"""Editing a WOD: a new source is a new version; every earlier version stays readable."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from atelier.db import unit_of_work
from atelier.kit.runtime import Runtime
from atelier.wods.service import import_library
from tests.conftest import Account
from tests.wods.workouts import FRAN, HEAVY_FRAN, UNKNOWN_MOVEMENT, search, store

pytestmark = pytest.mark.anyio


def thruster_kg(compiled: dict[str, Any]) -> Any:
    return compiled["blocks"][0]["items"][0]["load"]["kg"]


async def test_a_new_source_makes_version_2_and_version_1_keeps_its_own_source(
    client: httpx.AsyncClient, ana: Account
) -> None:
    wod = await store(client, ana, FRAN)

    edited = await client.patch(f"/api/v1/wods/{wod['id']}", json={"source": HEAVY_FRAN}, headers=ana.headers)

    assert edited.status_code == 200
    assert edited.json()["id"] == wod["id"]
    assert edited.json()["version"] == 2
    assert edited.json()["source"] == HEAVY_FRAN
    assert thruster_kg(edited.json()["compiled"]) == {"men": 52, "women": 35}
    assert edited.json()["difficulty"] > wod["difficulty"]
    assert edited.json()["source_hash"] != wod["source_hash"]

    versions = (await client.get(f"/api/v1/wods/{wod['id']}/versions", headers=ana.headers)).json()
    assert [(v["version"], v["source"]) for v in versions] == [(1, FRAN), (2, HEAVY_FRAN)]
    assert [v["wod_id"] for v in versions] == [wod["id"], wod["id"]]
    assert versions[0]["source_hash"] == wod["source_hash"]

    first = await client.get(f"/api/v1/wods/{wod['id']}/versions/1", headers=ana.headers)
    assert first.status_code == 200
    assert thruster_kg(first.json()["compiled"]) == {"men": 43, "women": 30}
    assert first.json()["compiled"] == wod["compiled"]

    current = await client.get(f"/api/v1/wods/{wod['id']}", headers=ana.headers)
    assert current.json()["version"] == 2
    assert thruster_kg(current.json()["compiled"]) == {"men": 52, "women": 35}


async def test_search_indexes_the_current_version(client: httpx.AsyncClient, ana: Account) -> None:
    wod = await store(client, ana, FRAN)
    await client.patch(
        f"/api/v1/wods/{wod['id']}", json={"source": "# Fran\nFor time\n  100 Burpee\n"}, headers=ana.headers
    )

    assert (await search(client, ana, movement="burpee"))["total"] == 1
    assert (await search(client, ana, movement="thruster"))["total"] == 0


async def test_saving_the_same_source_again_makes_no_new_version(
    client: httpx.AsyncClient, ana: Account
) -> None:
    wod = await store(client, ana, FRAN)

    edited = await client.patch(f"/api/v1/wods/{wod['id']}", json={"source": FRAN}, headers=ana.headers)

    assert edited.status_code == 200
    assert edited.json()["version"] == 1
    versions = (await client.get(f"/api/v1/wods/{wod['id']}/versions", headers=ana.headers)).json()
    assert [v["version"] for v in versions] == [1]


async def test_only_a_new_visibility_makes_no_new_version(
    client: httpx.AsyncClient, ana: Account, bo: Account
) -> None:
    wod = await store(client, ana, FRAN)

    edited = await client.patch(
        f"/api/v1/wods/{wod['id']}", json={"visibility": "public"}, headers=ana.headers
    )

    assert edited.status_code == 200
    assert edited.json()["visibility"] == "public"
    assert edited.json()["version"] == 1
    versions = (await client.get(f"/api/v1/wods/{wod['id']}/versions", headers=ana.headers)).json()
    assert [v["version"] for v in versions] == [1]
    assert (await client.get(f"/api/v1/wods/{wod['id']}", headers=bo.headers)).status_code == 200


async def test_making_a_wod_private_again_hides_it_from_others(
    client: httpx.AsyncClient, ana: Account, bo: Account
) -> None:
    wod = await store(client, ana, FRAN, visibility="public")

    await client.patch(f"/api/v1/wods/{wod['id']}", json={"visibility": "private"}, headers=ana.headers)

    assert (await client.get(f"/api/v1/wods/{wod['id']}", headers=bo.headers)).status_code == 404
    assert (await search(client, bo))["total"] == 0


@pytest.mark.parametrize("body", [{}, {"source": None}, {"source": None, "visibility": None}])
async def test_a_patch_with_nothing_to_change_is_refused(
    client: httpx.AsyncClient, ana: Account, body: dict[str, object]
) -> None:
    wod = await store(client, ana, FRAN)

    response = await client.patch(f"/api/v1/wods/{wod['id']}", json=body, headers=ana.headers)

    assert response.status_code == 422
    assert response.json()["detail"] == "nothing to change: send a source or a visibility"


async def test_an_edit_that_does_not_compile_changes_nothing(client: httpx.AsyncClient, ana: Account) -> None:
    wod = await store(client, ana, FRAN)

    response = await client.patch(
        f"/api/v1/wods/{wod['id']}",
        json={"source": UNKNOWN_MOVEMENT, "visibility": "public"},
        headers=ana.headers,
    )

    assert response.status_code == 422
    assert "E020" in [d["code"] for d in response.json()["diagnostics"]]
    current = (await client.get(f"/api/v1/wods/{wod['id']}", headers=ana.headers)).json()
    assert (current["version"], current["source"], current["visibility"]) == (1, FRAN, "private")


async def test_an_edit_with_an_unknown_field_is_refused(client: httpx.AsyncClient, ana: Account) -> None:
    wod = await store(client, ana, FRAN)

    response = await client.patch(
        f"/api/v1/wods/{wod['id']}", json={"source": HEAVY_FRAN, "version": 7}, headers=ana.headers
    )

    assert response.status_code == 422
    current = (await client.get(f"/api/v1/wods/{wod['id']}", headers=ana.headers)).json()
    assert current["version"] == 1


async def test_someone_else_cannot_edit_a_public_wod_403(
    client: httpx.AsyncClient, ana: Account, bo: Account
) -> None:
    wod = await store(client, ana, FRAN, visibility="public")

    for body in ({"source": HEAVY_FRAN}, {"visibility": "private"}):
        response = await client.patch(f"/api/v1/wods/{wod['id']}", json=body, headers=bo.headers)
        assert response.status_code == 403

    current = (await client.get(f"/api/v1/wods/{wod['id']}", headers=ana.headers)).json()
    assert (current["version"], current["source"], current["visibility"]) == (1, FRAN, "public")


async def test_someone_else_cannot_edit_a_private_wod_404(
    client: httpx.AsyncClient, ana: Account, bo: Account
) -> None:
    wod = await store(client, ana, FRAN)

    for body in ({"source": HEAVY_FRAN}, {"visibility": "public"}):
        response = await client.patch(f"/api/v1/wods/{wod['id']}", json=body, headers=bo.headers)
        assert response.status_code == 404

    current = (await client.get(f"/api/v1/wods/{wod['id']}", headers=ana.headers)).json()
    assert (current["version"], current["source"], current["visibility"]) == (1, FRAN, "private")


async def test_a_library_wod_cannot_be_edited(
    client: httpx.AsyncClient, runtime: Runtime, ana: Account
) -> None:
    async with unit_of_work(runtime.sessions, system=True) as session:
        await import_library(session, runtime)
    page = await search(client, ana, q="Fran", owner="public")
    [fran] = [wod for wod in page["items"] if wod["library_path"] == "girls/fran"]
    assert fran["owner_id"] is None

    response = await client.patch(
        f"/api/v1/wods/{fran['id']}", json={"source": HEAVY_FRAN}, headers=ana.headers
    )

    assert response.status_code == 403
    assert "copy" in response.json()["detail"]
    current = (await client.get(f"/api/v1/wods/{fran['id']}", headers=ana.headers)).json()
    assert current["version"] == 1


async def test_a_version_that_does_not_exist_is_404(client: httpx.AsyncClient, ana: Account) -> None:
    wod = await store(client, ana, FRAN)

    assert (await client.get(f"/api/v1/wods/{wod['id']}/versions/2", headers=ana.headers)).status_code == 404
    assert (await client.get(f"/api/v1/wods/{wod['id']}/versions/0", headers=ana.headers)).status_code == 404


async def test_patching_a_wod_that_does_not_exist_is_404(client: httpx.AsyncClient, ana: Account) -> None:
    response = await client.patch(
        "/api/v1/wods/00000000-0000-4000-8000-000000000000", json={"source": FRAN}, headers=ana.headers
    )

    assert response.status_code == 404
