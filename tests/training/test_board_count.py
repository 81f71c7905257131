"""A board's size is counted from an index, with who is asking read once per statement.

Migration 0014: ``ix_result_bests_count`` holds every column the count of a public board and the
table's policy read, and the policy's ``current_setting`` calls are scalar subqueries, evaluated
once per statement instead of on every row counted (a board of 4,136 athletes was most of a board
built after a change; ``bench/results.py``).
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from atelier.db import set_rls_context
from atelier.kit.runtime import Runtime
from tests.conftest import BACKEND, Account
from tests.plans import generic_plan_of_sql
from tests.training.test_leaderboards import board, fran, profile

__all__ = ["fran"]

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(BACKEND != "postgresql", reason="PostgreSQL's plans and policies"),
]


def _count_scan(plan: str) -> list[str]:
    """The lines of the scan the board's count runs on, down to its filter."""
    lines = plan.splitlines()
    start = next(i for i, line in enumerate(lines) if "Aggregate" in line)
    scan = next(i for i in range(start, len(lines)) if "Scan" in lines[i])
    ends = (i for i in range(scan + 1, len(lines)) if lines[i].strip().startswith(("SubPlan", "->")))
    end = next(ends, len(lines))
    return lines[scan:end]


async def test_a_board_is_counted_from_the_count_index_without_reading_settings_per_row(
    client: httpx.AsyncClient, runtime: Runtime, fran: tuple[str, dict[str, Account]]
) -> None:
    wod, people = fran
    await profile(client, people["Cy"], results_visibility="private")
    sent: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        sent.append((statement, parameters))

    engine = runtime.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        shown = await board(client, people["Bo"], wod)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert "Cy" not in [name for _, _, name, _ in shown] and len(shown) == 5
    counted = [(s, p) for s, p in sent if "count(*)" in s and "FROM result_bests" in s]
    assert len(counted) == 1, [s for s, _ in sent]

    async with runtime.sessions() as session, session.begin():
        await set_rls_context(session, user_id=uuid.UUID(people["Bo"].id))
        plan = await generic_plan_of_sql(await session.connection(), *counted[0], index_only=True)
    scan = _count_scan(plan)
    assert "Index Only Scan using ix_result_bests_count" in scan[0], plan
    # Cy's hidden best is not counted.
    assert any("(actual" in line and "rows=5 " in line for line in scan), plan
    filtered = [line for line in scan if "Filter:" in line]
    assert filtered and all("current_setting" not in line for line in filtered), plan
