"""Two athletes who never share their private WODs: Ana and Bo."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import Account, sign_up


@pytest.fixture
async def ana(client: httpx.AsyncClient) -> Account:
    return await sign_up(client, name="Ana")


@pytest.fixture
async def bo(client: httpx.AsyncClient) -> Account:
    return await sign_up(client, name="Bo")
