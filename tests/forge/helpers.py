"""Shared steps of the Forge tests: finished sessions that took real time, and the ledger views."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import httpx

from atelier.db import unit_of_work
from atelier.kit.runtime import Runtime
from atelier.planning.models import Session
from atelier.training import service as training
from tests.conftest import Account
from tests.training.test_records import kg, lifted


async def timed(runtime: Runtime, sid: str, started_at: datetime, minutes: float) -> None:
    """Give a finished session the time it really took (as ``atelier session log`` does)."""
    async with unit_of_work(runtime.sessions, system=True) as session:
        row = await session.get(Session, uuid.UUID(sid))
        assert row is not None
        await training.backfill_times(session, row, started_at, round(minutes * 60))


async def trained(
    client: httpx.AsyncClient,
    runtime: Runtime,
    account: Account,
    day: date,
    *,
    started_at: datetime,
    minutes: float,
    rpe: float | None = 8,
) -> str:
    """A finished squat session on ``day`` that lasted ``minutes``, its sets at ``rpe``."""
    sets: list[dict[str, Any]] = [{"reps": 5, "load": kg(100), **({"rpe": rpe} if rpe else {})}] * 3
    sid = await lifted(client, account, day, sets)
    await timed(runtime, sid, started_at, minutes)
    return sid


async def forge(
    client: httpx.AsyncClient, account: Account, period: str, day: date, **params: Any
) -> dict[str, Any]:
    response = await client.get(
        f"/api/v1/forge/{period}", params={"date": day.isoformat(), **params}, headers=account.headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def manual(client: httpx.AsyncClient, account: Account, **body: Any) -> dict[str, Any]:
    body.setdefault("name", "Bike commute")
    body.setdefault("activity_type", "cycling")
    body.setdefault("activity_date", "2027-03-01")
    body.setdefault("duration_minutes", 30)
    response = await client.post("/api/v1/activities", json=body, headers=account.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created
