"""What the planning tests write, and the API calls they make."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx

from atelier.planning.schemas import CalendarOut
from tests.conftest import Account

SQUATS = "# Back squat 5x5\nBack squat 5x5 @ 75%\n"
MURPH_LIKE = "# Saturday chipper\nFor time\n  50 Pull-up\n  100 Push-up\n  150 Air squat\n"
FRAN = "# Fran\n21-15-9 for time\n  Thruster 43/30 kg\n  Pull-up\n"


async def link(client: httpx.AsyncClient, coach: Account, athlete: Account) -> str:
    invited = await client.post("/api/v1/links", json={"athlete_email": athlete.email}, headers=coach.headers)
    assert invited.status_code == 201, invited.text
    link_id = str(invited.json()["id"])
    accepted = await client.post(f"/api/v1/links/{link_id}/accept", headers=athlete.headers)
    assert accepted.status_code == 200, accepted.text
    return link_id


async def plan(client: httpx.AsyncClient, account: Account, **body: Any) -> dict[str, Any]:
    """POST /sessions, asserting it was created."""
    body.setdefault("source", SQUATS)
    response = await client.post("/api/v1/sessions", json=_jsonable(body), headers=account.headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def calendar(
    client: httpx.AsyncClient, account: Account, first: date, last: date, **params: Any
) -> list[dict[str, Any]]:
    response = await client.get(
        "/api/v1/calendar",
        params={"from": first.isoformat(), "to": last.isoformat(), **params},
        headers=account.headers,
    )
    assert response.status_code == 200, response.text
    CalendarOut.model_validate(response.json())  # the body keeps the documented shape
    entries: list[dict[str, Any]] = response.json()["entries"]
    return entries


async def on_date(
    client: httpx.AsyncClient, account: Account, series_id: str, day: date, action: str
) -> httpx.Response:
    return await client.post(
        f"/api/v1/sessions/{series_id}/occurrences/{day.isoformat()}/{action}", headers=account.headers
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value
