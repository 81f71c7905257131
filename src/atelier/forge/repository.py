"""Reads scoped by their owner: a row of another user's is a 404, never a 403 that confirms it exists."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from atelier.kit.problems import NotFound

T = TypeVar("T")


async def owned(
    session: AsyncSession,
    model: type[T],
    user_id: uuid.UUID,
    row_id: uuid.UUID,
    what: str,
    *,
    for_update: bool = False,
) -> T:
    """The caller's own row of ``model`` (which has ``id`` and ``user_id``), locked when asked."""
    table: Any = model
    statement = select(model).where(table.id == row_id, table.user_id == user_id)
    found = await session.scalar(statement.with_for_update() if for_update else statement)
    if found is None:
        raise NotFound(what)
    return found
