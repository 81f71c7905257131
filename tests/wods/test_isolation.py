"""Every WOD endpoint keeps what is not yours out of reach: unseen if private, read-only if public."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import select

from atelier.db import is_postgres, unit_of_work
from atelier.kit.runtime import Runtime
from atelier.wods.models import Wod, WodVersion
from tests.conftest import Account
from tests.wods.workouts import CINDY, FRAN, HEAVY_FRAN, search, store

pytestmark = pytest.mark.anyio

VIEWS = ("", "/versions", "/versions/1", "/board", "/board?version=1", "/timeline", "/timeline?version=1")


async def test_someone_elses_private_wod_is_404_on_every_endpoint(
    client: httpx.AsyncClient, ana: Account, bo: Account
) -> None:
    secret = await store(client, ana, FRAN)
    url = f"/api/v1/wods/{secret['id']}"

    for view in VIEWS:
        response = await client.get(url + view, headers=bo.headers)
        assert response.status_code == 404, view
        assert "Fran" not in response.text, view
    for body in ({"source": HEAVY_FRAN}, {"visibility": "public"}):
        assert (await client.patch(url, json=body, headers=bo.headers)).status_code == 404, body
    assert (await search(client, bo, q="Fran"))["total"] == 0
    graphql = await client.post(
        "/graphql", json={"query": f'{{ wod(id: "{secret["id"]}") {{ title }} }}'}, headers=bo.headers
    )
    assert graphql.json()["data"] == {"wod": None}

    untouched = (await client.get(url, headers=ana.headers)).json()
    assert (untouched["version"], untouched["visibility"], untouched["source"]) == (1, "private", FRAN)
    for view in VIEWS:
        assert (await client.get(url + view, headers=ana.headers)).status_code == 200, view


async def test_someone_elses_public_wod_can_be_read_but_not_changed(
    client: httpx.AsyncClient, ana: Account, bo: Account
) -> None:
    shared = await store(client, ana, FRAN, visibility="public")
    url = f"/api/v1/wods/{shared['id']}"

    for view in VIEWS:
        assert (await client.get(url + view, headers=bo.headers)).status_code == 200, view
    for body in ({"source": HEAVY_FRAN}, {"visibility": "private"}):
        assert (await client.patch(url, json=body, headers=bo.headers)).status_code == 403, body

    untouched = (await client.get(url, headers=ana.headers)).json()
    assert (untouched["version"], untouched["visibility"], untouched["source"]) == (1, "public", FRAN)
    versions = (await client.get(f"{url}/versions", headers=ana.headers)).json()
    assert [v["version"] for v in versions] == [1]


async def test_storing_someone_elses_private_text_never_reveals_or_changes_their_wod(
    client: httpx.AsyncClient, ana: Account, bo: Account
) -> None:
    secret = await store(client, ana, FRAN)

    bos = await store(client, bo, FRAN, visibility="public")
    await client.patch(f"/api/v1/wods/{bos['id']}", json={"source": HEAVY_FRAN}, headers=bo.headers)

    assert bos["id"] != secret["id"]
    assert bos["owner_id"] == bo.id
    untouched = (await client.get(f"/api/v1/wods/{secret['id']}", headers=ana.headers)).json()
    assert (untouched["version"], untouched["visibility"], untouched["source"]) == (1, "private", FRAN)


async def test_checking_a_source_only_ever_answers_for_the_text_sent(
    client: httpx.AsyncClient, ana: Account, bo: Account
) -> None:
    anas = "# Secret\n21-15-9 for time\n  Thruster 43/30 kg\n  Pull-up\n"
    bos = "# Secret\n\n21-15-9 for time\n  Thruster 43/30 kg\n  Pull-up\n"
    first = await client.post("/api/v1/wods/check", json={"source": anas}, headers=ana.headers)
    assert first.json()["compiled"]["blocks"][0]["source"]["line"] == 2

    second = await client.post("/api/v1/wods/check", json={"source": bos}, headers=bo.headers)

    assert second.status_code == 200
    assert second.json()["ok"] is True
    assert second.json()["compiled"]["blocks"][0]["source"]["line"] == 3  # compiled from Bo's own text
    assert (await search(client, bo, owner="mine"))["total"] == 0  # checking stores nothing


async def test_every_wod_endpoint_needs_a_login(client: httpx.AsyncClient, ana: Account) -> None:
    fran = await store(client, ana, FRAN, visibility="public")
    url = f"/api/v1/wods/{fran['id']}"
    calls = [
        ("POST", "/api/v1/wods/check", {"source": FRAN}),
        ("POST", "/api/v1/wods", {"source": CINDY}),
        ("GET", "/api/v1/wods", None),
        ("GET", "/api/v1/movements", None),
        ("PATCH", url, {"visibility": "private"}),
        *(("GET", url + view, None) for view in VIEWS),
    ]
    for method, path, body in calls:
        for headers in ({}, {"Authorization": "Bearer not-a-token"}):
            response = await client.request(method, path, json=body, headers=headers)
            assert response.status_code == 401, (method, path, headers)
            assert response.headers["www-authenticate"] == "Bearer"

    untouched = (await client.get(url, headers=ana.headers)).json()
    assert untouched["visibility"] == "public"
    assert (await search(client, ana, owner="mine"))["total"] == 1


async def test_a_wod_id_that_is_not_a_uuid_is_422(client: httpx.AsyncClient, ana: Account) -> None:
    for view in VIEWS:
        response = await client.get(f"/api/v1/wods/fran{view}", headers=ana.headers)
        assert response.status_code == 422, view


async def test_on_postgresql_row_level_security_hides_private_wods_even_from_an_unfiltered_query(
    client: httpx.AsyncClient, runtime: Runtime, ana: Account, bo: Account
) -> None:
    if not is_postgres(runtime.settings.database_url):
        pytest.skip("row-level security is PostgreSQL's")
    secret = await store(client, ana, FRAN)
    shared = await store(client, ana, CINDY, visibility="public")

    async with unit_of_work(runtime.sessions, user_id=uuid.UUID(bo.id)) as session:
        wods = set((await session.scalars(select(Wod.id))).all())
        versions = set((await session.scalars(select(WodVersion.wod_id))).all())

    assert wods == versions == {uuid.UUID(shared["id"])}
    assert uuid.UUID(secret["id"]) not in wods
