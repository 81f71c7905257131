"""Workouts the WOD tests write, and the API calls that store and find them."""

from __future__ import annotations

from typing import Any

import httpx
from wodcraft import library

from tests.conftest import Account

FRAN = "# Fran\n21-15-9 for time\n  Thruster 43/30 kg\n  Pull-up\n"
# The same workout as FRAN: other spacing and case, plural aliases, pounds for the same loads.
FRAN_REWRITTEN = "#   fran\n21-15-9   FOR TIME\n    thrusters 95/65 lb\n    pull ups\n"
HEAVY_FRAN = "# Fran\n21-15-9 for time\n  Thruster 52/35 kg\n  Pull-up\n"
CAPPED_FRAN = "# Fran\n21-15-9 for time, cap 10:00\n  Thruster 43/30 kg\n  Pull-up\n"
LIBRARY_FRAN = library.get("girls/fran").source  # 95/65 lb, with a Scaled level
CINDY = "# Cindy\nAMRAP 20\n  5 Pull-up\n  10 Push-up\n  15 Air squat\n"
ENGINE = "# Engine\nEMOM 10\n  Odd: 12/10 cal Row\n  Even: 10 Burpee\n"
SQUAT_DAY = "# Squat day\nBack squat 5x5 @ 75%\n"
SWING_AND_JUMP = (
    "# Swing and jump\n5 rounds for time\n  21 Kettlebell swing 24/16 kg\n  15 Box jump 24/20 in\n"
)
CORE = "# Core\n3 rounds for time\n  15 Toes-to-bar\n  20 Sit-up\n"
BURPEE_HUNDRED = "# Burpee hundred\nFor time\n  100 Burpee\n"
HEAVY_BARBELL = (
    "# Heavy barbell\n5 rounds for time\n  12 Deadlift 155/105 lb\n  9 Hang power clean 155/105 lb\n"
    "  6 Push jerk 155/105 lb\n"
)
TUESDAY = (
    "# Tuesday\n## Warm-up\n3 rounds\n  10 Air squat\n  5 Push-up\n"
    "## Metcon\nAMRAP 12\n  5 Pull-up\n  10 Burpee\n"
)
UNKNOWN_MOVEMENT = "# Fran\n21-15-9 for time\n  Thrusterz 43/30 kg\n  Pull-up\n"
REVERSED_LOADS = "# Reversed\nFor time\n  21 Thruster 30/43 kg\n"


async def store(
    client: httpx.AsyncClient, account: Account, source: str, *, visibility: str = "private"
) -> dict[str, Any]:
    """POST a workout that compiles; 201 for a new WOD, 200 for one the account already sees."""
    response = await client.post(
        "/api/v1/wods", json={"source": source, "visibility": visibility}, headers=account.headers
    )
    assert response.status_code in (200, 201), response.text
    body: dict[str, Any] = response.json()
    return body


async def search(client: httpx.AsyncClient, account: Account, **params: Any) -> dict[str, Any]:
    response = await client.get("/api/v1/wods", params=params, headers=account.headers)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


async def found_titles(client: httpx.AsyncClient, account: Account, **params: Any) -> set[str]:
    page = await search(client, account, limit=100, **params)
    return {item["title"] for item in page["items"]}


async def my_wod_count(client: httpx.AsyncClient, account: Account) -> int:
    page = await search(client, account, owner="mine")
    return int(page["total"])
