"""One engine factory for SQLite and PostgreSQL, the session per request or task, the RLS context."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import MetaData, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def is_postgres(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


POOL_SIZE = 30  # Settings.database_pool_size's default


def create_engine(
    url: str,
    *,
    role: str | None = None,
    echo: bool = False,
    pool_size: int = POOL_SIZE,
    pre_ping: bool = True,
    custom_plans: bool = False,
) -> AsyncEngine:
    """An engine for ``url``; on PostgreSQL every connection switches to ``role`` so RLS applies.

    ``custom_plans``: plan every execution for its values (tools running varied ad-hoc reads);
    the app's varied reads (search, calendar) ask for that in their own transaction instead.
    """
    if is_postgres(url):
        engine = create_async_engine(
            url,
            echo=echo,
            pool_pre_ping=pre_ping,
            # A fixed pool, opened as needed: under a burst, requests queue for a connection rather
            # than open and close overflow ones (a new connection forks a backend, switches role and
            # prepares every statement again; bench/autosave.py). Size it so that every process's
            # pool fits under max_connections (100 by default).
            pool_size=pool_size,
            max_overflow=0,
            # JIT compiles a plan whose estimated cost passes 100k: an OR-ed RLS policy with a
            # subplan can estimate that high on a 1 ms query and then spend 25 ms compiling it
            # (bench/calendar.py). Nothing here is an analytical query that would repay it.
            connect_args={
                "server_settings": {"jit": "off"}
                | ({"plan_cache_mode": "force_custom_plan"} if custom_plans else {})
            },
        )
        if role:
            _switch_role_on_connect(engine, role)
        return engine
    engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30})
    _configure_sqlite(engine)
    return engine


def _switch_role_on_connect(engine: AsyncEngine, role: str) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _set_role(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        # Quoted identifier: the role name comes from configuration, never from a request.
        cursor.execute(f'SET ROLE "{role}"')
        cursor.close()


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself so transactions really start where we say they do.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        # SQLite's LIKE folds ASCII only; searches call this to ignore case in "Échauffement" too.
        dbapi_connection.create_function("casefold", 1, _casefold, deterministic=True)

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(connection: Any) -> None:
        # A deferred transaction that reads and then writes fails at once (SQLITE_BUSY_SNAPSHOT) when
        # another writer committed in between; busy_timeout cannot help it. Writers therefore take
        # the write lock up front and queue behind each other, while readers never wait.
        immediate = connection.get_execution_options().get(WRITE_OPTION)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


WRITE_OPTION = "atelier_writes"


async def begin_writing(session: AsyncSession) -> None:
    """Start ``session``'s transaction as a writer (SQLite: BEGIN IMMEDIATE; PostgreSQL: no-op).

    Call before the first statement of a unit of work that will write.
    """
    if not session.in_transaction():
        await session.connection(execution_options={WRITE_OPTION: True})


def _casefold(value: str | None) -> str | None:
    return value.casefold() if isinstance(value, str) else value


async def execute_outside_transaction(url: str, statement: str) -> None:
    """Run one statement in autocommit mode (CREATE/DROP DATABASE cannot run in a transaction)."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def set_rls_context(session: AsyncSession, *, user_id: uuid.UUID | None, system: bool = False) -> None:
    """Tell PostgreSQL's policies who acts for the rest of this transaction (no-op on SQLite)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    await session.execute(
        text("SELECT set_config('app.user_id', :user_id, true), set_config('app.system', :system, true)"),
        {"user_id": str(user_id) if user_id else "", "system": "on" if system else "off"},
    )


@asynccontextmanager
async def unit_of_work(
    factory: async_sessionmaker[AsyncSession], *, user_id: uuid.UUID | None = None, system: bool = False
) -> AsyncIterator[AsyncSession]:
    """A session that commits once at the end, or rolls back on error (CLI commands and tasks)."""
    async with factory() as session:
        try:
            await begin_writing(session)
            await set_rls_context(session, user_id=user_id, system=system)
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
