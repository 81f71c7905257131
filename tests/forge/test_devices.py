"""Connected devices: tokens sealed at rest and never returned; the sync job against a fake
provider on 127.0.0.1 (OAuth refresh, paging by cursor, downloads imported as recordings)."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from sqlalchemy import text

from atelier.db import unit_of_work
from atelier.forge import devices
from atelier.kit.runtime import Runtime
from tests.conftest import Account

pytestmark = pytest.mark.anyio

FILES = Path(__file__).parent / "files"
ACCESS, REFRESH = "acc-3f9e-very-secret", "ref-77aa-even-more-secret"


@dataclass
class Provider:
    """A wearable vendor's API: refresh grant, a cursor-paged activity list, file downloads."""

    url: str = ""
    access: str = "fresh-access-1"
    files: list[str] = field(default_factory=lambda: ["run.tcx", "bike.tcx"])
    calls: list[str] = field(default_factory=list)
    failing: bool = False


@pytest.fixture
def provider() -> Iterator[Provider]:
    state = Provider()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes, kind: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            form = parse_qs(self.rfile.read(length).decode())
            state.calls.append(f"POST {self.path}")
            if form.get("refresh_token") != [REFRESH] or form.get("client_id") != ["atelier"]:
                self._send(400, b'{"error": "invalid_grant"}')
                return
            body = {"access_token": state.access, "refresh_token": REFRESH, "expires_in": 3600}
            self._send(200, json.dumps(body).encode())

        def do_GET(self) -> None:
            url = urlparse(self.path)
            state.calls.append(f"GET {url.path}")
            if self.headers.get("Authorization") != f"Bearer {state.access}":
                self._send(401, b'{"error": "invalid_token"}')
                return
            if state.failing:
                self._send(503, b"{}")
                return
            if url.path == "/v1/activities":
                after = int(parse_qs(url.query).get("after", ["0"])[0])
                listed = [
                    {"id": str(n), "file_url": f"/files/{name}", "filename": name}
                    for n, name in enumerate(state.files, start=1)
                    if n > after
                ]
                self._send(200, json.dumps({"activities": listed, "cursor": str(len(state.files))}).encode())
                return
            name = url.path.removeprefix("/files/")
            self._send(200, (FILES / name).read_bytes(), "application/octet-stream")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def configured(runtime: Runtime, provider: Provider) -> Iterator[Runtime]:
    settings = runtime.settings
    before = (settings.wearable_url, settings.wearable_client_id, settings.wearable_client_secret)
    settings.wearable_url, settings.wearable_client_id, settings.wearable_client_secret = (
        provider.url,
        "atelier",
        "s",
    )
    yield runtime
    settings.wearable_url, settings.wearable_client_id, settings.wearable_client_secret = before


