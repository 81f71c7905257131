"""Alembic environment: runs migrations on the async engine, as the owner (no RLS role switch)."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from atelier.db import Base, create_engine
from atelier.models import load_all

load_all()
target_metadata = Base.metadata
config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _main() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url, "set sqlalchemy.url on the Alembic config"
    engine = create_engine(url)
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
    else:
        asyncio.run(_main())


run()
