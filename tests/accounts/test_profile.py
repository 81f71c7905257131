"""An athlete's own profile: defaults, partial updates, one-rep maxes by catalog id, all-or-nothing."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Account, sign_up

PROFILE = "/api/v1/me/profile"


async def edit(client: httpx.AsyncClient, account: Account, **changes: Any) -> httpx.Response:
    return await client.patch(PROFILE, json=changes, headers=account.headers)


async def profile_of(client: httpx.AsyncClient, account: Account) -> dict[str, Any]:
    answer = await client.get(PROFILE, headers=account.headers)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def test_a_new_account_has_a_profile_with_defaults(client: httpx.AsyncClient) -> None:
    account = await sign_up(client)
    assert await profile_of(client, account) == {
        "user_id": account.id,
        "category": "men",
        "level": "rx",
        "units": "kg",
        "language": "en",
        "timezone": "UTC",
        "bodyweight_kg": None,
        "birth_date": None,
        "resting_hr": None,
        "max_hr": None,
        "one_rep_maxes": {},
        "results_visibility": "public",
    }


async def test_the_profile_needs_a_token(client: httpx.AsyncClient) -> None:
    assert (await client.get(PROFILE)).status_code == 401
    assert (await client.patch(PROFILE, json={"level": "scaled"})).status_code == 401


async def test_a_patch_changes_only_the_fields_it_sends(client: httpx.AsyncClient) -> None:
    account = await sign_up(client)
    first = await edit(client, account, category="women", units="lb", bodyweight_kg=61.5)
    assert first.status_code == 200
    second = await edit(client, account, language="fr", timezone="Europe/Paris")
    assert second.status_code == 200

    profile = await profile_of(client, account)
    assert profile == second.json()
    assert profile["category"] == "women"
    assert profile["units"] == "lb"
    assert profile["bodyweight_kg"] == 61.5
    assert profile["language"] == "fr"
    assert profile["timezone"] == "Europe/Paris"
    assert profile["level"] == "rx"


async def test_every_profile_field_can_be_set(client: httpx.AsyncClient) -> None:
    account = await sign_up(client)
    changes = {
        "category": "women",
        "level": "foundations",
        "units": "lb",
        "language": "fr",
        "timezone": "America/Montreal",
        "bodyweight_kg": 58.0,
        "birth_date": "1990-04-12",
        "resting_hr": 52,
        "max_hr": 188,
    }
    assert (await edit(client, account, **changes)).status_code == 200
    profile = await profile_of(client, account)
    assert {field: profile[field] for field in changes} == changes


async def test_an_optional_number_is_cleared_with_null(client: httpx.AsyncClient) -> None:
    account = await sign_up(client)
    await edit(client, account, bodyweight_kg=80, resting_hr=60)
    cleared = await edit(client, account, bodyweight_kg=None)
    assert cleared.status_code == 200
    assert cleared.json()["bodyweight_kg"] is None
    assert cleared.json()["resting_hr"] == 60


async def test_a_required_setting_cannot_be_emptied(client: httpx.AsyncClient) -> None:
    account = await sign_up(client)
    refused = await edit(client, account, units=None)
    assert refused.status_code == 422
    assert "units" in refused.json()["detail"]
    assert (await profile_of(client, account))["units"] == "kg"


async def test_an_unknown_time_zone_is_refused(client: httpx.AsyncClient) -> None:
    account = await sign_up(client)
    refused = await edit(client, account, timezone="Mars/Olympus_Mons")
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert "Mars/Olympus_Mons" in refused.json()["detail"]
    assert (await profile_of(client, account))["timezone"] == "UTC"


async def test_an_unknown_profile_field_is_refused(client: httpx.AsyncClient) -> None:
    account = await sign_up(client)
    refused = await edit(client, account, user_id="00000000-0000-0000-0000-000000000000")
    assert refused.status_code == 422
    assert (await profile_of(client, account))["user_id"] == account.id


async def test_one_rep_maxes_are_stored_under_catalog_ids_whatever_name_was_used(
    client: httpx.AsyncClient,
) -> None:
    account = await sign_up(client)
    answer = await edit(
        client, account, one_rep_maxes={"back squats": 140, "Soulevé de terre": 180.25, "Bench Press": 100}
    )
    assert answer.status_code == 200
    expected = {"back_squat": 140.0, "deadlift": 180.25, "bench_press": 100.0}
    assert answer.json()["one_rep_maxes"] == expected
    assert (await profile_of(client, account))["one_rep_maxes"] == expected


async def test_sending_one_rep_maxes_replaces_the_previous_set(client: httpx.AsyncClient) -> None:
    account = await sign_up(client)
    await edit(client, account, one_rep_maxes={"back squat": 140, "deadlift": 180})
    await edit(client, account, one_rep_maxes={"deadlift": 185})
    assert (await profile_of(client, account))["one_rep_maxes"] == {"deadlift": 185.0}


async def test_a_patch_without_one_rep_maxes_keeps_them(client: httpx.AsyncClient) -> None:
    account = await sign_up(client)
    await edit(client, account, one_rep_maxes={"back squat": 140})
    await edit(client, account, level="scaled")
    assert (await profile_of(client, account))["one_rep_maxes"] == {"back_squat": 140.0}


async def test_an_unknown_movement_is_refused_by_name(client: httpx.AsyncClient) -> None:
    account = await sign_up(client)
    refused = await edit(client, account, one_rep_maxes={"back squat": 140, "frobnicate": 90})
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert "'frobnicate'" in refused.json()["detail"]


async def test_an_unknown_movement_close_to_a_known_one_gets_a_suggestion(client: httpx.AsyncClient) -> None:
    account = await sign_up(client)
    refused = await edit(client, account, one_rep_maxes={"back sqat": 140})
    assert refused.status_code == 422
    assert "Back squat" in refused.json()["detail"]


OUT_OF_RANGE: list[dict[str, Any]] = [
    {"one_rep_maxes": {"deadlift": 0}},
    {"one_rep_maxes": {"deadlift": -20}},
    {"one_rep_maxes": {"deadlift": 600}},
    {"bodyweight_kg": 20},
    {"bodyweight_kg": 400},
    {"resting_hr": 24},
    {"max_hr": 241},
    {"birth_date": "1899-12-31"},
    {"birth_date": "2999-01-01"},
    {"category": "kids"},
    {"units": "stone"},
    {"language": "de"},
]


async def test_out_of_range_values_are_refused(client: httpx.AsyncClient) -> None:
    account = await sign_up(client)
    for changes in OUT_OF_RANGE:
        refused = await edit(client, account, **changes)
        assert refused.status_code == 422, changes
        assert refused.headers["content-type"] == "application/problem+json"
        [field] = changes
        assert field in refused.json()["detail"], changes


async def test_a_refused_patch_saves_nothing_at_all(client: httpx.AsyncClient) -> None:
    account = await sign_up(client)
    await edit(client, account, level="intermediate", one_rep_maxes={"deadlift": 150})
    before = await profile_of(client, account)

    # Valid fields come first in each body: none of them may be half-saved.
    refusals: list[dict[str, Any]] = [
        {"level": "scaled", "bodyweight_kg": 70, "one_rep_maxes": {"back squat": 120, "frobnicate": 90}},
        {"level": "scaled", "units": "lb", "timezone": "Nowhere/Atlantis"},
        {"level": "scaled", "one_rep_maxes": {"back squat": 700}},
        {"level": "scaled", "units": None},
    ]
    for changes in refusals:
        assert (await edit(client, account, **changes)).status_code == 422, changes
        assert await profile_of(client, account) == before, changes
