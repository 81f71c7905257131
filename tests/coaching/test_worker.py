"""`atelier worker` is killed in the middle of a generation; the job is picked up again by the next
worker once its lease has passed. Run against a real worker process and a fake image provider on
127.0.0.1 whose first answer never comes (with Redis configured, the worker listens on Redis too)."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import anyio
import httpx
import pytest
from sqlalchemy import select

from atelier.coaching.models import Illustration, IllustrationJob
from atelier.config import Settings
from atelier.db import unit_of_work
from atelier.kit.runtime import Runtime
from tests.conftest import Account

pytestmark = pytest.mark.anyio

# The smallest valid PNG (1×1, transparent).
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)


class Provider:
    def __init__(self) -> None:
        self.calls = 0
        self.release = threading.Event()
        self.asked = threading.Event()


@pytest.fixture
def provider() -> Iterator[tuple[str, Provider]]:
    state = Provider()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            state.calls += 1
            state.asked.set()
            if state.calls == 1:
                state.release.wait(60)  # the first generation hangs until its worker is killed
            body = json.dumps({"data": [{"b64_json": base64.b64encode(PNG).decode()}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(OSError):  # the worker that asked was killed
                self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1/images/generations", state
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()


def start_worker(settings: Settings, image_url: str, storage: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "ATELIER_DATABASE_URL": settings.database_url,
        "ATELIER_SECRET_KEY": settings.secret_key,
        "ATELIER_IMAGE_URL": image_url,
        "ATELIER_IMAGE_KEY": "test-key",
        "ATELIER_IMAGE_TIMEOUT_SECONDS": "90",
        "ATELIER_JOB_LEASE_SECONDS": "2",
        "ATELIER_STORAGE_DIR": str(storage),
    }
    if settings.redis_url:
        env["ATELIER_REDIS_URL"] = settings.redis_url
    else:
        env.pop("ATELIER_REDIS_URL", None)
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "atelier"), "worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


async def job_state(runtime: Runtime) -> tuple[str, int] | None:
    async with unit_of_work(runtime.sessions, system=True) as session:
        job = await session.scalar(select(IllustrationJob).where(IllustrationJob.movement == "clean"))
        return (job.status, job.attempts) if job is not None else None


async def wait_for(
    runtime: Runtime, wanted: tuple[str, int], seconds: float, worker: subprocess.Popen[bytes]
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await job_state(runtime) == wanted:
            return
        if worker.poll() is not None:
            output = worker.stdout.read().decode() if worker.stdout else ""
            raise AssertionError(f"the worker exited with {worker.returncode}:\n{output}")
        await anyio.sleep(0.1)
    raise AssertionError(f"the job is {await job_state(runtime)}, not {wanted}, after {seconds} s")


def stop(worker: subprocess.Popen[bytes], sig: int) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, sig)
    worker.wait(timeout=30)


async def test_a_generation_killed_with_its_worker_is_completed_by_the_next_worker(
    client: httpx.AsyncClient,
    ana: Account,
    runtime: Runtime,
    settings: Settings,
    provider: tuple[str, Provider],
    tmp_path: Path,
) -> None:
    url, state = provider
    asked = await client.post("/api/v1/illustrations/clean", headers=ana.headers)
    assert asked.status_code == 202, asked.text

    first = start_worker(settings, url, tmp_path)
    try:
        await wait_for(runtime, ("processing", 1), 60, first)
        # Claimed: the request to the provider is on its way.
        assert await anyio.to_thread.run_sync(state.asked.wait, 30)
        assert state.calls == 1
    finally:
        stop(first, signal.SIGKILL)  # killed mid-generation: no chance to clean up
    assert await job_state(runtime) == ("processing", 1)

    await anyio.sleep(2.5)  # the dead worker's lease runs out
    second = start_worker(settings, url, tmp_path)
    try:
        await wait_for(runtime, ("completed", 2), 60, second)
    finally:
        stop(second, signal.SIGTERM)
    assert second.returncode in (0, -signal.SIGTERM)

    async with unit_of_work(runtime.sessions, system=True) as session:
        row = await session.scalar(select(Illustration).where(Illustration.movement == "clean"))
    assert row is not None and row.generator == "provider" and row.content_type == "image/png"
    assert (tmp_path / "illustrations" / row.file_name).read_bytes() == PNG
