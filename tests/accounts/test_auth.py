"""Registration, login, access tokens, refresh rotation and logout."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import jwt

from atelier.accounts.security import issue_access_token, read_access_token
from atelier.config import Settings
from atelier.kit.clock import utcnow
from atelier.kit.runtime import Runtime
from tests.conftest import Account, sign_up

PROBLEM = "application/problem+json"
PASSWORD = "correct horse battery"


async def register(client: httpx.AsyncClient, **fields: str) -> httpx.Response:
    body = {"email": f"{uuid.uuid4().hex[:10]}@example.com", "password": PASSWORD, "name": "Someone"}
    return await client.post("/api/v1/auth/register", json=body | fields)


async def log_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post("/api/v1/auth/token", data={"username": email, "password": password})


async def refresh(client: httpx.AsyncClient, refresh_token: str) -> httpx.Response:
    return await client.post("/api/v1/auth/refresh", json={"refresh_token": refresh_token})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def session_id_of(account: Account) -> uuid.UUID:
    claims = jwt.decode(account.token, options={"verify_signature": False})
    return uuid.UUID(claims["sid"])


# Registration


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


async def test_registration_answers_the_account_without_any_password_material(
    client: httpx.AsyncClient,
) -> None:
    created = await register(client, email="Zoe.Martin@Example.COM", name="Zoé")
    assert created.status_code == 201
    body = created.json()
    assert set(body) == {"id", "email", "name", "role", "created_at"}
    assert body["email"] == "zoe.martin@example.com"
    assert uuid.UUID(body["id"])


async def test_the_email_is_normalised_so_any_casing_logs_in(client: httpx.AsyncClient) -> None:
    await register(client, email="Mixed.Case@Example.com")
    assert (await log_in(client, "MIXED.CASE@EXAMPLE.COM")).status_code == 200
    assert (await log_in(client, "  mixed.case@example.com ")).status_code == 200


async def test_a_coach_can_register_as_a_coach(client: httpx.AsyncClient) -> None:
    created = await register(client, role="coach")
    assert created.status_code == 201
    assert created.json()["role"] == "coach"


async def test_nobody_can_register_as_an_admin(client: httpx.AsyncClient) -> None:
    refused = await register(client, role="admin")
    assert refused.status_code == 422
    assert refused.headers["content-type"] == PROBLEM
    assert refused.json()["errors"][0]["loc"] == ["body", "role"]


async def test_a_password_shorter_than_eight_characters_is_refused(client: httpx.AsyncClient) -> None:
    refused = await register(client, password="short")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"] == ["body", "password"]


async def test_an_invalid_email_is_refused(client: httpx.AsyncClient) -> None:
    refused = await register(client, email="not-an-email")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"] == ["body", "email"]


async def test_a_name_of_only_spaces_is_refused(client: httpx.AsyncClient) -> None:
    refused = await register(client, name="   ")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"] == ["body", "name"]
    assert (await register(client, name="  Léa  ")).json()["name"] == "Léa"


async def test_an_unknown_field_is_a_422_problem_document(client: httpx.AsyncClient) -> None:
    refused = await register(client, is_admin="true")
    assert refused.status_code == 422
    assert refused.headers["content-type"] == PROBLEM
    problem = refused.json()
    assert problem["status"] == 422
    assert problem["instance"] == "/api/v1/auth/register"
    assert "is_admin" in problem["detail"]


async def test_a_second_account_with_the_same_email_is_a_conflict(client: httpx.AsyncClient) -> None:
    body = {"email": "bo@example.com", "password": "s3cret-pass", "name": "Bo"}
    assert (await client.post("/api/v1/auth/register", json=body)).status_code == 201
    again = await client.post("/api/v1/auth/register", json=body | {"email": "BO@example.com"})
    assert again.status_code == 409
    assert again.headers["content-type"] == PROBLEM


async def test_passwords_are_stored_as_argon2id_hashes(client: httpx.AsyncClient, runtime: Runtime) -> None:
    from atelier.accounts.repository import user_by_email

    await client.post(
        "/api/v1/auth/register", json={"email": "h@example.com", "password": "s3cret-pass", "name": "H"}
    )
    async with runtime.sessions() as session:
        user = await user_by_email(session, "h@example.com")
    assert user is not None
    assert user.password_hash.startswith("$argon2id$")
    assert "s3cret-pass" not in user.password_hash


# Login


async def test_login_answers_a_bearer_access_token_and_a_refresh_token(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    email = (await register(client)).json()["email"]
    answer = await log_in(client, email)
    assert answer.status_code == 200
    tokens = answer.json()
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == settings.access_token_minutes * 60
    assert tokens["refresh_token"]
    me = await client.get("/api/v1/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200
    assert me.json()["email"] == email


async def test_a_wrong_password_and_an_unknown_email_get_the_same_401(client: httpx.AsyncClient) -> None:
    email = (await register(client)).json()["email"]
    wrong_password = await log_in(client, email, "not the password")
    unknown_email = await log_in(client, "nobody@example.com")
    assert wrong_password.status_code == unknown_email.status_code == 401
    assert wrong_password.headers["content-type"] == PROBLEM
    assert wrong_password.json()["detail"] == unknown_email.json()["detail"] == "wrong e-mail or password"


async def test_login_needs_the_oauth2_form_fields(client: httpx.AsyncClient) -> None:
    refused = await client.post("/api/v1/auth/token", json={"username": "a@example.com", "password": "x"})
    assert refused.status_code == 422
    assert refused.headers["content-type"] == PROBLEM


# Access tokens


def test_access_token_claims_name_the_user_the_session_and_an_aware_utc_expiry(settings: Settings) -> None:
    user_id, session_id = uuid.uuid4(), uuid.uuid4()
    token, lifetime = issue_access_token(settings, user_id, session_id)
    claims = read_access_token(settings, token)
    assert (claims.user_id, claims.session_id) == (user_id, session_id)
    assert claims.expires_at.utcoffset() == timedelta(0)
    assert abs(claims.expires_at - (utcnow() + timedelta(seconds=lifetime))) < timedelta(seconds=5)


async def test_a_request_without_a_token_is_401_with_a_bearer_challenge(client: httpx.AsyncClient) -> None:
    answer = await client.get("/api/v1/me")
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"
    assert answer.headers["content-type"] == PROBLEM


async def test_a_malformed_token_is_401(client: httpx.AsyncClient) -> None:
    alg_none = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."
    for token in ("garbage", "a.b.c", alg_none):
        answer = await client.get("/api/v1/me", headers=bearer(token))
        assert answer.status_code == 401, token
        assert answer.headers["www-authenticate"] == "Bearer"


async def test_a_token_signed_with_another_key_is_401(client: httpx.AsyncClient, settings: Settings) -> None:
    account = await sign_up(client)
    forged_settings = settings.model_copy(update={"secret_key": "someone-elses-key-long-enough-for-hs256"})
    forged, _ = issue_access_token(forged_settings, uuid.UUID(account.id), session_id_of(account))
    answer = await client.get("/api/v1/me", headers=bearer(forged))
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"
    assert answer.json()["detail"] == "the access token is not valid"


async def test_a_correctly_signed_token_for_another_users_session_is_401(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    ana, bo = await sign_up(client), await sign_up(client)
    borrowed, _ = issue_access_token(settings, uuid.UUID(ana.id), session_id_of(bo))
    answer = await client.get("/api/v1/me", headers=bearer(borrowed))
    assert answer.status_code == 401


async def test_a_refresh_token_is_not_an_access_token(client: httpx.AsyncClient, settings: Settings) -> None:
    account = await sign_up(client)
    assert (await client.get("/api/v1/me", headers=bearer(account.refresh_token))).status_code == 401
    claims = jwt.decode(account.token, settings.secret_key, algorithms=["HS256"])
    not_access = jwt.encode(claims | {"type": "refresh"}, settings.secret_key, algorithm="HS256")
    answer = await client.get("/api/v1/me", headers=bearer(not_access))
    assert answer.status_code == 401
    assert answer.json()["detail"] == "not an access token"


async def test_an_expired_access_token_is_401(client: httpx.AsyncClient, settings: Settings) -> None:
    account = await sign_up(client)
    past = settings.model_copy(update={"access_token_minutes": -1})
    expired, _ = issue_access_token(past, uuid.UUID(account.id), session_id_of(account))
    answer = await client.get("/api/v1/me", headers=bearer(expired))
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"
    assert answer.json()["detail"] == "the access token has expired"


# Refresh and logout


async def test_refresh_rotates_so_the_old_refresh_token_stops_working(client: httpx.AsyncClient) -> None:
    account = await sign_up(client)
    rotated = await refresh(client, account.refresh_token)
    assert rotated.status_code == 200
    tokens = rotated.json()
    assert tokens["refresh_token"] != account.refresh_token
    assert (await client.get("/api/v1/me", headers=bearer(tokens["access_token"]))).status_code == 200

    replayed = await refresh(client, account.refresh_token)
    assert replayed.status_code == 401
    assert replayed.headers["content-type"] == PROBLEM


async def test_replaying_a_rotated_refresh_token_ends_the_whole_login(client: httpx.AsyncClient) -> None:
    account = await sign_up(client)
    rotated = (await refresh(client, account.refresh_token)).json()
    assert (await refresh(client, account.refresh_token)).status_code == 401

    assert (await refresh(client, rotated["refresh_token"])).status_code == 401
    assert (await client.get("/api/v1/me", headers=bearer(rotated["access_token"]))).status_code == 401


async def test_replaying_a_refresh_token_leaves_the_users_other_logins_alone(
    client: httpx.AsyncClient,
) -> None:
    account = await sign_up(client)
    other_login = (await log_in(client, account.email)).json()
    await refresh(client, account.refresh_token)
    await refresh(client, account.refresh_token)
    assert (await client.get("/api/v1/me", headers=bearer(other_login["access_token"]))).status_code == 200
    assert (await refresh(client, other_login["refresh_token"])).status_code == 200


async def test_an_invalid_refresh_token_is_401(client: httpx.AsyncClient) -> None:
    for token in ("not-a-refresh-token", f"{uuid.uuid4()}.{uuid.uuid4()}.secret"):
        answer = await refresh(client, token)
        assert answer.status_code == 401, token
        assert answer.headers["content-type"] == PROBLEM


async def test_logout_ends_the_access_and_the_refresh_token_at_once(client: httpx.AsyncClient) -> None:
    account = await sign_up(client)
    logged_out = await client.post("/api/v1/auth/logout", headers=account.headers)
    assert logged_out.status_code == 204
    assert logged_out.content == b""

    after = await client.get("/api/v1/me", headers=account.headers)
    assert after.status_code == 401
    assert after.json()["detail"] == "the session has ended; log in again"
    assert (await refresh(client, account.refresh_token)).status_code == 401
    assert (await client.post("/api/v1/auth/logout", headers=account.headers)).status_code == 401


async def test_logout_ends_only_the_login_it_was_called_from(client: httpx.AsyncClient) -> None:
    account = await sign_up(client)
    other_login = (await log_in(client, account.email)).json()
    await client.post("/api/v1/auth/logout", headers=account.headers)
    assert (await client.get("/api/v1/me", headers=bearer(other_login["access_token"]))).status_code == 200


async def test_logout_needs_a_token(client: httpx.AsyncClient) -> None:
    assert (await client.post("/api/v1/auth/logout")).status_code == 401


async def test_a_nul_character_in_any_field_is_refused_before_the_database(client: httpx.AsyncClient) -> None:
    body = {"email": "nul@example.com", "password": "s3cret-pass", "name": "Nu\x00l"}
    refused = await client.post("/api/v1/auth/register", json=body)
    assert refused.status_code == 422
    assert "NUL" in refused.json()["detail"]
    login = await client.post("/api/v1/auth/token", data={"username": "nul@example.com\x00", "password": "x"})
    assert login.status_code == 422
    ok = await client.post("/api/v1/auth/register", json=body | {"name": "Nul"})
    assert ok.status_code == 201
