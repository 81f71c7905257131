"""Test harness: one fresh database per run (SQLite file or a new PostgreSQL database).

``ATELIER_TEST_DATABASE`` picks the backend (sqlite by default, or postgresql);
``ATELIER_TEST_REDIS`` (a Redis URL) makes the cache Redis instead of in-process.
Each test starts from empty user tables; the movement catalog stays seeded.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from atelier.app import create_app
from atelier.config import Settings
from atelier.db import Base, create_engine, execute_outside_transaction
from atelier.kit.cache import MemoryCache, RedisCache
from atelier.kit.pubsub import RedisHub
from atelier.kit.runtime import Runtime
from atelier.migrations.run import upgrade_database
from atelier.models import load_all

BACKEND = os.environ.get("ATELIER_TEST_DATABASE", "sqlite")
REDIS_URL = os.environ.get("ATELIER_TEST_REDIS") or None
ADMIN_URL = os.environ.get("ATELIER_TEST_PG_ADMIN", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
KEEP = {"movements", "alembic_version"}


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


async def _admin(statement: str) -> None:
    await execute_outside_transaction(ADMIN_URL, statement)


def _settings(url: str) -> Settings:
    return Settings(
        database_url=url,
        redis_url=REDIS_URL,
        secret_key="test-secret-key-that-is-long-enough-for-hs256",
        argon2_time_cost=1,
        argon2_memory_kib=1024,
    )


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A brand-new database at the newest schema, for this run only."""
    if BACKEND == "postgresql":
        name = f"atelier_test_{uuid.uuid4().hex[:12]}"
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
        url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        try:
            asyncio.run(upgrade_database(_settings(url)))
            yield url
        finally:
            asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    else:
        path: Path = tmp_path_factory.mktemp("db") / "atelier.db"
        url = f"sqlite+aiosqlite:///{path}"
        asyncio.run(upgrade_database(_settings(url)))
        yield url


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    # Generated files (illustrations) go to this test's own folder, never to the repository's var/.
    return _settings(database_url).model_copy(update={"storage_dir": str(tmp_path / "storage")})


async def _empty_user_tables(settings: Settings) -> None:
    load_all()
    tables = [t.name for t in reversed(Base.metadata.sorted_tables) if t.name not in KEEP]
    engine = create_engine(settings.database_url)
    # DELETE, children first: on tables this small it is far cheaper than TRUNCATE on PostgreSQL.
    async with engine.begin() as connection:
        for table in tables:
            await connection.execute(text(f"DELETE FROM {table}"))
    await engine.dispose()


@pytest.fixture
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    await _empty_user_tables(settings)
    runtime = Runtime.from_settings(settings)
    if REDIS_URL:
        runtime.cache = RedisCache(REDIS_URL, prefix=f"test:{uuid.uuid4().hex}:")
        await runtime.hub.close()
        runtime.hub = RedisHub(REDIS_URL, prefix=f"test:{uuid.uuid4().hex}:live:")
    else:
        runtime.cache = MemoryCache()
    yield runtime
    if isinstance(runtime.cache, RedisCache):
        await runtime.cache.clear()
    await runtime.close()


@pytest.fixture
async def client(runtime: Runtime, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, runtime=runtime)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://atelier.test") as client:
        yield client


@pytest.fixture
async def second_process(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """Another app process on the same database: its own runtime (pools, kept calendars and
    boards), so what one process keeps can be checked against a write through the other."""
    runtime = Runtime.from_settings(settings)
    app = create_app(settings, runtime=runtime)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://other") as other:
        yield other
    await runtime.close()


@dataclass
class Account:
    id: str
    email: str
    name: str
    token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def sign_up(client: httpx.AsyncClient, *, role: str = "athlete", name: str | None = None) -> Account:
    """Register through the API and log in, like a user would."""
    email = f"{uuid.uuid4().hex[:10]}@example.com"
    password = "correct horse battery"
    display = name or f"{role.title()} {email[:4]}"
    created = await client.post(
        "/api/v1/auth/register", json={"email": email, "password": password, "name": display, "role": role}
    )
    assert created.status_code == 201, created.text
    token = await client.post("/api/v1/auth/token", data={"username": email, "password": password})
    assert token.status_code == 200, token.text
    body = token.json()
    return Account(created.json()["id"], email, display, body["access_token"], body["refresh_token"])
