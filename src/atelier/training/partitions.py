"""Monthly partitions of ``results`` and ``realized_events`` on PostgreSQL, created ahead of time.

Migration 0006 partitions both tables by month and gives each a DEFAULT partition, so an insert
never fails for want of a month. This job keeps the months from last month to ``AHEAD_MONTHS``
ahead in place (``atelier_month_partitions`` moves any row the DEFAULT partition caught into its
new month), at start and daily in every served process; several processes running it at once take
turns on an advisory lock and the later ones find nothing to do. SQLite keeps plain tables.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from atelier.kit.clock import utcnow

log = logging.getLogger(__name__)

PARTITIONED = ("results", "realized_events")
AHEAD_MONTHS = 3


def _months_later(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


async def ensure(
    engine: AsyncEngine, today: date | None = None, *, ahead: int = AHEAD_MONTHS
) -> dict[str, int]:
    """Create the missing months from last month to ``ahead`` months on; how many per table."""
    if engine.dialect.name != "postgresql":
        return {}
    today = today or utcnow().date()
    first = _months_later(today, -1)
    last = _months_later(today, ahead + 1) - timedelta(days=1)
    made: dict[str, int] = {}
    async with engine.begin() as connection:
        for table in PARTITIONED:
            created = await connection.scalar(
                text("SELECT atelier_month_partitions(:table, :first, :last)"),
                {"table": table, "first": first, "last": last},
            )
            made[table] = int(created or 0)
    return made


async def ensure_job(engine: AsyncEngine) -> dict[str, int]:
    """The periodic partition job (``atelier.jobs``, daily): ``ensure``, logging what it made."""
    made = await ensure(engine)
    if any(made.values()):
        log.info("partitions created: %s", made)
    return made
