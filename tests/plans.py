"""The plan PostgreSQL makes for a statement without looking at its values: the generic plan it
keeps after five executions of the same prepared statement, which the app's reads end up using."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Executable
from sqlalchemy.ext.asyncio import AsyncConnection


def _literal(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(_literal(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, uuid.UUID | str):
        return "'" + str(value).replace("'", "''") + "'"
    return "'" + str(getattr(value, "value", value)).replace("'", "''") + "'"


async def generic_plan_of_sql(
    connection: AsyncConnection, sql: str, arguments: Sequence[Any], *, index_only: bool = False
) -> str:
    """EXPLAIN ANALYZE of ``sql`` (``$n`` placeholders, as the app sends it) planned generically,
    run with ``arguments``. Sequential scans are off: the question is which index can serve, not
    whether a tiny test table makes an index worth it; ``index_only`` leaves index-only scans as
    the only cheap path (an index serves only if it holds every column the read needs)."""
    await connection.exec_driver_sql(f"PREPARE planned AS {sql}")
    await connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
    await connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    if index_only:
        await connection.exec_driver_sql("SET LOCAL enable_indexscan = off")
        await connection.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
    values = ", ".join(_literal(value) for value in arguments)
    found = await connection.exec_driver_sql(f"EXPLAIN ANALYZE EXECUTE planned({values})")
    await connection.exec_driver_sql("DEALLOCATE planned")
    return "\n".join(str(row[0]) for row in found.all())


async def generic_plan(connection: AsyncConnection, statement: Executable, values: dict[str, Any]) -> str:
    """``generic_plan_of_sql`` for a SQLAlchemy statement and its named values."""
    state = statement.compile(dialect=connection.dialect).construct_expanded_state(values)  # type: ignore[attr-defined]
    arguments = [state.parameters[name] for name in state.positiontup or ()]
    return await generic_plan_of_sql(connection, state.statement, arguments)
