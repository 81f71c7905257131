"""Nobody reads or changes what is not theirs: one test per accounts endpoint, user A against user B."""

from __future__ import annotations

import httpx
from fastapi.routing import APIRoute

from atelier.accounts.api import router
from tests.conftest import Account, sign_up

PASSWORD = "correct horse battery"

# Every accounts endpoint and the test below that proves it keeps users apart.
COVERED = {
    ("POST", "/api/v1/auth/register"): "test_registering_cannot_take_over_an_existing_account",
    ("POST", "/api/v1/auth/token"): "test_ones_own_password_does_not_open_another_account",
    ("POST", "/api/v1/auth/refresh"): "test_a_refresh_token_cannot_be_redirected_to_another_user",
    ("POST", "/api/v1/auth/logout"): "test_logging_out_ends_nobody_elses_login",
    ("GET", "/api/v1/me"): "test_me_is_always_the_caller",
    ("GET", "/api/v1/me/profile"): "test_a_profile_read_returns_only_the_callers_profile",
    ("PATCH", "/api/v1/me/profile"): "test_a_profile_edit_changes_only_the_callers_profile",
    ("POST", "/api/v1/links"): "test_a_coach_cannot_invite_on_another_coachs_behalf",
    ("GET", "/api/v1/links"): "test_the_link_list_shows_only_links_the_caller_is_a_side_of",
    ("POST", "/api/v1/links/{link_id}/accept"): "test_only_the_invited_athlete_can_accept",
    ("POST", "/api/v1/links/{link_id}/end"): "test_only_the_two_sides_can_end_a_link",
    ("GET", "/api/v1/athletes"): "test_a_coach_lists_only_their_own_athletes",
    ("GET", "/api/v1/athletes/{athlete_id}/profile"): "test_an_athletes_profile_is_closed_to_unlinked_users",
}


async def log_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post("/api/v1/auth/token", data={"username": email, "password": password})


async def invite(client: httpx.AsyncClient, coach: Account, athlete: Account) -> str:
    answer = await client.post("/api/v1/links", json={"athlete_email": athlete.email}, headers=coach.headers)
    assert answer.status_code == 201, answer.text
    link_id: str = answer.json()["id"]
    return link_id


async def link_ids(client: httpx.AsyncClient, account: Account) -> list[str]:
    return [link["id"] for link in (await client.get("/api/v1/links", headers=account.headers)).json()]


def test_every_accounts_endpoint_has_an_isolation_test() -> None:
    endpoints = {
        (method, route.path)
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods or ()
    }
    assert endpoints == set(COVERED)
    assert all(name in globals() for name in COVERED.values())


async def test_registering_cannot_take_over_an_existing_account(client: httpx.AsyncClient) -> None:
    owner = await sign_up(client)
    taken = await client.post(
        "/api/v1/auth/register",
        json={"email": owner.email.upper(), "password": "attacker-password", "name": "Mallory"},
    )
    assert taken.status_code == 409
    assert (await log_in(client, owner.email, "attacker-password")).status_code == 401
    assert (await log_in(client, owner.email)).status_code == 200
    assert (await client.get("/api/v1/me", headers=owner.headers)).json()["name"] == owner.name


async def test_ones_own_password_does_not_open_another_account(client: httpx.AsyncClient) -> None:
    ana = await sign_up(client)
    bo = await sign_up(client)
    await client.post(
        "/api/v1/auth/register",
        json={"email": "third@example.com", "password": "a-different-one", "name": "C"},
    )
    assert (await log_in(client, ana.email, "a-different-one")).status_code == 401
    token = (await log_in(client, bo.email)).json()["access_token"]
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["id"] == bo.id


async def test_a_refresh_token_cannot_be_redirected_to_another_user(client: httpx.AsyncClient) -> None:
    ana, bo = await sign_up(client), await sign_up(client)
    _, session_id, secret = ana.refresh_token.split(".", 2)
    redirected = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": f"{bo.id}.{session_id}.{secret}"}
    )
    assert redirected.status_code == 401
    own = await client.post("/api/v1/auth/refresh", json={"refresh_token": ana.refresh_token})
    assert own.status_code == 200
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {own.json()['access_token']}"})
    assert me.json()["id"] == ana.id


async def test_logging_out_ends_nobody_elses_login(client: httpx.AsyncClient) -> None:
    ana, bo = await sign_up(client), await sign_up(client)
    assert (await client.post("/api/v1/auth/logout", headers=ana.headers)).status_code == 204
    assert (await client.get("/api/v1/me", headers=bo.headers)).status_code == 200
    refreshed = await client.post("/api/v1/auth/refresh", json={"refresh_token": bo.refresh_token})
    assert refreshed.status_code == 200


async def test_me_is_always_the_caller(client: httpx.AsyncClient) -> None:
    ana, bo = await sign_up(client), await sign_up(client)
    assert (await client.get("/api/v1/me", headers=ana.headers)).json()["id"] == ana.id
    assert (await client.get("/api/v1/me", headers=bo.headers)).json()["id"] == bo.id


