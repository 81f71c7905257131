"""``atelier user create``: an account made on the command line logs in through the API.

The command runs its own event loop (``asyncio.run``), so these tests are synchronous and check the
result with a short ``asyncio.run`` of their own.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import httpx
import pytest
from typer.testing import CliRunner, Result

from atelier.app import create_app
from atelier.cli import app
from atelier.config import Settings, get_settings
from atelier.kit.cache import MemoryCache
from atelier.kit.runtime import Runtime

runner = CliRunner()


@pytest.fixture(autouse=True)
def cli_environment(monkeypatch: pytest.MonkeyPatch, database_url: str) -> Iterator[None]:
    """The CLI reads the test database and cheap argon2 settings from the environment."""
    monkeypatch.setenv("ATELIER_DATABASE_URL", database_url)
    monkeypatch.setenv("ATELIER_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("ATELIER_ARGON2_MEMORY_KIB", "1024")
    monkeypatch.delenv("ATELIER_REDIS_URL", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def create_user(*args: str) -> Result:
    return runner.invoke(app, ["user", "create", *args])


def log_in(settings: Settings, email: str, password: str) -> httpx.Response:
    async def attempt() -> httpx.Response:
        runtime = Runtime.from_settings(settings)
        runtime.cache = MemoryCache()
        transport = httpx.ASGITransport(app=create_app(settings, runtime=runtime))
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://atelier.test") as client:
                answer = await client.post(
                    "/api/v1/auth/token", data={"username": email, "password": password}
                )
                if answer.status_code == 200:
                    token = answer.json()["access_token"]
                    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
                    return me
                return answer
        finally:
            await runtime.close()

    return asyncio.run(attempt())


def fresh_email() -> str:
    return f"cli-{uuid.uuid4().hex[:10]}@Example.com"


def test_a_user_created_on_the_command_line_can_log_in_through_the_api(settings: Settings) -> None:
    email = fresh_email()
    result = create_user(
        "--email", email, "--name", "Camille", "--role", "coach", "--password", "s3cret-pass"
    )
    assert result.exit_code == 0, result.output
    assert f"created coach {email.lower()}" in result.stdout

    me = log_in(settings, email, "s3cret-pass")
    assert me.status_code == 200, me.text
    assert me.json()["email"] == email.lower()
    assert me.json()["name"] == "Camille"
    assert me.json()["role"] == "coach"
    assert log_in(settings, email, "not-the-password").status_code == 401


def test_the_password_is_asked_for_when_not_given(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("getpass.getpass", lambda _prompt="": "typed-secret")
    email = fresh_email()
    result = create_user("--email", email, "--name", "Dom")
    assert result.exit_code == 0, result.output
    assert log_in(settings, email, "typed-secret").json()["role"] == "athlete"


def test_a_bad_email_prints_a_readable_error_and_exits_non_zero() -> None:
    result = create_user("--email", "not-an-email", "--name", "Eve", "--password", "s3cret-pass")
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert result.stderr.startswith("error: email: ")
    # Rich wraps at the console width, so read the message with its line breaks undone.
    assert "value is not a valid email address" in " ".join(result.stderr.split())


def test_a_short_password_is_refused_before_anything_is_written(settings: Settings) -> None:
    email = fresh_email()
    result = create_user("--email", email, "--name", "Fay", "--password", "short")
    assert result.exit_code != 0
    assert "password" in result.stderr
    assert log_in(settings, email, "short").status_code == 401


def test_an_unknown_role_is_refused() -> None:
    result = create_user(
        "--email", fresh_email(), "--name", "Gus", "--role", "owner", "--password", "s3cret-pass"
    )
    assert result.exit_code != 0
    assert "role" in result.stderr


def test_an_email_already_taken_is_an_error_not_a_second_account(settings: Settings) -> None:
    email = fresh_email()
    assert create_user("--email", email, "--name", "Hal", "--password", "first-pass").exit_code == 0
    again = create_user("--email", email.upper(), "--name", "Mallory", "--password", "other-pass")
    assert again.exit_code == 1
    assert "error: an account with this e-mail already exists" in again.stderr
    assert "Traceback" not in again.output
    assert log_in(settings, email, "first-pass").json()["name"] == "Hal"
    assert log_in(settings, email, "other-pass").status_code == 401
