"""GraphQL calendar and session queries answer like REST, with the same authorisation."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from tests.conftest import Account
from tests.planning.helpers import calendar, on_date, plan

pytestmark = pytest.mark.anyio

CALENDAR = """
query Calendar($from: Date!, $to: Date!, $athleteId: ID) {
  calendar(from: $from, to: $to, athleteId: $athleteId) {
    date time kind title status exists sessionId seriesId occurrenceDate
  }
}
"""
SESSION = "query One($id: ID!) { session(id: $id) { id kind title status rrule snapshot } }"
SESSIONS = "query Mine($athleteId: ID) { sessions(athleteId: $athleteId) { total items { id kind } } }"


async def graphql(
    client: httpx.AsyncClient, account: Account, query: str, **variables: Any
) -> dict[str, Any]:
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=account.headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_the_graphql_calendar_lists_what_rest_lists(client: httpx.AsyncClient, ana: Account) -> None:
    series = await plan(
        client, ana, date=date(2027, 1, 4), time="18:00", repeat={"freq": "weekly", "count": 4}
    )
    await on_date(client, ana, series["id"], date(2027, 1, 11), "start")
    await plan(client, ana, date=date(2027, 1, 9))

    answer = await graphql(client, ana, CALENDAR, **{"from": "2027-01-01", "to": "2027-01-31"})
    rest = await calendar(client, ana, date(2027, 1, 1), date(2027, 1, 31))

    assert "errors" not in answer, answer
    got = [(e["date"], e["status"], e["exists"], e["sessionId"]) for e in answer["data"]["calendar"]]
    assert got == [(e["date"], e["status"], e["exists"], e["session_id"]) for e in rest]
    one = await graphql(client, ana, SESSION, id=series["id"])
    assert one["data"]["session"]["rrule"] == "FREQ=WEEKLY;COUNT=4"
    mine = await graphql(client, ana, SESSIONS)
    assert mine["data"]["sessions"]["total"] == 2


async def test_graphql_shows_nothing_of_another_athlete(
    client: httpx.AsyncClient, ana: Account, bo: Account
) -> None:
    planned = await plan(client, ana, date=date(2027, 1, 4))

    one = await graphql(client, bo, SESSION, id=planned["id"])
    theirs = await graphql(
        client, bo, CALENDAR, **{"from": "2027-01-01", "to": "2027-01-31", "athleteId": ana.id}
    )
    listed = await graphql(client, bo, SESSIONS, athleteId=ana.id)

    assert one["data"]["session"] is None
    assert theirs["data"] is None and "not found" in theirs["errors"][0]["message"]
    assert listed["data"] is None and "not found" in listed["errors"][0]["message"]
    own = await graphql(client, bo, CALENDAR, **{"from": "2027-01-01", "to": "2027-01-31"})
    assert own["data"]["calendar"] == []


async def test_graphql_needs_a_login(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql", json={"query": CALENDAR, "variables": {"from": "2027-01-01", "to": "2027-01-31"}}
    )
    assert response.status_code == 200
    assert "authentication required" in response.json()["errors"][0]["message"]
