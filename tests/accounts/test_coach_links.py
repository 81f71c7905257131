"""Coach links: a coach sees an athlete's profile only while the athlete has accepted and not ended."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Account, sign_up


async def invite(client: httpx.AsyncClient, coach: Account, athlete_email: str) -> httpx.Response:
    return await client.post("/api/v1/links", json={"athlete_email": athlete_email}, headers=coach.headers)


async def act(client: httpx.AsyncClient, actor: Account, link_id: str, action: str) -> httpx.Response:
    return await client.post(f"/api/v1/links/{link_id}/{action}", headers=actor.headers)


async def athlete_profile(client: httpx.AsyncClient, coach: Account, athlete: Account) -> httpx.Response:
    return await client.get(f"/api/v1/athletes/{athlete.id}/profile", headers=coach.headers)


async def athletes_of(client: httpx.AsyncClient, coach: Account) -> list[dict[str, Any]]:
    answer = await client.get("/api/v1/athletes", headers=coach.headers)
    assert answer.status_code == 200, answer.text
    listed: list[dict[str, Any]] = answer.json()
    return listed


async def linked(client: httpx.AsyncClient) -> tuple[Account, Account, str]:
    """A coach and an athlete with an active link between them."""
    coach, athlete = await sign_up(client, role="coach"), await sign_up(client)
    link_id = (await invite(client, coach, athlete.email)).json()["id"]
    assert (await act(client, athlete, link_id, "accept")).status_code == 200
    return coach, athlete, link_id


async def test_an_athlete_cannot_invite_anyone(client: httpx.AsyncClient) -> None:
    athlete, other = await sign_up(client), await sign_up(client)
    refused = await invite(client, athlete, other.email)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert (await client.get("/api/v1/links", headers=other.headers)).json() == []


async def test_a_coach_invites_an_athlete_by_email_and_the_link_starts_pending(
    client: httpx.AsyncClient,
) -> None:
    coach = await sign_up(client, role="coach", name="Coach Carter")
    athlete = await sign_up(client, name="Ana")
    invited = await invite(client, coach, athlete.email.upper())
    assert invited.status_code == 201
    link = invited.json()
    assert link["status"] == "pending"
    assert link["coach_id"] == coach.id
    assert link["athlete_id"] == athlete.id
    assert link["coach_name"] == "Coach Carter"
    assert link["athlete_name"] == "Ana"
    assert link["accepted_at"] is None
    assert link["ended_at"] is None

    for side in (coach, athlete):
        listed = (await client.get("/api/v1/links", headers=side.headers)).json()
        assert [(found["id"], found["status"]) for found in listed] == [(link["id"], "pending")]


async def test_a_coach_sees_an_athlete_profile_only_while_linked(client: httpx.AsyncClient) -> None:
    coach, athlete = await sign_up(client, role="coach"), await sign_up(client)
    await client.patch(
        "/api/v1/me/profile", json={"one_rep_maxes": {"deadlift": 160}}, headers=athlete.headers
    )
    assert (await athlete_profile(client, coach, athlete)).status_code == 404

    link_id = (await invite(client, coach, athlete.email)).json()["id"]
    assert (await athlete_profile(client, coach, athlete)).status_code == 404
    assert await athletes_of(client, coach) == []

    accepted = await act(client, athlete, link_id, "accept")
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "active"
    assert accepted.json()["accepted_at"] is not None
    seen = await athlete_profile(client, coach, athlete)
    assert seen.status_code == 200
    assert seen.json()["user_id"] == athlete.id
    assert seen.json()["one_rep_maxes"] == {"deadlift": 160.0}
    assert [found["id"] for found in await athletes_of(client, coach)] == [athlete.id]

    ended = await act(client, athlete, link_id, "end")
    assert ended.status_code == 200
    assert ended.json()["status"] == "ended"
    assert (await athlete_profile(client, coach, athlete)).status_code == 404
    assert await athletes_of(client, coach) == []


async def test_the_athlete_list_shows_who_and_since_when(client: httpx.AsyncClient) -> None:
    coach, athlete, _ = await linked(client)
    [listed] = await athletes_of(client, coach)
    assert listed["id"] == athlete.id
    assert listed["name"] == athlete.name
    assert listed["email"] == athlete.email
    assert listed["linked_since"] is not None


async def test_the_coach_edits_nothing_through_the_athletes_view(client: httpx.AsyncClient) -> None:
    coach, athlete, _ = await linked(client)
    await client.patch("/api/v1/me/profile", json={"level": "scaled"}, headers=coach.headers)
    assert (await athlete_profile(client, coach, athlete)).json()["level"] == "rx"


async def test_when_the_coach_ends_the_link_the_coach_loses_access_at_once(
    client: httpx.AsyncClient,
) -> None:
    coach, athlete, link_id = await linked(client)
    ended = await act(client, coach, link_id, "end")
    assert ended.status_code == 200
    assert ended.json()["ended_at"] is not None
    assert (await athlete_profile(client, coach, athlete)).status_code == 404
    assert await athletes_of(client, coach) == []


async def test_an_athlete_declines_an_invitation_by_ending_it(client: httpx.AsyncClient) -> None:
    coach, athlete = await sign_up(client, role="coach"), await sign_up(client)
    link_id = (await invite(client, coach, athlete.email)).json()["id"]
    declined = await act(client, athlete, link_id, "end")
    assert declined.status_code == 200
    assert declined.json()["status"] == "ended"
    assert (await act(client, athlete, link_id, "accept")).status_code == 409
    assert (await athlete_profile(client, coach, athlete)).status_code == 404


async def test_the_coach_cannot_accept_on_the_athletes_behalf(client: httpx.AsyncClient) -> None:
    coach, athlete = await sign_up(client, role="coach"), await sign_up(client)
    link_id = (await invite(client, coach, athlete.email)).json()["id"]
    refused = await act(client, coach, link_id, "accept")
    assert refused.status_code == 403
    assert (await athlete_profile(client, coach, athlete)).status_code == 404
    listed = (await client.get("/api/v1/links", headers=athlete.headers)).json()
    assert listed[0]["status"] == "pending"


async def test_a_third_user_can_neither_see_nor_accept_nor_end_a_link(client: httpx.AsyncClient) -> None:
    coach, athlete = await sign_up(client, role="coach"), await sign_up(client)
    stranger_athlete, stranger_coach = await sign_up(client), await sign_up(client, role="coach")
    link_id = (await invite(client, coach, athlete.email)).json()["id"]

    for stranger in (stranger_athlete, stranger_coach):
        assert (await client.get("/api/v1/links", headers=stranger.headers)).json() == []
        assert (await act(client, stranger, link_id, "accept")).status_code == 404
        assert (await act(client, stranger, link_id, "end")).status_code == 404

    assert (await act(client, athlete, link_id, "accept")).status_code == 200
    for stranger in (stranger_athlete, stranger_coach):
        assert (await act(client, stranger, link_id, "end")).status_code == 404
        assert (await athlete_profile(client, stranger, athlete)).status_code == 404
    assert (await athlete_profile(client, coach, athlete)).status_code == 200


async def test_another_coach_sees_nothing_of_an_athlete_linked_elsewhere(client: httpx.AsyncClient) -> None:
    _, athlete, _ = await linked(client)
    other_coach = await sign_up(client, role="coach")
    assert (await athlete_profile(client, other_coach, athlete)).status_code == 404
    assert await athletes_of(client, other_coach) == []


async def test_the_athlete_cannot_use_the_coach_view_on_their_coach(client: httpx.AsyncClient) -> None:
    coach, athlete, _ = await linked(client)
    assert (await athlete_profile(client, athlete, coach)).status_code == 404
    assert await athletes_of(client, athlete) == []


async def test_inviting_the_same_athlete_twice_is_a_conflict(client: httpx.AsyncClient) -> None:
    coach, athlete = await sign_up(client, role="coach"), await sign_up(client)
    assert (await invite(client, coach, athlete.email)).status_code == 201
    assert (await invite(client, coach, athlete.email)).status_code == 409
    link_id = (await client.get("/api/v1/links", headers=coach.headers)).json()[0]["id"]
    await act(client, athlete, link_id, "accept")
    assert (await invite(client, coach, athlete.email)).status_code == 409


async def test_inviting_an_unknown_email_is_404(client: httpx.AsyncClient) -> None:
    coach = await sign_up(client, role="coach")
    refused = await invite(client, coach, "nobody@example.com")
    assert refused.status_code == 404
    assert refused.headers["content-type"] == "application/problem+json"


async def test_inviting_something_that_is_not_an_email_is_422(client: httpx.AsyncClient) -> None:
    coach = await sign_up(client, role="coach")
    assert (await invite(client, coach, "not-an-email")).status_code == 422


async def test_a_coach_cannot_invite_themselves(client: httpx.AsyncClient) -> None:
    coach = await sign_up(client, role="coach")
    assert (await invite(client, coach, coach.email)).status_code == 422


async def test_a_coach_may_invite_again_after_the_link_ended(client: httpx.AsyncClient) -> None:
    coach, athlete, first_id = await linked(client)
    await act(client, coach, first_id, "end")
    again = await invite(client, coach, athlete.email)
    assert again.status_code == 201
    assert again.json()["id"] != first_id
    assert (await act(client, athlete, again.json()["id"], "accept")).status_code == 200
    assert (await athlete_profile(client, coach, athlete)).status_code == 200

    history = (await client.get("/api/v1/links", headers=athlete.headers)).json()
    assert sorted(found["status"] for found in history) == ["active", "ended"]


async def test_an_ended_link_cannot_be_ended_or_accepted_again(client: httpx.AsyncClient) -> None:
    coach, athlete, link_id = await linked(client)
    await act(client, athlete, link_id, "end")
    ended_again = await act(client, coach, link_id, "end")
    assert ended_again.status_code == 409
    assert ended_again.json()["status_now"] == "ended"
    assert (await act(client, athlete, link_id, "accept")).status_code == 409


async def test_an_active_link_cannot_be_accepted_twice(client: httpx.AsyncClient) -> None:
    _, athlete, link_id = await linked(client)
    again = await act(client, athlete, link_id, "accept")
    assert again.status_code == 409
    assert again.json()["status_now"] == "active"


async def test_a_link_that_does_not_exist_is_404(client: httpx.AsyncClient) -> None:
    athlete = await sign_up(client)
    missing = "00000000-0000-4000-8000-000000000000"
    assert (await act(client, athlete, missing, "accept")).status_code == 404
    assert (await act(client, athlete, missing, "end")).status_code == 404
    assert (await act(client, athlete, "not-a-uuid", "end")).status_code == 422


async def test_one_athlete_may_have_several_coaches_each_seeing_only_while_linked(
    client: httpx.AsyncClient,
) -> None:
    strength, gymnastics = await sign_up(client, role="coach"), await sign_up(client, role="coach")
    athlete = await sign_up(client)
    for coach in (strength, gymnastics):
        link_id = (await invite(client, coach, athlete.email)).json()["id"]
        await act(client, athlete, link_id, "accept")
    strength_link = next(
        found["id"]
        for found in (await client.get("/api/v1/links", headers=athlete.headers)).json()
        if found["coach_id"] == strength.id
    )
    await act(client, athlete, strength_link, "end")
    assert (await athlete_profile(client, strength, athlete)).status_code == 404
    assert (await athlete_profile(client, gymnastics, athlete)).status_code == 200
