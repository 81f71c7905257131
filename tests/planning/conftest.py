"""People who plan: two athletes who share nothing (Ana, Bo) and a coach linked to Ana only."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import Account, sign_up
from tests.planning.helpers import link


@pytest.fixture
async def ana(client: httpx.AsyncClient) -> Account:
    account = await sign_up(client, name="Ana")
    profile = await client.patch(
        "/api/v1/me/profile", json={"timezone": "Europe/Paris"}, headers=account.headers
    )
    assert profile.status_code == 200, profile.text
    return account


@pytest.fixture
async def bo(client: httpx.AsyncClient) -> Account:
    return await sign_up(client, name="Bo")


@pytest.fixture
async def coach(client: httpx.AsyncClient, ana: Account) -> Account:
    """Coach Cy, linked to Ana (active), not to Bo."""
    account = await sign_up(client, role="coach", name="Cy")
    await link(client, account, ana)
    return account
