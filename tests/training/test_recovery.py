"""Recovery snapshots: upserted by the runner, offered back for 24 h, resumed or discarded, pruned."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import anyio
import httpx
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from atelier.cli import app as cli
from atelier.config import Settings, get_settings
from atelier.db import set_rls_context
from atelier.jobs import build
from atelier.kit.clock import utcnow
from atelier.kit.runtime import Runtime
from atelier.training import recovery
from atelier.training.models import RecoverySnapshot
from tests.conftest import Account
from tests.planning.helpers import plan

pytestmark = pytest.mark.anyio

DAY = date(2027, 1, 5)

STATE: dict[str, Any] = {
    "current_exercise": 2,
    "current_set": 1,
    "completed_exercises": [0, 1],
    "completed_sets": {"0": [0, 1, 2, 3, 4], "1": [0, 1], "2": [0]},
    "timers": {"elapsed_s": 312, "rest_remaining_s": 45, "paused": False},
    "state": {"step": 3, "pipeline": {"notes": "élan", "weights": [60.5, 62.5]}, "flags": None},
    "reason": "set",
}


async def started(client: httpx.AsyncClient, account: Account, **body: Any) -> dict[str, Any]:
    planned = await plan(client, account, date=DAY, **body)
    response = await client.post(f"/api/v1/sessions/{planned['id']}/start", headers=account.headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def put(client: httpx.AsyncClient, account: Account, sid: str, **changes: Any) -> httpx.Response:
    return await client.put(f"/api/v1/sessions/{sid}/recovery", json=STATE | changes, headers=account.headers)


async def saved(client: httpx.AsyncClient, account: Account, sid: str, **changes: Any) -> dict[str, Any]:
    response = await put(client, account, sid, **changes)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def restored(body: dict[str, Any]) -> dict[str, Any]:
    """What the runner gets back, in the shape it sent (``reason`` is not stored)."""
    return {name: body[name] for name in STATE if name != "reason"}


async def age(runtime: Runtime, sid: str, by: timedelta) -> None:
    """Move a snapshot's last save back in time, directly in the database."""
    async with runtime.sessions() as session:
        await set_rls_context(session, user_id=None, system=True)
        snapshot = await session.get(RecoverySnapshot, uuid.UUID(sid))
        assert snapshot is not None
        snapshot.updated_at -= by
        await session.commit()


async def stored(runtime: Runtime) -> set[str]:
    async with runtime.sessions() as session:
        await set_rls_context(session, user_id=None, system=True)
        rows = await session.scalars(select(RecoverySnapshot.session_id))
        return {str(sid) for sid in rows.all()}


async def test_what_was_saved_is_restored_exactly(client: httpx.AsyncClient, ana: Account) -> None:
    session = await started(client, ana)
    sid = session["id"]

    body = await saved(client, ana, sid)

    assert restored(body) == restored(STATE)
    assert body["session_id"] == sid and body["attempt_id"] == session["attempt_id"]
    assert body["session"] == {
        "id": sid,
        "title": session["title"],
        "date": "2027-01-05",
        "status": "in_progress",
    }
    got = await client.get(f"/api/v1/sessions/{sid}/recovery", headers=ana.headers)
    assert got.status_code == 200, got.text
    assert got.json() == body
    offered = await client.get("/api/v1/recovery", headers=ana.headers)
    assert offered.status_code == 200 and offered.json() == body


async def test_a_second_save_replaces_the_first(
    client: httpx.AsyncClient, ana: Account, runtime: Runtime
) -> None:
    sid = (await started(client, ana))["id"]
    first = await saved(client, ana, sid)

    second = await saved(
        client,
        ana,
        sid,
        current_exercise=3,
        current_set=0,
        completed_exercises=[0, 1, 2],
        state={},
        reason="exercise",
    )

    assert second["current_exercise"] == 3 and second["completed_exercises"] == [0, 1, 2]
    assert second["state"] == {} and second["saved_at"] >= first["saved_at"]
    assert (await client.get(f"/api/v1/sessions/{sid}/recovery", headers=ana.headers)).json() == second
    assert await stored(runtime) == {sid}


