"""Forge people: Ana (with a body for the calorie models), Bo who shares nothing, Coach Cy linked to Ana."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import Account
from tests.planning.conftest import ana as _ana
from tests.planning.conftest import bo, coach

__all__ = ["ana", "bo", "coach", "fit_ana"]

ana = _ana


@pytest.fixture
async def fit_ana(client: httpx.AsyncClient, ana: Account) -> Account:
    """Ana with weight, birth date and resting heart rate, so Keytel and Karvonen apply."""
    profile = await client.patch(
        "/api/v1/me/profile",
        json={"category": "women", "bodyweight_kg": 60, "birth_date": "1990-06-15", "resting_hr": 55},
        headers=ana.headers,
    )
    assert profile.status_code == 200, profile.text
    return ana
