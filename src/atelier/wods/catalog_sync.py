"""Keep the ``movements`` table equal to the catalog (WODCraft + enrichment file)."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from atelier.wods.catalog import movement_catalog
from atelier.wods.models import Movement


async def sync_movements(session: AsyncSession) -> int:
    """Upsert every catalog entry; returns how many rows changed."""
    entries = movement_catalog()
    existing = {m.id: m for m in (await session.scalars(select(Movement))).all()}
    changed = 0
    for movement_id, entry in entries.items():
        values = entry.as_dict()
        row = existing.get(movement_id)
        if row is None:
            session.add(Movement(**values))
            changed += 1
            continue
        if any(getattr(row, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(row, key, value)
            changed += 1
    gone = set(existing) - set(entries)
    if gone:
        await session.execute(delete(Movement).where(Movement.id.in_(gone)))
        changed += len(gone)
    await session.flush()
    return changed
