"""``atelier demo``: a coach and an athlete with three months of history, built through the services,
that the API then shows like any other account's; loading it twice adds nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from typer.testing import CliRunner

from atelier import demo
from atelier.kit.clock import utcnow
from atelier.kit.runtime import Runtime
from tests.wods.test_cli import atelier, run

__all__ = ["atelier"]


async def signed_in(client: httpx.AsyncClient, email: str) -> dict[str, str]:
    token = await client.post("/api/v1/auth/token", data={"username": email, "password": demo.PASSWORD})
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


async def get(client: httpx.AsyncClient, path: str, headers: dict[str, str], **params: Any) -> Any:
    response = await client.get(f"/api/v1{path}", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def totals(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, int]:
    """What a second load must not change: history, ledger, results on Fran, plans ahead."""
    finished = await get(client, "/training/sessions", headers, limit=1)
    activities = await get(client, "/activities", headers, limit=1)
    plans = await get(client, "/sessions", headers, limit=1)
    classes = await get(client, "/classes", headers)
    return {
        "finished": finished["total"],
        "activities": activities["total"],
        "plans": plans["total"],
        "classes": len(classes),
    }


async def test_the_demo_athlete_has_three_months_of_history_that_every_page_can_show(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    plan = demo.plan_for(utcnow())

    built = await demo.build(runtime, plan)

    assert built is not None
    assert {email for email, _ in built.accounts} == set(demo.EMAILS)
    athlete = await signed_in(client, demo.ATHLETE)
    finished = await get(client, "/training/sessions", athlete, limit=100)
    days = sorted(item["date"] for item in finished["items"])
    assert finished["total"] == built.finished_sessions >= 35
    assert days[-1] <= plan.today.isoformat()
    assert days[0] <= (plan.today - timedelta(days=84)).isoformat()

    records = await get(client, "/records", athlete)
    squat = next(m for m in records["movements"] if m["movement"] == "back_squat")
    assert squat["best_loads"]["5"]["value"] > 67.5  # the loads went up from the first week's
    assert squat["e1rm"]["value"] > squat["best_loads"]["5"]["value"]
    assert {"Fran", "Helen", "Cindy", "Grace"} <= {w["name"] for w in records["workouts"]}

    board = await get(client, f"/wods/{await fran_id(client, athlete)}/leaderboard", athlete)
    names = {row["athlete"]["name"] for row in board["rows"]}
    assert {"Camille Laurent", *(name for _, name, _, _ in demo.MEMBERS)} <= names

    training = await get(client, "/activities", athlete, source="training", limit=1)
    manual = await get(client, "/activities", athlete, source="manual", limit=100)
    wearable = await get(client, "/activities", athlete, source="wearable", limit=1)
    assert training["total"] == finished["total"]  # each finished session reached Forge once
    assert {"Bike commute", "Yoga flow"} <= {a["name"] for a in manual["items"]}
    assert wearable["total"] >= 1

    tomorrow = (plan.today + timedelta(days=1)).isoformat()
    (evening,) = await get(client, "/classes", athlete, **{"from": tomorrow, "to": tomorrow})
    assert (evening["time"], evening["capacity"], evening["tracks"]) == ("18:00:00", 12, ["RX", "SCALED"])
    assert evening["my_booking"]["status"] == "booked"

    (assignment,) = (await get(client, "/assignments", athlete))["items"]
    assert assignment["status"] == "active"
    assert assignment["start_date"] > plan.today.isoformat()

    before = await totals(client, athlete)
    assert await demo.build(runtime, demo.plan_for(utcnow())) is None
    assert await totals(client, athlete) == before


async def fran_id(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    found = await get(client, "/wods", headers, q="Fran", owner="public")
    return str(next(w["id"] for w in found["items"] if w["title"] == "Fran"))


def test_offer_on_a_database_with_accounts_prints_nothing(atelier: CliRunner) -> None:
    made = run(
        atelier, "user", "create", "--email", "eva@example.org", "--name", "Eva", "--password", "long pw!"
    )
    assert made.exit_code == 0, made.output

    offered = run(atelier, "demo", "--offer")

    assert offered.exit_code == 0
    assert offered.output == ""


def test_offer_without_a_terminal_tells_how_to_load_it_and_loads_nothing(atelier: CliRunner) -> None:
    offered = run(atelier, "demo", "--offer")

    assert offered.exit_code == 0
    assert offered.output.strip() == (
        "No accounts yet: run `.venv/bin/atelier demo` to load a demo coach and athlete."
    )
    assert run(atelier, "demo", "--offer").output == offered.output  # still no accounts


def test_a_demo_account_already_there_is_said_and_left_alone(atelier: CliRunner) -> None:
    made = run(atelier, "user", "create", "--email", demo.COACH, "--name", "Me", "--password", "long pw!")
    assert made.exit_code == 0, made.output

    loaded = run(atelier, "demo")

    assert loaded.exit_code == 0
    assert "the demo accounts already exist" in loaded.output
    assert demo.PASSWORD in loaded.output and demo.LOGIN_URL in loaded.output
