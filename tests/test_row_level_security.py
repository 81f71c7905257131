"""Row-level security on PostgreSQL: raw SQL through the application's connection obeys the same rule.

Every query here is plain SQL, with no repository filter, issued through ``runtime.sessions()``: an
engine that switches to the ``atelier_app`` role on connect. What it returns is what the policies
let through, so these tests prove isolation holds even if an application query forgets a filter.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from typing import Any, cast

import httpx
import pytest
from sqlalchemy import CursorResult, text
from sqlalchemy.exc import DBAPIError

from atelier.db import set_rls_context
from atelier.kit.runtime import Runtime
from tests.conftest import Account, sign_up

pytestmark = pytest.mark.skipif(
    os.environ.get("ATELIER_TEST_DATABASE") != "postgresql", reason="row-level security is PostgreSQL's"
)

PRIVATE_WOD = "# Mine\nFor time\n  21 Thruster 43/30 kg\n  21 Pull-up\n"
PROTECTED_TABLES = ("athlete_profiles", "auth_sessions", "coach_links", "wods", "wod_versions")


@dataclass
class World:
    """Ana, an athlete on her own; Bea, a coach with a private WOD and Cy, an athlete she coaches."""

    ana: Account
    bea: Account
    cy: Account
    wod_id: str
    link_id: str


@pytest.fixture
async def world(client: httpx.AsyncClient) -> World:
    ana = await sign_up(client, name="Ana")
    bea = await sign_up(client, role="coach", name="Bea")
    cy = await sign_up(client, name="Cy")
    wod = await client.post(
        "/api/v1/wods", json={"source": PRIVATE_WOD, "visibility": "private"}, headers=bea.headers
    )
    assert wod.status_code == 201, wod.text
    link = await client.post("/api/v1/links", json={"athlete_email": cy.email}, headers=bea.headers)
    assert link.status_code == 201, link.text
    accepted = await client.post(f"/api/v1/links/{link.json()['id']}/accept", headers=cy.headers)
    assert accepted.status_code == 200, accepted.text
    return World(ana, bea, cy, wod.json()["id"], link.json()["id"])


async def rows(runtime: Runtime, table: str, *, as_user: str | None) -> list[dict[str, Any]]:
    """``SELECT *`` through the application's connection, in ``as_user``'s context (or none)."""
    async with runtime.sessions() as session:
        if as_user is not None:
            await set_rls_context(session, user_id=uuid.UUID(as_user))
        result = await session.execute(text(f"SELECT * FROM {table}"))
        return [dict(row) for row in result.mappings()]


def owners(table: str, found: list[dict[str, Any]]) -> set[str]:
    """The users each row belongs to: both sides of a link, the author of a WOD version."""
    people: set[str] = set()
    for row in found:
        if table == "coach_links":
            people |= {str(row["coach_id"]), str(row["athlete_id"])}
        elif table == "wods":
            people.add(str(row["owner_id"]))
        elif table == "wod_versions":
            people.add(str(row["created_by"]))
        else:
            people.add(str(row["user_id"]))
    return people


async def test_the_application_connection_runs_as_a_role_that_cannot_bypass_policies(
    runtime: Runtime,
) -> None:
    async with runtime.sessions() as session:
        role = (
            await session.execute(
                text(
                    "SELECT current_user AS name, rolsuper, rolbypassrls "
                    "FROM pg_roles WHERE rolname = current_user"
                )
            )
        ).one()
    assert role.name == "atelier_app"
    assert role.rolsuper is False
    assert role.rolbypassrls is False


async def test_every_user_owned_table_forces_row_level_security(runtime: Runtime) -> None:
    async with runtime.sessions() as session:
        flags = (
            await session.execute(
                text(
                    "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class "
                    "WHERE relname = ANY(:tables) AND relkind = 'r'"
                ),
                {"tables": list(PROTECTED_TABLES)},
            )
        ).all()
    assert {(name, enabled, forced) for name, enabled, forced in flags} == {
        (table, True, True) for table in PROTECTED_TABLES
    }


async def test_a_user_sees_none_of_another_users_rows(runtime: Runtime, world: World) -> None:
    for table in PROTECTED_TABLES:
        assert world.bea.id in owners(table, await rows(runtime, table, as_user=world.bea.id)), table

        seen_by_ana = owners(table, await rows(runtime, table, as_user=world.ana.id))
        assert world.bea.id not in seen_by_ana, table
        assert world.cy.id not in seen_by_ana, table


async def test_a_user_sees_their_own_rows_and_only_those(runtime: Runtime, world: World) -> None:
    for table in ("athlete_profiles", "auth_sessions"):
        assert owners(table, await rows(runtime, table, as_user=world.ana.id)) == {world.ana.id}
    assert await rows(runtime, "coach_links", as_user=world.ana.id) == []
    assert await rows(runtime, "wods", as_user=world.ana.id) == []


async def test_without_a_context_a_private_wod_and_every_private_row_are_invisible(
    runtime: Runtime, world: World
) -> None:
    wods = await rows(runtime, "wods", as_user=None)
    assert world.wod_id not in {str(row["id"]) for row in wods}
    for table in PROTECTED_TABLES:
        assert await rows(runtime, table, as_user=None) == [], table


async def test_the_owners_context_sees_the_private_wod(runtime: Runtime, world: World) -> None:
    wods = await rows(runtime, "wods", as_user=world.bea.id)
    assert [(str(row["id"]), row["visibility"]) for row in wods] == [(world.wod_id, "private")]


async def test_a_coach_sees_a_linked_athletes_profile_row_only_while_the_link_is_active(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    assert owners("athlete_profiles", await rows(runtime, "athlete_profiles", as_user=world.bea.id)) == {
        world.bea.id,
        world.cy.id,
    }
    ended = await client.post(f"/api/v1/links/{world.link_id}/end", headers=world.cy.headers)
    assert ended.status_code == 200
    after = await rows(runtime, "athlete_profiles", as_user=world.bea.id)
    assert owners("athlete_profiles", after) == {world.bea.id}


async def test_the_context_ends_with_the_transaction(runtime: Runtime, world: World) -> None:
    async with runtime.sessions() as session:
        await set_rls_context(session, user_id=uuid.UUID(world.bea.id))
        assert (await session.execute(text("SELECT count(*) FROM wods"))).scalar_one() == 1
        await session.commit()
        assert (await session.execute(text("SELECT count(*) FROM wods"))).scalar_one() == 0


INSERT_WOD = text(
    "INSERT INTO wods (id, owner_id, visibility, version, title, source, compiled, source_hash, format, "
    "score_type, movements, equipment, modalities, categories, duration_seconds, difficulty, team_size, "
    "created_at, updated_at) VALUES (:id, :owner_id, 'private', 1, 'Planted', :source, '{}'::jsonb, "
    "repeat('0', 64), 'for_time', 'time', '{}', '{}', '{}', '{}', 300, 10, 1, now(), now())"
)


async def test_inserting_a_wod_owned_by_someone_else_is_refused_by_the_policy(
    runtime: Runtime, world: World
) -> None:
    async with runtime.sessions() as session:
        await set_rls_context(session, user_id=uuid.UUID(world.ana.id))
        with pytest.raises(DBAPIError, match="row-level security"):
            await session.execute(
                INSERT_WOD, {"id": uuid.uuid4(), "owner_id": uuid.UUID(world.bea.id), "source": PRIVATE_WOD}
            )


async def test_the_same_insert_for_oneself_is_allowed(runtime: Runtime, world: World) -> None:
    async with runtime.sessions() as session:
        await set_rls_context(session, user_id=uuid.UUID(world.ana.id))
        await session.execute(
            INSERT_WOD, {"id": uuid.uuid4(), "owner_id": uuid.UUID(world.ana.id), "source": PRIVATE_WOD}
        )
        assert (await session.execute(text("SELECT count(*) FROM wods"))).scalar_one() == 1
        await session.rollback()


async def test_another_users_rows_can_be_neither_updated_nor_deleted(runtime: Runtime, world: World) -> None:
    theirs = {
        "wod": uuid.UUID(world.wod_id),
        "bea": uuid.UUID(world.bea.id),
        "link": uuid.UUID(world.link_id),
    }
    statements = (
        "UPDATE wods SET visibility = 'public', owner_id = NULL WHERE id = :wod",
        "DELETE FROM wod_versions WHERE wod_id = :wod",
        "UPDATE athlete_profiles SET level = 'scaled' WHERE user_id = :bea",
        "UPDATE auth_sessions SET revoked_at = now() WHERE user_id = :bea",
        "DELETE FROM coach_links WHERE id = :link",
    )
    async with runtime.sessions() as session:
        await set_rls_context(session, user_id=uuid.UUID(world.ana.id))
        for statement in statements:
            parameters = {name: value for name, value in theirs.items() if f":{name}" in statement}
            changed = cast(CursorResult[Any], await session.execute(text(statement), parameters))
            assert changed.rowcount == 0, statement
        await session.commit()

    assert [row["visibility"] for row in await rows(runtime, "wods", as_user=world.bea.id)] == ["private"]
    assert len(await rows(runtime, "wod_versions", as_user=world.bea.id)) == 1
    profiles = await rows(runtime, "athlete_profiles", as_user=world.bea.id)
    assert {row["level"] for row in profiles} == {"rx"}
    sessions = await rows(runtime, "auth_sessions", as_user=world.bea.id)
    assert [row["revoked_at"] for row in sessions] == [None]
    assert len(await rows(runtime, "coach_links", as_user=world.bea.id)) == 1


async def test_the_users_table_has_no_policy_so_login_can_find_an_account(
    runtime: Runtime, world: World
) -> None:
    emails = {row["email"] for row in await rows(runtime, "users", as_user=None)}
    assert {world.ana.email, world.bea.email, world.cy.email} <= emails