async def test_concurrent_heartbeats_all_land_on_one_row(
    client: httpx.AsyncClient, ana: Account, runtime: Runtime
) -> None:
    sid = (await started(client, ana))["id"]

    answers = await asyncio.gather(
        *(put(client, ana, sid, reason="heartbeat", timers={"elapsed_s": n}) for n in range(20))
    )

    assert [a.status_code for a in answers] == [200] * 20, [a.text for a in answers if a.status_code != 200]
    assert await stored(runtime) == {sid}
    last = (await client.get(f"/api/v1/sessions/{sid}/recovery", headers=ana.headers)).json()
    assert last["timers"]["elapsed_s"] in range(20)


async def test_the_most_recent_running_session_is_offered(
    client: httpx.AsyncClient, ana: Account, runtime: Runtime
) -> None:
    assert (await client.get("/api/v1/recovery", headers=ana.headers)).status_code == 204
    older = (await started(client, ana))["id"]
    newer = (await started(client, ana))["id"]
    await saved(client, ana, older)
    await saved(client, ana, newer)
    await age(runtime, older, timedelta(minutes=5))

    assert (await client.get("/api/v1/recovery", headers=ana.headers)).json()["session_id"] == newer

    completed = await client.post(f"/api/v1/sessions/{newer}/complete", headers=ana.headers)
    assert completed.status_code == 200, completed.text
    # Even before the prune, a finished session's snapshot is not offered back.
    assert (await client.get("/api/v1/recovery", headers=ana.headers)).json()["session_id"] == older
    assert (await client.get(f"/api/v1/sessions/{newer}/recovery", headers=ana.headers)).status_code == 404


async def test_a_snapshot_older_than_24_hours_is_not_offered(
    client: httpx.AsyncClient, ana: Account, runtime: Runtime
) -> None:
    sid = (await started(client, ana))["id"]
    await saved(client, ana, sid)
    await age(runtime, sid, timedelta(hours=24, minutes=1))

    assert (await client.get("/api/v1/recovery", headers=ana.headers)).status_code == 204
    assert (await client.get(f"/api/v1/sessions/{sid}/recovery", headers=ana.headers)).status_code == 404
    resumed = await client.post(f"/api/v1/sessions/{sid}/recovery/resume", headers=ana.headers)
    assert resumed.status_code == 404
    # A new save offers it again.
    await saved(client, ana, sid, reason="heartbeat")
    assert (await client.get("/api/v1/recovery", headers=ana.headers)).status_code == 200


async def test_resume_keeps_the_snapshot_and_discard_deletes_it(
    client: httpx.AsyncClient, ana: Account, runtime: Runtime
) -> None:
    sid = (await started(client, ana))["id"]
    body = await saved(client, ana, sid)

    for _ in range(2):
        resumed = await client.post(f"/api/v1/sessions/{sid}/recovery/resume", headers=ana.headers)
        assert resumed.status_code == 200, resumed.text
        assert resumed.json() == body
    assert await stored(runtime) == {sid}

    discarded = await client.delete(f"/api/v1/sessions/{sid}/recovery", headers=ana.headers)
    assert discarded.status_code == 204 and discarded.content == b""
    assert await stored(runtime) == set()
    assert (await client.get("/api/v1/recovery", headers=ana.headers)).status_code == 204
    assert (await client.delete(f"/api/v1/sessions/{sid}/recovery", headers=ana.headers)).status_code == 404
    assert (
        await client.post(f"/api/v1/sessions/{sid}/recovery/resume", headers=ana.headers)
    ).status_code == 404


