"""Registration, login, refresh rotation, logout, rate limiting."""

from __future__ import annotations

import httpx


async def test_register_then_log_in_with_the_email_as_username(client: httpx.AsyncClient) -> None:
    created = await client.post(
        "/api/v1/auth/register", json={"email": "Ana@Example.com", "password": "s3cret-pass", "name": "Ana"}
    )
    assert created.status_code == 201
    assert created.json()["email"] == "ana@example.com"
    assert created.json()["role"] == "athlete"
    token = await client.post(
        "/api/v1/auth/token", data={"username": "ana@example.com", "password": "s3cret-pass"}
    )
    assert token.status_code == 200
    assert token.json()["token_type"] == "bearer"
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token.json()['access_token']}"})
    assert me.json()["name"] == "Ana"


async def test_a_second_account_with_the_same_email_is_a_conflict(client: httpx.AsyncClient) -> None:
    body = {"email": "bo@example.com", "password": "s3cret-pass", "name": "Bo"}
    assert (await client.post("/api/v1/auth/register", json=body)).status_code == 201
    again = await client.post("/api/v1/auth/register", json=body | {"email": "BO@example.com"})
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"


async def test_passwords_are_stored_as_argon2id_hashes(client: httpx.AsyncClient, runtime) -> None:  # type: ignore[no-untyped-def]
    from atelier.accounts.repository import user_by_email

    await client.post(
        "/api/v1/auth/register", json={"email": "h@example.com", "password": "s3cret-pass", "name": "H"}
    )
    async with runtime.sessions() as session:
        user = await user_by_email(session, "h@example.com")
    assert user is not None
    assert user.password_hash.startswith("$argon2id$")
    assert "s3cret-pass" not in user.password_hash
