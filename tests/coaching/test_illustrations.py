"""The illustration pipeline: library first (exact, then alias), otherwise the queue in priority order,
pending → processing → completed or failed with retries and backoff, files with long cache headers."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from atelier.coaching import illustrate, illustrations
from atelier.coaching.models import Illustration, IllustrationJob
from atelier.db import unit_of_work
from atelier.jobs import build
from atelier.kit.clock import utcnow
from atelier.kit.runtime import Runtime
from atelier.wods.catalog import MovementEntry
from tests.conftest import Account

pytestmark = pytest.mark.anyio


async def ask(client: httpx.AsyncClient, account: Account, name: str, **params: Any) -> httpx.Response:
    return await client.post(f"/api/v1/illustrations/{name}", params=params, headers=account.headers)


def stored_files(runtime: Runtime) -> list[Path]:
    return list(Path(runtime.settings.storage_dir).rglob("*"))


async def job_of(runtime: Runtime, movement: str) -> IllustrationJob:
    async with unit_of_work(runtime.sessions, system=True) as session:
        job = await session.scalar(select(IllustrationJob).where(IllustrationJob.movement == movement))
        assert job is not None
        return job


async def test_a_missing_illustration_is_queued_generated_and_served_with_a_long_cache(
    client: httpx.AsyncClient, ana: Account, runtime: Runtime
) -> None:
    queued = await ask(client, ana, "ohp")  # an alias: the library is keyed by the catalog id
    assert queued.status_code == 202, queued.text
    assert queued.json()["movement"] == "strict_press" and queued.json()["status"] == "pending"
    polled = await client.get("/api/v1/illustrations/strict_press", headers=ana.headers)
    assert polled.json()["status"] == "pending"

    assert await illustrations.drain(runtime) == 1

    done = (await client.get("/api/v1/illustrations/ohp", headers=ana.headers)).json()
    assert done["status"] == "completed" and done["generator"] == "local-svg"
    served = await client.get(done["url"])  # files are public: a picture of a press is everyone's
    assert served.status_code == 200
    assert served.headers["content-type"].startswith("image/svg+xml")
    assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert b"Strict press" in served.content or b"strict" in served.content.lower()
    assert not any(p.name.endswith(".part") for p in stored_files(runtime))

    again = await ask(client, ana, "strict press")
    assert again.status_code == 200 and again.json()["url"] == done["url"]
    async with unit_of_work(runtime.sessions, system=True) as session:
        row = await session.scalar(select(Illustration).where(Illustration.movement == "strict_press"))
        assert row is not None and row.usage_count == 1 and "shoulders" in " ".join(row.muscle_groups)


async def test_unknown_movements_and_odd_file_names_are_clear_errors(
    client: httpx.AsyncClient, ana: Account
) -> None:
    unknown = await ask(client, ana, "flying unicorn")
    assert unknown.status_code == 422 and "flying unicorn" in unknown.json()["detail"]
    assert (await client.get("/api/v1/illustrations/air_squat", headers=ana.headers)).status_code == 404
    assert (await client.get("/illustrations/files/..%2Fsecret.txt")).status_code == 404
    assert (await client.get("/illustrations/files/nothing.svg")).status_code == 404
    assert (await ask(client, ana, "air_squat", priority=0)).status_code == 422
    assert (await client.post("/api/v1/illustrations/air_squat")).status_code == 401


async def test_the_worker_takes_the_most_urgent_job_first(
    client: httpx.AsyncClient, ana: Account, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, priority in (("air_squat", 9), ("pull_up", 1), ("burpee", 5)):
        assert (await ask(client, ana, name, priority=priority)).status_code == 202
    # Asking again with a more urgent priority moves it up; a less urgent one changes nothing.
    await ask(client, ana, "air_squat", priority=2)
    await ask(client, ana, "pull_up", priority=9)
    order: list[str] = []
    real = illustrations.generate

    async def tracking(runtime: Runtime, movement: MovementEntry, discipline: str | None) -> illustrate.Image:
        order.append(movement.id)
        return await real(runtime, movement, discipline)

    monkeypatch.setattr(illustrations, "generate", tracking)
    assert await illustrations.drain(runtime) == 3
    assert order == ["pull_up", "air_squat", "burpee"]


async def test_failures_are_retried_with_backoff_then_marked_failed_and_asking_again_requeues(
    client: httpx.AsyncClient, ana: Account, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(runtime: Runtime, movement: MovementEntry, discipline: str | None) -> illustrate.Image:
        raise illustrate.ProviderError("provider answered 500")

    monkeypatch.setattr(illustrations, "generate", broken)
    await ask(client, ana, "thruster")
    backoff = {1: timedelta(seconds=30), 2: timedelta(seconds=60)}
    for attempt in (1, 2, 3):
        before = utcnow()
        assert await illustrations.drain(runtime) == 0
        after = utcnow()
        job = await job_of(runtime, "thruster")
        assert job.attempts == attempt and "provider answered 500" in (job.last_error or "")
        if attempt < 3:
            assert job.status == "pending"
            # Due the backoff after the failure, which happened during the drain (however slow).
            assert before + backoff[attempt] <= job.next_attempt_at <= after + backoff[attempt]
            assert await illustrations.drain(runtime) == 0  # not due yet: nothing taken
            async with unit_of_work(runtime.sessions, system=True) as session:
                await session.execute(
                    update(IllustrationJob).values(next_attempt_at=utcnow() - timedelta(seconds=1))
                )
        else:
            assert job.status == "failed"
    failed = (await client.get("/api/v1/illustrations/thruster", headers=ana.headers)).json()
    assert failed["status"] == "failed" and failed["attempts"] == 3

    monkeypatch.undo()
    requeued = await ask(client, ana, "thruster")
    assert requeued.status_code == 202 and requeued.json()["status"] == "pending"
    assert requeued.json()["attempts"] == 0
    assert await illustrations.drain(runtime) == 1


async def test_a_job_whose_worker_died_is_taken_again_once_its_lease_has_passed(
    client: httpx.AsyncClient, ana: Account, runtime: Runtime
) -> None:
    await ask(client, ana, "deadlift")
    async with unit_of_work(runtime.sessions, system=True) as session:
        await session.execute(
            update(IllustrationJob).values(
                status="processing", attempts=1, locked_until=utcnow() + timedelta(minutes=5)
            )
        )
    assert await illustrations.drain(runtime) == 0  # still leased to the (dead) worker
    async with unit_of_work(runtime.sessions, system=True) as session:
        await session.execute(update(IllustrationJob).values(locked_until=utcnow() - timedelta(seconds=1)))
    assert await illustrations.drain(runtime) == 1
    job = await job_of(runtime, "deadlift")
    assert job.status == "completed" and job.attempts == 2


async def test_a_prescription_nudges_the_in_process_worker_after_its_commit(
    client: httpx.AsyncClient, ana: Account, runtime: Runtime
) -> None:
    jobs = build(runtime, in_process=True)
    await jobs.start(receive=False, schedule=False)
    runtime.jobs = jobs
    try:
        offer = await client.post(
            "/api/v1/coaching/prescriptions",
            json={"discipline": "calisthenics", "minutes": 20, "equipment": []},
            headers=ana.headers,
        )
        assert offer.status_code == 201, offer.text
        assert any(i["status"] == "pending" for i in offer.json()["illustrations"])
        await jobs.wait()
        shown = await client.get(f"/api/v1/coaching/prescriptions/{offer.json()['id']}", headers=ana.headers)
        assert {i["status"] for i in shown.json()["illustrations"]} == {"completed"}
        assert all(i["url"].startswith("/illustrations/files/") for i in shown.json()["illustrations"])
    finally:
        runtime.jobs = None
        await jobs.stop()
