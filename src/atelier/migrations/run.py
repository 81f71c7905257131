"""Bring a database to the newest schema, then sync the movement catalog into it."""

from __future__ import annotations

from importlib import resources

import anyio.to_thread
from alembic import command
from alembic.config import Config

from atelier.config import Settings
from atelier.db import create_engine, session_factory, unit_of_work


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("atelier.migrations")))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def migrate(url: str, revision: str = "head") -> None:
    """Run Alembic migrations up to ``revision`` (in a thread: Alembic drives its own event loop)."""
    await anyio.to_thread.run_sync(command.upgrade, alembic_config(url), revision)


async def sync_catalog(settings: Settings) -> int:
    """Sync the movement catalog, then give the ledger any finished session it lacks (the Forge
    backfill: sessions finished before 0007, priced by the calorie model in Python)."""
    from atelier.forge.sync import backfill
    from atelier.wods.catalog_sync import sync_movements

    engine = create_engine(settings.database_url, role=settings.database_role)
    try:
        async with unit_of_work(session_factory(engine), system=True) as session:
            changed = await sync_movements(session)
        await backfill(session_factory(engine))
        return changed
    finally:
        await engine.dispose()


async def upgrade_database(settings: Settings) -> int:
    """Migrate to head and sync the catalog; returns how many catalog rows changed."""
    if settings.database_url.startswith("sqlite"):
        from pathlib import Path

        from sqlalchemy.engine import make_url

        database = make_url(settings.database_url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
    await migrate(settings.database_url)
    return await sync_catalog(settings)