async def test_the_prune_removes_old_and_finished_snapshots_only(
    client: httpx.AsyncClient, ana: Account, bo: Account, runtime: Runtime
) -> None:
    fresh = (await started(client, ana))["id"]
    stale = (await started(client, ana))["id"]
    finished = (await started(client, bo))["id"]
    cancelled = (await started(client, bo))["id"]
    yesterday = (await started(client, bo))["id"]
    for account, sid in ((ana, fresh), (ana, stale), (bo, finished), (bo, cancelled), (bo, yesterday)):
        await saved(client, account, sid)
    await age(runtime, stale, timedelta(days=7, minutes=1))
    await age(runtime, yesterday, timedelta(days=6))
    for sid, action in ((finished, "complete"), (cancelled, "cancel")):
        response = await client.post(f"/api/v1/sessions/{sid}/{action}", headers=bo.headers)
        assert response.status_code == 200, response.text
    # Completing or cancelling forgets the snapshot at once.
    assert await stored(runtime) == {fresh, stale, yesterday}
    # One the finisher could not see (a coach finishing it, under PostgreSQL's policy) is left for
    # the prune: put a snapshot back on the finished session, as the system would find it.
    async with runtime.sessions() as session:
        await set_rls_context(session, user_id=None, system=True)
        session.add(
            RecoverySnapshot(session_id=uuid.UUID(finished), athlete_id=uuid.UUID(bo.id), updated_at=utcnow())
        )
        await session.commit()

    async with runtime.sessions() as session:
        deleted = await recovery.prune(session, utcnow())
        await session.commit()

    assert deleted == 2
    assert await stored(runtime) == {fresh, yesterday}
    async with runtime.sessions() as session:
        assert await recovery.prune(session, utcnow()) == 0


async def test_forget_drops_a_sessions_snapshot(
    client: httpx.AsyncClient, ana: Account, runtime: Runtime
) -> None:
    kept, gone = (await started(client, ana))["id"], (await started(client, ana))["id"]
    await saved(client, ana, kept)
    await saved(client, ana, gone)

    async with runtime.sessions() as session:
        await set_rls_context(session, user_id=uuid.UUID(ana.id))
        await recovery.forget(session, uuid.UUID(gone))
        await session.commit()

    assert await stored(runtime) == {kept}


async def test_the_periodic_prune_is_an_hourly_job_that_deletes_old_snapshots(
    client: httpx.AsyncClient, ana: Account, runtime: Runtime
) -> None:
    sid = (await started(client, ana))["id"]
    await saved(client, ana, sid)
    await age(runtime, sid, timedelta(days=8))

    jobs = build(runtime)
    task = jobs.broker.find_task("periodic.recovery_prune")
    assert task is not None
    assert task.labels["schedule"] == [{"interval": 3600}]
    assert await jobs.run_now("periodic.recovery_prune") == 1
    assert await stored(runtime) == set()
    assert await jobs.run_now("periodic.recovery_prune") == 0  # idempotent: nothing left to do


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"current_exercise": -1}, "current_exercise"),
        ({"current_set": -3}, "current_set"),
        ({"completed_exercises": [0, -1]}, "completed_exercises"),
        ({"completed_exercises": list(range(501))}, "completed_exercises"),
        ({"completed_sets": {"0": [-1]}}, "completed_sets"),
        ({"completed_sets": [0, 1]}, "completed_sets"),
        ({"timers": {"elapsed_s": {"nested": 1}}}, "timers"),
        ({"reason": "whim"}, "reason"),
        ({"state": {"blob": "x" * (64 * 1024)}}, "state"),
        ({"unknown": 1}, "unknown"),
    ],
)
async def test_bad_input_is_a_422(
    client: httpx.AsyncClient, ana: Account, runtime: Runtime, change: dict[str, Any], where: str
) -> None:
    sid = (await started(client, ana))["id"]

    response = await put(client, ana, sid, **change)

    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith(f"body.{where}")
    assert await stored(runtime) == set()


async def test_a_state_of_exactly_64_kib_is_kept(client: httpx.AsyncClient, ana: Account) -> None:
    sid = (await started(client, ana))["id"]
    blob = "x" * (64 * 1024 - len('{"blob":""}'))

    assert (await saved(client, ana, sid, state={"blob": blob}))["state"] == {"blob": blob}


async def test_only_a_running_session_takes_a_snapshot(client: httpx.AsyncClient, ana: Account) -> None:
    scheduled = await plan(client, ana, date=DAY)
    series = await plan(client, ana, date=DAY, repeat={"freq": "weekly", "by_weekday": ["TU"]})
    finished = (await started(client, ana))["id"]
    assert (
        await client.post(f"/api/v1/sessions/{finished}/complete", headers=ana.headers)
    ).status_code == 200

    early = await put(client, ana, scheduled["id"])
    late = await put(client, ana, finished)
    template = await put(client, ana, series["id"])

    assert early.status_code == 409 and early.json()["current_status"] == "scheduled"
    assert late.status_code == 409 and late.json()["current_status"] == "completed"
    assert template.status_code == 422
    assert (
        await client.get(f"/api/v1/sessions/{series['id']}/recovery", headers=ana.headers)
    ).status_code == 422
    missing = "00000000-0000-4000-8000-000000000000"
    assert (await put(client, ana, missing)).status_code == 404


