"""The live stream's handler, driven in-process through ASGI with the in-memory hub: a viewer
behind skips to the newest board, each board is encoded once however many watch it, a quiet
stream sends keep-alives, and a viewer who leaves frees their subscription."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from atelier.app import create_app
from atelier.config import Settings
from atelier.kit.pubsub import MemoryHub, Message
from atelier.kit.runtime import Runtime
from atelier.training import events, events_api
from tests.conftest import Account, sign_up
from tests.training.test_events import MINI, a_class
from tests.training.test_live_stream import _setup

pytestmark = pytest.mark.anyio

UPPER_BOUND_S = 5.0  # waiting longer than this for a chunk is a failure, never a synchronisation


class Stream:
    """One ``GET /classes/{id}/live`` sent straight to the ASGI app: the chunks it sends, in order."""

    def __init__(self, app: Any, class_id: str, viewer: Account) -> None:
        path = f"/api/v1/classes/{class_id}/live"
        self.scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", b"atelier.test"), (b"authorization", f"Bearer {viewer.token}".encode())],
            "client": ("127.0.0.1", 50000),
            "server": ("atelier.test", 80),
        }
        self.status: int | None = None
        self.chunks: asyncio.Queue[bytes] = asyncio.Queue()
        self.left = asyncio.Event()
        self._asked = False
        self.task = asyncio.create_task(app(self.scope, self._receive, self._send))

    async def _receive(self) -> dict[str, Any]:
        if not self._asked:
            self._asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self.left.wait()
        return {"type": "http.disconnect"}

    async def _send(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
        elif message.get("body"):
            self.chunks.put_nowait(message["body"])

    async def next_chunk(self) -> bytes:
        return await asyncio.wait_for(self.chunks.get(), UPPER_BOUND_S)

    async def next_board(self) -> dict[str, Any]:
        chunk = await self.next_chunk()
        lines = dict(line.split(": ", 1) for line in chunk.decode().strip().split("\n"))
        assert lines["event"] == "board"
        board: dict[str, Any] = json.loads(lines["data"])
        assert int(lines["id"]) == board["seq"]
        return board

    async def leave(self) -> None:
        self.left.set()
        await asyncio.wait_for(self.task, UPPER_BOUND_S)


@pytest.fixture
async def app(runtime: Runtime, settings: Settings) -> AsyncIterator[Any]:
    """The app on an in-memory hub: publishing several boards in a row then never yields, so what
    a viewer does with boards that piled up is shown, not left to the scheduler."""
    await runtime.hub.close()
    runtime.hub = MemoryHub()
    yield create_app(settings, runtime=runtime)


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://atelier.test") as c:
        yield c


def _board(first: dict[str, Any], seq: int) -> dict[str, Any]:
    return {**first, "seq": seq}


async def test_a_viewer_behind_skips_to_the_newest_board_and_never_goes_back(
    app: Any, client: httpx.AsyncClient, runtime: Runtime
) -> None:
    _, ana, class_id = await _setup(client)
    viewer = Stream(app, class_id, ana)
    first = await viewer.next_board()

    for seq in (1, 2, 3):  # published while the viewer's handler cannot run
        await events.publish(runtime, _board(first, seq))
    newest = await viewer.next_board()
    await events.publish(runtime, _board(first, 2))  # late, from a slower request
    await events.publish(runtime, _board(first, 4))
    after = await viewer.next_board()
    await viewer.leave()

    assert viewer.status == 200
    assert first["seq"] == 0 and [r["name"] for r in first["rows"]] == ["Ana"]
    assert newest == _board(first, 3)
    assert after["seq"] == 4
    assert viewer.chunks.empty()


async def test_each_board_is_encoded_once_for_all_the_viewers_of_a_process(
    app: Any, client: httpx.AsyncClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    coach, ana, class_id = await _setup(client)
    encoded: list[int] = []
    frame_of = events_api._board_frame

    def counting(message: Message) -> bytes:
        encoded.append(message.data["seq"])
        return frame_of(message)

    monkeypatch.setattr(events_api, "_board_frame", counting)
    viewers = [Stream(app, class_id, who) for who in (ana, coach, ana)]
    firsts = [await v.next_board() for v in viewers]

    await events.publish(runtime, _board(firsts[0], 1))
    chunks = [await v.next_chunk() for v in viewers]
    await events.publish(runtime, _board(firsts[0], 2))
    boards = [await v.next_board() for v in viewers]
    for viewer in viewers:
        await viewer.leave()

    assert encoded == [1, 2]
    assert chunks[0] == chunks[1] == chunks[2] and chunks[0].startswith(b"event: board\nid: 1\ndata: {")
    assert [b["seq"] for b in boards] == [2, 2, 2]


async def test_a_quiet_stream_sends_keep_alives_and_a_viewer_who_leaves_is_unsubscribed(
    app: Any, client: httpx.AsyncClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(events_api, "KEEP_ALIVE_SECONDS", 0.05)
    _, ana, class_id = await _setup(client)
    viewer = Stream(app, class_id, ana)
    await viewer.next_board()

    keep_alive = await viewer.next_chunk()
    watching = runtime.hub.subscriber_counts()
    await viewer.leave()

    assert keep_alive == b": keep-alive\n\n"
    assert watching == {events.channel(uuid.UUID(class_id)): 1}
    assert runtime.hub.subscriber_counts() == {}


async def test_boards_of_another_class_do_not_reach_a_viewer(
    app: Any, client: httpx.AsyncClient, runtime: Runtime
) -> None:
    _, ana, class_id = await _setup(client)
    other_coach = await sign_up(client, role="coach", name="Other coach")
    other_class = await a_class(client, other_coach, MINI)
    viewer = Stream(app, class_id, ana)
    first = await viewer.next_board()

    await events.publish(runtime, {**_board(first, 7), "class_id": other_class})
    await events.publish(runtime, _board(first, 1))
    shown = await viewer.next_board()
    await viewer.leave()

    assert shown["seq"] == 1 and shown["class_id"] == class_id
