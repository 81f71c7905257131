"""What a running process shares: settings, engine, sessions, cache, password hashing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from atelier.accounts.security import PasswordHashing
from atelier.config import Settings
from atelier.db import begin_writing, create_engine, is_postgres, session_factory
from atelier.kit.cache import Cache, Kept, KeptBodies, MemoryCache, create_cache
from atelier.kit.jobs import Jobs
from atelier.kit.pubsub import Hub, MemoryHub, create_hub


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    cache: Cache
    passwords: PasswordHashing
    # PostgreSQL only: a small pool without the pre-ping round trip, for statements that may fail
    # on a dropped connection because a checked path on ``engine`` runs after them (auto-save).
    quick_engine: AsyncEngine | None = None
    # Live fan-out (SSE boards): in-process, or Redis pub/sub shared by every process.
    hub: Hub = field(default_factory=MemoryHub)
    # Always this process's memory, even when ``cache`` is Redis: seed 004's first insights tier.
    local_cache: MemoryCache = field(default_factory=MemoryCache)
    # Calendars this process built, served again while the users' calendar versions are unchanged.
    calendars: KeptBodies = field(default_factory=KeptBodies)
    # Public leaderboards this process built, served again while the workout's board version holds
    # (training/board_pages.py's PublicPage).
    boards: Kept[Any] = field(default_factory=lambda: Kept(max_bytes=16 * 1024 * 1024))
    # Background jobs (kit/jobs.py); None where no broker was started (tools, most tests): the work
    # stays in its table and the next worker or sweep takes it.
    jobs: Jobs | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Runtime:
        engine = create_engine(
            settings.database_url,
            role=settings.database_role,
            echo=settings.sql_echo,
            pool_size=settings.database_pool_size,
        )
        quick = (
            create_engine(
                settings.database_url,
                role=settings.database_role,
                echo=settings.sql_echo,
                pool_size=max(2, settings.database_pool_size // 3),
                pre_ping=False,
            )
            if is_postgres(settings.database_url)
            else None
        )
        return cls(
            settings=settings,
            engine=engine,
            quick_engine=quick,
            sessions=session_factory(engine),
            cache=create_cache(settings.redis_url),
            passwords=PasswordHashing(settings),
            hub=create_hub(settings.redis_url),
        )

    async def nudge(self, name: str, *args: object) -> None:
        """Tell the job ``name`` there is work in its table (after the commit that wrote it)."""
        if self.jobs is not None:
            await self.jobs.nudge(name, *args)

    async def close(self) -> None:
        if self.jobs is not None:
            await self.jobs.stop()
        await self.hub.close()
        await self.cache.close()
        await self.engine.dispose()
        if self.quick_engine is not None:
            await self.quick_engine.dispose()


# Dependencies here are coroutines: FastAPI runs a plain function in its thread pool, and that hop
# costs more than the dependency itself on every request.
async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@asynccontextmanager
async def request_session(runtime: Runtime, request: Request) -> AsyncIterator[AsyncSession]:
    """The request's one session: committed once when the block ends, rolled back on error.

    Requests that may write start as writers (see ``begin_writing``), so on SQLite concurrent
    bookings or starts queue for the lock instead of failing half-way.
    """
    async with runtime.sessions() as session:
        try:
            if request.method not in READ_ONLY_METHODS:
                await begin_writing(session)
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


async def get_session(runtime: RuntimeDep, request: Request) -> AsyncIterator[AsyncSession]:
    async with request_session(runtime, request) as session:
        yield session


# scope="function": the commit runs before the response is sent, so a 200 means the write is durable
# (with the default scope FastAPI exits yield dependencies after sending; tests/training/test_crash.py).
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
