"""One engine factory for SQLite and PostgreSQL, the session per request or task, the RLS context."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import MetaData, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.util import await_only

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
        _watch_disconnects(engine)
        if pre_ping:
            _ping_when_idle(engine)
        return engine
    engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30})
    _configure_sqlite(engine)
    return engine


# A connection handed back to the pool less than this long ago is handed out again without a ping
# (HikariCP's "alive bypass window" is the same 500 ms). SQLAlchemy's pre-ping on asyncpg costs
# three round trips on every checkout (BEGIN, a query, ROLLBACK), about a third of a busy read's
# statements; a connection in steady use is alive, and one the server closed is seen without any
# round trip (asyncpg marks it closed as soon as the server's goodbye arrives).
PING_AFTER_IDLE_S = 0.5
# When this process last saw a connection drop, on any engine: a server restart cuts them all, so
# every pooled connection returned before it is pinged before its next use however recent.
_last_disconnect = 0.0


def _watch_disconnects(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "handle_error")
    def _dropped(context: Any) -> None:
        global _last_disconnect
        if context.is_disconnect:
            _last_disconnect = time.monotonic()


def _ping_when_idle(engine: AsyncEngine) -> None:
    """Pessimistic disconnect handling, paid only where it can matter: a connection the server
    closed, or one idle past ``PING_AFTER_IDLE_S`` or since a drop, is checked (a closed or failing
    one is replaced by the pool, which retries the checkout) before a request gets it."""

    @event.listens_for(engine.sync_engine, "connect")
    def _opened(_dbapi_connection: Any, record: Any) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkin")
    def _returned(_dbapi_connection: Any, record: Any) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _handed_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        driver = dbapi_connection.driver_connection
        if driver.is_closed():
            raise DisconnectionError("the server closed this connection")
        returned = record.info.get("returned_at", 0.0)
        if time.monotonic() - returned < PING_AFTER_IDLE_S and returned > _last_disconnect:
            return
        try:
            await_only(driver.fetchrow(";"))
        except Exception as exc:  # any failure of a bare round trip means this connection is gone
            raise DisconnectionError(f"the connection failed its ping: {exc}") from exc


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


def on_postgres(session: AsyncSession) -> bool:
    """Whether this session talks to PostgreSQL (policies, arrays, advisory locks) or SQLite."""
    return session.get_bind().dialect.name == "postgresql"


async def set_rls_context(session: AsyncSession, *, user_id: uuid.UUID | None, system: bool = False) -> None:
    """Tell PostgreSQL's policies who acts for the rest of this transaction (no-op on SQLite)."""
    if not on_postgres(session):
        return
    await session.execute(
        text("SELECT set_config('app.user_id', :user_id, true), set_config('app.system', :system, true)"),
        {"user_id": str(user_id) if user_id else "", "system": "on" if system else "off"},
    )


@asynccontextmanager
async def elevated(session: AsyncSession) -> AsyncIterator[None]:
    """Statements the caller is already authorised for but whose rows the policies would hide from
    them (a coach closing a class rewrites bests of athletes whose private rows they cannot see;
    an athlete's box board needs the box's members): on PostgreSQL they run with ``app.system``
    on, and the caller's context is restored right after, whatever happens (flushed first)."""
    if not on_postgres(session):
        yield
        return
    user, system = (
        await session.execute(
            text("SELECT current_setting('app.user_id', true), current_setting('app.system', true)")
        )
    ).one()
    caller = uuid.UUID(user) if user else None
    await set_rls_context(session, user_id=caller, system=True)
    try:
        yield
        await session.flush()
    finally:  # even when a caller catches the error and goes on in this transaction
        await set_rls_context(session, user_id=caller, system=system == "on")


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
