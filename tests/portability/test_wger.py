"""wger's REST API against a fake server on 127.0.0.1: paging, token check, units, grouping of logs
into sessions (or calendar days), exercise names fetched once each, and the failures a user can
cause (a wrong token, a wrong address, a URL that is not a wger server)."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from atelier.portability.foreign import ForeignSet, Skipped
from atelier.portability.wger import WgerError, fetch_wger

pytestmark = pytest.mark.anyio

TOKEN = "9f2c-wger-api-key"
PAGE = 2  # small pages, so every list needs `next` to be followed

SESSIONS = [
    {"id": 11, "date": "2024-11-21", "notes": "Heavy day", "time_start": "18:00:00", "time_end": "19:15:00"},
    {"id": 12, "date": "2024-11-23", "notes": "", "time_start": None, "time_end": None},
    {"id": 13, "date": "2024-11-25", "notes": None, "time_start": None, "time_end": None},
]


def new_log(ident: str, date: str, session: int | None, exercise: int, **values: Any) -> dict[str, Any]:
    """A log as current wger serves it (UUID ids, ISO datetimes, decimals as strings)."""
    return {
        "id": ident,
        "date": date,
        "session": session,
        "exercise": exercise,
        "repetitions_unit": 1,
        "repetitions": None,
        "weight_unit": 1,
        "weight": None,
        "rir": None,
        **values,
    }


LOGS = [
    new_log("0193a1", "2024-11-21T18:10:00+01:00", 11, 73, repetitions="5.00", weight="100.00", rir="2.0"),
    new_log(
        "0193a2", "2024-11-21T18:14:00+01:00", 11, 73, repetitions="5.00", weight="225.00", weight_unit=2
    ),
    new_log("0193a3", "2024-11-21T18:40:00+01:00", 11, 91, repetitions_unit=3, repetitions="60.00"),
    new_log("0193a4", "2024-11-23T09:30:00+01:00", 12, 345, repetitions_unit=6, repetitions="5.25"),
    new_log("0193a5", "2024-11-24T07:00:00Z", None, 73, repetitions="8.00", weight="60.00"),
    new_log("0193a6", "2024-11-24T07:05:00Z", None, 73, repetitions="8.00", weight="-5.00"),
    new_log("0193a7", "2024-11-24T07:09:00Z", None, 91, repetitions_unit=4, repetitions="1.50"),
    # an older server: `reps`, `repetition_unit`, `exercise_base`, a plain date and no session
    {
        "id": 501,
        "date": "2024-11-26",
        "exercise_base": 200,
        "reps": 10,
        "repetition_unit": 2,
        "weight": "20.00",
        "weight_unit": 1,
        "rir": None,
    },
]

INFO = {
    "/api/v2/exerciseinfo/73/": {
        "translations": [{"name": "Kniebeuge", "language": 1}, {"name": "Squat", "language": 2}]
    },
    "/api/v2/exerciseinfo/91/": {"translations": [{"name": "Plank", "language": 2}]},
    "/api/v2/exerciseinfo/345/": {"translations": [{"name": "Course à pied", "language": 12}]},
    "/api/v2/exercisebaseinfo/200/": {"exercises": [{"name": "Dips", "language": 2}]},
}


@dataclass
class Wger:
    url: str = ""
    calls: list[str] = field(default_factory=list)
    html: bool = False


@pytest.fixture
def wger() -> Iterator[Wger]:
    state = Wger()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes, kind: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _page(self, path: str, items: list[dict[str, Any]], offset: int) -> dict[str, Any]:
            end = offset + PAGE
            return {
                "count": len(items),
                "next": f"{state.url}{path}?limit={PAGE}&offset={end}" if end < len(items) else None,
                "previous": None,
                "results": items[offset:end],
            }

        def do_GET(self) -> None:
            url = urlparse(self.path)
            state.calls.append(url.path)
            if state.html:
                self._send(200, b"<html><body>Welcome to nginx!</body></html>", "text/html")
                return
            if self.headers.get("Authorization") != f"Token {TOKEN}":
                self._send(401, b'{"detail": "Invalid token."}')
                return
            offset = int(parse_qs(url.query).get("offset", ["0"])[0])
            lists = {"/api/v2/workoutsession/": SESSIONS, "/api/v2/workoutlog/": LOGS}
            if url.path in lists:
                self._send(200, json.dumps(self._page(url.path, lists[url.path], offset)).encode())
            elif url.path in INFO:
                self._send(200, json.dumps(INFO[url.path]).encode())
            else:
                self._send(404, b'{"detail": "Not found."}')

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def lifted(reps: int, kg: float, rpe: float | None = None, kind: str = "normal") -> ForeignSet:
    return ForeignSet(reps=reps, weight_kg=kg, distance_m=None, seconds=None, rpe=rpe, kind=kind)


async def test_a_fetch_reads_every_page_and_groups_logs_into_sessions_and_days(wger: Wger) -> None:
    parsed = await fetch_wger(wger.url, TOKEN)

    assert parsed.app == "wger"
    assert [w.key for w in parsed.workouts] == ["wger:11", "wger:12", "wger:2024-11-24", "wger:2024-11-26"]
    heavy, run, loose, old = parsed.workouts

    assert (heavy.started_at, heavy.duration_seconds, heavy.notes) == (
        datetime(2024, 11, 21, 18, 0),
        4500,
        "Heavy day",
    )
    squat, plank = heavy.exercises
    assert squat.name == "Squat" and plank.name == "Plank"
    assert squat.sets[0] == lifted(5, 100.0, rpe=8.0)
    assert squat.sets[1].weight_kg == pytest.approx(102.05828325) and squat.sets[1].reps == 5
    assert plank.sets == [ForeignSet(None, None, None, 60.0, None)]

    assert (run.started_at, run.duration_seconds, run.notes) == (datetime(2024, 11, 23, 9, 30), None, None)
    assert run.exercises[0].name == "Course à pied"
    assert run.exercises[0].sets == [ForeignSet(None, None, 5250.0, None, None)]

    assert loose.started_at == datetime(2024, 11, 24, 7, 0)
    assert [(e.name, e.sets) for e in loose.exercises] == [
        ("Squat", [lifted(8, 60.0)]),
        ("Plank", [ForeignSet(None, None, None, 90.0, None)]),
    ]

    assert old.started_at == datetime(2024, 11, 26)
    assert old.exercises[0].name == "Dips"
    assert old.exercises[0].sets == [lifted(10, 20.0, kind="failure")]

    assert parsed.skipped == [
        Skipped(None, "log 0193a6: weight '-5.00' is negative"),
        Skipped(None, "session 13 on 2024-11-25: it has no logged sets"),
    ]
    info_calls = [call for call in wger.calls if "info/" in call]
    assert sorted(info_calls) == sorted(INFO)  # each name once, whatever the number of logs
    assert wger.calls.count("/api/v2/workoutlog/") == 4 and wger.calls.count("/api/v2/workoutsession/") == 2


async def test_a_given_client_and_an_api_url_work_too(wger: Wger) -> None:
    async with httpx.AsyncClient() as client:
        parsed = await fetch_wger(f"{wger.url}/api/v2/", TOKEN, client=client)
        assert not client.is_closed
    assert len(parsed.workouts) == 4


async def test_a_wrong_token_is_refused(wger: Wger) -> None:
    with pytest.raises(WgerError, match=r"^wger refused the token \(401\)$"):
        await fetch_wger(wger.url, "not-the-token")


async def test_an_unreachable_server_says_where_it_tried() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(WgerError, match=rf"^cannot reach wger at http://127\.0\.0\.1:{port}: "):
        await fetch_wger(f"http://127.0.0.1:{port}", TOKEN, timeout=2.0)


async def test_a_server_that_does_not_speak_json_is_named(wger: Wger) -> None:
    wger.html = True
    with pytest.raises(WgerError, match=r"did not answer with JSON \(text/html\)"):
        await fetch_wger(wger.url, TOKEN)