async def test_a_profile_read_returns_only_the_callers_profile(client: httpx.AsyncClient) -> None:
    ana, bo = await sign_up(client), await sign_up(client)
    await client.patch("/api/v1/me/profile", json={"bodyweight_kg": 57}, headers=ana.headers)
    read = (await client.get("/api/v1/me/profile", headers=bo.headers)).json()
    assert read["user_id"] == bo.id
    assert read["bodyweight_kg"] is None


async def test_a_profile_edit_changes_only_the_callers_profile(client: httpx.AsyncClient) -> None:
    ana, bo = await sign_up(client), await sign_up(client)
    edited = await client.patch(
        "/api/v1/me/profile", json={"level": "scaled", "one_rep_maxes": {"deadlift": 100}}, headers=bo.headers
    )
    assert edited.json()["user_id"] == bo.id
    untouched = (await client.get("/api/v1/me/profile", headers=ana.headers)).json()
    assert untouched["level"] == "rx"
    assert untouched["one_rep_maxes"] == {}
    smuggled = await client.patch("/api/v1/me/profile", json={"user_id": ana.id}, headers=bo.headers)
    assert smuggled.status_code == 422


async def test_a_coach_cannot_invite_on_another_coachs_behalf(client: httpx.AsyncClient) -> None:
    coach, other_coach, athlete = (
        await sign_up(client, role="coach"),
        await sign_up(client, role="coach"),
        await sign_up(client),
    )
    smuggled = await client.post(
        "/api/v1/links",
        json={"athlete_email": athlete.email, "coach_id": other_coach.id},
        headers=coach.headers,
    )
    assert smuggled.status_code == 422
    made = await client.post("/api/v1/links", json={"athlete_email": athlete.email}, headers=coach.headers)
    assert made.json()["coach_id"] == coach.id
    assert (await client.get("/api/v1/links", headers=other_coach.headers)).json() == []


async def test_the_link_list_shows_only_links_the_caller_is_a_side_of(client: httpx.AsyncClient) -> None:
    coach, athlete = await sign_up(client, role="coach"), await sign_up(client)
    other_coach, other_athlete = await sign_up(client, role="coach"), await sign_up(client)
    mine = await invite(client, coach, athlete)
    theirs = await invite(client, other_coach, other_athlete)
    assert await link_ids(client, coach) == [mine]
    assert await link_ids(client, athlete) == [mine]
    assert await link_ids(client, other_athlete) == [theirs]


async def test_only_the_invited_athlete_can_accept(client: httpx.AsyncClient) -> None:
    coach, athlete, stranger = (
        await sign_up(client, role="coach"),
        await sign_up(client),
        await sign_up(client),
    )
    link_id = await invite(client, coach, athlete)
    assert (await client.post(f"/api/v1/links/{link_id}/accept", headers=stranger.headers)).status_code == 404
    assert (await client.post(f"/api/v1/links/{link_id}/accept", headers=coach.headers)).status_code == 403
    status = (await client.get("/api/v1/links", headers=athlete.headers)).json()[0]["status"]
    assert status == "pending"


async def test_only_the_two_sides_can_end_a_link(client: httpx.AsyncClient) -> None:
    coach, athlete, stranger = (
        await sign_up(client, role="coach"),
        await sign_up(client),
        await sign_up(client),
    )
    link_id = await invite(client, coach, athlete)
    await client.post(f"/api/v1/links/{link_id}/accept", headers=athlete.headers)
    assert (await client.post(f"/api/v1/links/{link_id}/end", headers=stranger.headers)).status_code == 404
    status = (await client.get("/api/v1/links", headers=athlete.headers)).json()[0]["status"]
    assert status == "active"


async def test_a_coach_lists_only_their_own_athletes(client: httpx.AsyncClient) -> None:
    coach, other_coach = await sign_up(client, role="coach"), await sign_up(client, role="coach")
    athlete, other_athlete = await sign_up(client), await sign_up(client)
    for who, whom in ((coach, athlete), (other_coach, other_athlete)):
        link_id = await invite(client, who, whom)
        await client.post(f"/api/v1/links/{link_id}/accept", headers=whom.headers)
    listed = (await client.get("/api/v1/athletes", headers=coach.headers)).json()
    assert [found["id"] for found in listed] == [athlete.id]


async def test_an_athletes_profile_is_closed_to_unlinked_users(client: httpx.AsyncClient) -> None:
    athlete, peer, coach = await sign_up(client), await sign_up(client), await sign_up(client, role="coach")
    nobody = "00000000-0000-4000-8000-000000000000"
    for outsider in (peer, coach):
        answer = await client.get(f"/api/v1/athletes/{athlete.id}/profile", headers=outsider.headers)
        missing = await client.get(f"/api/v1/athletes/{nobody}/profile", headers=outsider.headers)
        # The same answer as for nobody at all: no hint that the account exists.
        assert answer.status_code == missing.status_code == 404
        assert answer.json()["detail"] == missing.json()["detail"]
    own_id = await client.get(f"/api/v1/athletes/{athlete.id}/profile", headers=athlete.headers)
    assert own_id.status_code == 404
