"""The auto-save fast paths (training/autosave.py) write what the checked path would, and nothing
when they cannot; the behaviours (409, 422, replays) are in test_progress.py and run through them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import event, text

from atelier.config import Settings
from atelier.db import create_engine
from atelier.kit.runtime import Runtime
from tests.conftest import Account, sign_up
from tests.training.test_progress import progress, save, started

pytestmark = pytest.mark.anyio

SET = {"reps": 5, "load": {"value": 100, "unit": "kg"}, "rpe": 8}


@contextmanager
def statements(runtime: Runtime) -> Iterator[list[tuple[str, str]]]:
    """(engine, SQL) of every statement the app sends meanwhile: "main" or "quick"."""
    seen: list[tuple[str, str]] = []
    engines = [("main", runtime.engine), ("quick", runtime.quick_engine)]
    listeners = []
    for name, engine in engines:
        if engine is None:
            continue

        def record(*args: Any, _name: str = name) -> None:
            seen.append((_name, " ".join(str(args[2]).split())))

        event.listen(engine.sync_engine, "before_cursor_execute", record)
        listeners.append((engine, record))
    try:
        yield seen
    finally:
        for engine, record in listeners:
            event.remove(engine.sync_engine, "before_cursor_execute", record)


async def test_a_save_is_one_call_on_postgresql_and_two_writes_otherwise(
    client: httpx.AsyncClient, runtime: Runtime, ana: Account
) -> None:
    sid = (await started(client, ana))["id"]

    with statements(runtime) as sent:
        saved = await save(client, ana, sid, 0, {"version": 1, "data": {"sets": [SET]}}, key="k1")

    assert saved.status_code == 200, saved.text
    assert saved.json()["version"] == 2 and saved.json()["data"] == {"sets": [SET]}
    if runtime.quick_engine is not None:
        assert len(sent) == 1 and sent[0][0] == "quick" and "atelier_autosave" in sent[0][1], sent
    else:
        writes = [sql for _, sql in sent if sql.split()[0] in ("UPDATE", "INSERT", "DELETE")]
        assert [w.split()[:3] for w in writes] == [
            ["UPDATE", "progress_exercises", "SET"],
            ["INSERT", "INTO", "idempotent_requests"],
        ], sent
        # No checked-path reads: the UPDATE's WHERE did the checking.
        assert not [sql for _, sql in sent if sql.startswith("SELECT") and "progress_exercises" in sql]
    assert (await progress(client, ana, sid))["exercises"][0]["data"] == {"sets": [SET]}


async def test_the_answer_and_its_replay_are_the_same_document(
    client: httpx.AsyncClient, ana: Account
) -> None:
    sid = (await started(client, ana))["id"]
    body = {"version": 1, "status": "in_progress", "notes": "grip", "media": ["m1"], "data": {"sets": [SET]}}

    first = await save(client, ana, sid, 0, body, key="same")
    replay = await save(client, ana, sid, 0, body, key="same")
    read = (await progress(client, ana, sid))["exercises"][0]

    assert first.status_code == replay.status_code == 200
    assert first.json() == replay.json() == read
    assert read["notes"] == "grip" and read["media"] == ["m1"] and read["status"] == "in_progress"


async def test_data_two_kinds_accept_is_stored_as_the_exercise_s_kind(
    client: httpx.AsyncClient, ana: Account
) -> None:
    """{"rounds", "reps"} is valid AMRAP and circuit data: the AMRAP exercise takes it as AMRAP."""
    sid = (await started(client, ana))["id"]

    amrap = await save(client, ana, sid, 1, {"version": 1, "data": {"rounds": 3, "reps": 4}})
    wrong_kind = await save(client, ana, sid, 0, {"version": 1, "data": {"rounds": 3, "reps": 4}})

    assert amrap.status_code == 200 and amrap.json()["kind"] == "AMRAP"
    assert amrap.json()["data"] == {"rounds": 3, "reps": 4}
    assert wrong_kind.status_code == 422 and "standard data" in wrong_kind.json()["detail"]
    assert (await progress(client, ana, sid))["exercises"][0]["version"] == 1


async def test_a_logged_out_token_saves_nothing(client: httpx.AsyncClient, ana: Account) -> None:
    sid = (await started(client, ana))["id"]
    assert (await save(client, ana, sid, 0, {"version": 1, "data": {"sets": [SET]}})).status_code == 200
    out = await client.post("/api/v1/auth/logout", headers=ana.headers)
    assert out.status_code == 204, out.text

    refused = await save(client, ana, sid, 0, {"version": 2, "data": {"sets": [SET, SET]}})

    assert refused.status_code == 401, refused.text
    again = await client.post(
        "/api/v1/auth/token", data={"username": ana.email, "password": "correct horse battery"}
    )
    ana.token = again.json()["access_token"]
    kept = (await progress(client, ana, sid))["exercises"][0]
    assert kept["version"] == 2 and kept["data"] == {"sets": [SET]}


async def test_nobody_but_the_athlete_saves_even_with_the_right_version(
    client: httpx.AsyncClient, ana: Account, coach: Account
) -> None:
    sid = (await started(client, ana))["id"]
    stranger = await sign_up(client)

    by_coach = await save(client, coach, sid, 0, {"version": 1, "data": {"sets": [SET]}})
    by_stranger = await save(client, stranger, sid, 0, {"version": 1, "data": {"sets": [SET]}})

    assert by_coach.status_code == 403, by_coach.text
    assert by_stranger.status_code == 404, by_stranger.text
    assert (await progress(client, ana, sid))["exercises"][0]["version"] == 1


async def test_a_finished_session_takes_no_quick_save(client: httpx.AsyncClient, ana: Account) -> None:
    sid = (await started(client, ana))["id"]
    done = await client.post(f"/api/v1/sessions/{sid}/complete", headers=ana.headers)
    assert done.status_code == 200, done.text

    late = await save(client, ana, sid, 0, {"version": 1, "data": {"sets": [SET]}})

    assert late.status_code == 409 and "correction" in late.json()["detail"]
    assert (await progress(client, ana, sid))["exercises"][0]["version"] == 1


async def test_a_connection_the_server_dropped_falls_back_to_the_checked_path(
    client: httpx.AsyncClient, runtime: Runtime, settings: Settings, ana: Account
) -> None:
    if runtime.quick_engine is None:
        pytest.skip("the one-call path and its pool exist on PostgreSQL only")
    sid = (await started(client, ana))["id"]
    assert (await save(client, ana, sid, 0, {"version": 1, "data": {"sets": [SET]}})).status_code == 200
    owner = create_engine(settings.database_url)
    try:
        async with owner.connect() as connection:  # as a restart would: every app connection cut
            await connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
    finally:
        await owner.dispose()

    after = await save(client, ana, sid, 0, {"version": 2, "data": {"sets": [SET, SET]}})

    assert after.status_code == 200, after.text
    assert after.json()["version"] == 3
    assert (await progress(client, ana, sid))["exercises"][0]["data"] == {"sets": [SET, SET]}