async def connect(client: httpx.AsyncClient, account: Account, **extra: Any) -> dict[str, Any]:
    body = {"provider": "http", "label": "Watch", "access_token": ACCESS, "refresh_token": REFRESH, **extra}
    response = await client.post("/api/v1/devices", json=body, headers=account.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_tokens_are_sealed_at_rest_and_never_returned(
    client: httpx.AsyncClient, runtime: Runtime, ana: Account
) -> None:
    device = await connect(client, ana, expires_in=600)
    listed = await client.get("/api/v1/devices", headers=ana.headers)

    for shown in (device, *listed.json()):
        assert "token" not in json.dumps({k: v for k, v in shown.items() if k != "token_expires_at"})
        assert ACCESS not in json.dumps(shown) and REFRESH not in json.dumps(shown)
    async with unit_of_work(runtime.sessions, system=True) as session:
        raw = (await session.execute(text("SELECT access_token, refresh_token FROM connected_devices"))).one()
    assert ACCESS not in raw[0] and REFRESH not in raw[1]
    assert devices.unseal(runtime.settings, raw[0]) == ACCESS
    assert devices.unseal(runtime.settings, raw[1]) == REFRESH


async def test_a_sync_refreshes_the_expired_token_imports_new_files_and_remembers_its_cursor(
    client: httpx.AsyncClient, configured: Runtime, provider: Provider, ana: Account
) -> None:
    device = await connect(client, ana)  # the access token the provider no longer accepts

    first = await client.post(f"/api/v1/devices/{device['id']}/sync", headers=ana.headers)

    assert first.status_code == 200, first.text
    assert first.json() == {"listed": 2, "imported": 2, "duplicates": 0, "unreadable": []}
    assert provider.calls[:3] == ["GET /v1/activities", "POST /oauth/token", "GET /v1/activities"]
    recordings = (await client.get("/api/v1/recordings", headers=ana.headers)).json()
    assert sorted(r["filename"] for r in recordings) == ["bike.tcx", "run.tcx"]
    assert {r["device_id"] for r in recordings} == {device["id"]}

    provider.files.append("run_30min.fit")
    second = await client.post(f"/api/v1/devices/{device['id']}/sync", headers=ana.headers)

    assert second.json() == {"listed": 1, "imported": 1, "duplicates": 0, "unreadable": []}
    shown = (await client.get("/api/v1/devices", headers=ana.headers)).json()[0]
    assert shown["last_synced_at"] is not None and shown["last_error"] is None


async def test_a_failing_provider_is_a_502_and_an_unconfigured_one_a_409(
    client: httpx.AsyncClient, runtime: Runtime, provider: Provider, ana: Account
) -> None:
    device = await connect(client, ana)
    unconfigured = await client.post(f"/api/v1/devices/{device['id']}/sync", headers=ana.headers)
    assert unconfigured.status_code == 409 and "ATELIER_WEARABLE_URL" in unconfigured.json()["detail"]

    runtime.settings.wearable_url, runtime.settings.wearable_client_id = provider.url, "atelier"
    try:
        provider.access = ACCESS
        provider.failing = True
        failed = await client.post(f"/api/v1/devices/{device['id']}/sync", headers=ana.headers)
    finally:
        runtime.settings.wearable_url, runtime.settings.wearable_client_id = None, ""

    assert failed.status_code == 502 and "503" in failed.json()["detail"]
    assert (await client.get("/api/v1/recordings", headers=ana.headers)).json() == []


async def test_unknown_providers_are_refused(client: httpx.AsyncClient, ana: Account) -> None:
    response = await client.post(
        "/api/v1/devices", json={"provider": "fitbit", "access_token": "x"}, headers=ana.headers
    )
    assert response.status_code == 422 and response.json()["allowed"] == ["http"]


async def test_others_cannot_see_sync_or_remove_a_device(
    client: httpx.AsyncClient, configured: Runtime, ana: Account, bo: Account, coach: Account
) -> None:
    device = await connect(client, ana)

    for account in (bo, coach):
        assert (await client.get("/api/v1/devices", headers=account.headers)).json() == []
        synced = await client.post(f"/api/v1/devices/{device['id']}/sync", headers=account.headers)
        removed = await client.delete(f"/api/v1/devices/{device['id']}", headers=account.headers)
        assert (synced.status_code, removed.status_code) == (404, 404)
    assert (await client.delete(f"/api/v1/devices/{device['id']}", headers=ana.headers)).status_code == 204
    assert (await client.delete(f"/api/v1/devices/{uuid.uuid4()}", headers=ana.headers)).status_code == 404


async def test_the_periodic_job_syncs_every_device_and_one_failure_stops_no_other(
    client: httpx.AsyncClient, configured: Runtime, provider: Provider, ana: Account, bo: Account
) -> None:
    good = await connect(client, ana)
    broken = await connect(client, bo, refresh_token="revoked-by-the-user")

    outcome = await devices.sync_all(configured)

    report = outcome[uuid.UUID(good["id"])]
    assert isinstance(report, devices.SyncReport) and report.imported == 2
    assert "400" in str(outcome[uuid.UUID(broken["id"])])
    assert len((await client.get("/api/v1/recordings", headers=ana.headers)).json()) == 2
    assert (await client.get("/api/v1/recordings", headers=bo.headers)).json() == []
