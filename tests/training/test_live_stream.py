"""The live board over Server-Sent Events, from real server processes: a viewer gets the board at
once and every change after; with Redis, a viewer on one process sees events posted on another."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from atelier.config import Settings
from atelier.kit.runtime import Runtime
from tests.conftest import REDIS_URL, Account, sign_up
from tests.served import Served
from tests.training.test_events import MINI, a_class, book, event, post

pytestmark = pytest.mark.anyio


async def boards(response: httpx.Response) -> AsyncIterator[dict[str, Any]]:
    """The ``board`` events of an SSE stream, as they arrive (comments skipped)."""
    kind, data = None, []
    async for line in response.aiter_lines():
        if line.startswith("event:"):
            kind = line.split(":", 1)[1].strip()
        elif line.startswith("data:"):
            data.append(line.split(":", 1)[1].strip())
        elif line == "" and data:
            if kind == "board":
                yield json.loads("".join(data))
            kind, data = None, []


async def _setup(client: httpx.AsyncClient) -> tuple[Account, Account, str]:
    coach = await sign_up(client, role="coach", name="Coach")
    ana = await sign_up(client, name="Ana")
    invited = await client.post("/api/v1/links", json={"athlete_email": ana.email}, headers=coach.headers)
    await client.post(f"/api/v1/links/{invited.json()['id']}/accept", headers=ana.headers)
    class_id = await a_class(client, coach, MINI)
    await book(client, ana, class_id)
    return coach, ana, class_id


async def _watch_and_post(viewer: Served, poster: Served) -> list[dict[str, Any]]:
    coach, ana, class_id = await _setup(poster.client)
    seen: list[dict[str, Any]] = []
    async with viewer.client.stream(
        "GET", f"/api/v1/classes/{class_id}/live", headers=ana.headers, timeout=20
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        stream = boards(response)
        seen.append(await anext(stream))
        posted = await post(poster.client, coach, class_id, event(ana, 30, "pull_up", 10))
        assert posted.status_code == 200, posted.text
        seen.append(await anext(stream))
        await post(poster.client, ana, class_id, event(ana, 70, "push_up", 20))
        seen.append(await anext(stream))
    return seen


@pytest.fixture
async def served(runtime: Runtime, settings: Settings, tmp_path: Path) -> AsyncIterator[list[Served]]:
    """Two server processes when Redis can join them, else one."""
    hub = REDIS_URL
    servers = [await Served.start(settings, tmp_path / "a.log", redis_url=hub)]
    try:
        if hub:
            servers.append(await Served.start(settings, tmp_path / "b.log", redis_url=hub))
        yield servers
    finally:
        for server in servers:
            await server.stop()


async def test_a_viewer_gets_the_board_now_and_each_change(served: list[Served]) -> None:
    seen = await _watch_and_post(served[0], served[0])

    assert [b["seq"] for b in seen] == [0, 1, 2]
    assert [b["rows"][0]["done"] for b in seen] == [0, 10, 30]
    assert seen[-1]["rows"][0]["display"] == "1:10"


@pytest.mark.skipif(REDIS_URL is None, reason="set ATELIER_TEST_REDIS: two processes meet through Redis")
async def test_events_posted_on_one_process_reach_viewers_on_another(served: list[Served]) -> None:
    viewer, poster = served
    assert viewer.url != poster.url

    seen = await _watch_and_post(viewer, poster)

    assert [b["seq"] for b in seen] == [0, 1, 2]
    assert seen[-1]["rows"][0]["finished_at"] == 70


async def test_the_stream_needs_a_viewer_of_the_class(served: list[Served]) -> None:
    server = served[0]
    _, _, class_id = await _setup(server.client)
    stranger = await sign_up(server.client, name="Stranger")

    hidden = await server.client.get(f"/api/v1/classes/{class_id}/live", headers=stranger.headers)
    anonymous = await server.client.get(f"/api/v1/classes/{class_id}/live")
    missing = await server.client.get(f"/api/v1/classes/{uuid.uuid4()}/live", headers=stranger.headers)

    assert hidden.status_code == missing.status_code == 404
    assert anonymous.status_code == 401
    assert hidden.headers["content-type"] == "application/problem+json"
