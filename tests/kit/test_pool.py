"""The PostgreSQL pool checks a connection only where it can have died, and never serves a dead one.

A connection returned moments ago is handed out as it is (no round trip); one the server closed,
one idle past ``PING_AFTER_IDLE_S`` or one returned before this process saw any connection drop
is checked first, and the pool replaces it if it fails.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from atelier import db
from atelier.config import Settings
from atelier.db import create_engine
from atelier.kit.runtime import Runtime
from tests.conftest import Account, sign_up

pytestmark = pytest.mark.anyio


@pytest.fixture(autouse=True)
def _postgres_only(runtime: Runtime) -> None:
    if runtime.engine.dialect.name != "postgresql":
        pytest.skip("SQLite opens files, not server connections")


@pytest.fixture
async def ana(client: httpx.AsyncClient) -> Account:
    return await sign_up(client, name="Ana")


class Pings:
    """Counts the round trips the checkout sends to check a connection."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real = db.await_only

        def counted(awaitable: Any) -> Any:
            self.count += 1
            return real(awaitable)

        monkeypatch.setattr(db, "await_only", counted)


async def me(client: httpx.AsyncClient, account: Account) -> int:
    return (await client.get("/api/v1/me", headers=account.headers)).status_code


async def cut_every_connection(settings: Settings) -> None:
    """What a server restart does to the app's pooled connections: every backend gone (the
    termination is a signal; this waits until the server no longer lists them)."""
    others = (
        "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
        "AND backend_type = 'client backend'"
    )
    owner = create_engine(settings.database_url)
    try:
        async with owner.connect() as connection:
            # Each poll its own transaction: pg_stat_activity is a snapshot for the transaction.
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(f"SELECT pg_terminate_backend(pid) {others}"))
            for _ in range(200):
                if not await connection.scalar(text(f"SELECT count(*) {others}")):
                    break
                await asyncio.sleep(0.01)
            else:
                raise AssertionError("the server still lists the app's connections")
    finally:
        await owner.dispose()


async def test_a_connection_in_steady_use_is_handed_out_without_a_ping(
    client: httpx.AsyncClient, ana: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert await me(client, ana) == 200
    pings = Pings(monkeypatch)
    for _ in range(3):
        assert await me(client, ana) == 200
    assert pings.count == 0

    monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 0.0)  # every connection counts as idle
    assert await me(client, ana) == 200
    assert pings.count == 1  # one round trip, not SQLAlchemy's three (BEGIN, query, ROLLBACK)


async def test_connections_the_server_cut_are_replaced_before_a_request_gets_them(
    client: httpx.AsyncClient, settings: Settings, ana: Account
) -> None:
    assert await me(client, ana) == 200
    await cut_every_connection(settings)

    assert await me(client, ana) == 200  # at once: a closed connection is seen without a round trip
    await asyncio.sleep(db.PING_AFTER_IDLE_S + 0.1)
    assert await me(client, ana) == 200  # and after an idle spell


async def test_an_idle_connection_that_fails_its_ping_is_replaced(
    client: httpx.AsyncClient, runtime: Runtime, ana: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert await me(client, ana) == 200
    failures = 0
    real = db.await_only

    def failing_once(awaitable: Any) -> Any:
        nonlocal failures
        if failures == 0:
            failures += 1
            awaitable.close()  # the ping never reaches the server: a half-open connection
            raise ConnectionResetError("connection reset by peer")
        return real(awaitable)

    monkeypatch.setattr(db, "await_only", failing_once)
    monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 0.0)
    opened = runtime.engine.pool.checkedin() + runtime.engine.pool.checkedout()

    assert await me(client, ana) == 200
    assert failures == 1
    assert runtime.engine.pool.checkedin() + runtime.engine.pool.checkedout() >= opened