async def test_another_athlete_neither_reads_nor_writes_nor_discards(
    client: httpx.AsyncClient, ana: Account, bo: Account, runtime: Runtime
) -> None:
    sid = (await started(client, ana))["id"]
    body = await saved(client, ana, sid)
    mine = (await started(client, bo))["id"]
    await saved(client, bo, mine, state={"who": "bo"})

    assert (await put(client, bo, sid, state={"who": "bo"})).status_code == 404
    assert (await client.get(f"/api/v1/sessions/{sid}/recovery", headers=bo.headers)).status_code == 404
    assert (
        await client.post(f"/api/v1/sessions/{sid}/recovery/resume", headers=bo.headers)
    ).status_code == 404
    assert (await client.delete(f"/api/v1/sessions/{sid}/recovery", headers=bo.headers)).status_code == 404
    offered = await client.get("/api/v1/recovery", headers=bo.headers)
    assert offered.json()["session_id"] == mine and offered.json()["state"] == {"who": "bo"}
    assert (await client.get("/api/v1/recovery", headers=ana.headers)).json() == body
    assert await stored(runtime) == {sid, mine}


async def test_a_linked_coach_is_refused_everywhere(
    client: httpx.AsyncClient, ana: Account, coach: Account, runtime: Runtime
) -> None:
    sid = (await started(client, ana))["id"]
    body = await saved(client, ana, sid)

    assert (await put(client, coach, sid, state={"who": "coach"})).status_code == 403
    assert (await client.get(f"/api/v1/sessions/{sid}/recovery", headers=coach.headers)).status_code == 403
    assert (
        await client.post(f"/api/v1/sessions/{sid}/recovery/resume", headers=coach.headers)
    ).status_code == 403
    assert (await client.delete(f"/api/v1/sessions/{sid}/recovery", headers=coach.headers)).status_code == 403
    assert (await client.get("/api/v1/recovery", headers=coach.headers)).status_code == 204
    assert (await client.get(f"/api/v1/sessions/{sid}/recovery", headers=ana.headers)).json() == body


async def test_on_postgresql_the_policy_hides_other_athletes_snapshots(
    client: httpx.AsyncClient, ana: Account, bo: Account, runtime: Runtime
) -> None:
    """Below the application: with Bo's context, a query without any filter sees none of Ana's rows."""
    await saved(client, ana, (await started(client, ana))["id"])
    mine = (await started(client, bo))["id"]
    await saved(client, bo, mine)

    async with runtime.sessions() as session:
        await set_rls_context(session, user_id=uuid.UUID(bo.id))
        seen = {str(s) for s in (await session.scalars(select(RecoverySnapshot.session_id))).all()}
        total = await session.scalar(select(func.count()).select_from(RecoverySnapshot))

    if runtime.engine.dialect.name == "postgresql":
        assert seen == {mine} and total == 1
    else:
        assert len(seen) == 2  # SQLite: no row-level security; the endpoints filter by athlete


@pytest.fixture
def command_line(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("ATELIER_DATABASE_URL", settings.database_url)
    monkeypatch.delenv("ATELIER_REDIS_URL", raising=False)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


async def test_the_cli_prunes_and_says_how_many(
    client: httpx.AsyncClient, ana: Account, runtime: Runtime, command_line: CliRunner
) -> None:
    kept, old = (await started(client, ana))["id"], (await started(client, ana))["id"]
    await saved(client, ana, kept)
    await saved(client, ana, old)
    await age(runtime, old, timedelta(days=30))

    def prune() -> Any:
        return command_line.invoke(cli, ["recovery", "prune"], catch_exceptions=False)

    first = await anyio.to_thread.run_sync(prune)
    again = await anyio.to_thread.run_sync(prune)

    assert first.exit_code == 0 and first.stdout.strip() == "recovery: 1 snapshot deleted"
    assert again.exit_code == 0 and again.stdout.strip() == "recovery: 0 snapshots deleted"
    assert await stored(runtime) == {kept}
