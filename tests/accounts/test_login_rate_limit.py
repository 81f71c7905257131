"""Failed logins are limited per e-mail: the limit holds even against the right password."""

from __future__ import annotations

import httpx

from atelier.config import Settings
from tests.conftest import sign_up


async def log_in(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.post("/api/v1/auth/token", data={"username": email, "password": password})


async def test_after_too_many_failures_even_the_right_password_gets_429_with_retry_after(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    account = await sign_up(client)
    for _ in range(settings.login_attempts):
        assert (await log_in(client, account.email, "wrong password")).status_code == 401

    refused = await log_in(client, account.email, "correct horse battery")
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == str(settings.login_window_seconds)
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["retry_after"] == settings.login_window_seconds


async def test_the_limit_counts_the_email_whatever_its_casing(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    account = await sign_up(client)
    for attempt in range(settings.login_attempts):
        spelled = account.email.upper() if attempt % 2 else f" {account.email}"
        await log_in(client, spelled, "wrong password")
    assert (await log_in(client, account.email, "correct horse battery")).status_code == 429


async def test_failures_below_the_limit_do_not_lock_the_account(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    account = await sign_up(client)
    for _ in range(settings.login_attempts - 1):
        await log_in(client, account.email, "wrong password")
    assert (await log_in(client, account.email, "correct horse battery")).status_code == 200


async def test_a_successful_login_resets_the_count_for_that_email(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    account = await sign_up(client)
    for _ in range(settings.login_attempts - 1):
        await log_in(client, account.email, "wrong password")
    assert (await log_in(client, account.email, "correct horse battery")).status_code == 200
    for _ in range(settings.login_attempts - 1):
        await log_in(client, account.email, "wrong password")
    assert (await log_in(client, account.email, "correct horse battery")).status_code == 200


async def test_one_locked_email_leaves_other_accounts_free_to_log_in(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    locked, other = await sign_up(client), await sign_up(client)
    for _ in range(settings.login_attempts):
        await log_in(client, locked.email, "wrong password")
    assert (await log_in(client, locked.email, "correct horse battery")).status_code == 429

    assert (await log_in(client, other.email, "correct horse battery")).status_code == 200
    assert (await log_in(client, other.email, "wrong password")).status_code == 401


async def test_unknown_emails_are_limited_like_known_ones(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    for _ in range(settings.login_attempts):
        assert (await log_in(client, "nobody@example.com", "guess")).status_code == 401
    assert (await log_in(client, "nobody@example.com", "guess")).status_code == 429


async def test_one_client_address_is_limited_across_emails(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    account = await sign_up(client)
    # Spread over many e-mails so no single e-mail reaches its own limit.
    for attempt in range(settings.login_attempts * 4):
        assert (await log_in(client, f"guess{attempt}@example.com", "guess")).status_code == 401
    refused = await log_in(client, account.email, "correct horse battery")
    assert refused.status_code == 429
    assert "retry-after" in refused.headers
